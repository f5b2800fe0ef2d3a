"""The floors of docs/architecture.md hold: no module imports from a floor above its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"common", "relay", "assist_net", "assist_ui", "assist_client", "assist_agent"}
#: What each package may import of ours (besides itself).
ALLOWED = {
    "common": set(),
    "relay": {"common"},
    "assist_net": {"common"},
    "assist_ui": {"common"},
    "assist_client": {"common", "assist_net", "assist_ui"},
    "assist_agent": {"common", "assist_net", "assist_ui"},
}
#: Never in the sans-I/O core.
NOT_IN_COMMON = {"asyncio", "socket", "threading", "PySide6", "websockets", "sqlite3", "ssl"}


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_module_imports_from_a_floor_above(package: str) -> None:
    wrong = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names = imports(path)
        bad = (names & OURS) - ALLOWED[package] - {package}
        if package == "common":
            bad |= names & NOT_IN_COMMON
        if bad:
            wrong[str(path.relative_to(ROOT))] = sorted(bad)
    assert not wrong, wrong
