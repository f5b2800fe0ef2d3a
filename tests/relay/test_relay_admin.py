"""What an admin touches: settings from file/env/flags, the agent and audit commands, TLS."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from common.errors import ErrorCode
from common.messages import Join
from relay.cli import main, parse_since
from relay.config import ConfigError, Settings, load_settings
from relay.store import Store
from tests.helpers.relay_harness import (
    Client,
    add_agent,
    customer_join,
    establish,
    pair,
    roundtrip,
    run,
    running_relay,
)

ADMIN_DOC = Path(__file__).resolve().parents[2] / "docs" / "admin.md"


# ---------------------------------------------------------------- settings


def test_settings_defaults_file_env_flags(tmp_path: Path) -> None:
    assert load_settings(environ={}) == Settings()
    toml = tmp_path / "relay.toml"
    toml.write_text(
        'port = 9000\nhost = "0.0.0.0"\n[relay]\ngrace_s = 12.5\nmax_sessions = 50\n'
        "max_queue_bytes = 8_388_608\n"
    )
    env = {"ASSIST_RELAY_PORT": "9100", "ASSIST_RELAY_MAX_SESSIONS": "70"}
    s = load_settings({"port": 9200, "host": None}, config=toml, environ=env)
    assert s.port == 9200  # flag over env over file
    assert s.max_sessions == 70  # env over file
    assert s.host == "0.0.0.0" and s.grace_s == 12.5  # file over default
    assert s.max_queue_bytes == 8 << 20
    # The file can also be named by the environment.
    s = load_settings(
        environ={"ASSIST_RELAY_CONFIG": str(toml), "ASSIST_RELAY_PROXY_HEADERS": "yes"}
    )
    assert s.port == 9000 and s.proxy_headers is True


@pytest.mark.parametrize(
    ("text", "env", "words"),
    [
        ("prot = 1\n", {}, "unknown setting 'prot'"),
        ('port = "eighty"\n', {}, "port"),
        ("", {"ASSIST_RELAY_GRACE_S": "soon"}, "grace_s"),
        ("", {"ASSIST_RELAY_MAX_QUEUE_BYTES": "10"}, "max_queue_bytes"),
        ('tls_cert = "a.pem"\n', {}, "together"),
        ("port = [\n", {}, "relay.toml"),
        ('relay_name = "' + "x" * 65 + '"\n', {}, "relay_name"),
    ],
)
def test_bad_settings_name_the_problem(
    tmp_path: Path, text: str, env: dict[str, str], words: str
) -> None:
    toml = tmp_path / "relay.toml"
    toml.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(words)):
        load_settings(config=toml, environ=env)


def test_every_setting_is_documented() -> None:
    doc = ADMIN_DOC.read_text()
    for key, _, sentence in Settings.describe():
        assert f"`{key}`" in doc, key
        assert sentence


# ---------------------------------------------------------------- commands


def test_agent_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path)
    assert (
        main(
            ["agent", "add", "alice", "--display-name", "Alice A", "--org", "Acme", "--data-dir", d]
        )
        == 0
    )
    token = capsys.readouterr().out.splitlines()[-1]
    assert token.startswith("ar1_")
    store = Store.open(tmp_path)
    agent = store.check_token(token)
    assert agent is not None and (agent.display_name, agent.org) == ("Alice A", "Acme")
    assert (tmp_path / "relay.sqlite3").stat().st_mode & 0o077 == 0  # private
    raw = (tmp_path / "relay.sqlite3").read_bytes()
    assert token.encode() not in raw and token.split(".")[1].encode() not in raw

    assert main(["agent", "list", "--data-dir", d]) == 0
    listing = capsys.readouterr().out
    assert "alice" in listing and "Alice A" in listing and token not in listing

    assert main(["agent", "reset-token", "alice", "--data-dir", d]) == 0
    new = capsys.readouterr().out.splitlines()[-1]
    assert store.check_token(token) is None and store.check_token(new) is not None

    assert main(["agent", "add", "alice", "--data-dir", d]) == 1
    assert "already an agent called 'alice'" in capsys.readouterr().err

    assert main(["agent", "remove", "alice", "--data-dir", d]) == 0
    assert store.check_token(new) is None
    assert main(["agent", "remove", "alice", "--data-dir", d]) == 1
    assert "no agent called 'alice'" in capsys.readouterr().err
    assert main(["agent", "add", "bad name!", "--data-dir", d]) == 1
    # A removed name can be given to someone new.
    assert main(["agent", "add", "alice", "--data-dir", d]) == 0
    store.close()


def test_sessions_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store.open(tmp_path)
    day = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC).timestamp()
    store.session_started("s1", "alice", "123", day)
    store.session_paired("s1", day + 5)
    store.session_ended("s1", day + 65, "agent_ended", 5_000_000, 12_345, 1)
    store.session_started("s2", "bob", "456", day + 86_400)
    store.close()

    assert main(["sessions", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "AGENT" in out[0] and "END" in out[0]
    assert "alice" in out[1] and "0:01:05" in out[1] and "4.8 MiB" in out[1]
    assert "agent_ended" in out[1] and out[2].endswith("open")

    assert main(["sessions", "--json", "--since", "2025-03-02", "--data-dir", str(tmp_path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ["s2"] and rows[0]["end_reason"] is None

    now = dt.datetime(2025, 3, 10, tzinfo=dt.UTC)
    assert parse_since("7d", now) == dt.datetime(2025, 3, 3, tzinfo=dt.UTC).timestamp()
    assert parse_since("2025-03-01T10:00+01:00") == day
    assert main(["sessions", "--since", "last tuesday", "--data-dir", str(tmp_path)]) == 1


# ---------------------------------------------------------------- TLS


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relay.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    token = add_agent(tmp_path)
    trust = {"ssl": ssl.create_default_context(cafile=str(cert))}

    async def main() -> None:
        async with running_relay(tmp_path, tls_cert=cert, tls_key=key) as relay:
            assert relay.url.startswith("wss://127.0.0.1:")
            agent, customer, _ = await pair(relay.url, token, trust, trust)
            await establish(agent, customer)
            await roundtrip(agent, customer)
            # A client that does not trust the certificate does not get in.
            with pytest.raises(ssl.SSLCertVerificationError):
                await Client.connect(relay.url)

    run(main())


def test_compression_is_off_and_proxy_addresses_are_checked(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_relay(tmp_path, proxy_headers=True, failed_joins_per_minute=1) as relay:
            # The client offers permessage-deflate; the relay declines it.
            client = await Client.connect(relay.url, compression="deflate")
            assert client.ws.response is not None
            assert "Sec-WebSocket-Extensions" not in client.ws.response.headers
            # Behind a proxy, the limits count the address the proxy saw ...
            for addr in ("198.51.100.7", "198.51.100.8"):
                extra = {"additional_headers": {"X-Forwarded-For": f"10.0.0.1, {addr}"}}
                scanner = await customer_join(relay.url, "000", **extra)
                await scanner.expect_error(ErrorCode.NAMEPLATE_UNKNOWN)
                await scanner.send(Join("001"))
                await scanner.expect_error(ErrorCode.RATE_LIMITED)
            # ... and a header that is not an address falls back to the peer's.
            odd = {"additional_headers": {"X-Forwarded-For": "not an address"}}
            scanner = await customer_join(relay.url, "000", **odd)
            await scanner.expect_error(ErrorCode.NAMEPLATE_UNKNOWN)

    run(main())


def test_sessions_left_open_by_a_killed_relay_are_marked(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.session_started("gone", "alice", "123", 1.0)
    store.session_started("done", "alice", "456", 2.0)
    store.session_ended("done", 3.0, "agent_ended", 0, 0, 0)
    store.close()

    async def main() -> None:
        async with running_relay(tmp_path):
            pass

    run(main())
    store = Store.open(tmp_path)
    assert [r.end_reason for r in store.sessions()] == ["relay_crashed", "agent_ended"]
    store.close()


DESK_FILE = """
zone = "Asia/Seoul"

