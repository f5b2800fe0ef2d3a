"""The console over real HTTPS (a relay in process, port 0, the run's throwaway CA):
every route's role check, sign-in and its limits, CSRF, the security headers, the
records' pages, privacy requests and the live desk's stream."""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from pathlib import Path

import pytest
from yarl import URL

from common import identity
from common.messages import (
    Auth,
    AuthOk,
    CallbackList,
    DeskRefused,
    Leave,
    Presence,
    PresenceState,
    Role,
    Standing,
    Take,
)
from relay.console.app import ROUTES
from relay.store import Store
from tests.console.harness import ORG_KEY, PASSWORD, Browser, Setup, ask, console_relay, prepare
from tests.helpers.relay_harness import Client, run
from tools.throwaway_ca import ThrowawayCA

FILLED = {
    "{cid}": "nope",
    "{name}": "bob",
    "{lang}": "ko",
    "{tid}": "nope",
    "{hid}": "nope",
    "{action}": "pause",
    "{did}": "nope",
    "{qid}": "internet",
    "{day}": "2026-12-24",
}


@pytest.fixture
def setup(tmp_path: Path, throwaway_ca: ThrowawayCA) -> Setup:
    return prepare(tmp_path, throwaway_ca)


def _path(template: str) -> str:
    for key, value in FILLED.items():
        template = template.replace(key, value)
    return template


def test_every_route_refuses_anyone_below_its_role(setup: Setup) -> None:
    """Walk the route table: signed out, as agent, supervisor and admin. Below the role:
    GET pages send to the sign-in (signed out) or say 403; POSTs change nothing."""
    assert all(
        r.role in ("public", "agent", "supervisor", "admin") or r.role.startswith("token:")
        for r in ROUTES
    )
    rank = {"public": -1, "agent": 0, "supervisor": 1, "admin": 2}

    async def main() -> None:
        async with console_relay(setup) as (_, base):
            browsers = {"": Browser(base, setup.ca)}
            for who in ("alice", "sam", "ada"):
                browsers[who] = Browser(base, setup.ca)
                assert await browsers[who].sign_in(who) == 303
            roles = {"": -1, "alice": 0, "sam": 1, "ada": 2}
            try:
                for route in ROUTES:
                    if route.path in ("/desk/events", "/signout") or route.role == "public":
                        continue  # the stream: its own test; signing out: at the end
                    if route.role.startswith("token:"):
                        continue  # the API: no cookies count there (its own test)
                    for who, b in browsers.items():
                        if route.handler == "remove_agent" and who == "ada":
                            continue  # the admin may; bob is needed below (its own test)
                        path = _path(route.path)
                        if route.method == "GET":
                            status, body, r = await b.get(path)
                        else:
                            status, body, r = await b.post(path, {"role": "admin"})
                        below = roles[who] < rank[route.role]
                        where = f"{route.method} {route.path} as {who or 'nobody'}"
                        if below and not who:
                            if route.method == "GET":
                                assert status == 303, where
                                assert r.headers["Location"].startswith("/signin"), where
                            else:
                                assert status in (401, 403), where
                        elif below:
                            assert status == 403, where
                            assert "may not open this page" in body, where
                        else:
                            assert status not in (401, 403), where
                # The supervisor's POSTs above changed nothing: bob is still an agent.
                status, body, _ = await browsers["ada"].get("/admin/agents")
                assert status == 200
            finally:
                for b in browsers.values():
                    await b.close()
        store = Store.open(setup.data)
        try:
            assert store.agent_record("bob").role == "admin"  # only the admin's POST did
            assert store.agent_record("alice").role == "agent"
        finally:
            store.close()

    run(main())


def test_sign_in_rejects_a_bad_password_and_slows_guessing(setup: Setup) -> None:
    async def main() -> None:
        async with console_relay(setup) as (_, base):
            b = Browser(base, setup.ca)
            try:
                await b.get("/signin")
                status, body, _ = await b.post("/signin", {"name": "alice", "password": "wrong"})
                assert status == 401 and "do not match" in body
                status, body, _ = await b.post("/signin", {"name": "nobody", "password": "x"})
                assert status == 401 and "do not match" in body  # the same answer
                for _ in range(5):
                    status, body, _ = await b.post(
                        "/signin", {"name": "alice", "password": "guess"}
                    )
                assert status == 429 and "Too many failed sign-ins" in body
                # Even the right password waits now, for that account.
                status, _, _ = await b.post("/signin", {"name": "alice", "password": PASSWORD})
                assert status == 429
                bob = Browser(base, setup.ca)
                assert await bob.sign_in("bob") == 303  # another account is not held up
                await bob.close()
            finally:
                await b.close()

    run(main())


