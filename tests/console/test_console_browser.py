"""The console in a real browser: Debian's Chromium (/usr/bin/chromium), driven by
Playwright, against a relay serving the console over TLS from the run's throwaway CA
(Chromium trusts exactly that certificate's key, by its pin).

What a supervisor or agent would notice: a wrong password is refused in a sentence;
the live desk changes by itself while a customer asks and is taken; a contact is
found and a note added; a supervisor cannot open admin pages. Every page is
photographed in English and Korean (``ASSIST_SHOTS=folder`` keeps the pictures).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from common.messages import (
    Auth,
    AuthOk,
    CallbackList,
    Paired,
    Presence,
    PresenceState,
    Role,
    Standing,
    Take,
)
from tests.console.harness import PASSWORD, RelayThread, ask, prepare
from tests.helpers.relay_harness import Client
from tools.throwaway_ca import Issued, ThrowawayCA

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def console_tls(throwaway_ca: ThrowawayCA) -> Issued:
    return throwaway_ca.issue("console-browser")


@pytest.fixture(scope="module")
def browser(console_tls: Issued) -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    pin = console_tls.spki_sha256.removeprefix("sha256/")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", f"--ignore-certificate-errors-spki-list={pin}"],
        )
        yield b
        b.close()


@pytest.fixture
def relay(tmp_path: Path, throwaway_ca: ThrowawayCA, console_tls: Issued) -> Iterator[RelayThread]:
    with RelayThread(prepare(tmp_path, throwaway_ca, console_tls)) as rt:
        yield rt


@pytest.fixture
def open_page(browser: Browser, relay: RelayThread) -> Iterator[Callable[..., Page]]:
    """New pages (each its own browser profile); all closed before the relay stops, so
    no browser connection is left for the relay to cut."""
    contexts: list[BrowserContext] = []

    def make(lang: str = "en") -> Page:
        context = browser.new_context(
            locale="ko-KR" if lang == "ko" else "en-US", viewport={"width": 1280, "height": 800}
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Page, base: str, name: str, password: str = PASSWORD) -> None:
    page.goto(base + "/signin")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button.primary")


def shot(page: Page, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    keep = os.environ.get("ASSIST_SHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)


async def _customer_asks(rt: RelayThread, installation: str, name: str) -> Client:
    assert rt.relay is not None
    customer = await Client.connect(rt.relay.url, Role.CUSTOMER, ssl=_ssl(rt))
    await customer.send(ask(installation, name, "인터넷이 자꾸 끊겨요"))
    await customer.expect(Standing)
    return customer


async def _agent_takes(rt: RelayThread, name: str) -> Client:
    assert rt.relay is not None
    agent = await Client.connect(rt.relay.url, Role.AGENT, ssl=_ssl(rt))
    await agent.send(Auth(rt.setup.tokens[name], os.urandom(32)))
    await agent.expect(AuthOk)
    await agent.send(Presence(PresenceState.AVAILABLE))
    await agent.send(Take())
    for _ in range(20):
        if isinstance(await agent.recv(), Paired):
            return agent
    raise AssertionError("the agent was not paired")


async def _close(*clients: Client) -> None:
    for c in clients:
        await c.ws.close()


def _ssl(rt: RelayThread) -> Any:
    import ssl

    return ssl.create_default_context(cafile=str(rt.setup.ca.cert_path))


def test_a_bad_password_is_refused_and_the_right_one_opens_the_live_desk(
    open_page: Callable[..., Page], relay: RelayThread, tmp_path: Path
) -> None:
    page = open_page()
    sign_in(page, relay.base, "sam", "not my password")
    expect(page.get_by_role("alert")).to_contain_text("That name and password do not match")
    expect(page).to_have_url(relay.base + "/signin")
    sign_in(page, relay.base, "sam")
    expect(page).to_have_url(relay.base + "/desk")
    expect(page.locator("#live")).to_have_text("Live")


def test_the_live_desk_changes_by_itself_while_a_customer_asks_and_is_taken(
    open_page: Callable[..., Page], relay: RelayThread, tmp_path: Path
) -> None:
    page = open_page()
    sign_in(page, relay.base, "sam")
    expect(page.locator("#live")).to_have_text("Live")
    waiting = page.locator("#waiting tbody")
    expect(waiting).to_contain_text("Nobody is waiting.")
    customer = relay.call(_customer_asks(relay, "inst-browser01", "Hong Gildong 홍길동"))
    # Within 2 s, with no reload: the customer, the queue's count, the wait counting on.
    expect(waiting).to_contain_text("Hong Gildong 홍길동", timeout=2000)
    expect(page.locator("[data-queue=internet] [data-field=waiting]")).to_have_text("1")
    shot(page, "desk-waiting-en", tmp_path)
    agent = relay.call(_agent_takes(relay, "alice"))
    expect(waiting).to_contain_text("Nobody is waiting.", timeout=2000)
    rooms = page.locator("#rooms tbody")
    expect(rooms).to_contain_text("alice", timeout=2000)
    expect(rooms).to_contain_text("Hong Gildong 홍길동")
    expect(page.locator("#agents tbody")).to_contain_text("Alice Kim 김앨리스")
    shot(page, "desk-session-en", tmp_path)
    relay.call(_close(customer, agent))


def test_an_agent_finds_their_contact_and_adds_a_note(
    open_page: Callable[..., Page], relay: RelayThread, tmp_path: Path
) -> None:
    customer = relay.call(_customer_asks(relay, "inst-browser02", "Kim Chulsoo 김철수"))
    agent = relay.call(_agent_takes(relay, "alice"))
    # The customer's app reports control and a file (protocol 7): the room's record.
    from common.messages import Report, ReportEvent

    relay.call(customer.send(Report(ReportEvent.CONTROL_GRANTED, 1, "")))
    relay.call(customer.send(Report(ReportEvent.FILE_TO_CUSTOMER, 1, "fix.sh · 4000 bytes")))
    relay.call(asyncio.sleep(0.5))  # the audit writer's rows
    page = open_page()
    sign_in(page, relay.base, "alice")
    expect(page).to_have_url(relay.base + "/contacts")
    page.fill("input[name=q]", "김철수")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#count")).to_have_text("1 contacts")
    page.locator("table.list a").first.click()
    expect(page.locator("h1")).to_contain_text("Kim Chulsoo 김철수")
    page.fill("textarea[name=text]", "Reset the router; the line is stable now.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes")).to_contain_text("Reset the router; the line is stable now.")
    events = page.locator("ul.events")
    expect(events).to_contain_text("given control (the customer)")
    expect(events).to_contain_text("file to the customer (the customer) · fix.sh · 4000 bytes")
    shot(page, "contact-en", tmp_path)
    relay.call(_close(customer, agent))


def test_a_supervisor_is_denied_the_admin_pages(
    open_page: Callable[..., Page], relay: RelayThread
) -> None:
    page = open_page()
    sign_in(page, relay.base, "sam")
    expect(page.get_by_role("link", name="Agents", exact=True)).to_have_count(0)
    for path in ("/admin/agents", "/admin/privacy", "/audit"):
        response = page.goto(relay.base + path)
        assert response is not None and response.status == 403
        expect(page.get_by_role("alert")).to_contain_text("Your role may not open this page")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_page_photographed(
    open_page: Callable[..., Page], relay: RelayThread, tmp_path: Path, lang: str
) -> None:
    from common.messages import Report, ReportEvent

    customer = relay.call(_customer_asks(relay, "inst-browser03", "Park Jiwoo 박지우"))
    waiting = relay.call(_customer_asks(relay, "inst-browser04", "Lee Younghee 이영희"))
    agent = relay.call(_agent_takes(relay, "alice"))
    relay.call(customer.send(Report(ReportEvent.CONTROL_GRANTED, 1, "")))
    relay.call(customer.send(Report(ReportEvent.CONTROL_ENDED, 1, "stopped")))
    relay.call(asyncio.sleep(0.5))
    page = open_page(lang)
    page.goto(relay.base + "/signin")
    shot(page, f"signin-{lang}", tmp_path)
    sign_in(page, relay.base, "ada")
    expect(page.locator("#live")).to_have_class("live on")
    expect(page.locator("#rooms tbody")).to_contain_text("alice")
    shot(page, f"desk-{lang}", tmp_path)
    for name, path in (
        ("contacts", "/contacts"),
        ("reports", "/reports"),
        ("agents", "/admin/agents"),
        ("queues", "/queues"),
        ("privacy", "/admin/privacy"),
        ("integrations", "/admin/integrations"),
        ("audit", "/audit"),
    ):
        response = page.goto(relay.base + path)
        assert response is not None and response.status == 200, path
        shot(page, f"{name}-{lang}", tmp_path)
    page.goto(relay.base + "/contacts")
    page.locator("table.list tr", has_text="Park Jiwoo 박지우").locator("a").first.click()
    expect(page.locator("ul.events")).to_contain_text(
        "제어 허용" if lang == "ko" else "given control"
    )
    shot(page, f"contact-{lang}", tmp_path)
    if lang == "ko":
        expect(page.locator("header.top")).to_contain_text("상담 기록")
    relay.call(_close(customer, waiting, agent))


def test_a_supervisor_exports_the_report_as_csv(
    open_page: Callable[..., Page], relay: RelayThread, tmp_path: Path
) -> None:
    customer = relay.call(_customer_asks(relay, "inst-browser05", "Jung Hana 정하나"))
    agent = relay.call(_agent_takes(relay, "bob"))
    relay.call(asyncio.sleep(0.5))
    page = open_page()
    sign_in(page, relay.base, "sam")
    page.get_by_role("link", name="Reports").click()
    expect(page.locator("#report tr.total")).to_contain_text("1")
    page.select_option("select[name=group]", "agent")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#report tbody")).to_contain_text("bob")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("assist-report-agent-")
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("agent,contacts,served") and lines[1].startswith("bob,1,1,0")
    relay.call(_close(customer, agent))


async def _desk_open(rt: RelayThread, name: str) -> Client:
    assert rt.relay is not None
    agent = await Client.connect(rt.relay.url, Role.AGENT, ssl=_ssl(rt))
    await agent.send(Auth(rt.setup.tokens[name], os.urandom(32)))
    await agent.expect(AuthOk)
    await agent.send(Presence(PresenceState.AVAILABLE))
    return agent


async def _callbacks_heard(agent: Client, name: str) -> CallbackList:
    for _ in range(20):
        msg = await agent.recv()
        if isinstance(msg, CallbackList) and any(c.name == name for c in msg.items):
            return msg
    raise AssertionError(f"no callback for {name} in the agent's list")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_question_left_on_the_help_page_reaches_the_agents_list(
    open_page: Callable[..., Page], relay: RelayThread, tmp_path: Path, lang: str
) -> None:
    agent = relay.call(_desk_open(relay, "alice"))
    page = open_page(lang)
    page.goto(relay.base + "/help")
    expect(page.locator("[data-queue=internet]")).to_contain_text(
        "인터넷" if lang == "ko" else "Internet"
    )
    shot(page, f"help-{lang}", tmp_path)
    name = "Yoon Seoyeon 윤서연"
    page.fill("input[name=name]", name)
    page.fill("input[name=contact]", "seoyeon@example.org")
    page.fill("textarea[name=question]", "프린터가 인쇄를 안 해요")
    page.select_option("select[name=window]", index=2)  # a chosen time, not the soonest
    page.locator("form button.primary").click()
    expect(page.get_by_role("status")).to_contain_text(
        "사이에 전화드리겠습니다" if lang == "ko" else "We will call you between"
    )
    shot(page, f"help-done-{lang}", tmp_path)
    listed = relay.call(_callbacks_heard(agent, name))
    (item,) = [c for c in listed.items if c.name == name]
    assert item.contact == "seoyeon@example.org" and item.description == "프린터가 인쇄를 안 해요"
    relay.call(_close(agent))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_supervisor_closes_a_queue_and_the_help_page_says_so(
    open_page: Callable[..., Page], relay: RelayThread, tmp_path: Path, lang: str
) -> None:
    """From the Queues page: closed for an hour, the help page shows it closed and
    when it opens; an admin adds a special day; back to the opening hours."""
    page = open_page(lang)
    sign_in(page, relay.base, "ada")
    page.goto(relay.base + "/queues")
    card = page.locator("#q-internet")
    close, reopen = ("Close it now", "Back to the opening hours")
    if lang == "ko":
        close, reopen = ("지금 닫기", "운영 시간대로 되돌리기")
    try:
        card.locator("select[name=for]").select_option("60")
        card.get_by_role("button", name=close).click()
        expect(card.locator("h2")).to_contain_text("Closed now" if lang == "en" else "지금 닫힘")
        expect(card.locator("p.status")).to_contain_text("ada")
        card.locator("input[name=day]").fill("2026-12-24")
        card.locator("input[name=hours]").fill("09:00-13:00")
        card.get_by_role("button", name="Add" if lang == "en" else "추가").click()
        expect(page.locator("#q-internet .days")).to_contain_text("09:00-13:00")
        shot(page, f"queues-closed-{lang}", tmp_path)
        help_page = open_page(lang)
        help_page.goto(relay.base + "/help")
        queue = help_page.locator("[data-queue=internet]")
        expect(queue).to_contain_text("closed" if lang == "en" else "운영 종료")
        expect(queue).to_contain_text("Opens" if lang == "en" else "엽니다")
        shot(help_page, f"help-closed-{lang}", tmp_path)
        page.locator("#q-internet .days").get_by_role(
            "button", name="Remove" if lang == "en" else "삭제"
        ).click()
    finally:
        page.goto(relay.base + "/queues")
        page.locator("#q-internet").get_by_role("button", name=reopen).click()
    expect(page.locator("#q-internet h2")).to_contain_text(
        "Open now" if lang == "en" else "지금 운영 중"
    )
    expect(page.locator("#q-internet .days")).to_contain_text(
        "No special days." if lang == "en" else "특별한 날이 없습니다."
    )
