"""Run both sides of a handshake in memory (no relay), for core tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from common.channel import Handshake, SecureChannel
from common.codes import SessionCode
from common.messages import Role


def counter_entropy(seed: int) -> Callable[[int], bytes]:
    """A deterministic stand-in for os.urandom (for known-answer tests)."""
    counter = itertools.count()

    def entropy(n: int) -> bytes:
        return bytes((seed + next(counter)) % 256 for _ in range(n))

    return entropy


def pair(
    agent_code: SessionCode, customer_code: SessionCode | None = None
) -> tuple[Handshake, Handshake, SecureChannel, SecureChannel]:
    """Pair an agent and a customer. Raises what the agent's side raises first."""
    agent = Handshake(Role.AGENT, agent_code)
    customer = Handshake(Role.CUSTOMER, customer_code or agent_code)
    pake_a, pake_c = agent.start(), customer.start()
    confirm_a, confirm_c = agent.receive_pake(pake_c), customer.receive_pake(pake_a)
    return agent, customer, agent.receive_confirm(confirm_c), customer.receive_confirm(confirm_a)