def test_cookies_csrf_and_security_headers(setup: Setup) -> None:
    async def main() -> None:
        async with console_relay(setup) as (_, base):
            b = Browser(base, setup.ca)
            try:
                await b.get("/signin")
                # The sign-in form itself needs its token.
                status, body, _ = await b.post(
                    "/signin", {"name": "ada", "password": PASSWORD}, csrf="forged"
                )
                assert status == 403 and "expired" in body
                await b.get("/signin")
                status, _, r = await b.post("/signin", {"name": "ada", "password": PASSWORD})
                assert status == 303
                cookie = r.headers.getall("Set-Cookie")
                session = next(c for c in cookie if c.startswith("__Host-assist="))
                for flag in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"):
                    assert flag in session, session
                status, body, r = await b.get("/admin/privacy")
                assert status == 200
                h = r.headers
                assert "script-src 'self'" in h["Content-Security-Policy"]
                assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
                assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
                assert h["Cache-Control"] == "no-store"
                assert h["Strict-Transport-Security"].startswith("max-age=")
                # A form without the session's token, or from another site, changes nothing.
                status, body, _ = await b.post("/admin/privacy/retention", {"days": "7"}, csrf="x")
                assert status == 403
                status, body, _ = await b.post(
                    "/admin/privacy/retention",
                    {"days": "7"},
                    headers={"Origin": "https://evil.example"},
                )
                assert status == 403 and "another site" in body
                status, body, _ = await b.get("/admin/privacy")
                assert 'value="365"' in body
                status, _, _ = await b.post("/admin/privacy/retention", {"days": "30"})
                assert status == 303
                status, body, _ = await b.get("/admin/privacy")
                assert 'value="30"' in body
                # Signing out ends the session on the server, not only in the browser.
                token = b.session.cookie_jar.filter_cookies(URL(base))["__Host-assist"].value
                await b.post("/signout")
                other = Browser(base, setup.ca)
                other.session.cookie_jar.update_cookies({"__Host-assist": token})
                status, _, r = await other.get("/contacts")
                assert status == 303 and r.headers["Location"].startswith("/signin")
                await other.close()
                status, _, _ = await b.get("/no/such/page")
                assert status == 404
            finally:
                await b.close()

    run(main())


def test_records_pages_show_each_agent_only_their_contacts(setup: Setup) -> None:
    async def main() -> None:
        async with console_relay(setup) as (relay, base):
            customer = await Client.connect(relay.url, Role.CUSTOMER, ssl=_ssl(setup))
            await customer.send(ask("inst-00000001", "Kim Chulsoo 김철수", "프린터가 안 돼요"))
            await customer.expect(Standing)
            agent = await Client.connect(relay.url, Role.AGENT, ssl=_ssl(setup))
            await agent.send(Auth(setup.tokens["alice"], bytes(32)))
            await agent.expect(AuthOk)
            await agent.send(Presence(PresenceState.AVAILABLE))
            await agent.send(Take())
            for _ in range(20):
                if type(await agent.recv()).__name__ == "Paired":
                    break
            await asyncio.sleep(0.5)  # the audit writer has written the rows
            alice, bob, sam = (Browser(base, setup.ca) for _ in range(3))
            try:
                for b, who in ((alice, "alice"), (bob, "bob"), (sam, "sam")):
                    assert await b.sign_in(who) == 303
                status, body, _ = await alice.get("/contacts?q=김철수")
                assert status == 200 and "Kim Chulsoo 김철수" in body and "1 contacts" in body
                cid = re.search(r'href="/contacts/([^"]+)"', body).group(1)  # type: ignore[union-attr]
                status, body, _ = await alice.get(f"/contacts/{cid}")
                assert status == 200 and "프린터가 안 돼요" in body
                status, _, _ = await alice.post(
                    f"/contacts/{cid}/notes", {"text": "Reinstalled the driver"}
                )
                assert status == 303
                status, _, _ = await alice.post(
                    f"/contacts/{cid}/outcome", {"resolved": "yes", "tags": "printer"}
                )
                assert status == 303
                status, body, _ = await alice.get(f"/contacts/{cid}")
                assert "Reinstalled the driver" in body and 'value="printer"' in body
                # Bob was not part of it: not in his search, and not by its address.
                status, body, _ = await bob.get("/contacts?q=김철수")
                assert "0 contacts" in body
                status, body, _ = await bob.get(f"/contacts/{cid}")
                assert status == 404 and "not yours to see" in body
                status, _, _ = await bob.post(f"/contacts/{cid}/notes", {"text": "sneaky"})
                assert status == 404
                # A supervisor sees it, and finds it by the note.
                status, body, _ = await sam.get("/contacts?q=driver")
                assert "Kim Chulsoo 김철수" in body
                # Korean pages.
                await sam.get("/lang/ko")
                status, body, _ = await sam.get("/contacts")
                assert "상담 기록" in body and "상담 1건" in body
            finally:
                for b in (alice, bob, sam):
                    await b.close()

    run(main())


