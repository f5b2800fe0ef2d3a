"""Contact records (relay/records.py) against SQLite and a real PostgreSQL: what the
console, the reports and the customer history read is what the desk did."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relay.store import Store, StoreError

T0 = 1_800_000_000.0


@pytest.fixture
def store(tmp_path: Path, database_url: str) -> Iterator[Store]:
    s = Store.open(tmp_path, database_url)
    s.add_agent("minji", "Kim Minji", "Acme")
    s.add_agent("jisoo", "Park Jisoo", "Acme")
    s.set_team("minji", "billing")
    yield s
    s.close()


def _ask(store: Store, ticket: str, at: float, **kw: str) -> None:
    store.contact_asked(
        ticket,
        queue=kw.get("queue", "billing"),
        installation=kw.get("installation", "inst-0001"),
        name=kw.get("name", "Hong Gildong 홍길동"),
        contact=kw.get("contact", "010-1234-5678"),
        topic=kw.get("topic", "The printer prints blank pages"),
        at=at,
    )


def test_a_queued_contact_runs_from_ask_to_end_with_wait_and_handle_times(store: Store) -> None:
    _ask(store, "t1", T0)
    row = store.records.contact("t1")
    assert row is not None and row.state == "waiting" and row.kind == "queue"
    store.session_started("s1", "minji", "123", T0 + 90, "n1", contact="t1")
    store.room_event("s1", T0 + 100, "accepted", "jisoo", "customer", 2, "")
    store.room_event("s1", T0 + 101, "declined", "nobody", "customer", 0, "")
    store.session_ended("s1", T0 + 400, "agent_left", 10, 20, 0)
    row = store.records.contact("t1")
    assert row is not None
    assert (row.state, row.agent, row.team, row.agents) == (
        "ended",
        "minji",
        "billing",
        "minji jisoo",
    )
    assert (row.wait_s, row.handle_s, row.end_reason) == (90, 310, "agent_left")
    assert row.customer_name == "Hong Gildong 홍길동" and row.sid == "s1"
    # Nothing but the session's own contact: one row, not two.
    assert store.records.search()[1] == 1


def test_a_take_written_before_the_ask_still_makes_one_whole_contact(store: Store) -> None:
    """On a cluster the node that took the customer may write before the node they asked
    on: the upserts meet in one row."""
    store.session_started("s1", "minji", "123", T0 + 30, "n2", contact="t1")
    _ask(store, "t1", T0)
    row = store.records.contact("t1")
    assert row is not None and row.state == "in_session" and row.customer_name.startswith("Hong")
    assert row.asked == T0 and row.started == T0 + 30


def test_a_code_session_is_a_contact_of_its_own(store: Store) -> None:
    store.session_started("s9", "jisoo", "4321", T0)
    store.session_ended("s9", T0 + 60, "customer_left", 0, 0, 0)
    [row], total = store.records.search(agent="jisoo")
    assert total == 1 and (row.kind, row.state, row.handle_s, row.wait_s) == (
        "session",
        "ended",
        60,
        0,
    )


def test_leaving_the_queue_is_abandoned_and_a_taken_contact_stays_taken(store: Store) -> None:
    _ask(store, "t1", T0)
    store.contact_left("t1", "abandoned", T0 + 45)
    row = store.records.contact("t1")
    assert row is not None and (row.state, row.wait_s) == ("abandoned", 45)
    _ask(store, "t2", T0)
    store.session_started("s2", "minji", "1", T0 + 5, contact="t2")
    store.contact_left("t2", "abandoned", T0 + 6)  # late news from another node
    row = store.records.contact("t2")
    assert row is not None and row.state == "in_session"


def test_callbacks_are_contacts_and_their_outcome_is_kept(store: Store) -> None:
    cid = store.add_callback(
        queue="billing",
        installation="inst-0002",
        name="Lee",
        contact="lee@example.org",
        channel="phone",
        description="Refund",
        window=(T0 + 3600, T0 + 5400),
        asked=T0,
    )
    assert store.records.contact(cid).state == "callback_open"  # type: ignore[union-attr]
    store.callback_outcome(cid, "done", agent="jisoo", at=T0 + 4000)
    row = store.records.contact(cid)
    assert row is not None and (row.state, row.agent, row.kind) == (
        "callback_done",
        "jisoo",
        "callback",
    )


def test_search_finds_names_numbers_topics_and_notes_and_pages(store: Store) -> None:
    for i in range(30):
        _ask(store, f"t{i:02}", T0 + i, name=f"Customer {i}", contact=f"c{i}@example.org")
    _ask(store, "kim", T0 + 100, name="김철수", topic="인터넷이 안 돼요", contact="010-9999-0000")
    store.records.add_note("t05", "minji", "Router reset fixed it; 100% solved", T0 + 200)
    assert [r.id for r in store.records.search("김철수")[0]] == ["kim"]
    assert [r.id for r in store.records.search("인터넷")[0]] == ["kim"]
    assert [r.id for r in store.records.search("9999")[0]] == ["kim"]
    assert [r.id for r in store.records.search("ROUTER")[0]] == ["t05"]
    assert [r.id for r in store.records.search("100%")[0]] == ["t05"]  # % is not a wildcard
    assert store.records.search("_")[1] == 0
    page, total = store.records.search("customer", limit=10, offset=10)
    assert total == 30 and [r.id for r in page] == [f"t{i:02}" for i in range(19, 9, -1)]
    assert store.records.search(since=T0 + 29, until=T0 + 101)[1] == 2


def test_history_recognises_the_installation_or_the_phone_and_leaves_out_now(store: Store) -> None:
    _ask(store, "a", T0, installation="inst-A", contact="010-1")
    _ask(store, "b", T0 + 10, installation="inst-B", contact="010-1")
    _ask(store, "c", T0 + 20, installation="inst-A", contact="")
    _ask(store, "d", T0 + 30, installation="inst-C", contact="other")
    got = store.records.history(installation="inst-A", contact="010-1", but="c")
    assert [r.id for r in got] == ["b", "a"]
    assert store.records.history() == []


def test_notes_and_outcome(store: Store) -> None:
    _ask(store, "t1", T0)
    with pytest.raises(StoreError, match="empty"):
        store.records.add_note("t1", "minji", "   ", T0)
    with pytest.raises(StoreError, match="no contact"):
        store.records.add_note("nope", "minji", "hi", T0)
    store.records.add_note("t1", "minji", "Asked for a callback tomorrow", T0 + 1)
    store.records.add_note("t1", "jisoo", "Called back; fixed", T0 + 2)
    assert [n.author for n in store.records.notes("t1")] == ["minji", "jisoo"]
    row = store.records.set_outcome("t1", resolved=True, tags=" printer,, driver ", at=T0 + 3)
    assert row.resolved is True and row.tags == "printer, driver"
    store.records.set_survey("t1", 5, "Very kind", T0 + 4)
    store.records.set_survey("t1", 1, "changed my mind", T0 + 5)  # once only
    row = store.records.contact("t1")
    assert row is not None and (row.satisfaction, row.comment) == (5, "Very kind")
    with pytest.raises(StoreError, match="1 to 5"):
        store.records.set_survey("t1", 9, "", T0)


def test_retention_deletes_old_finished_contacts_only(store: Store) -> None:
    _ask(store, "old", T0)
    store.contact_left("old", "abandoned", T0 + 1)
    store.records.add_note("old", "minji", "old note", T0 + 2)
    _ask(store, "old-waiting", T0)  # still waiting (a restart kept it): not deleted
    _ask(store, "new", T0 + 86400 * 40)
    assert store.records.purge(T0 + 86400 * 30) == 1
    assert store.records.contact("old") is None and store.records.notes("old") == []
    assert store.records.contact("old-waiting") is not None
    assert store.records.contact("new") is not None


def test_forgetting_a_customer_erases_every_trace_of_them(store: Store) -> None:
    _ask(store, "a", T0, installation="inst-A", contact="hong@example.org")
    _ask(store, "b", T0, installation="inst-B", contact="HONG@example.org")  # same person
    _ask(store, "c", T0, installation="inst-C", contact="other@example.org")
    store.records.add_note("a", "minji", "note about Hong", T0)
    cb = store.add_callback(
        queue="billing",
        installation="inst-A",
        name="Hong",
        contact="hong@example.org",
        channel="phone",
        description="x",
        window=(T0, T0 + 60),
        asked=T0,
    )
    store.flag("inst-B", "s1", "repeat", reason="again", actor="minji", at=T0)
    store.block("inst-A", T0 + 99, actor="minji", reason="abuse", at=T0)
    assert store.records.forget_customer(contact="hong@example.org") == 3  # a, b, callback
    assert store.records.search()[1] == 1
    assert store.callback(cb) is None and store.flags("inst-B") == []
    assert store.blocks(T0) == []
    log = " ".join(f"{r.subject} {r.actor} {r.detail}" for r in store.desk_log())
    assert "inst-A" not in log and "inst-B" not in log and cb not in log
    with pytest.raises(StoreError, match="name the customer"):
        store.records.forget_customer()


def test_a_crashed_relay_ends_its_contacts(store: Store) -> None:
    store.session_started("s1", "minji", "1", T0, "n1")
    store.sessions_progress(T0 + 30, [("s1", 1, 2, 0)])
    assert store.mark_lost("n1") == 1
    row = store.records.by_session("s1")
    assert row is not None and (row.state, row.end_reason, row.handle_s) == (
        "ended",
        "relay_crashed",
        30,
    )


def test_reports_count_waits_handle_times_resolution_and_satisfaction(store: Store) -> None:
    """Two days in Seoul; the same figures from SQLite and PostgreSQL."""
    day = 86400
    start = 1_800_000_000.0 - (1_800_000_000 + 9 * 3600) % day  # a Seoul midnight
    waits = [10, 20, 30, 40, 100]
    for i, wait in enumerate(waits):
        t = f"a{i}"
        _ask(store, t, start + 3600 + i)
        store.session_started(f"s{i}", "minji", str(i), start + 3600 + i + wait, contact=t)
        store.session_ended(f"s{i}", start + 3600 + i + wait + 60 * (i + 1), "agent_left", 0, 0, 0)
    store.records.set_outcome("a0", resolved=True, tags="", at=start)
    store.records.set_outcome("a1", resolved=False, tags="", at=start)
    store.records.set_survey("a0", 5, "", start)
    store.records.set_survey("a1", 2, "", start)
    _ask(store, "gone", start + day + 60)  # the next day: one abandoned, one code session
    store.contact_left("gone", "abandoned", start + day + 90)
    store.session_started("code", "jisoo", "9", start + day + 100)
    rows = store.records.reports.report(start, start + 2 * day, "day", zone="Asia/Seoul")
    first, second = rows
    assert first.key == dt.datetime.fromtimestamp(start, ZoneInfo("Asia/Seoul")).date().isoformat()
    assert (first.contacts, first.served, first.abandoned) == (5, 5, 0)
    # Waits are counted in 5 s buckets: each percentile within 5 s of the exact one.
    assert first.wait_p50 == pytest.approx(30, abs=5)
    assert first.wait_p90 == pytest.approx(76, abs=5)
    assert first.handle_avg == pytest.approx(180)  # 60..300 s
    assert (first.resolved_said, first.resolved, first.fcr) == (2, 1, 0.5)
    assert (first.satisfaction_avg, first.satisfaction_count) == (3.5, 2)
    assert (second.contacts, second.served, second.abandoned) == (2, 1, 1)
    assert second.abandon_rate == 0.5 and second.wait_p50 is None
    by_agent = store.records.reports.report(start, start + 2 * day, "agent", zone="Asia/Seoul")
    assert [(r.key, r.contacts) for r in by_agent] == [("", 1), ("jisoo", 1), ("minji", 5)]
    weeks = store.records.reports.report(start, start + 2 * day, "week", zone="Asia/Seoul")
    assert sum(r.contacts for r in weeks) == 7
    with pytest.raises(StoreError, match="groups by"):
        store.records.reports.report(start, start + day, "month")


def test_quality_reviews_score_the_checklist_and_reports_show_them(store: Store) -> None:
    day = 86400
    start = 1_800_000_000.0 - (1_800_000_000 + 9 * 3600) % day
    for i in range(3):
        _ask(store, f"q{i}", start + 60 + i)
        store.session_started(f"s{i}", "minji", str(i), start + 90 + i, contact=f"q{i}")
        store.session_ended(f"s{i}", start + 900, "agent_left", 0, 0, 0)
    full = {"greeting": 2, "diagnosis": 2, "resolution": 2, "manners": 2}
    half = {"greeting": 1, "diagnosis": 1, "resolution": 1, "manners": 1}
    assert store.records.review("q0", "sam", full, "Textbook", start + 2000).score == 100
    store.records.review("q1", "sam", half, "", start + 2000)
    store.records.review("q1", "sam", full, "Second look: fine", start + 2100)  # replaces
    store.records.review("q2", "sam", half, "", start + 2000)
    assert [r.comment for r in store.records.reviews("q1")] == ["Second look: fine"]
    with pytest.raises(StoreError, match="score each of"):
        store.records.review("q0", "sam", {"greeting": 3}, "", start)
    with pytest.raises(StoreError, match="no contact"):
        store.records.review("nope", "sam", full, "", start)
    (row,) = store.records.reports.report(start, start + day, "agent", zone="Asia/Seoul")
    assert (row.key, row.quality_count) == ("minji", 3)
    assert row.quality_avg == pytest.approx((100 + 100 + 50) / 3)
    (by_day,) = store.records.reports.report(start, start + day, "day", zone="Asia/Seoul")
    assert by_day.quality_count == 3
    assert store.records.forget_customer(installation="inst-0001") == 3
    assert store.records.reviews("q0") == []


@given(
    st.lists(st.floats(min_value=0, max_value=20_000, allow_nan=False), min_size=1, max_size=300)
)
def test_bucketed_percentiles_are_within_a_bucket_of_the_exact_ones(
    waits: list[float],
) -> None:
    """What the reports show against what percentile_cont would say over the raw waits."""
    from relay.records import WAIT_BUCKET_S, _bucket_percentile

    counts: dict[int, int] = {}
    for w in waits:
        counts[int(w / WAIT_BUCKET_S)] = counts.get(int(w / WAIT_BUCKET_S), 0) + 1
    ordered = sorted(waits)
    for q in (0.5, 0.9):
        pos = q * (len(ordered) - 1)
        low = int(pos)
        high = min(low + 1, len(ordered) - 1)
        exact = ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
        got = _bucket_percentile(sorted(counts.items()), q)
        assert got is not None and abs(got - exact) <= WAIT_BUCKET_S + 1e-9
