"""What verified identity adds to session set-up, next to what set-up costs already.

The agent's app signs the transcript hash and builds ``Identity``; the customer's
app parses it and runs :func:`common.identity.check` (three Ed25519 verifications,
a revocation list of ``revoked`` serials). The yardstick, in the same rounds, is
the PAKE both sides already run (SPAKE2 start and finish on each side, key
derivation and confirmation), so the ratio says what identity adds to the
cryptography of set-up. The issue's budget is 5 ms.

Run alone: ``.venv/bin/python -m bench.identity_bench [--rounds N]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.timing import calls_per_round, us_per_call
from common import identity
from common.channel import Handshake
from common.codes import make_code
from common.messages import Identity, Layer, Role, parse

ROUND_S = 0.3


def _us(fn: Callable[[], Any]) -> float:
    return us_per_call(fn, calls_per_round(fn, ROUND_S))


def run(rounds: int = 5, revoked: int = 1000) -> dict[str, Any]:
    org, agent = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    now = time.time()
    card = identity.issue(
        org,
        org="Acme Support",
        agent="minji",
        display_name="Kim Minji",
        team="Network",
        agent_key=identity.public_bytes(agent),
        serial=1 << 40,
        now=now,
    )
    crl = identity.revocation_list(org, range(1, revoked + 1), now=now)
    trust = identity.Trust(
        (identity.Pin("Acme Support", identity.fingerprint(identity.public_bytes(org))),)
    )
    transcript = bytes(range(32))

    def identity_both_sides() -> None:
        wire = Identity(card, crl, identity.sign_session(agent, transcript)).serialize()
        msg = parse(wire, Layer.APP)
        assert isinstance(msg, Identity)
        who = identity.check(
            trust,
            certificate=msg.certificate,
            revocations=msg.revocations,
            signature=msg.signature,
            transcript=transcript,
            claimed_name="",
            claimed_org="",
            now=now,
        )
        assert who.verified

    code = make_code("482")

    def pake_both_sides() -> None:
        a, c = Handshake(Role.AGENT, code), Handshake(Role.CUSTOMER, code)
        pa, pc = a.start(), c.start()
        ca, cc = a.receive_pake(pc), c.receive_pake(pa)
        a.receive_confirm(cc)
        c.receive_confirm(ca)

    ours, yard = [], []
    for _ in range(rounds):  # alternate, so drift hits both alike
        ours.append(_us(identity_both_sides))
        yard.append(_us(pake_both_sides))
    med = statistics.median
    return {
        "rounds": rounds,
        "revoked_serials": revoked,
        "identity_bytes": len(Identity(card, crl, bytes(64)).serialize()),
        "identity_ms": round(med(ours) / 1000, 3),
        "identity_ms_rounds": [round(x / 1000, 3) for x in ours],
        "pake_ms": round(med(yard) / 1000, 3),
        "pake_ms_rounds": [round(x / 1000, 3) for x in yard],
        "identity_to_pake_ratio": round(med(ours) / med(yard), 2),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.identity_bench", description=__doc__)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--revoked", type=int, default=1000, help="serials in the revocation list")
    args = p.parse_args(argv)
    print(json.dumps(run(args.rounds, args.revoked), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
