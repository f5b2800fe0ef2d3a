"""A CRM's side of Assist's webhooks and API, small enough to read in one go.

Run it (Python 3.11+ and aiohttp):

    python docs/examples/crm_receiver.py --secret whsec_... [--port 8088]
        [--relay https://console.example.org:9443 --token at1_...]

It listens for POST /assist-events, checks each request's signature and age,
ignores a delivery it already has (Assist may send one again after a timeout),
and prints the contact. With --relay and --token it first reads the last day's
contacts through the API, as a CRM catching up after downtime would.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import time
import urllib.request
from typing import Any

from aiohttp import web

#: Requests older (or newer) than this are refused: a replayed request is stale.
TOLERANCE_S = 300


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """True if ``header`` (Assist-Signature: t=...,v1=...) signs ``body`` with ``secret``."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_S:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), fields.get("v1", ""))


class Crm:
    """Where the contacts land (a real CRM writes them to its database)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.contacts: dict[str, dict[str, Any]] = {}
        self.deliveries: set[str] = set()

    async def assist_events(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verify(self.secret, request.headers.get("Assist-Signature", ""), body):
            return web.Response(status=401, text="bad signature")
        delivery = request.headers.get("Assist-Delivery", "")
        if delivery in self.deliveries:
            return web.Response(status=204)  # already have it: say so, do nothing
        event = json.loads(body)
        contact = event["data"]
        self.contacts[contact["id"]] = contact
        self.deliveries.add(delivery)
        print(
            f"{event['event']}: {contact['customer_name'] or '(code session)'}"
            f" [{contact['state']}] agents={','.join(contact['agents']) or '-'}"
        )
        return web.Response(status=204)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/assist-events", self.assist_events)
        return app


def catch_up(relay: str, token: str, since: float) -> list[dict[str, Any]]:
    """Contacts asked for since ``since``, through the API (every page)."""
    out: list[dict[str, Any]] = []
    offset = 0
    while True:
        url = f"{relay.rstrip('/')}/api/v1/contacts?since={since}&limit=500&offset={offset}"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as r:
            page = json.load(r)
        out += page["contacts"]
        offset += len(page["contacts"])
        if not page["contacts"] or offset >= page["total"]:
            return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--secret", required=True, help="the webhook's signing secret")
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--relay", help="the console's address, for the API")
    parser.add_argument("--token", help="an API token with contacts:read")
    args = parser.parse_args()
    crm = Crm(args.secret)
    if args.relay and args.token:
        for contact in catch_up(args.relay, args.token, time.time() - 86400):
            crm.contacts[contact["id"]] = contact
        print(f"caught up: {len(crm.contacts)} contact(s) from the last day")
    web.run_app(crm.app(), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
