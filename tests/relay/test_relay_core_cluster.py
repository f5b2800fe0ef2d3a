"""The relay core's cluster paths, sans I/O: what it asks of the cluster and what it does
with the answers (a fake clock, no Redis; tests/relay/test_cluster.py runs the real one)."""

from __future__ import annotations

import hashlib

from common.errors import ErrorCode
from common.messages import (
    Auth,
    Create,
    Created,
    Error,
    Established,
    Join,
    Redirect,
    Resume,
    Resumed,
    Role,
)
from relay.actions import (
    AskLimit,
    ClaimNameplate,
    Close,
    Locate,
    MoveSession,
    RecheckAgent,
    ReleaseNameplate,
    SaveResume,
    SessionMoved,
)
from relay.cluster import Found, NodeInfo, ResumeState
from relay.sessions import Relay
from tests.relay.test_relay_core import AGENT, hello, make, sent

OTHER = NodeInfo("n2", "wss://node-2.example.org:8765")


def cluster_core(**settings: object) -> Relay:
    core, _ = make(**settings)
    core.cluster = True
    return core


def signed_in(core: Relay) -> int:
    cid = hello(core, Role.AGENT)
    core.receive(cid, Auth("a token", bytes(32)))
    core.token_checked(cid, AGENT)
    (recheck,) = core.receive(cid, Create())
    assert isinstance(recheck, RecheckAgent)
    return cid


def test_a_code_is_claimed_cluster_wide_and_drawn_again_when_another_node_has_it() -> None:
    core = cluster_core()
    agent = signed_in(core)
    (claim,) = core.agent_rechecked(agent, AGENT)
    assert isinstance(claim, ClaimNameplate)
    (again,) = core.nameplate_claimed(agent, claim.nameplate, claim.sid, None)  # taken
    assert isinstance(again, ClaimNameplate) and again.nameplate != claim.nameplate
    out = core.nameplate_claimed(agent, again.nameplate, again.sid, taken=3)
    (created,) = sent(out)
    assert isinstance(created, Created) and created.nameplate == again.nameplate
    # Redis away: a clear refusal, never a hang.
    other = signed_in(core)
    (claim,) = core.agent_rechecked(other, AGENT)
    assert isinstance(claim, ClaimNameplate)
    out = core.nameplate_claimed(other, claim.nameplate, claim.sid, None, unavailable=True)
    assert [m.code for m in sent(out) if isinstance(m, Error)] == [ErrorCode.UNAVAILABLE]


def test_a_code_on_another_node_is_answered_with_a_redirect() -> None:
    core = cluster_core(joins_per_minute=0)
    customer = hello(core, Role.CUSTOMER)
    (locate,) = core.receive(customer, Join("123"))
    assert isinstance(locate, Locate) and locate.resume is None
    out = core.located(customer, "123", Found("elsewhere", node=OTHER))
    assert sent(out) == [Redirect(OTHER.url)]
    assert Close(customer, 1000, "redirect") in out
    # The cluster remembers how a code ended, wherever it ended.
    late = hello(core, Role.CUSTOMER)
    core.receive(late, Join("456"))
    out = core.located(late, "456", Found("remembered", reason="pairing_failed"))
    assert [m.code for m in sent(out) if isinstance(m, Error)] == [ErrorCode.CODE_BURNED]


def test_joins_are_counted_across_the_cluster_before_the_core_decides() -> None:
    core = cluster_core(joins_per_minute=5)
    customer = hello(core, Role.CUSTOMER)
    (ask,) = core.receive(customer, Join("123"))
    assert isinstance(ask, AskLimit) and ask.limit == "joins" and ask.per_minute == 5
    core.cluster_limited(ask.limit, ask.key, ask.per_minute)  # the cluster said: over
    out = core.receive(customer, ask.message)
    assert [m.code for m in sent(out) if isinstance(m, Error)] == [ErrorCode.RATE_LIMITED]


def test_both_apps_resuming_at_once_on_a_new_node_meet_in_one_session() -> None:
    core = cluster_core(joins_per_minute=0)
    tokens = (b"a" * 32, b"c" * 32)
    state = ResumeState(
        "sid1",
        "123",
        AGENT.name,
        AGENT.display_name,
        AGENT.org,
        AGENT.token_id,
        AGENT.created,
        hashlib.sha256(tokens[0]).digest(),
        hashlib.sha256(tokens[1]).digest(),
    )
    agent, customer = hello(core, Role.AGENT), hello(core, Role.CUSTOMER)
    (ask_a,) = core.receive(agent, Resume("123", Role.AGENT, tokens[0]))
    (ask_c,) = core.receive(customer, Resume("123", Role.CUSTOMER, tokens[1]))
    assert isinstance(ask_a, Locate) and isinstance(ask_c, Locate)
    # Both Locates were in flight together; both came back "adopted".
    first = core.located(agent, "123", Found("adopted", state=state))
    assert any(isinstance(a, SessionMoved) for a in first)
    assert sent(first) == [Resumed(False)]
    second = core.located(customer, "123", Found("adopted", state=state))
    assert not any(isinstance(a, SessionMoved) for a in second)
    assert Resumed(True) in sent(second)
    assert core.peer_of(agent) == customer and core.peer_of(customer) == agent
    assert core.open_sessions == 1


def test_draining_hands_established_sessions_on_and_refuses_nothing_silently() -> None:
    core = cluster_core(joins_per_minute=0)
    agent = signed_in(core)
    (claim,) = core.agent_rechecked(agent, AGENT)
    assert isinstance(claim, ClaimNameplate)
    core.nameplate_claimed(agent, claim.nameplate, claim.sid, taken=1)
    customer = hello(core, Role.CUSTOMER)
    core.receive(customer, Join(claim.nameplate))
    done = Established(hashlib.sha256(b"a").digest(), hashlib.sha256(b"c").digest())
    core.receive(agent, done)
    out = core.receive(customer, done)
    assert any(isinstance(a, SaveResume) for a in out)
    (move,) = core.drain(OTHER)
    assert isinstance(move, MoveSession) and move.to == OTHER
    assert core.drain(OTHER) == []  # not asked twice while the move is under way
    out = core.moved(claim.nameplate, OTHER, ok=True)
    assert sent(out, agent) == [Redirect(OTHER.url)] and sent(out, customer) == [
        Redirect(OTHER.url)
    ]
    assert core.open_sessions == 0
    assert not any(isinstance(a, ReleaseNameplate) for a in out)  # it lives on elsewhere
    # A new agent on a draining node is sent to a node that takes sessions.
    late = signed_in(core)
    assert sent(core.agent_rechecked(late, AGENT)) == [Redirect(OTHER.url)]
