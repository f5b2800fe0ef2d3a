"""The relay's core without sockets: state, nameplates, limits, with a fake clock."""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections.abc import Iterator

from hypothesis import given
from hypothesis import strategies as st

from common.errors import ErrorCode
from common.messages import (
    PROTOCOL_VERSION,
    Auth,
    Bye,
    Create,
    Created,
    EndReason,
    Error,
    Established,
    Hello,
    Join,
    PeerAway,
    PeerBack,
    PeerLeft,
    PeerLeftReason,
    Resume,
    Resumed,
    Role,
)
from relay.actions import (
    Action,
    CheckToken,
    Close,
    RecheckAgent,
    Send,
    SessionEnded,
    SessionEstablished,
    SessionProgress,
)
from relay.config import Settings
from relay.limits import RateLimiter, TokenBucket, congestion_level
from relay.sessions import Relay
from relay.store import AgentRecord

AGENT = AgentRecord("alice", "Alice", "Acme", "0123456789ab", 0.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(draws: Iterator[int] | None = None, **settings: object) -> tuple[Relay, Clock]:
    clock = Clock()
    kwargs: dict[str, object] = {"connections_per_minute": 0, "joins_per_minute": 0}
    kwargs.update(settings)
    core = Relay(
        Settings(**kwargs),  # type: ignore[arg-type]
        monotonic=clock,
        wall=clock,
        randbelow=(lambda n: next(draws) % n) if draws is not None else secrets.randbelow,
    )
    return core, clock


def sent(actions: list[Action], cid: int | None = None) -> list[object]:
    return [a.message for a in actions if isinstance(a, Send) and cid in (None, a.conn)]


def hello(core: Relay, role: Role) -> int:
    cid, actions = core.connect("192.0.2.1")
    assert actions == []
    core.receive(cid, Hello(PROTOCOL_VERSION, role, "test"))
    return cid


def create(core: Relay) -> tuple[int, str]:
    cid = hello(core, Role.AGENT)
    (check,) = core.receive(cid, Auth("a token", bytes(32)))
    assert isinstance(check, CheckToken)
    core.token_checked(cid, AGENT)
    (recheck,) = core.receive(cid, Create())
    assert isinstance(recheck, RecheckAgent) and recheck.name == "alice"
    (created,) = sent(core.agent_rechecked(cid, AGENT))
    assert isinstance(created, Created)
    return cid, created.nameplate


def established(core: Relay) -> tuple[int, int, str, bytes, bytes]:
    agent, nameplate = create(core)
    customer = hello(core, Role.CUSTOMER)
    core.receive(customer, Join(nameplate))
    tokens = b"a" * 32, b"c" * 32
    msg = Established(hashlib.sha256(tokens[0]).digest(), hashlib.sha256(tokens[1]).digest())
    assert core.receive(agent, msg) == []
    assert [type(a) for a in core.receive(customer, msg)] == [SessionEstablished]
    return agent, customer, nameplate, *tokens


def test_nameplates_grow_when_half_the_space_is_taken() -> None:
    core, _ = make(max_sessions=2000)
    lengths = [len(create(core)[1]) for _ in range(510)]
    assert set(lengths[:500]) == {3}
    assert set(lengths[500:]) == {6}
    assert len(core.sessions) == 510


def test_a_used_nameplate_is_not_handed_out_while_remembered() -> None:
    core, clock = make(itertools.cycle([5, 5, 7, 5]), nameplate_memory_s=60)
    agent, first = create(core)
    assert first == "005"
    core.receive(agent, Bye(EndReason.AGENT_ENDED))
    assert create(core)[1] == "007"  # 005 was drawn but is remembered
    clock.now += 61
    core.tick()
    assert create(core)[1] == "005"


def test_silent_drop_then_resume_tells_the_peer_away_before_back() -> None:
    core, _ = make()
    agent, customer, nameplate, _, customer_token = established(core)
    fresh = hello(core, Role.CUSTOMER)
    actions = core.receive(fresh, Resume(nameplate, Role.CUSTOMER, customer_token))
    assert sent(actions, agent) == [PeerAway(30), PeerBack()]
    assert Close(customer, 1000, "replaced by a resumed connection") in actions
    assert sent(actions, fresh) == [Resumed(True)]
    assert core.closed(customer) == []  # the old socket's end changes nothing now
    assert core.peer_of(agent) == fresh


def test_grace_period_expiry() -> None:
    core, clock = make(grace_s=30)
    agent, customer, *_ = established(core)
    assert sent(core.closed(customer)) == [PeerAway(30)]
    clock.now += 29
    assert [a for a in core.tick() if not isinstance(a, SessionProgress)] == []
    clock.now += 2
    actions = core.tick()
    assert sent(actions) == [PeerLeft(PeerLeftReason.TIMED_OUT)]
    (ended,) = [a for a in actions if isinstance(a, SessionEnded)]
    assert ended.reason == "timed_out"


def test_open_sessions_are_flushed_to_the_audit_log_now_and_then() -> None:
    core, clock = make(audit_flush_s=10)
    agent, customer, *_ = established(core)
    core.data(agent, 1000)
    core.data(customer, 300)
    clock.now += 10
    [progress] = [a for a in core.tick() if isinstance(a, SessionProgress)]
    assert [row[1:] for row in progress.rows] == [(1000, 300, 0)]
    clock.now += 1
    assert not [a for a in core.tick() if isinstance(a, SessionProgress)]  # not before 10 s


def test_disagreeing_established_burns_the_nameplate() -> None:
    core, _ = make()
    agent, nameplate = create(core)
    customer = hello(core, Role.CUSTOMER)
    core.receive(customer, Join(nameplate))
    core.receive(agent, Established(b"1" * 32, b"2" * 32))
    actions = core.receive(customer, Established(b"1" * 32, b"3" * 32))
    assert sent(actions) == [PeerLeft(PeerLeftReason.PAIRING_FAILED)] * 2
    assert core.metrics.pairing_failures_total == 1


def test_timeouts_for_hello_and_pairing() -> None:
    core, clock = make(open_timeout_s=5, pairing_timeout_s=20)
    silent, _ = core.connect("192.0.2.9")
    agent, nameplate = create(core)
    customer = hello(core, Role.CUSTOMER)
    core.receive(customer, Join(nameplate))
    clock.now += 6
    actions = core.tick()
    (refusal,) = sent(actions, silent)
    assert isinstance(refusal, Error) and refusal.code is ErrorCode.TIMEOUT
    clock.now += 15
    actions = core.tick()
    assert {type(m) for m in sent(actions)} == {Error}
    assert [a.reason for a in actions if isinstance(a, SessionEnded)] == ["pairing_timeout"]


def test_tokens_never_show_in_reprs() -> None:
    assert "secret-token" not in repr(CheckToken(1, "secret-token"))


# ---------------------------------------------------------------- limits


@given(st.lists(st.integers(0, 5000), min_size=1, max_size=60))
def test_congestion_level_moves_one_way_per_threshold(queue: list[int]) -> None:
    level = 0
    for q in queue:
        new = congestion_level(q, 4000, level)
        assert 0 <= new <= 3
        if q >= 0.9 * 4000:
            assert new == 3
        if q < 0.05 * 4000:
            assert new == 0
        level = new


def test_congestion_hysteresis() -> None:
    assert congestion_level(1000, 4000, 0) == 1
    assert congestion_level(900, 4000, 1) == 1  # below the up-threshold, above down
    assert congestion_level(150, 4000, 1) == 0
    assert congestion_level(3600, 4000, 0) == 3
    assert congestion_level(2100, 4000, 3) == 3
    assert congestion_level(1900, 4000, 3) == 2


def test_token_bucket_and_rate_limiter() -> None:
    bucket = TokenBucket.full(rate=100, burst=100, now=0)
    assert bucket.take(0, 100) == 0
    assert bucket.take(0, 50) == 0.5
    assert bucket.take(2.0, 50) == 0  # refilled, capped at the burst
    limiter = RateLimiter(3, max_keys=2)
    assert [limiter.allow("a", 0) for _ in range(4)] == [True, True, True, False]
    assert limiter.exhausted("a", 0) and not limiter.exhausted("b", 0)
    assert limiter.allow("a", 20)  # one per 20 s comes back
    limiter.allow("b", 0)
    limiter.allow("c", 0)
    assert len(limiter) == 2  # bounded
    limiter.prune(1000)
    assert len(limiter) == 0
    assert all(RateLimiter(0).allow("x", 0) for _ in range(1000))


def test_a_side_that_confirmed_can_resume_before_the_other_side_confirms() -> None:
    """A drop in the moment between one side's Established and the other's must not
    cost the customer a new code (seen end to end under load)."""
    core, _ = make()
    agent, nameplate = create(core)
    customer = hello(core, Role.CUSTOMER)
    core.receive(customer, Join(nameplate))
    tokens = b"a" * 32, b"c" * 32
    msg = Established(hashlib.sha256(tokens[0]).digest(), hashlib.sha256(tokens[1]).digest())
    assert core.receive(customer, msg) == []  # the customer confirmed, the agent not yet
    assert sent(core.closed(customer)) == [PeerAway(30)]  # held, not ended
    assert [type(a) for a in core.receive(agent, msg)] == [SessionEstablished]
    again = hello(core, Role.CUSTOMER)
    assert sent(core.receive(again, Resume(nameplate, Role.CUSTOMER, tokens[1]))) == [
        Resumed(True),
        PeerBack(),
    ]


def test_a_side_that_never_confirmed_cannot_resume() -> None:
    core, _ = make()
    agent, nameplate = create(core)
    customer = hello(core, Role.CUSTOMER)
    core.receive(customer, Join(nameplate))
    core.receive(agent, Established(b"x" * 32, b"y" * 32))
    left = sent(core.closed(customer))  # the customer had not confirmed: the session ends
    assert left == [PeerLeft(PeerLeftReason.TIMED_OUT)]
    again = hello(core, Role.CUSTOMER)
    refusal = sent(core.receive(again, Resume(nameplate, Role.CUSTOMER, b"y" * 32)))
    assert [m.code for m in refusal if isinstance(m, Error)] == [ErrorCode.RESUME_FAILED]