def test_an_admin_erases_a_customer_and_the_log_keeps_no_detail_of_them(setup: Setup) -> None:
    async def main() -> None:
        async with console_relay(setup) as (relay, base):
            customer = await Client.connect(relay.url, Role.CUSTOMER, ssl=_ssl(setup))
            await customer.send(ask("inst-00000002", "Lee Younghee"))
            await customer.expect(Standing)
            await customer.send(Leave())
            await asyncio.sleep(0.5)
            ada = Browser(base, setup.ca)
            try:
                await ada.sign_in("ada")
                status, body, _ = await ada.get("/contacts?q=Younghee")
                assert "1 contacts" in body
                status, body, _ = await ada.post(
                    "/admin/privacy/erase", {"contact": "010-1234-5678"}
                )
                assert status == 400 and "cannot be undone" in body  # not confirmed
                status, _, r = await ada.post(
                    "/admin/privacy/erase", {"contact": "010-1234-5678", "confirm": "yes"}
                )
                assert status == 303 and r.headers["Location"] == "/admin/privacy?erased=1"
                status, body, _ = await ada.get("/contacts?q=Younghee")
                assert "0 contacts" in body
                status, body, _ = await ada.get("/audit")
                assert "erased a customer" in body and "sha256:" in body
                assert "010-1234-5678" not in body and "Younghee" not in body
            finally:
                await ada.close()

    run(main())


def test_the_live_desk_stream_shows_a_new_customer_within_two_seconds(setup: Setup) -> None:
    async def main() -> None:
        async with console_relay(setup) as (relay, base):
            sam = Browser(base, setup.ca)
            try:
                await sam.sign_in("sam")
                async with sam.session.get(base + "/desk/events") as stream:
                    assert stream.headers["Content-Type"].startswith("text/event-stream")

                    async def next_picture() -> dict[str, object]:
                        while True:
                            line = (await stream.content.readline()).decode()
                            if line.startswith("data: "):
                                return json.loads(line[6:])["desk"]  # type: ignore[no-any-return]

                    first = await asyncio.wait_for(next_picture(), 5)
                    assert first["waiting"] == []
                    customer = await Client.connect(relay.url, Role.CUSTOMER, ssl=_ssl(setup))
                    await customer.send(ask("inst-00000003", "Choi Minsu 최민수"))
                    await customer.expect(Standing)
                    loop = asyncio.get_running_loop()
                    asked = loop.time()
                    picture = await asyncio.wait_for(next_picture(), 5)
                    assert loop.time() - asked <= 2.0
                    assert [w["name"] for w in picture["waiting"]] == ["Choi Minsu 최민수"]  # type: ignore[index]
                    assert picture["queues"][0]["waiting"] == 1  # type: ignore[index]
            finally:
                await sam.close()

    run(main())


def _ssl(setup: Setup) -> object:
    import ssl

    return ssl.create_default_context(cafile=str(setup.ca.cert_path))