[[queue]]
id = "internet"
name = "Internet"
name_ko = "인터넷"
teams = ["network", "tier2"]
[queue.hours]
mon-sun = "00:00-24:00"
"""


def test_desk_check_shows_queues_and_teams_nobody_is_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = str(tmp_path)
    desk = tmp_path / "desk.toml"
    desk.write_text(DESK_FILE, encoding="utf-8")
    assert main(["agent", "add", "kim", "--team", "network", "--data-dir", d]) == 0
    capsys.readouterr()
    assert main(["desk", "check", str(desk), "--data-dir", d]) == 0
    out = capsys.readouterr().out
    assert "internet: Internet / 인터넷" in out and "open around the clock" in out
    assert "no agent is in team 'tier2'" in out and "team 'network'" not in out
    # A mistake names the queue and the key, and the command fails.
    desk.write_text(DESK_FILE.replace('"00:00-24:00"', '"9-5"'), encoding="utf-8")
    assert main(["desk", "check", str(desk), "--data-dir", d]) == 1
    assert "queue 'internet': hours: mon-sun = '9-5' is not a time span" in capsys.readouterr().err
    assert main(["desk", "check", "--data-dir", d]) == 1
    assert "no desk file" in capsys.readouterr().err


def test_serve_stops_at_start_on_a_desk_file_mistake(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desk = tmp_path / "desk.toml"
    desk.write_text(DESK_FILE.replace('teams = ["network", "tier2"]', "teams = []"))
    config = tmp_path / "relay.toml"
    config.write_text(f'desk_file = "{desk}"\nport = 0\n')
    assert main(["serve", "--config", str(config), "--data-dir", str(tmp_path)]) == 1
    assert "queue 'internet': 'teams' must list the teams" in capsys.readouterr().err


def test_desk_commands_block_list_callbacks_and_show_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = str(tmp_path)
    args = ["--data-dir", d]
    block = ["desk", "block", "pc-7", "--hours", "2", "--reason", "abusive", "--by", "sup"]
    assert main([*block, *args]) == 0
    assert "pc-7 is kept out of the queues until" in capsys.readouterr().out
    assert main(["desk", "blocks", *args]) == 0
    assert "pc-7 until" in (out := capsys.readouterr().out) and "by sup: abusive" in out
    store = Store.open(tmp_path)
    try:
        store.add_callback(queue="internet", installation="pc-8", name="Kim 김", contact="",
                           channel="app", description="printer", window=(1e9, 1e9 + 1800),
                           asked=1e9 - 60)  # fmt: skip
    finally:
        store.close()
    assert main(["desk", "callbacks", *args]) == 0
    line = capsys.readouterr().out
    assert "internet open (window passed): Kim 김, app (in the app): 'printer'" in line
    assert main(["desk", "callbacks", "--json", *args]) == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "Kim 김"
    assert main(["desk", "unblock", "pc-7", "--by", "sup", *args]) == 0
    assert main(["desk", "unblock", "pc-7", *args]) == 1
    assert "'pc-7' is not blocked" in capsys.readouterr().err
    assert main(["desk", "log", *args]) == 0
    log = capsys.readouterr().out
    assert "blocked pc-7 by sup: until" in log and "unblocked pc-7 by sup" in log
    assert "callback asked" in log


def test_desk_queue_closes_a_queue_and_sets_special_days_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desk = tmp_path / "desk.toml"
    desk.write_text(DESK_FILE, encoding="utf-8")
    config = tmp_path / "relay.toml"
    config.write_text(f'data_dir = "{tmp_path}"\ndesk_file = "{desk}"\n', encoding="utf-8")
    c = ["--config", str(config)]
    assert main(["desk", "queue", "internet", *c, "--close", "30", "--day",
                 "2026-12-24=09:00-13:00", "--max-waiting", "5"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "at most 5 waiting; closed now, opens" in out and "closed by hand, by cli:" in out
    assert "2026-12-24 09:00-13:00 (special day)" in out
    assert main(["desk", "check", *c]) == 0
    assert "[changed at run time: desk queue]" in capsys.readouterr().out
    assert main(["desk", "queue", "internet", *c, "--week", "mon-fri=9-18"]) == 1
    assert "is not a time span; write it as '09:00-18:00'" in capsys.readouterr().err
    assert main(["desk", "queue", "sales", *c]) == 1
    assert "there is no queue 'sales'; the queues are internet" in capsys.readouterr().err
    assert main(["desk", "queue", "internet", *c, "--by-hours", "--max-waiting", "file",
                 "--remove-day", "2026-12-24"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "open around the clock" in out and "special day" not in out
    store = Store.open(tmp_path)
    try:
        rows, _ = store.console.admin_log()
        assert [r.action for r in rows].count("changed queue") == 6
        assert {r.address for r in rows} == {"command line"}
    finally:
        store.close()
