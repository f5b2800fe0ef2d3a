"""One contract for the durable store, run against every backend: SQLite (the default)
and a real PostgreSQL server started by the test run (tests/helpers/servers.py)."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from relay import sql
from relay.store import CardRow, Store, StoreError
from tools.servers import free_port

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def store(tmp_path: Path, database_url: str) -> Iterator[Store]:
    s = Store.open(tmp_path, database_url)
    yield s
    s.close()


def test_agents_and_tokens(store: Store) -> None:
    token = store.add_agent("minji", "Kim Minji 김민지", "Acme")
    assert store.check_token(token) is not None
    assert store.check_token(token + "x") is None
    assert store.check_token("ar1_000000000000.nothing") is None
    with pytest.raises(StoreError, match="already an agent called 'minji'"):
        store.add_agent("minji")
    [rec] = store.list_agents()
    assert (rec.name, rec.display_name, rec.org) == ("minji", "Kim Minji 김민지", "Acme")
    new = store.reset_token("minji")
    assert store.check_token(token) is None and store.check_token(new) is not None
    assert store.agent_still_valid("minji", new.split("_")[1].split(".")[0]) is not None
    store.remove_agent("minji")
    assert store.check_token(new) is None and store.list_agents() == []
    with pytest.raises(StoreError, match="no agent called"):
        store.remove_agent("minji")
    assert store.check_token(store.add_agent("minji")) is not None  # the name is free again


def test_identity_rows(store: Store) -> None:
    store.add_agent("minji")
    assert store.organisation() is None
    store.register_organisation("Acme 지원", b"\x01" * 32, require=True)
    store.set_revocations(b"list-1")
    org = store.organisation()
    assert org is not None and org.name == "Acme 지원" and org.revocations == b"list-1"
    store.register_organisation("Acme 지원", b"\x02" * 32, require=False)
    org = store.organisation()
    assert org is not None and not org.require_certificates and org.revocations == b""
    store.key_seen("minji", b"\x03" * 32, 10.0)
    store.key_seen("minji", b"\x04" * 32, 20.0)
    store.key_seen("minji", b"\x03" * 32, 30.0)
    assert store.newest_key("minji") == b"\x03" * 32
    card = CardRow((1 << 62) + 5, "minji", b"\x03" * 32, 1.0, 2.0, 1.0, b"body")
    store.add_certificate(card, team="billing")
    assert store.agent_team("minji") == "billing"
    assert store.certificates("minji") == [card]
    assert store.revoke(agent="minji") == [card.serial]
    assert store.revoked_serials() == [card.serial]
    assert store.revoke(serial=card.serial) == []


def test_audit_rows_and_nodes(store: Store) -> None:
    store.session_started("a", "minji", "123", 100.0, "node-1")
    store.session_started("b", "minji", "456", 101.0, "node-2")
    store.session_started("c", "minji", "789", 102.0, "node-2")
    store.session_paired("a", 100.5)
    store.session_established("a", 101.0)
    store.sessions_progress(150.0, [("a", 10, 20, 1), ("b", 1, 2, 0)])
    store.session_ended("a", 160.0, "agent_ended", 11, 22, 1)
    assert store.open_session_nodes() == {"node-2"}
    store.session_moved("b", "node-3", 170.0)
    assert store.open_session_nodes() == {"node-2", "node-3"}
    # A node marks only its own rows, or another's not seen since a moment.
    assert store.mark_lost("node-2", seen_before=100.0) == 0
    assert store.mark_lost("node-2", seen_before=200.0) == 1
    assert store.mark_lost("node-3") == 1
    rows = {r.id: r for r in store.sessions()}
    assert rows["a"].end_reason == "agent_ended" and rows["a"].duration_s == 60.0
    assert rows["a"].bytes_customer_to_agent == 22 and rows["a"].resumes == 1
    assert rows["b"].end_reason == "relay_crashed" and rows["b"].ended == 170.0
    assert rows["c"].end_reason == "relay_crashed" and rows["c"].ended == 102.0
    assert [r.id for r in store.sessions(since=101.0)] == ["b", "c"]


def test_two_nodes_on_one_database_see_each_other(tmp_path: Path, database_url: str) -> None:
    one = Store.open(tmp_path, database_url)
    two = Store.open(tmp_path, database_url)
    try:
        token = one.add_agent("minji")
        assert two.check_token(token) is not None  # same token key, same rows
        two.remove_agent("minji")
        assert one.check_token(token) is None
    finally:
        one.close()
        two.close()


def test_a_failed_migration_leaves_the_old_schema_usable(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(tmp_path, database_url)
    token = store.add_agent("minji")
    store.close()
    current = sql.latest_version()
    broken = [
        *sql.MIGRATIONS,
        (99, "ALTER TABLE agents ADD COLUMN shoe_size INTEGER; ALTER TABLE nowhere ADD x TEXT"),
    ]
    monkeypatch.setattr(sql, "MIGRATIONS", broken)
    with pytest.raises(
        StoreError,
        match=f"could not upgrade .* to schema 99 .* unchanged at schema {current}",
    ):
        Store.open(tmp_path, database_url)
    monkeypatch.undo()
    store = Store.open(tmp_path, database_url)  # this release still works on it
    try:
        assert store.check_token(token) is not None
    finally:
        store.close()


def test_a_schema_from_a_newer_release_is_refused(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = sql.latest_version() + 1
    newer = [*sql.MIGRATIONS, (later, "CREATE TABLE later (x TEXT)")]
    monkeypatch.setattr(sql, "MIGRATIONS", newer)
    Store.open(tmp_path, database_url).close()
    monkeypatch.undo()
    with pytest.raises(
        StoreError, match=rf"newer assist-relay \(schema {later}\); update the relay"
    ):
        Store.open(tmp_path, database_url)


def test_todays_data_dir_upgrades_with_every_agent_and_audit_row(tmp_path: Path) -> None:
    # Made by the release before clusters (schema 3): agents with tokens, a removed
    # agent, an organisation, a certificate, ended and open sessions.
    shutil.copy(FIXTURES / "relay-schema3.sqlite3", tmp_path / "relay.sqlite3")
    store = Store.open(tmp_path)
    try:
        assert [a.name for a in store.list_agents()] == ["joon", "minji"]
        assert (
            store.check_token("ar1_aab1a2cfcb95.rm3lng3PlbWW_tO5Kkq5m1sNjYSLT0ly0CMxk7bwu_U")
            is not None
        )
        assert store.agent_team("minji") == "billing"
        assert [c.serial for c in store.certificates("minji")] == [123456789]
        rows = store.sessions()
        assert [(r.id, r.end_reason) for r in rows] == [
            ("s0", "agent_ended"),
            ("s1", "customer_ended"),
            ("s2", None),
        ]
        assert rows[0].bytes_customer_to_agent == 2000
        assert store.mark_lost("") == 1  # the open row belongs to the node of old
    finally:
        store.close()
    version = sqlite3.connect(tmp_path / "relay.sqlite3").execute("PRAGMA user_version")
    assert version.fetchone()[0] == sql.latest_version()


def test_a_wrong_or_unreachable_database_url_says_so_in_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is neither postgresql://… nor empty"):
        Store.open(tmp_path, "mysql://somewhere/db")
    port = free_port()  # nothing listens there
    with pytest.raises(sql.DatabaseUnavailableError) as err:
        Store.open(tmp_path, f"postgresql://kim:secret@127.0.0.1:{port}/assist")
    text = str(err.value)
    assert text.startswith(f"cannot reach PostgreSQL at postgresql://kim:***@127.0.0.1:{port}")
    assert "secret" not in text and "\n" not in text


def test_progress_of_many_open_sessions_lands_in_one_flush(store: Store) -> None:
    for i in range(1200):
        store.session_started(f"s{i}", "minji", f"{i:06d}", 100.0, "n1")
    store.session_ended("s7", 120.0, "agent_ended", 1, 1, 0)
    store.sessions_progress(150.0, [(f"s{i}", i, 2 * i, i % 3) for i in range(1200)])
    rows = {r.id: r for r in store.sessions()}
    assert rows["s1199"].bytes_customer_to_agent == 2398 and rows["s1199"].resumes == 2
    assert rows["s7"].bytes_agent_to_customer == 1  # an ended row keeps its final counts
    assert store.mark_lost("n1") == 1199
    assert rows["s600"].bytes_agent_to_customer == 600


def test_callback_requests_are_kept_in_window_order_until_an_outcome(store: Store) -> None:
    def ask(name: str, window: tuple[float, float], asked: float, queue: str = "internet") -> str:
        return store.add_callback(
            queue=queue,
            installation=f"pc-{name}",
            name=name,
            contact="010-1234-5678",
            channel="phone",
            description="인터넷이 안 돼요",
            window=window,
            asked=asked,
        )

    late = ask("Park", (2000.0, 3800.0), asked=10.0)
    early = ask("Kim 김", (1000.0, 2800.0), asked=20.0)
    same = ask("Lee", (1000.0, 2800.0), asked=15.0)
    other = ask("Choi", (500.0, 900.0), asked=5.0, queue="billing")
    assert [c.id for c in store.callbacks(queues=["internet"])] == [same, early, late]
    assert [c.id for c in store.callbacks()] == [other, same, early, late]
    assert store.callbacks(queues=[]) == []
    row = store.callbacks(queues=["internet"])[1]
    assert (row.name, row.description, row.state) == ("Kim 김", "인터넷이 안 돼요", "open")

    store.callback_outcome(same, "no_answer", agent="minji", at=1100.0, note="voicemail")
    moved = store.callback_outcome(
        early, "rescheduled", agent="minji", at=1200.0, window=(5000.0, 6800.0)
    )
    assert moved.state == "open" and moved.window_start == 5000.0
    assert [c.id for c in store.callbacks(queues=["internet"])] == [late, early]
    store.callback_outcome(late, "done", agent="joon", at=2100.0)
    with pytest.raises(StoreError, match="no open callback request"):
        store.callback_outcome(late, "done", agent="minji", at=2200.0)  # someone had it
    with pytest.raises(StoreError, match="needs a new window"):
        store.callback_outcome(early, "rescheduled", agent="minji", at=1.0)
    with pytest.raises(StoreError, match="not an outcome"):
        store.callback_outcome(early, "lost", agent="minji", at=1.0)
    with pytest.raises(StoreError, match="a number or address to call"):
        store.add_callback(queue="q", installation="i", name="Kim", contact=" ", channel="phone",
                           description="", window=(1.0, 2.0), asked=0.0)  # fmt: skip
    assert [(c.id, c.state, c.agent) for c in store.callbacks(state="no_answer")] == [
        (same, "no_answer", "minji")
    ]
    events = [(e.event, e.subject) for e in store.desk_log()]
    assert ("callback no_answer", same) in events and ("callback done", late) in events


def test_blocks_last_until_their_time_and_flags_and_the_log_keep_who_and_why(
    store: Store,
) -> None:
    store.block("pc-1", 5000.0, actor="sup", reason="abusive to agents", at=1000.0)
    store.block("pc-2", 1500.0, actor="sup", reason="spam", at=1000.0)
    assert [b.installation for b in store.blocks(now=1200.0)] == ["pc-2", "pc-1"]
    assert [b.installation for b in store.blocks(now=2000.0)] == ["pc-1"]
    store.block("pc-1", 9000.0, actor="sup2", reason="again", at=2000.0)  # replaces
    [b] = store.blocks(now=6000.0)
    assert (b.until, b.actor, b.reason) == (9000.0, "sup2", "again")
    assert store.unblock("pc-1", actor="sup", at=2500.0) and store.blocks(now=2600.0) == []
    assert not store.unblock("pc-1", actor="sup", at=2600.0)
    with pytest.raises(StoreError, match="say why"):
        store.block("pc-3", 9000.0, actor="sup", reason=" ", at=1.0)

    store.flag("pc-1", "s1", "abusive", reason="shouted", actor="minji", at=3000.0)
    store.flag("pc-1", "s2", "repeat", reason="", actor="joon", at=3100.0)
    assert [(f.kind, f.sid) for f in store.flags("pc-1")] == [("abusive", "s1"), ("repeat", "s2")]
    with pytest.raises(StoreError, match="a flag is one of"):
        store.flag("pc-1", "s3", "rude", reason="", actor="minji", at=1.0)
    log = [(e.event, e.subject, e.actor) for e in store.desk_log(since=2000.0)]
    assert log == [
        ("blocked", "pc-1", "sup2"),
        ("unblocked", "pc-1", "sup"),
        ("flagged abusive", "pc-1", "minji"),
        ("flagged repeat", "pc-1", "joon"),
    ]


def test_queue_settings_replace_per_queue_with_their_line_in_the_admin_log(store: Store) -> None:
    from relay.desk.changes import QueueSettings

    first = QueueSettings("internet", "closed", 100.0, 1900.0, None, None, {}, None, 100.0, "mina")
    store.save_queue_settings(first, detail="closed for 30 min", address="10.0.0.7")
    later = QueueSettings(
        "internet", "hours", 200.0, None, 5, {"mon": ["09:00-18:00"]},
        {"2026-12-24": ["09:00-13:00"]}, ("network", "billing"), 200.0, "jun",
    )  # fmt: skip
    store.save_queue_settings(later, detail="hours", address="api")
    store.save_queue_settings(
        QueueSettings("billing", changed_at=201.0, changed_by="jun"), detail="x", address="cli"
    )
    assert store.queue_settings() == [
        QueueSettings("billing", changed_at=201.0, changed_by="jun"),
        later,
    ]
    rows, total = store.console.admin_log()
    assert total == 3
    assert [(r.actor, r.action, r.subject, r.detail) for r in rows][-1] == (
        "mina", "changed queue", "internet", "closed for 30 min",
    )  # fmt: skip
