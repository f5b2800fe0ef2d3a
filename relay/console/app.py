"""The web console: pages for agents, supervisors and admins, served by the relay.

aiohttp serves it inside the relay's event loop, on its own port (``console_port``)
and with the relay's TLS certificate; Jinja2 renders the pages on the server (no
build step, no CDN: a desk's network may have no internet). Every database call
runs in a worker thread; the loop never waits on the database.

Security (docs/security.md, "The console"):

* every route names the least role it needs (``ROUTES``); the middleware refuses
  anyone below it, and tests walk the table endpoint by endpoint;
* the session cookie is HttpOnly, Secure (over TLS, with the ``__Host-`` prefix) and
  SameSite=Strict; every form carries the session's CSRF token, checked on every
  POST, and a POST whose ``Origin`` is another site is refused;
* the sign-in form has its own CSRF token (a random cookie and the same value in
  the form), and sign-ins are rate-limited per address and per account;
* every response carries a strict Content-Security-Policy (scripts and styles from
  this origin only), no framing, no sniffing, no referrer; signed-in pages are
  never cached;
* every admin action is written to the admin log with who, when and from where.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import datetime as dt
import hmac
import io
import json
import logging
import math
import secrets
import ssl
import time
import zoneinfo
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import jinja2
from aiohttp import web
from multidict import MultiDictProxy

from common import identity
from relay.config import ConfigError
from relay.console import charts, text
from relay.console.auth import SignInLimits, allowed, sees_contact
from relay.console.data import ConsoleSession, erasure_subject
from relay.console.live import KEEPALIVE_S, LiveDesk
from relay.desk.changes import QueueSettings, day_text
from relay.desk.config import Desk
from relay.desk.hours import DAYS
from relay.integrations import EVENTS, SCOPES
from relay.org import agent_cards, card_state
from relay.records import CHECKLIST, CONTACT_STATES, GROUPS, ContactRow, ReportRow
from relay.records import payload as records_payload
from relay.sql import DatabaseUnavailableError, StoreError
from relay.store import ROLES, Store

log = logging.getLogger("relay.console")

__all__ = ["Console", "ConsoleHost", "ROUTES"]

HERE = Path(__file__).parent
#: Requests larger than this are refused (forms are small).
MAX_BODY = 64 * 1024
PAGE = 50
DELIVERY_STATES = ("pending", "sending", "delivered", "failed")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: What the middleware learnt of a request: who is signed in, the POSTed form, and
#: the sign-in form's own CSRF token.
ME = web.RequestKey("me", ConsoleSession)
FORM = web.RequestKey("form", MultiDictProxy)
PRE_CSRF = web.RequestKey("pre_csrf", str)
API_TOKEN = web.RequestKey("api_token", str)


class ConsoleHost(Protocol):
    """What the console needs of the relay it runs in."""

    store: Store

    def desk_picture(self) -> dict[str, Any]: ...

    def help_queues(self) -> list[dict[str, Any]]: ...

    async def help_callback(
        self,
        address: str,
        queue: str,
        name: str,
        contact: str,
        description: str,
        window_start: float | None,
    ) -> Any: ...

    async def help_link(self, host: str) -> str | None: ...

    async def cluster_failures_over(self, keys: list[str], limits: list[int]) -> bool: ...

    async def cluster_failed(self, keys: list[str]) -> None: ...

    @property
    def desk_zone(self) -> str: ...

    @property
    def current_desk(self) -> Desk | None: ...

    def queue_settings(self) -> tuple[Desk | None, list[QueueSettings]]: ...

    async def change_queue(
        self, queue: str, changes: Mapping[str, Any], *, actor: str, address: str
    ) -> QueueSettings: ...


@dataclasses.dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: str  # the Console method's name
    role: str  # the least role: "public", "agent", "supervisor" or "admin"


#: Every route and the least role it needs. Nothing is served that is not here.
ROUTES: tuple[Route, ...] = (
    Route("GET", "/signin", "signin_page", "public"),
    Route("POST", "/signin", "signin", "public"),
    Route("GET", "/lang/{lang}", "set_lang", "public"),
    Route("GET", "/help", "help_page", "public"),
    Route("POST", "/help", "help_ask", "public"),
    Route("POST", "/signout", "signout", "agent"),
    Route("GET", "/", "home", "agent"),
    Route("GET", "/contacts", "contacts", "agent"),
    Route("GET", "/contacts/{cid}", "contact", "agent"),
    Route("POST", "/contacts/{cid}/notes", "add_note", "agent"),
    Route("POST", "/contacts/{cid}/outcome", "set_outcome", "agent"),
    Route("POST", "/contacts/{cid}/review", "review", "supervisor"),
    Route("GET", "/desk", "desk", "supervisor"),
    Route("GET", "/desk/events", "desk_events", "supervisor"),
    Route("GET", "/queues", "queues_page", "supervisor"),
    Route("POST", "/queues/{qid}/now", "queue_now", "supervisor"),
    Route("POST", "/queues/{qid}", "queue_settings", "admin"),
    Route("POST", "/queues/{qid}/days", "queue_add_day", "admin"),
    Route("POST", "/queues/{qid}/days/{day}/remove", "queue_remove_day", "admin"),
    Route("GET", "/reports", "reports", "supervisor"),
    Route("GET", "/reports.csv", "reports_csv", "supervisor"),
    Route("GET", "/audit", "audit", "admin"),
    Route("GET", "/admin/agents", "agents", "admin"),
    Route("POST", "/admin/agents", "add_agent", "admin"),
    Route("POST", "/admin/agents/{name}", "change_agent", "admin"),
    Route("POST", "/admin/agents/{name}/remove", "remove_agent", "admin"),
    Route("POST", "/admin/agents/{name}/revoke", "revoke_cards", "admin"),
    Route("GET", "/admin/privacy", "privacy", "admin"),
    Route("GET", "/admin/integrations", "integrations_page", "admin"),
    Route("POST", "/admin/integrations/tokens", "add_token", "admin"),
    Route("POST", "/admin/integrations/tokens/{tid}/revoke", "revoke_token", "admin"),
    Route("POST", "/admin/integrations/hooks", "add_hook", "admin"),
    Route("POST", "/admin/integrations/hooks/{hid}/{action}", "hook_action", "admin"),
    Route("POST", "/admin/integrations/deliveries/{did}/again", "send_again", "admin"),
    Route("GET", "/api/v1/contacts", "api_contacts", "token:contacts:read"),
    Route("GET", "/api/v1/contacts/{cid}", "api_contact", "token:contacts:read"),
    Route("GET", "/api/v1/reports", "api_reports", "token:reports:read"),
    Route("GET", "/api/v1/queues", "api_queues", "token:queues:read"),
    Route("PATCH", "/api/v1/queues/{qid}", "api_change_queue", "token:queues:manage"),
    Route("POST", "/admin/privacy/erase", "erase", "admin"),
    Route("POST", "/admin/privacy/retention", "set_retention", "admin"),
)

_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class _Refused(Exception):
    """A request the console answers with a page saying why (not a traceback)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Console:
    """The console's aiohttp application for one relay."""

    def __init__(
        self,
        host: ConsoleHost,
        *,
        tls: bool,
        proxy_headers: bool = False,
        app_download_url: str = "",
    ) -> None:
        self.host = host
        self.app_download_url = app_download_url
        self.store = host.store
        self.tls = tls
        self.proxy_headers = proxy_headers
        self.cookie = "__Host-assist" if tls else "assist"
        self.pre_cookie = "__Host-assist-pre" if tls else "assist-pre"
        self.limits = SignInLimits()
        self.live = LiveDesk(self._picture)
        self._names: dict[str, tuple[str, str]] = {}
        self._names_at = 0.0
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.app = web.Application(
            middlewares=[self._headers, self._guard], client_max_size=MAX_BODY
        )
        for route in ROUTES:
            self.app.router.add_route(route.method, route.path, self._wrap(route))
        self.app.router.add_static("/static/", HERE / "static", append_version=False)
        self.app.on_shutdown.append(self._shutdown)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------ serving

    async def start(self, host: str, port: int, ssl_context: ssl.SSLContext | None) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, ssl_context=ssl_context, backlog=128)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _shutdown(self, app: web.Application) -> None:
        await self.live.close()

    def _wrap(self, route: Route) -> Handler:
        method: Handler = getattr(self, route.handler)

        async def handle(request: web.Request) -> web.StreamResponse:
            return await method(request)

        handle.console_route = route  # type: ignore[attr-defined]  # read by _guard
        return handle

    # ------------------------------------------------------------ middlewares

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except _Refused as exc:
            response = self._page(request, "error.html", {"message": exc.message}, exc.status)
        except DatabaseUnavailableError:
            message = text.t(
                self._lang(request),
                "The database does not answer. Try again in a minute; if it goes on, tell the relay's admin.",
            )
            response = self._page(request, "error.html", {"message": message}, 503)
        except StoreError as exc:  # what a person asked for cannot be done: say why
            message = text.t(self._lang(request), text.store_sentence(str(exc)))
            response = self._page(request, "error.html", {"message": message}, 400)
        except web.HTTPException as exc:
            if exc.status < 400 or exc.status == 405:  # redirects are raised, not returned
                self._secure(request, exc.headers)
                raise
            message = text.t(self._lang(request), "There is no such page.")
            response = self._page(request, "error.html", {"message": message}, exc.status)
        if not response.prepared:  # a stream sets them itself, before it starts
            self._secure(request, response.headers)
        return response

    def _secure(self, request: web.Request, h: Any) -> None:
        h["Content-Security-Policy"] = _CSP
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "same-origin"  # "no-referrer" makes forms send Origin: null
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if self.tls:
            h["Strict-Transport-Security"] = "max-age=31536000"
        if "Cache-Control" not in h and not request.path.startswith("/static/"):
            h["Cache-Control"] = "no-store"

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The role check and the CSRF check, for every route in one place."""
        if request.path.startswith("/static/"):
            return await handler(request)
        route: Route | None = getattr(request.match_info.handler, "console_route", None)
        if route is None:  # no such page (aiohttp's own 404 or 405 handler)
            return await handler(request)
        if route.role.startswith("token:"):
            return await self._api_guard(request, handler, route.role.removeprefix("token:"))
        me = await self._session(request)
        if me is not None:
            request[ME] = me
        if route.role != "public":
            if me is None:
                if request.method == "GET" and route.handler != "desk_events":
                    raise web.HTTPSeeOther(f"/signin?next={request.path_qs}")
                raise _Refused(401, text.t(self._lang(request), "Sign in first."))
            if not allowed(me.role, route.role):
                raise _Refused(
                    403,
                    text.t(
                        self._lang(request),
                        "Your role may not open this page. Ask an admin if you need it.",
                    ),
                )
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin is not None and origin != self._origin(request):
                raise _Refused(
                    403,
                    text.t(
                        self._lang(request),
                        "This form was sent from another site; nothing was changed.",
                    ),
                )
            form = await request.post()
            request[FORM] = form
            expected = me.csrf if me is not None else request.cookies.get(self.pre_cookie, "")
            sent = str(form.get("csrf", ""))
            if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
                raise _Refused(
                    403,
                    text.t(
                        self._lang(request),
                        "This form has expired. Open the page again and send it once more.",
                    ),
                )
        return await handler(request)

    async def _api_guard(
        self, request: web.Request, handler: Handler, scope: str
    ) -> web.StreamResponse:
        """The JSON API: a bearer token with the route's scope; no cookies, so no CSRF."""
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        row = await asyncio.to_thread(self.store.integrations.check_token, token) if token else None
        if row is None:
            return _json_error(
                401, "no_token", "Send a valid API token: Authorization: Bearer at1_..."
            )
        if scope not in row.scopes:
            return _json_error(
                403, "scope", f"This token may not do this; it needs the {scope} scope."
            )
        request[API_TOKEN] = row.name
        try:
            return await handler(request)
        except DatabaseUnavailableError:
            return _json_error(
                503, "unavailable", "The database does not answer; try again in a minute."
            )
        except StoreError as exc:
            return _json_error(400, "bad_request", text.store_sentence(str(exc)))

    def _origin(self, request: web.Request) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{request.host}"

    def address(self, request: web.Request) -> str:
        if self.proxy_headers:
            forwarded = request.headers.get("X-Forwarded-For", "")
            if forwarded:
                return forwarded.split(",")[-1].strip()[:64]
        return request.remote or "?"

    async def _session(self, request: web.Request) -> ConsoleSession | None:
        token = request.cookies.get(self.cookie, "")
        if not token:
            return None
        return await asyncio.to_thread(self.store.console.session, token)

    # ------------------------------------------------------------ rendering

    def _lang(self, request: web.Request) -> str:
        chosen = request.cookies.get("lang", "")
        if chosen in text.LANGS:
            return chosen
        accept = request.headers.get("Accept-Language", "")
        return "ko" if accept.lower().startswith("ko") else "en"

    def _page(
        self,
        request: web.Request,
        template: str,
        values: Mapping[str, Any],
        status: int = 200,
    ) -> web.Response:
        lang = self._lang(request)
        me = request.get(ME)
        zone = _zone(self.host.desk_zone)

        def when(ts: float | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
            if ts is None:
                return "–"
            moment = dt.datetime.fromtimestamp(ts, zone)
            if lang == "ko" and "%a" in fmt:
                fmt = fmt.replace("%a", "(" + "월화수목금토일"[moment.weekday()] + ")")
            return moment.strftime(fmt)

        page = self.env.get_template(template).render(
            _=lambda s, **kw: text.t(lang, s, **kw),
            lang=lang,
            me=me,
            allowed=allowed,
            path=request.path,
            when=when,
            duration=_duration,
            state_name=lambda s: text.t(lang, text.STATE_NAMES.get(s) or s),
            event_name=lambda s: text.t(lang, text.EVENT_NAMES.get(s) or s),
            csrf=me.csrf if me is not None else request.get(PRE_CSRF, ""),
            **values,
        )
        return web.Response(text=page, content_type="text/html", charset="utf-8", status=status)

    # ------------------------------------------------------------ signing in and out

    async def signin_page(self, request: web.Request) -> web.StreamResponse:
        return self._signin_form(request, "", 200)

    def _signin_form(self, request: web.Request, error: str, status: int) -> web.Response:
        pre = secrets.token_urlsafe(24)
        request[PRE_CSRF] = pre
        nxt = request.query.get("next", "") or str(request.get(FORM, {}).get("next", ""))
        response = self._page(request, "signin.html", {"error": error, "next": _local(nxt)}, status)
        response.set_cookie(
            self.pre_cookie, pre, path="/", secure=self.tls, httponly=True, samesite="Strict"
        )
        return response

    async def signin(self, request: web.Request) -> web.StreamResponse:
        form = request[FORM]
        name = str(form.get("name", "")).strip()[:64]
        password = str(form.get("password", ""))
        address, now, lang = self.address(request), time.time(), self._lang(request)
        keys, limits = self.limits.keys(address, name)
        if self.limits.blocked(address, name, now) or await self.host.cluster_failures_over(
            keys, limits
        ):
            message = text.t(lang, "Too many failed sign-ins. Wait a minute and try again.")
            return self._signin_form(request, message, 429)
        ok = bool(name) and await asyncio.to_thread(
            self.store.console.check_password, name, password
        )
        if not ok:
            self.limits.failed(address, name, now)
            await self.host.cluster_failed(keys)
            log.info("console: failed sign-in for %r from %s", name, address)
            message = text.t(lang, "That name and password do not match. Check them and try again.")
            return self._signin_form(request, message, 401)
        token = await asyncio.to_thread(self.store.console.open_session, name, address)
        await asyncio.to_thread(self.store.console.log, name, "signed in", name, "", address)
        response = web.HTTPSeeOther(_local(str(form.get("next", ""))) or "/")
        response.set_cookie(
            self.cookie, token, path="/", secure=self.tls, httponly=True, samesite="Strict"
        )
        response.del_cookie(self.pre_cookie, path="/")
        raise response

    async def signout(self, request: web.Request) -> web.StreamResponse:
        await asyncio.to_thread(self.store.console.close_session, request.cookies[self.cookie])
        response = web.HTTPSeeOther("/signin")
        response.del_cookie(self.cookie, path="/")
        raise response

    async def set_lang(self, request: web.Request) -> web.StreamResponse:
        lang = request.match_info["lang"]
        if lang not in text.LANGS:
            raise web.HTTPNotFound()
        response = web.HTTPSeeOther(_local(request.query.get("next", "")) or "/")
        response.set_cookie(
            "lang", lang, path="/", secure=self.tls, samesite="Lax", max_age=365 * 86400
        )
        raise response

    async def home(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        raise web.HTTPSeeOther("/desk" if allowed(me.role, "supervisor") else "/contacts")

    # ------------------------------------------------------------ the public help page

    async def help_page(self, request: web.Request) -> web.StreamResponse:
        return await self._help_form(request, {}, "", 200)

    async def _help_form(
        self, request: web.Request, form: Mapping[str, str], error: str, status: int
    ) -> web.Response:
        pre = request.cookies.get(self.pre_cookie, "") or secrets.token_urlsafe(24)
        request[PRE_CSRF] = pre
        org = await asyncio.to_thread(self.store.organisation)
        page = self._page(
            request,
            "help.html",
            {
                "queues": self.host.help_queues(),
                "org": org.name if org is not None else "",
                "link": await self.host.help_link(request.host),
                "download": self.app_download_url,
                "form": form,
                "error": error,
            },
            status,
        )
        page.set_cookie(
            self.pre_cookie, pre, path="/", secure=self.tls, httponly=True, samesite="Strict"
        )
        return page

    async def help_ask(self, request: web.Request) -> web.StreamResponse:
        raw = request[FORM]
        form = {
            k: str(raw.get(k, "")).strip()
            for k in ("queue", "name", "contact", "question", "window", "website")
        }
        lang = self._lang(request)
        if form["website"]:  # a field people never see: only robots fill it in
            log.info("help page: a robot's request from %s ignored", self.address(request))
            return self._page(request, "help_done.html", {"window": None, "org": ""})
        if not form["name"] or not form["question"]:
            return await self._help_form(
                request, form, text.t(lang, "Please give your name and your question."), 400
            )
        if len(form["name"]) > 64 or len(form["contact"]) > 128 or len(form["question"]) > 1000:
            return await self._help_form(
                request,
                form,
                text.t(lang, "That is longer than we can keep; please shorten it."),
                400,
            )
        window = _int(form["window"], 0) or None
        got = await self.host.help_callback(
            self.address(request), form["queue"], form["name"], form["contact"],
            form["question"], window,
        )  # fmt: skip
        if isinstance(got, str):
            status = 429 if got == "RATE_LIMITED" else 503 if got == "UNAVAILABLE" else 400
            return await self._help_form(
                request,
                form,
                text.t(lang, text.HELP_REFUSALS.get(got, text.HELP_REFUSALS["UNAVAILABLE"])),
                status,
            )
        org = await asyncio.to_thread(self.store.organisation)
        return self._page(
            request, "help_done.html", {"window": got, "org": org.name if org is not None else ""}
        )

    # ------------------------------------------------------------ contacts

    async def contacts(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        q = request.query
        zone = _zone(self.host.desk_zone)
        since = _day(q.get("from", ""), zone)
        until = _day(q.get("to", ""), zone, end=True)
        state = q.get("state", "") if q.get("state", "") in CONTACT_STATES else ""
        page = max(1, _int(q.get("page", "1"), 1))
        agent = q.get("agent", "")[:64]
        if not allowed(me.role, "supervisor"):
            agent = me.agent  # an agent searches their own contacts
        rows, total = await asyncio.to_thread(
            self.store.records.search,
            q.get("q", "")[:200],
            since=since,
            until=until,
            queue=q.get("queue", "")[:64],
            agent=agent,
            state=state,
            limit=PAGE,
            offset=(page - 1) * PAGE,
        )
        return self._page(
            request,
            "contacts.html",
            {
                "rows": rows,
                "total": total,
                "page": page,
                "pages": max(1, (total + PAGE - 1) // PAGE),
                "q": q,
                "states": CONTACT_STATES,
                "query": _query_without_page(q),
            },
        )

    async def _contact_for(self, request: web.Request) -> ContactRow:
        me = request[ME]
        row = await asyncio.to_thread(self.store.records.contact, request.match_info["cid"])
        if row is None or not sees_contact(me.role, me.agent, row.agents or row.agent):
            # The same answer whether it does not exist or is not theirs to see.
            raise _Refused(
                404,
                text.t(self._lang(request), "There is no such contact, or it is not yours to see."),
            )
        return row

    async def contact(self, request: web.Request) -> web.StreamResponse:
        row = await self._contact_for(request)

        def load() -> tuple[Any, Any, Any, Any]:
            notes = self.store.records.notes(row.id)
            history = self.store.records.history(
                installation=row.installation, contact=row.customer_contact, but=row.id
            )
            events = self.store.room_events(row.sid) if row.sid else []
            return notes, history, events, self.store.records.reviews(row.id)

        notes, history, events, reviews = await asyncio.to_thread(load)
        me = request[ME]
        history = [h for h in history if sees_contact(me.role, me.agent, h.agents or h.agent)]
        return self._page(
            request,
            "contact.html",
            {
                "c": row,
                "notes": notes,
                "history": history,
                "events": events,
                "reviews": reviews,
                "checklist": CHECKLIST,
            },
        )

    async def add_note(self, request: web.Request) -> web.StreamResponse:
        row = await self._contact_for(request)
        me = request[ME]
        note = str(request[FORM].get("text", ""))
        await asyncio.to_thread(self.store.records.add_note, row.id, me.agent, note, time.time())
        raise web.HTTPSeeOther(f"/contacts/{row.id}#notes")

    async def set_outcome(self, request: web.Request) -> web.StreamResponse:
        row = await self._contact_for(request)
        form = request[FORM]
        resolved = {"yes": True, "no": False}.get(str(form.get("resolved", "")))
        await asyncio.to_thread(
            lambda: self.store.records.set_outcome(
                row.id, resolved=resolved, tags=str(form.get("tags", "")), at=time.time()
            )
        )
        raise web.HTTPSeeOther(f"/contacts/{row.id}")

    async def review(self, request: web.Request) -> web.StreamResponse:
        row = await self._contact_for(request)
        me = request[ME]
        form = request[FORM]
        marks = {k: _int(str(form.get(k, "")), -1) for k in CHECKLIST}
        await asyncio.to_thread(
            self.store.records.review,
            row.id,
            me.agent,
            marks,
            str(form.get("comment", "")),
            time.time(),
        )
        raise web.HTTPSeeOther(f"/contacts/{row.id}#review")

    # ------------------------------------------------------------ the live desk

    async def desk(self, request: web.Request) -> web.StreamResponse:
        return self._page(request, "desk.html", {})

    async def _picture(self) -> dict[str, Any]:
        picture = self.host.desk_picture()
        rooms, names = await asyncio.to_thread(self._rooms_and_names)
        for a in picture.get("agents", []):
            a["display"], a["team"] = names.get(a["name"], (a["name"], ""))
        picture["rooms"] = rooms
        return picture

    def _rooms_and_names(self) -> tuple[list[dict[str, Any]], dict[str, tuple[str, str]]]:
        now = time.time()
        if now - self._names_at > 30:
            self._names = {a.name: (a.display_name, a.team) for a in self.store.list_agents()}
            self._names_at = now
        rooms = [
            {
                "id": c.id,
                "agent": c.agent,
                "agents": c.agents.split(),
                "queue": c.queue,
                "customer": c.customer_name,
                "started": c.started,
            }
            for c in self.store.records.open_sessions()
        ]
        return rooms, self._names

    async def desk_events(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",
            }
        )
        response.force_close()  # a stream is not kept alive for another request
        self._secure(request, response.headers)
        await response.prepare(request)
        q = self.live.watch()
        try:
            await response.write(b"retry: 2000\n\n")
            while True:
                try:
                    data = await asyncio.wait_for(q.get(), KEEPALIVE_S)
                except TimeoutError:
                    data = b": keep-alive\n\n"
                if data is None:
                    break
                await response.write(data)
        except ConnectionResetError:
            pass  # the browser went away
        finally:
            self.live.unwatch(q)
        return response

    # ------------------------------------------------------------ reports

    def _report_query(self, request: web.Request) -> dict[str, Any]:
        q = request.query
        zone = _zone(self.host.desk_zone)
        today = dt.datetime.now(zone).date()
        start = _date(q.get("from", "")) or today - dt.timedelta(days=13)
        end = _date(q.get("to", "")) or today
        if end < start:
            start, end = end, start
        end = min(end, start + dt.timedelta(days=400))
        group = q.get("group", "day") if q.get("group", "day") in GROUPS else "day"
        return {
            "from": start,
            "to": end,
            "group": group,
            "queue": q.get("queue", "")[:64],
            "team": q.get("team", "")[:64],
            "agent": q.get("agent", "")[:64],
            "since": dt.datetime.combine(start, dt.time(), zone).timestamp(),
            "until": dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone).timestamp(),
        }

    async def _report_rows(self, p: dict[str, Any]) -> list[ReportRow]:
        return await asyncio.to_thread(
            lambda: self.store.records.reports.report(
                p["since"], p["until"], p["group"], zone=self.host.desk_zone,
                queue=p["queue"], team=p["team"], agent=p["agent"],
            )
        )  # fmt: skip

    async def reports(self, request: web.Request) -> web.StreamResponse:
        p = self._report_query(request)
        rows = await self._report_rows(p)
        lang = self._lang(request)
        labels = [r.key or text.t(lang, "(none)") for r in rows]
        contacts = charts.bars(
            text.t(lang, "Contacts"),
            labels,
            [
                (text.t(lang, "served"), [r.served for r in rows]),
                (text.t(lang, "abandoned"), [r.abandoned for r in rows]),
                (text.t(lang, "other"), [r.contacts - r.served - r.abandoned for r in rows]),
            ],
            stacked=True,
        )
        waits = charts.bars(
            text.t(lang, "Wait before an agent took them (minutes)"),
            labels,
            [
                ("p50", [None if r.wait_p50 is None else r.wait_p50 / 60 for r in rows]),
                ("p90", [None if r.wait_p90 is None else r.wait_p90 / 60 for r in rows]),
            ],
        )
        quality = charts.bars(
            text.t(lang, "First-contact resolution, satisfaction and quality (%)"),
            labels,
            [
                (text.t(lang, "quality"), [r.quality_avg for r in rows]),
                (
                    text.t(lang, "resolved on first contact"),
                    [None if r.fcr is None else 100 * r.fcr for r in rows],
                ),
                (
                    text.t(lang, "satisfaction"),
                    [None if r.satisfaction_avg is None else 20 * r.satisfaction_avg for r in rows],
                ),
            ],
            floor=100,  # a percentage: the axis always reaches 100
        )
        total = _total(rows)
        return self._page(
            request,
            "reports.html",
            {
                "p": p,
                "rows": rows,
                "total": total,
                "groups": GROUPS,
                "charts": [
                    (text.t(lang, "Contacts"), contacts),
                    (text.t(lang, "Wait before an agent took them (minutes)"), waits),
                    (
                        text.t(lang, "First-contact resolution, satisfaction and quality (%)"),
                        quality,
                    ),
                ],
                "csv": "/reports.csv?" + _query_without_page(request.query),
            },
        )

    async def reports_csv(self, request: web.Request) -> web.StreamResponse:
        p = self._report_query(request)
        rows = await self._report_rows(p)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([
            p["group"], "contacts", "served", "abandoned", "abandon_rate", "callbacks",
            "wait_p50_s", "wait_p90_s", "handle_avg_s", "fcr", "satisfaction_avg",
            "satisfaction_answers", "quality_pct", "reviews",
        ])  # fmt: skip
        for r in [*rows, _total(rows)]:
            writer.writerow([
                _cell(r.key), r.contacts, r.served, r.abandoned, _num(r.abandon_rate),
                r.callbacks, _num(r.wait_p50), _num(r.wait_p90), _num(r.handle_avg),
                _num(r.fcr), _num(r.satisfaction_avg), r.satisfaction_count,
                _num(r.quality_avg), r.quality_count,
            ])  # fmt: skip
        name = f"assist-report-{p['group']}-{p['from']}-{p['to']}.csv"
        return web.Response(
            body=("\ufeff" + out.getvalue()).encode(),  # a BOM: spreadsheets read UTF-8
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # ------------------------------------------------------------ the JSON API

    async def api_contacts(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        limit = min(500, max(1, _int(q.get("limit", "100"), 100)))
        offset = max(0, _int(q.get("offset", "0"), 0))
        since = _float(q.get("since", ""))
        until = _float(q.get("until", ""))
        rows, total = await asyncio.to_thread(
            self.store.records.search, q.get("q", "")[:200], since=since, until=until,
            queue=q.get("queue", "")[:64], agent=q.get("agent", "")[:64],
            state=q.get("state", "") if q.get("state", "") in CONTACT_STATES else "",
            limit=limit, offset=offset,
        )  # fmt: skip
        notes = await asyncio.to_thread(self.store.records.notes_of, [r.id for r in rows])
        return web.json_response(
            {
                "total": total,
                "limit": limit,
                "offset": offset,
                "contacts": [records_payload(r, notes.get(r.id, ())) for r in rows],
            },
            dumps=_dumps,
        )

    async def api_contact(self, request: web.Request) -> web.StreamResponse:
        cid = request.match_info["cid"]
        row = await asyncio.to_thread(self.store.records.contact, cid)
        if row is None:
            return _json_error(404, "not_found", f"There is no contact {cid!r}.")
        notes = await asyncio.to_thread(self.store.records.notes, cid)
        return web.json_response(records_payload(row, notes), dumps=_dumps)

    async def api_reports(self, request: web.Request) -> web.StreamResponse:
        p = self._report_query(request)
        rows = await self._report_rows(p)
        return web.json_response(
            {
                "from": p["from"].isoformat(),
                "to": p["to"].isoformat(),
                "group": p["group"],
                "zone": self.host.desk_zone,
                "rows": [
                    {**dataclasses.asdict(r), "abandon_rate": r.abandon_rate, "fcr": r.fcr}
                    for r in rows
                ],
            },
            dumps=_dumps,
        )

    async def api_queues(self, request: web.Request) -> web.StreamResponse:
        picture = self.host.desk_picture()
        _, settings = await asyncio.to_thread(self.host.queue_settings)
        by_queue = {x.queue: x for x in settings}
        now = time.time()
        queues = []
        for q in picture["queues"]:
            s = by_queue.get(q["id"]) or QueueSettings(q["id"])
            queues.append({**q, "settings": s.as_json(now)})
        return web.json_response({"queues": queues}, dumps=_dumps)

    async def api_change_queue(self, request: web.Request) -> web.StreamResponse:
        """PATCH a queue: a JSON object of the changes (relay/desk/changes.py)."""
        try:
            body = await request.json()
        except ValueError:
            return _json_error(400, "bad_json", "Send the changes as a JSON object.")
        if not isinstance(body, dict):
            return _json_error(400, "bad_json", "Send the changes as a JSON object.")
        try:
            after = await self.host.change_queue(
                request.match_info["qid"], body, actor="api:" + request[API_TOKEN],
                address=self.address(request),
            )  # fmt: skip
        except ConfigError as exc:
            return _json_error(400, "bad_change", text.store_sentence(str(exc)))
        return web.json_response({"queue": after.queue, "settings": after.as_json(time.time())})

    # ------------------------------------------------------------ queues (supervisor, admin)

    async def queues_page(self, request: web.Request) -> web.StreamResponse:
        file_desk, settings = await asyncio.to_thread(self.host.queue_settings)
        current = self.host.current_desk
        lang = self._lang(request)
        rows: list[dict[str, Any]] = []
        if file_desk is not None and current is not None:
            by_queue = {x.queue: x for x in settings}
            waiting = {q["id"]: q["waiting"] for q in self.host.desk_picture()["queues"]}
            now = dt.datetime.now(dt.UTC)
            for q in current.queues:
                s = by_queue.get(q.id) or QueueSettings(q.id)
                was = file_desk.queue(q.id)
                assert was is not None
                is_open = q.hours.is_open(now)
                rows.append(
                    {
                        "id": q.id,
                        "name": q.name_in(lang),
                        "open": is_open,
                        "always": q.hours.always_open,
                        "closes": _ts(q.hours.closes_at(now))
                        if is_open and not q.hours.always_open
                        else None,
                        "opens": None if is_open else _ts(q.hours.next_opening(now)),
                        "forced": s.forced_now(now.timestamp()),
                        "s": s,
                        "waiting": waiting.get(q.id, 0),
                        "week": [(d, day_text(spans)) for d, spans in zip(DAYS, q.hours.week,
                                                                            strict=True)],
                        "file_week": [day_text(spans) for spans in was.hours.week],
                        "days": sorted(s.days.items()),
                        "holidays": sorted(d.isoformat() for d in was.hours.holidays),
                        "max_waiting": q.max_waiting,
                        "file_max_waiting": was.max_waiting,
                        "teams": ", ".join(sorted(q.teams)),
                        "file_teams": ", ".join(sorted(was.teams)),
                        "zone": q.hours.zone.key,
                    }
                )  # fmt: skip
        return self._page(
            request,
            "queues.html",
            {
                "rows": rows,
                "has_desk": file_desk is not None,
                "durations": DURATIONS,
                "day_names": text.DAY_NAMES,
            },
        )

    async def _change(self, request: web.Request, changes: Mapping[str, Any]) -> web.Response:
        """Make the change as the signed-in person; back to the queue, or why not."""
        qid = request.match_info["qid"]
        try:
            await self.host.change_queue(
                qid, changes, actor=request[ME].agent, address=self.address(request)
            )
        except ConfigError as exc:
            raise _Refused(400, text.change_sentence(self._lang(request), str(exc))) from None
        raise web.HTTPSeeOther(f"/queues#q-{qid}")

    async def queue_now(self, request: web.Request) -> web.StreamResponse:
        form = request[FORM]
        state = str(form.get("state", ""))
        changes: dict[str, Any] = {"state": state}
        minutes = str(form.get("for", "")).strip()
        if state != "hours" and minutes:
            changes["for_s"] = _int(minutes, 0) * 60
        return await self._change(request, changes)

    async def queue_settings(self, request: web.Request) -> web.StreamResponse:
        form = request[FORM]
        if form.get("reset") == "file":
            return await self._change(request, {"week": None, "max_waiting": None, "teams": None})
        return await self._change(
            request,
            {
                "week": {d: str(form.get(d, "")) for d in DAYS},
                "max_waiting": str(form.get("max_waiting", "")).strip() or None,
                "teams": str(form.get("teams", "")).strip() or None,
            },
        )

    async def queue_add_day(self, request: web.Request) -> web.StreamResponse:
        form = request[FORM]
        hours = str(form.get("hours", "")).strip() or "closed"
        return await self._change(request, {"add_day": {str(form.get("day", "")): hours}})

    async def queue_remove_day(self, request: web.Request) -> web.StreamResponse:
        return await self._change(request, {"remove_day": request.match_info["day"]})

    # ------------------------------------------------------------ integrations (admin)

    async def integrations_page(self, request: web.Request) -> web.StreamResponse:
        q = request.query
        state = q.get("state", "") if q.get("state", "") in DELIVERY_STATES else ""
        page = max(1, _int(q.get("page", "1"), 1))

        def load() -> tuple[Any, Any, Any, int]:
            ints = self.store.integrations
            deliveries, total = ints.deliveries(
                q.get("hook", "")[:32], state, limit=PAGE, offset=(page - 1) * PAGE
            )
            return ints.tokens(), ints.hooks(), deliveries, total

        tokens, hooks, deliveries, total = await asyncio.to_thread(load)
        return self._page(
            request,
            "integrations.html",
            {
                "tokens": tokens,
                "hooks": hooks,
                "deliveries": deliveries,
                "total": total,
                "page": page,
                "pages": max(1, -(-total // PAGE)),
                "scopes": SCOPES,
                "events": EVENTS,
                "states": DELIVERY_STATES,
                "q": q,
                "new_token": "",
                "new_hook": None,
            },
        )

    async def add_token(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        form = request[FORM]
        name = str(form.get("name", ""))
        scopes = [str(v) for v in form.getall("scope", [])]

        def apply() -> str:
            token = self.store.integrations.add_token(name, scopes, me.agent)
            self.store.console.log(
                me.agent, "added API token", name.strip(), " ".join(scopes), self.address(request)
            )
            return token

        token = await asyncio.to_thread(apply)
        return self._page(request, "token_made.html", {"token": token, "name": name.strip()})

    async def revoke_token(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        tid = request.match_info["tid"]

        def apply() -> None:
            self.store.integrations.revoke_token(tid)
            self.store.console.log(me.agent, "revoked API token", tid, "", self.address(request))

        await asyncio.to_thread(apply)
        raise web.HTTPSeeOther("/admin/integrations")

    async def add_hook(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        form = request[FORM]
        url = str(form.get("url", ""))
        events = [str(v) for v in form.getall("event", [])]

        def apply() -> Any:
            hook = self.store.integrations.add_hook(url, events)
            self.store.console.log(
                me.agent, "added webhook", hook.url, " ".join(hook.events), self.address(request)
            )
            return hook

        hook = await asyncio.to_thread(apply)
        return self._page(request, "hook_made.html", {"hook": hook})

    async def hook_action(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        hid, action = request.match_info["hid"], request.match_info["action"]
        if action not in ("pause", "resume"):
            raise web.HTTPNotFound()

        def apply() -> None:
            self.store.integrations.set_hook_active(hid, action == "resume")
            self.store.console.log(me.agent, f"{action}d webhook", hid, "", self.address(request))

        await asyncio.to_thread(apply)
        raise web.HTTPSeeOther("/admin/integrations")

    async def send_again(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        did = request.match_info["did"]

        def apply() -> None:
            self.store.integrations.send_again(did, time.time())
            self.store.console.log(
                me.agent, "sent a delivery again", did, "", self.address(request)
            )

        await asyncio.to_thread(apply)
        raise web.HTTPSeeOther("/admin/integrations#deliveries")

    # ------------------------------------------------------------ admin

    async def audit(self, request: web.Request) -> web.StreamResponse:
        page = max(1, _int(request.query.get("page", "1"), 1))
        rows, total = await asyncio.to_thread(
            self.store.console.admin_log, PAGE * 2, (page - 1) * PAGE * 2
        )
        return self._page(
            request,
            "audit.html",
            {"rows": rows, "total": total, "page": page, "pages": max(1, -(-total // (PAGE * 2)))},
        )

    async def agents(self, request: web.Request) -> web.StreamResponse:
        def load() -> tuple[list[tuple[Any, bool, str, float | None]], Any]:
            now = time.time()
            rows = []
            for a, card, _ in agent_cards(self.store):
                rows.append(
                    (
                        a,
                        self.store.console.has_password(a.name),
                        card_state(card, now),
                        card.not_after if card is not None else None,
                    )
                )
            return rows, self.store.organisation()

        rows, org = await asyncio.to_thread(load)
        return self._page(
            request,
            "agents.html",
            {
                "rows": rows,
                "roles": ROLES,
                "org": org,
                "fingerprint": identity.fingerprint(org.public_key) if org else "",
            },
        )

    async def add_agent(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        form = request[FORM]
        name = str(form.get("name", "")).strip()
        role = str(form.get("role", "agent"))

        def apply() -> str:
            token = self.store.add_agent(
                name, str(form.get("display_name", "")).strip() or None,
                str(form.get("org", "")).strip(),
            )  # fmt: skip
            self.store.set_team(name, str(form.get("team", "")).strip())
            if role in ROLES and role != "agent":
                self.store.set_role(name, role)
            self.store.console.log(me.agent, "added agent", name, role, self.address(request))
            return token

        token = await asyncio.to_thread(apply)
        return self._page(request, "agent_made.html", {"token": token, "name": name})

    async def remove_agent(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        name = request.match_info["name"]
        if name == me.agent:
            raise _Refused(
                400, text.t(self._lang(request), "You cannot remove yourself; ask another admin.")
            )

        def apply() -> None:
            self.store.remove_agent(name)
            self.store.console.log(me.agent, "removed agent", name, "", self.address(request))

        await asyncio.to_thread(apply)
        raise web.HTTPSeeOther("/admin/agents")

    async def revoke_cards(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        name = request.match_info["name"]

        def apply() -> list[int]:
            serials = self.store.revoke(agent=name)
            self.store.console.log(
                me.agent, "revoked certificates", name, " ".join(map(str, serials)),
                self.address(request),
            )  # fmt: skip
            return serials

        await asyncio.to_thread(apply)
        raise web.HTTPSeeOther("/admin/agents")

    async def change_agent(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        name = request.match_info["name"]
        form = request[FORM]
        lang = self._lang(request)
        role = str(form.get("role", ""))
        team = str(form.get("team", "")).strip()
        password = str(form.get("password", ""))
        changes: list[str] = []

        def apply() -> None:
            current = self.store.agent_record(name)
            if role and role != current.role:
                if name == me.agent and role != "admin":
                    raise _Refused(
                        400,
                        text.t(
                            lang, "You cannot take away your own admin role; ask another admin."
                        ),
                    )
                self.store.set_role(name, role)
                changes.append(f"role {current.role} -> {role}")
            if team != current.team:
                self.store.set_team(name, team)
                changes.append(f"team {current.team!r} -> {team!r}")
            if password:
                self.store.console.set_password(name, password)
                changes.append("console password set")
            if changes:
                self.store.console.log(
                    me.agent, "changed agent", name, "; ".join(changes), self.address(request)
                )

        await asyncio.to_thread(apply)
        raise web.HTTPSeeOther("/admin/agents")

    async def privacy(self, request: web.Request) -> web.StreamResponse:
        days = await asyncio.to_thread(self.store.console.retention_days)
        done = request.query.get("erased")
        return self._page(
            request,
            "privacy.html",
            {"days": days, "erased": None if done is None else _int(done, 0)},
        )

    async def erase(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        form = request[FORM]
        installation = str(form.get("installation", "")).strip()[:128]
        contact = str(form.get("contact", "")).strip()[:128]
        if str(form.get("confirm", "")) != "yes":
            raise _Refused(
                400,
                text.t(self._lang(request), "Tick the box to confirm: erasing cannot be undone."),
            )

        def apply() -> int:
            count = self.store.records.forget_customer(installation=installation, contact=contact)
            self.store.console.log(
                me.agent,
                "erased a customer",
                erasure_subject(installation, contact),
                f"{count} contact(s)",
                self.address(request),
            )
            return count

        count = await asyncio.to_thread(apply)
        raise web.HTTPSeeOther(f"/admin/privacy?erased={count}")

    async def set_retention(self, request: web.Request) -> web.StreamResponse:
        me = request[ME]
        days = _int(str(request[FORM].get("days", "")), -1)

        def apply() -> None:
            before = self.store.console.retention_days()
            self.store.console.set_retention_days(days)
            self.store.console.log(
                me.agent, "set retention", "records", f"{before} -> {days} days",
                self.address(request),
            )  # fmt: skip

        await asyncio.to_thread(apply)
        raise web.HTTPSeeOther("/admin/privacy")


#: How long "close now" or "open now" lasts, in minutes ("": until changed).
DURATIONS = ("15", "30", "60", "120", "240", "")


def _ts(moment: dt.datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _json_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


# ---------------------------------------------------------------- small helpers


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def _total(rows: list[ReportRow]) -> ReportRow:
    """The whole period in one row. Its wait percentiles are left out: percentiles of
    groups do not add up to the whole's (the groups' rows have them)."""
    said = sum(r.satisfaction_count for r in rows)
    reviewed = sum(r.quality_count for r in rows)
    handled = [(r.handle_avg, r.served) for r in rows if r.handle_avg is not None]
    weight = sum(n for _, n in handled)
    return ReportRow(
        "total",
        sum(r.contacts for r in rows),
        sum(r.served for r in rows),
        sum(r.abandoned for r in rows),
        sum(r.callbacks for r in rows),
        None,
        None,
        sum(a * n for a, n in handled) / weight if weight else None,
        sum(r.resolved_said for r in rows),
        sum(r.resolved for r in rows),
        sum((r.satisfaction_avg or 0) * r.satisfaction_count for r in rows) / said
        if said
        else None,
        said,
        sum((r.quality_avg or 0) * r.quality_count for r in rows) / reviewed if reviewed else None,
        reviewed,
    )


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}".rstrip("0").rstrip(".")


def _float(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _int(raw: str, default: int) -> int:
    try:
        return int(raw)
    except ValueError:
        return default


def _day(raw: str, zone: dt.tzinfo, *, end: bool = False) -> float | None:
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    if end:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), zone).timestamp()


def _local(path: str) -> str:
    """Only this site's own paths are followed after signing in (no open redirect)."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path[:500]
    return ""


def _query_without_page(q: Mapping[str, str]) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in q.items() if k != "page" and v})
