"""Every sentence the console shows has its Korean (relay/console/text.py)."""

from __future__ import annotations

import re
from pathlib import Path

from relay.console import text
from relay.integrations import EVENTS, SCOPES
from relay.records import CHECKLIST, GROUPS
from relay.store import ROLES

CONSOLE = Path(text.__file__).parent
CALLS = re.compile(r"""_\(\s*(["'])(.+?)\1""")
T_CALLS = re.compile(r"""text\.t\(\s*[^,]+,\s*"([^"]+)\"""")


def shown() -> set[str]:
    found: set[str] = set()
    for template in (CONSOLE / "templates").glob("*.html"):
        found |= {m.group(2) for m in CALLS.finditer(template.read_text(encoding="utf-8"))}
    for source in CONSOLE.glob("*.py"):
        found |= set(T_CALLS.findall(source.read_text(encoding="utf-8")))
    return found


def test_every_sentence_has_its_korean() -> None:
    # "by " + a group is put together in the template: each whole phrase instead.
    strings = {s for s in shown() if not s.endswith(" ")}
    strings |= set(text.STATE_NAMES.values()) | set(ROLES) | {f"by {g}" for g in GROUPS}
    strings |= set(text.HELP_REFUSALS.values())
    strings |= {f"scope {s}" for s in SCOPES} | {f"event {e}" for e in EVENTS}
    strings |= set(CHECKLIST)
    strings |= set(text.DAY_NAMES.values())
    strings |= set(text.EVENT_NAMES.values())
    strings |= {
        f"card {k}"
        for k in ("valid", "expiring", "expired", "none", "revoked", "wrong_key", "unreadable")
    }
    assert len(strings) > 100  # the patterns still find them
    missing = sorted(s for s in strings if s not in text.KO)
    assert not missing, missing


def test_filled_in_and_store_sentences() -> None:
    assert text.t("ko", "{n} contacts", n=3) == "상담 3건"
    assert text.t("en", "{n} contacts", n=3) == "3 contacts"
    assert text.t("ko", text.store_sentence("the note is empty")).startswith("메모가 비어")
    assert text.store_sentence("the note is empty") == "The note is empty."


def test_a_chart_of_percentages_reaches_100_and_escapes_its_labels() -> None:
    from relay.console import charts

    svg = str(charts.bars("Quality <%>", ["<b>day</b>"], [("q", [50.0])], floor=100))
    assert ">100<" in svg and ">0<" in svg  # the axis' top and bottom
    assert "<b>day</b>" not in svg and "&lt;b&gt;" in svg
    assert 'height="' in svg and "<title>Quality &lt;%&gt;</title>" in svg


def test_a_refused_queue_change_is_a_sentence_in_korean_too() -> None:
    from relay.config import ConfigError
    from relay.desk.changes import change
    from relay.desk.config import desk_from_mapping

    desk = desk_from_mapping({"queue": [{"id": "internet", "name": "I", "teams": ["n"]}]})
    for changes, korean in (
        ({"week": {"mon": "9-18"}}, "운영 시간을 읽을 수 없습니다"),
        ({"max_waiting": 0}, "최대 대기 인원은"),
        ({"add_day": {"24/12": "closed"}}, "날짜를 읽을 수 없습니다"),
        ({"teams": []}, "담당 팀을"),
        ({"state": "open", "for_s": 1}, "기간은 1분에서 1년"),
    ):
        try:
            change(desk, None, "internet", changes, now=1e9, actor="a")
        except ConfigError as exc:
            assert text.change_sentence("ko", str(exc)).startswith(korean), changes
            assert text.change_sentence("en", str(exc)).startswith("Queue 'internet': ")
        else:
            raise AssertionError(f"{changes} was not refused")
