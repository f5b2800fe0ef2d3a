"""docs/examples/crm_receiver.py, the CRM of docs/integration.md, runs against a real
relay: it receives a signed contact.ended, refuses a forged one, and catches up
through the API."""

from __future__ import annotations

import asyncio
import importlib.util
import time
from pathlib import Path
from types import ModuleType

import pytest
from aiohttp import web

from common.messages import Leave, Role, Standing
from relay.store import Store
from tests.console.harness import Setup, ask, console_relay, prepare
from tests.helpers.relay_harness import Client, run
from tools.throwaway_ca import ThrowawayCA

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "crm_receiver.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crm_receiver", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def setup(tmp_path: Path, throwaway_ca: ThrowawayCA) -> Setup:
    return prepare(tmp_path, throwaway_ca)


def test_the_example_crm_receives_events_and_catches_up(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = load_example()
    store = Store.open(setup.data)
    token = store.integrations.add_token("Example CRM", ["contacts:read"], "ada")
    store.close()
    monkeypatch.setenv("SSL_CERT_FILE", str(setup.ca.cert_path))  # urllib trusts the test CA

    async def main() -> None:
        runner = None
        async with console_relay(setup) as (relay, base):
            store = relay.store
            # The receiver needs the secret, the hook needs the receiver's port: start the
            # server first, then add the hook and give the CRM its secret.
            site_app = web.Application()
            holder: dict[str, object] = {}

            async def forward(request: web.Request) -> web.StreamResponse:
                return await holder["crm"].assist_events(request)  # type: ignore[attr-defined]

            site_app.router.add_post("/assist-events", forward)
            runner = web.AppRunner(site_app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            url = f"http://127.0.0.1:{runner.addresses[0][1]}/assist-events"
            hook = await asyncio.to_thread(store.integrations.add_hook, url, ["contact.ended"])
            crm = holder["crm"] = example.Crm(hook.secret)
            customer = await Client.connect(relay.url, Role.CUSTOMER, ssl=_ssl(setup))
            await customer.send(ask("inst-00000042", "Seo Yuna 서유나"))
            await customer.expect(Standing)
            await customer.send(Leave())
            async with asyncio.timeout(10):
                while not crm.contacts:
                    await asyncio.sleep(0.05)
            (contact,) = crm.contacts.values()
            assert contact["customer_name"] == "Seo Yuna 서유나"
            # A forged request is refused; a stale one too.
            body = b'{"event":"contact.ended","data":{}}'
            assert not example.verify(hook.secret, "t=1,v1=00", body)
            stale = int(time.time()) - 3600
            from relay.integrations import sign

            assert not example.verify(hook.secret, sign(hook.secret, stale, body), body)
            assert example.verify(hook.secret, sign(hook.secret, int(time.time()), body), body)
            caught = await asyncio.to_thread(example.catch_up, base, token, time.time() - 60)
            assert [c["id"] for c in caught] == [contact["id"]]
        if runner is not None:
            await runner.cleanup()

    run(main())


def _ssl(setup: Setup) -> object:
    import ssl

    return ssl.create_default_context(cafile=str(setup.ca.cert_path))