def test_reports_chart_and_export_what_the_desk_did(setup: Setup) -> None:
    store = Store.open(setup.data)
    try:
        store.set_team("bob", "=HYPERLINK(evil)")  # a team name a spreadsheet must not run
        now = time.time()
        for i, wait in enumerate((30, 90, 600)):
            store.contact_asked(
                f"t{i}", queue="internet", installation=f"inst-{i:08}", name="x",
                contact="", topic="y", at=now - 3600 + i,
            )  # fmt: skip
            store.session_started(f"s{i}", "bob", str(i), now - 3600 + i + wait, contact=f"t{i}")
            store.session_ended(f"s{i}", now - 1200, "agent_left", 0, 0, 0)
        store.records.set_outcome("t0", resolved=True, tags="", at=now)
    finally:
        store.close()

    async def main() -> None:
        async with console_relay(setup) as (_, base):
            sam = Browser(base, setup.ca)
            try:
                await sam.sign_in("sam")
                status, body, _ = await sam.get("/reports")
                assert status == 200 and body.count("<svg") == 3
                assert "100% <span" in body  # first-contact resolution, 1 of 1 rated
                status, body, _ = await sam.get("/reports?group=team")
                assert "=HYPERLINK(evil)" in body  # shown on the page as text
                async with sam.session.get(base + "/reports.csv?group=team") as r:
                    assert r.status == 200 and r.content_type == "text/csv"
                    assert "attachment" in r.headers["Content-Disposition"]
                    lines = (await r.text()).lstrip("\ufeff").splitlines()
                assert lines[0].startswith("team,contacts,served,abandoned")
                assert lines[1].startswith("'=HYPERLINK(evil),3,3,0")
                assert lines[-1].startswith("total,3,3,0")
                assert ",92.5," in lines[1]  # the median wait (90 s), to its 5 s bucket
            finally:
                await sam.close()

    run(main())


