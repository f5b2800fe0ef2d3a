"""Refresh the translation catalogue: ``make i18n``.

1. ``pyside6-lupdate`` extracts every ``tr()`` / ``translate()`` string from the
   apps into a fresh catalogue;
2. the sentences of ``common.errors`` are added in context ``errors``;
3. Korean translations already in ``assist_ui/i18n/assist_ko.ts`` are kept, and
   strings without one are marked unfinished (the translation test lists them);
4. ``pyside6-lrelease`` compiles the ``.qm`` the apps load.

Run with ``--check`` to only report missing translations (exit 1 if any).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "assist_ui" / "i18n" / "assist_ko.ts"
QM = TS.with_suffix(".qm")
SOURCES = ("assist_client", "assist_agent", "assist_ui")


def _tool(name: str) -> str:
    here = Path(sys.executable).parent / f"pyside6-{name}"
    found = str(here) if here.exists() else shutil.which(f"pyside6-{name}")
    if not found:
        raise SystemExit(f"pyside6-{name} not found: install PySide6 (make setup)")
    return found


def source_files() -> list[Path]:
    return sorted(p for pkg in SOURCES for p in (ROOT / pkg).rglob("*.py"))


def extract() -> dict[tuple[str, str], None]:
    """Every (context, source text) the code translates, in a stable order."""
    from common.errors import all_templates

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fresh.ts"
        subprocess.run(
            [_tool("lupdate"), *map(str, source_files()), "-ts", str(out), "-no-obsolete"],
            check=True,
            capture_output=True,
        )
        found = {
            (ctx.findtext("name", ""), msg.findtext("source", "")): None
            for ctx in ET.parse(out).getroot().iter("context")
            for msg in ctx.iter("message")
        }
    for template in all_templates():
        found[("errors", template)] = None
    return found


def existing() -> dict[tuple[str, str], str]:
    if not TS.exists():
        return {}
    done = {}
    for ctx in ET.parse(TS).getroot().iter("context"):
        name = ctx.findtext("name", "")
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            if tr is not None and tr.text and tr.get("type") not in ("unfinished", "obsolete"):
                done[(name, msg.findtext("source", ""))] = tr.text
    return done


def missing() -> list[tuple[str, str]]:
    have = existing()
    return [key for key in extract() if key not in have]


def write(entries: dict[tuple[str, str], None], have: dict[tuple[str, str], str]) -> None:
    root = ET.Element("TS", version="2.1", language="ko_KR", sourcelanguage="en_US")
    by_ctx: dict[str, list[str]] = {}
    for ctx, src in entries:
        by_ctx.setdefault(ctx, []).append(src)
    for ctx in sorted(by_ctx):
        c = ET.SubElement(root, "context")
        ET.SubElement(c, "name").text = ctx
        for src in by_ctx[ctx]:
            m = ET.SubElement(c, "message")
            ET.SubElement(m, "source").text = src
            tr = ET.SubElement(m, "translation")
            if (ctx, src) in have:
                tr.text = have[(ctx, src)]
            else:
                tr.set("type", "unfinished")
    ET.indent(root)
    TS.parent.mkdir(parents=True, exist_ok=True)
    TS.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
        + ET.tostring(root, encoding="unicode")
        + "\n",
        encoding="utf-8",
    )


def compile_qm(ts: Path = TS, qm: Path = QM) -> None:
    subprocess.run([_tool("lrelease"), str(ts), "-qm", str(qm)], check=True, capture_output=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="only report missing translations")
    p.add_argument(
        "--merge",
        metavar="FILE.json",
        help='add translations from a JSON list of {"context", "source", "translation"}',
    )
    args = p.parse_args(argv)
    if args.merge:
        have = existing()
        for item in json.loads(Path(args.merge).read_text(encoding="utf-8")):
            have[(item["context"], item["source"])] = item["translation"]
        write(extract(), have)
    gaps = missing()
    if not args.check:
        write(extract(), existing())
        compile_qm()
    for ctx, src in gaps:
        print(f"missing Korean: [{ctx}] {src}")
    return 1 if gaps and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
