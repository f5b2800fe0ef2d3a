"""The organisation on the relay: key files, the admin commands, and what agents get at sign-in."""

from __future__ import annotations

import shutil
import stat
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common import identity
from common.errors import ErrorCode
from relay.cli import main
from relay.org import Issuer, credentials_for, load_key
from relay.store import Store, StoreError

FIXTURE = Path(__file__).parent / "fixtures" / "relay-schema2.sqlite3"
#: The token of agent "minji" in the schema-2 fixture (made by the release before identity).
FIXTURE_TOKEN = "ar1_d6e4963a986e.i9RNeF-OnkrW_AjNmkcW3luxvUY3LQHiWu0xzFudBW4"


def relay_cli(data: Path, *args: str) -> int:
    return main([*args[:2], "--data-dir", str(data), *args[2:]])


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "relay"


def test_upgrading_a_schema_2_data_dir_keeps_agents_tokens_and_audit(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    shutil.copy(FIXTURE, tmp_path / "d" / "relay.sqlite3")
    store = Store.open(tmp_path / "d")
    try:
        assert [a.name for a in store.list_agents()] == ["joon", "minji"]
        agent = store.check_token(FIXTURE_TOKEN)
        assert agent is not None and agent.display_name == "Kim Minji 김민지"
        (row,) = store.sessions()
        assert row.agent == "minji" and row.bytes_agent_to_customer == 123456
        assert row.end_reason == "agent ended" and row.duration_s == 311.0
        assert store.organisation() is None and store.agent_team("minji") == ""
    finally:
        store.close()


def test_the_key_ceremony_from_init_to_a_card_at_sign_in(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "acme.key"
    assert relay_cli(data, "org", "init", "--org", "Acme Support", "--key", str(key)) == 0
    out = capsys.readouterr().out
    fp = load_key(key).fingerprint
    assert fp in out and "org register" in out
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert relay_cli(data, "org", "init", "--org", "X", "--key", str(key)) == 1  # no overwrite
    assert "never overwritten" in capsys.readouterr().err
    assert relay_cli(data, "org", "register", "--key", f"{key}.pub") == 0
    assert relay_cli(data, "agent", "add", "minji", "--display-name", "Kim Minji") == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    # Before the agent's first sign-in there is no key to sign for.
    assert relay_cli(data, "org", "issue", "--key", str(key), "--agent", "minji") == 1
    assert "has not signed in" in capsys.readouterr().err

    store = Store.open(data)
    agent_key = Ed25519PrivateKey.generate()
    public = identity.public_bytes(agent_key)
    try:
        agent = store.check_token(token)
        assert agent is not None
        first = credentials_for(store, agent, public, time.time())
        assert first.refusal is ErrorCode.CERTIFICATE_MISSING  # but the key is now known
    finally:
        store.close()
    assert (
        relay_cli(data, "org", "issue", "--key", str(key), "--agent", "minji", "--team", "Net") == 0
    )
    assert "valid until" in capsys.readouterr().out
    store = Store.open(data)
    try:
        creds = credentials_for(store, agent, public, time.time())
        assert creds.refusal is None
        card = identity.load_certificate(creds.certificate)
        assert card.body.agent_key == public and card.body.team == "Net"
        assert card.body.display_name == "Kim Minji" and card.fingerprint == fp
        # A sign-in from another computer (another key) does not get this card.
        other = credentials_for(store, agent, bytes(32), time.time())
        assert other.refusal is ErrorCode.CERTIFICATE_MISSING and not other.certificate
    finally:
        store.close()

    assert relay_cli(data, "org", "revoke", "--agent", "minji", "--key", str(key)) == 0
    assert "Signed a new revocation list" in capsys.readouterr().out
    store = Store.open(data)
    try:
        creds = credentials_for(store, agent, public, time.time())
        assert creds.refusal is ErrorCode.CERTIFICATE_REVOKED
        org = store.organisation()
        assert org is not None
        crl = identity.load_revocation_list(org.revocations, org.public_key)
        assert crl.revoked(card.body.serial)
    finally:
        store.close()
    assert relay_cli(data, "org", "status") == 0
    status = capsys.readouterr().out
    assert "Acme Support" in status and "revoked" in status


def test_a_passphrase_protects_the_key(data: Path, tmp_path: Path) -> None:
    key, secret = tmp_path / "k", tmp_path / "pass"
    secret.write_text("correct horse\n")
    assert (
        relay_cli(
            data, "org", "init", "--org", "A", "--key", str(key), "--passphrase-file", str(secret)
        )
        == 0
    )
    with pytest.raises(StoreError, match="passphrase-file"):
        load_key(key)
    wrong = tmp_path / "wrong"
    wrong.write_text("nope")
    with pytest.raises(StoreError, match="wrong passphrase"):
        load_key(key, wrong.read_bytes())
    assert load_key(key, b"correct horse").private is not None
    key.chmod(0o644)
    with pytest.raises(StoreError, match="chmod 600"):
        load_key(key, b"correct horse")


def test_signing_off_the_relay_and_uploading(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An organisation on someone else's relay keeps its key at home and uploads cards."""
    key = tmp_path / "home.key"
    relay_cli(data, "org", "init", "--org", "Acme Support", "--key", str(key))
    relay_cli(data, "org", "register", "--key", f"{key}.pub")
    relay_cli(data, "agent", "add", "minji")
    agent_key = Ed25519PrivateKey.generate()
    import base64

    b64 = base64.b64encode(identity.public_bytes(agent_key)).decode()
    card, crl = tmp_path / "minji.card", tmp_path / "list.crl"
    assert (
        main(
            [
                "org",
                "issue",
                "--key",
                str(key),
                "--agent",
                "minji",
                "--agent-key",
                b64,
                "--display-name",
                "Kim Minji",
                "--out",
                str(card),
            ]
        )
        == 0
    )
    serial = identity.load_certificate(card.read_bytes()).body.serial
    assert main(["org", "crl", "--key", str(key), "--revoked", "5,6", "--out", str(crl)]) == 0
    assert relay_cli(data, "org", "upload", str(card)) == 0
    assert relay_cli(data, "org", "upload", str(crl)) == 0
    out = capsys.readouterr().out
    assert f"certificate {serial} for minji" in out and "2 serial(s)" in out
    # A card from another organisation's key is refused.
    stranger = tmp_path / "stranger.key"
    main(["org", "init", "--org", "Acme Support", "--key", str(stranger)])
    main(
        [
            "org",
            "issue",
            "--key",
            str(stranger),
            "--agent",
            "minji",
            "--agent-key",
            b64,
            "--display-name",
            "Kim Minji",
            "--out",
            str(card),
        ]
    )
    assert relay_cli(data, "org", "upload", str(card)) == 1
    assert "another organisation key" in capsys.readouterr().err


def test_the_relay_renews_a_card_before_it_expires_but_never_issues_a_first(
    data: Path, tmp_path: Path
) -> None:
    key = tmp_path / "k"
    relay_cli(data, "org", "init", "--org", "Acme Support", "--key", str(key))
    relay_cli(data, "org", "register", "--key", str(key))
    store = Store.open(data)
    try:
        token = store.add_agent("minji")
        agent = store.check_token(token)
        assert agent is not None
        issuer = Issuer(load_key(key))
        agent_key = identity.public_bytes(Ed25519PrivateKey.generate())
        now = time.time()
        first = credentials_for(store, agent, agent_key, now, issuer)
        assert first.refusal is ErrorCode.CERTIFICATE_MISSING  # a token alone gets no card
        assert first.revocations  # ... but the relay keeps the list fresh
        old = issuer.card(agent, "", agent_key, now - 28 * 86400)
        store.add_certificate(old)
        renewed = credentials_for(store, agent, agent_key, now, issuer)
        card = identity.load_certificate(renewed.certificate)
        assert card.body.serial != old.serial and card.body.not_after > now + 29 * 86400
    finally:
        store.close()


def test_without_an_organisation_agents_sign_in_without_cards(data: Path) -> None:
    store = Store.open(data)
    try:
        agent = store.check_token(store.add_agent("minji"))
        assert agent is not None
        creds = credentials_for(store, agent, bytes(32), time.time())
        assert creds.refusal is None and creds.certificate == b"" and creds.revocations == b""
    finally:
        store.close()