def test_the_public_help_page_takes_a_question_at_any_hour_into_the_agents_list(
    setup: Setup,
) -> None:
    async def main() -> None:
        async with console_relay(setup) as (relay, base):
            agent = await Client.connect(relay.url, Role.AGENT, ssl=_ssl(setup))
            await agent.send(Auth(setup.tokens["alice"], bytes(32)))
            await agent.expect(AuthOk)
            await agent.send(Presence(PresenceState.AVAILABLE))
            visitor = Browser(base, setup.ca)  # no sign-in
            try:
                status, body, r = await visitor.get("/help")
                assert status == 200 and "Internet" in body and "Leave a question" in body
                assert "Content-Security-Policy" in r.headers
                # The support link opens the app with this relay and organisation pinned.
                link = html.unescape(re.search(r'href="(assist://help\?[^"]+)"', body).group(1))  # type: ignore[union-attr]
                address, pin = identity.parse_support_link(link)
                assert address == relay.url and pin.org == "Acme 지원"
                assert pin.fingerprint == identity.fingerprint(ORG_KEY)
                # Nothing kept without a name and a question.
                status, body, _ = await visitor.post(
                    "/help", {"queue": "internet", "contact": "010-5555-0000"}
                )
                assert status == 400 and "name and your question" in body
                status, body, _ = await visitor.post(
                    "/help",
                    {"queue": "internet", "name": "Oh Sejin 오세진", "contact": "010-5555-0000",
                     "question": "공유기 설정을 도와주세요"},
                )  # fmt: skip
                assert status == 200 and "We will call you between" in body
                for _ in range(10):
                    listed = await agent.recv()
                    if isinstance(listed, CallbackList) and listed.items:
                        break
                (item,) = listed.items
                assert (item.name, item.contact) == ("Oh Sejin 오세진", "010-5555-0000")
                # A robot filling the hidden field gets the same thanks; nothing is kept.
                status, body, _ = await visitor.post(
                    "/help",
                    {"queue": "internet", "name": "bot", "contact": "bot@example.org",
                     "question": "buy", "website": "http://spam.example"},
                )  # fmt: skip
                assert status == 200
                # A form from another site is refused.
                status, _, _ = await visitor.post("/help", {"name": "x"}, csrf="forged")
                assert status == 403
                # A flood from one address is slowed, in a sentence.
                codes = []
                for i in range(40):
                    status, body, _ = await visitor.post(
                        "/help",
                        {"queue": "internet", "name": "n", "contact": f"c{i}@example.org",
                         "question": "q"},
                    )  # fmt: skip
                    codes.append(status)
                assert 429 in codes and "Too many requests" in body
                status, body, _ = await visitor.get("/lang/ko?next=/help")
                status, body, _ = await visitor.get("/help")
                assert "문의를 남기시면 전화드립니다" in body and "인터넷" in body
            finally:
                await visitor.close()
        store = Store.open(setup.data)
        try:
            names = [c.name for c in store.callbacks(state=None)]
            assert "bot" not in names and "Oh Sejin 오세진" in names
            contact = store.records.search("오세진")[0][0]
            assert contact.kind == "callback" and contact.state == "callback_open"
        finally:
            store.close()

    run(main())


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_the_api_needs_a_token_with_the_scope_and_webhooks_reach_a_crm(
    tmp_path: Path, throwaway_ca: ThrowawayCA, request: pytest.FixtureRequest, engine: str
) -> None:
    """An admin makes a token and a webhook in the console; a CRM reads contacts with
    the token (and is refused what its scopes do not cover), and receives
    contact.ended, signed, when a customer gives up their place."""
    from tests.relay.test_webhooks import Receiver

    database_url = request.getfixturevalue("postgres").new_database() if engine != "sqlite" else ""
    setup = prepare(tmp_path, throwaway_ca, database_url=database_url)

    async def main() -> None:
        receiver = Receiver()
        crm, hook_url = await receiver.start()
        async with console_relay(setup) as (relay, base):
            ada = Browser(base, setup.ca)
            try:
                await ada.sign_in("ada")
                status, body, _ = await ada.post(
                    "/admin/integrations/tokens", {"name": "CRM", "scope": "contacts:read"}
                )
                assert status == 200 and "shown only this once" in body
                token = re.search(r'id="token">([^<]+)<', body).group(1)  # type: ignore[union-attr]
                status, body, _ = await ada.post(
                    "/admin/integrations/hooks", {"url": hook_url, "event": "contact.ended"}
                )
                assert status == 200
                receiver.secret = re.search(r'id="secret">([^<]+)<', body).group(1)  # type: ignore[union-attr]
                customer = await Client.connect(relay.url, Role.CUSTOMER, ssl=_ssl(setup))
                await customer.send(ask("inst-00000009", "Han Jimin 한지민"))
                await customer.expect(Standing)
                await customer.send(Leave())
                async with asyncio.timeout(10):
                    while not receiver.got:
                        await asyncio.sleep(0.05)
                (event,) = receiver.got
                assert event["event"] == "contact.ended" and receiver.bad_signatures == 0
                assert event["data"]["customer_name"] == "Han Jimin 한지민"
                assert event["data"]["state"] == "abandoned"
                status, body, _ = await ada.get("/admin/integrations?state=delivered")
                assert "contact.ended" in body and "HTTP 204" in body
                # The API, with and without the token and its scopes.
                api = ada.session  # cookies are ignored there: only the token counts
                async with api.get(base + "/api/v1/contacts") as r:
                    assert r.status == 401 and (await r.json())["error"] == "no_token"
                bearer = {"Authorization": f"Bearer {token}"}
                async with api.get(base + "/api/v1/contacts?q=지민", headers=bearer) as r:
                    found = await r.json()
                assert found["total"] == 1 and found["contacts"][0]["state"] == "abandoned"
                cid = found["contacts"][0]["id"]
                async with api.get(base + f"/api/v1/contacts/{cid}", headers=bearer) as r:
                    assert (await r.json())["customer_name"] == "Han Jimin 한지민"
                async with api.get(base + "/api/v1/reports", headers=bearer) as r:
                    assert r.status == 403 and "reports:read" in (await r.json())["message"]
                # Revoked in the console: refused at once.
                tid = token.split("_", 1)[1].split(".")[0]
                await ada.get("/admin/integrations")
                status, _, _ = await ada.post(f"/admin/integrations/tokens/{tid}/revoke")
                assert status == 303
                async with api.get(base + "/api/v1/contacts", headers=bearer) as r:
                    assert r.status == 401
                status, body, _ = await ada.get("/audit")
                assert "added API token" in body and "added webhook" in body
                assert "revoked API token" in body and token not in body
            finally:
                await ada.close()
        await crm.cleanup()

    run(main())


