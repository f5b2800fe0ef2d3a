"""Where the relay address comes from, and the recap page the customer keeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from assist_client import config
from assist_client.recap import Recap, render_html
from assist_ui import i18n
from common.messages import Chat, Step


def test_relay_url_flag_then_environment_then_file_then_default(tmp_path: Path):
    file = tmp_path / "client.toml"
    env = {"ASSIST_RELAY_URL": "ws://127.0.0.1:2"}
    file.write_text('relay = "ws://127.0.0.1:3"\n', encoding="utf-8")
    assert config.relay_url("ws://127.0.0.1:1", env, file) == "ws://127.0.0.1:1"
    assert config.relay_url(None, env, file) == "ws://127.0.0.1:2"
    assert config.relay_url(None, {}, file) == "ws://127.0.0.1:3"
    assert config.relay_url(None, {}, tmp_path / "missing.toml") == config.DEFAULT_RELAY_URL
    file.write_text("relay = [not toml", encoding="utf-8")
    assert config.relay_url(None, {}, file) == config.DEFAULT_RELAY_URL


def test_the_recap_keeps_steps_and_chat_as_text(tmp_path: Path):
    recap = Recap("Alice <Agent>", "Acme & Co")
    recap.add_step(Step(2, "Click <Add printer>", False))
    recap.add_step(Step(1, "Open Settings", False))
    recap.add_step(Step(1, "Open Settings", True))  # re-sent: replaced, now done
    recap.add_chat(Chat(1, "Hello <script>alert(1)</script>", 0), from_agent=True)
    recap.add_chat(Chat(1, "Thanks", 0), from_agent=False)
    path = recap.save(tmp_path)
    page = path.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.index("Open Settings") < page.index("Click &lt;Add printer&gt;")
    assert page.count("Open Settings") == 1 and "done" in page
    assert "Alice &lt;Agent&gt; (Acme &amp; Co)" in page and "You" in page
    assert recap.save(tmp_path) != path  # never overwrites an earlier recap


def test_the_recap_in_korean(qapp: QApplication):
    try:
        i18n.install(qapp, "ko")
        page = render_html(Recap("김민아", "에이스 고객센터"))
    finally:
        i18n.install(qapp, "en")
    assert '<html lang="ko">' in page and "받은 도움" in page and "단계" in page


def test_trusted_organisations_come_from_the_file_the_flags_and_a_link(tmp_path: Path) -> None:
    from assist_client.config import trust
    from common.identity import Pin, parse_support_link, support_link

    fp1, fp2 = "1" * 30, "2" * 30
    toml = tmp_path / "client.toml"
    toml.write_text(
        f'trusted_orgs = ["Acme Support = {fp1}", {{ name = "Beta", fingerprint = "{fp2}" }}]\n'
        "max_revocation_age_days = 2\n"
    )
    link = support_link("relay.acme.example", Pin("Gamma Desk", "3" * 30))
    relay, pin = parse_support_link(link)
    t = trust([f"Delta={'4' * 30}"], pin, config_file=toml)
    assert relay == "relay.acme.example"
    assert [p.org for p in t.pins] == ["Acme Support", "Beta", "Delta", "Gamma Desk"]
    assert t.pins[0].fingerprint == "11111 " * 5 + "11111"
    assert t.max_list_age_s == 2 * 86400
    for bad in (
        'trusted_orgs = ["Acme = 123"]',
        'trusted_orgs = "x"',
        "max_revocation_age_days = 0",
    ):
        toml.write_text(bad + "\n")
        with pytest.raises(ValueError):
            trust([], None, config_file=toml)
    with pytest.raises(ValueError, match="assist://help"):
        parse_support_link("https://example.com/?relay=x&org=y&fp=" + "1" * 30)