def test_a_supervisor_reviews_a_contact_and_the_report_shows_the_score(setup: Setup) -> None:
    store = Store.open(setup.data)
    try:
        now = time.time()
        store.contact_asked(
            "t1", queue="internet", installation="inst-00000077", name="Kang", contact="",
            topic="Printer", at=now - 600,
        )  # fmt: skip
        store.session_started("s1", "alice", "1", now - 500, contact="t1")
        store.session_ended("s1", now - 100, "agent_left", 0, 0, 0)
    finally:
        store.close()

    async def main() -> None:
        async with console_relay(setup) as (_, base):
            sam = Browser(base, setup.ca)
            alice = Browser(base, setup.ca)
            try:
                await sam.sign_in("sam")
                await alice.sign_in("alice")
                status, body, _ = await alice.get("/contacts/t1")
                assert "Quality review" not in body  # nothing to see, nothing to score
                status, _, _ = await alice.post("/contacts/t1/review", {"greeting": "2"})
                assert status == 403
                status, body, _ = await sam.get("/contacts/t1")
                assert 'name="diagnosis"' in body
                marks = {"greeting": "2", "diagnosis": "2", "resolution": "1", "manners": "2"}
                status, body, _ = await sam.post(
                    "/contacts/t1/review", {**marks, "comment": "Good"}
                )
                assert status == 303
                status, body, _ = await alice.get("/contacts/t1")  # the agent sees it
                assert "88%" in body and "Good" in body
                status, body, _ = await sam.get("/reports?group=agent")
                assert "88% <span" in body
            finally:
                await sam.close()
                await alice.close()

    run(main())


def test_an_admin_adds_and_removes_an_agent_and_withdraws_certificates(setup: Setup) -> None:
    async def main() -> None:
        async with console_relay(setup) as (relay, base):
            ada = Browser(base, setup.ca)
            try:
                await ada.sign_in("ada")
                status, body, _ = await ada.post(
                    "/admin/agents",
                    {"name": "dana", "display_name": "Dana Lee 이다나", "org": "Acme 지원",
                     "team": "network", "role": "supervisor"},
                )  # fmt: skip
                assert status == 200 and "shown only this once" in body
                token = re.search(r'id="token">([^<]+)<', body).group(1)  # type: ignore[union-attr]
                agent = await Client.connect(relay.url, Role.AGENT, ssl=_ssl(setup))
                await agent.send(Auth(token, bytes(32)))
                ok = await agent.expect(AuthOk)
                assert ok.supervisor
                status, body, _ = await ada.post("/admin/agents", {"name": "dana"})
                assert status == 400 and "already an agent called" in body
                status, body, _ = await ada.post("/admin/agents/ada/remove")
                assert status == 400 and "cannot remove yourself" in body
                await ada.get("/admin/agents")
                status, _, _ = await ada.post("/admin/agents/dana/revoke")
                assert status == 303
                status, _, _ = await ada.post("/admin/agents/dana/remove")
                assert status == 303
                status, body, _ = await ada.get("/admin/agents")
                assert "Dana Lee" not in body
                again = await Client.connect(relay.url, Role.AGENT, ssl=_ssl(setup))
                await again.send(Auth(token, bytes(32)))
                assert type(await again.recv()).__name__ == "Error"  # the token is gone
                status, body, _ = await ada.get("/audit")
                assert "added agent" in body and "removed agent" in body
            finally:
                await ada.close()

    run(main())


def test_queues_are_closed_and_changed_in_the_console_and_through_the_api(setup: Setup) -> None:
    """A supervisor closes the queue for half an hour (a customer asking is refused);
    only an admin changes hours, limits, teams and special days, with a sentence for
    a mistake in both languages; a CRM token with queues:manage reopens it."""

    async def main() -> None:
        async with console_relay(setup) as (relay, base):
            sam, ada = Browser(base, setup.ca), Browser(base, setup.ca)
            try:
                await sam.sign_in("sam")
                await ada.sign_in("ada")
                status, body, _ = await sam.get("/queues")
                assert status == 200 and "Open now" in body and "By the opening hours." in body
                assert 'action="/queues/internet"' not in body  # the admin's forms
                closing = {"state": "closed", "for": "30"}
                status, _, r = await sam.post("/queues/internet/now", closing)
                assert status == 303 and r.headers["Location"] == "/queues#q-internet"
                customer = await Client.connect(relay.url, Role.CUSTOMER, ssl=_ssl(setup))
                await customer.send(ask("inst-0000000q"))
                refused = await customer.expect(DeskRefused)
                assert refused.reason == "CLOSED" and refused.offer_callback
                status, body, _ = await sam.get("/queues")
                assert "Closed now" in body and "Closed by hand" in body and "sam" in body
                status, body, _ = await sam.post("/queues/internet", {"max_waiting": "3"})
                assert status == 403
                # The admin: a new week, a limit, teams; then a mistake, in both languages.
                week = {d: "09:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri")}
                week |= {"sat": "10:00-12:00, 13:00-15:00", "sun": "closed"}
                status, _, _ = await ada.post(
                    "/queues/internet", {**week, "max_waiting": "3", "teams": "network, vip"}
                )
                assert status == 303
                status, body, _ = await ada.post("/queues/internet", {**week, "mon": "9-18"})
                assert status == 400 and "is not a time span" in body
                await ada.get("/lang/ko?next=/queues")
                status, body, _ = await ada.post("/queues/internet", {**week, "max_waiting": "0"})
                assert status == 400 and "최대 대기 인원은 1에서 10000 사이" in body
                status, _, _ = await ada.post(
                    "/queues/internet/days", {"day": "2026-12-24", "hours": "09:00-13:00"}
                )
                assert status == 303
                status, body, _ = await ada.get("/queues")
                assert "특별한 날" in body and "2026-12-24" in body and "09:00-13:00" in body
                assert "10:00-12:00, 13:00-15:00" in body and 'value="3"' in body
                assert relay.current_desk is not None
                queue = relay.current_desk.queues[0]
                assert queue.max_waiting == 3 and queue.teams == {"network", "vip"}
                status, _, _ = await ada.post("/queues/internet/days/2026-12-24/remove")
                assert status == 303 and not relay.current_desk.queues[0].hours.special
                # The API: a token that may read, and one that may manage.
                tokens = {}
                for scope in ("queues:read", "queues:manage"):
                    status, body, _ = await ada.post(
                        "/admin/integrations/tokens", {"name": scope, "scope": scope}
                    )
                    tokens[scope] = re.search(r'id="token">([^<]+)<', body).group(1)  # type: ignore[union-attr]
                api = ada.session
                url = base + "/api/v1/queues/internet"
                read = {"Authorization": f"Bearer {tokens['queues:read']}"}
                manage = {"Authorization": f"Bearer {tokens['queues:manage']}"}
                async with api.patch(url, json={"state": "hours"}, headers=read) as r:
                    assert r.status == 403 and "queues:manage" in (await r.json())["message"]
                async with api.patch(url, json={"max_waiting": 0}, headers=manage) as r:
                    assert r.status == 400 and "max_waiting" in (await r.json())["message"]
                async with api.patch(url, data=b"[1,", headers=manage) as r:
                    assert r.status == 400 and (await r.json())["error"] == "bad_json"
                async with api.patch(
                    url, json={"state": "hours", "teams": None, "max_waiting": 20}, headers=manage
                ) as r:
                    changed = await r.json()
                assert r.status == 200 and changed["settings"]["in_force"] == "hours"
                async with api.get(base + "/api/v1/queues", headers=read) as r:
                    (listed,) = (await r.json())["queues"]
                assert listed["settings"]["week"]["sun"] == ["closed"]
                assert listed["settings"]["max_waiting"] == 20
                assert listed["settings"]["changed_by"] == "api:queues:manage"
                assert relay.current_desk.queues[0].teams == {"network"}
                status, body, _ = await ada.get("/audit")
                assert body.count("changed queue") == 5  # the refused ones are not there
            finally:
                await sam.close()
                await ada.close()

    run(main())
