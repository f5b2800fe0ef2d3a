"""Counters the relay keeps, as Prometheus metrics, and a small HTTP server for them.

:class:`Metrics` is plain data that the session core and the server driver bump
(the core stays free of any metrics library); it is also a prometheus-client
*collector*, so the library writes the exposition format, with every sample
labelled ``node="<node_id>"``. :class:`Timings` holds the histograms
(pairing time, relay-added latency) as prometheus-client ``Histogram`` objects.
Each relay has its own registry, so several relays in one process (tests, the
bench) never mix their numbers.

The HTTP side answers only ``GET /metrics``, ``/healthz`` (the process is up) and
``/readyz`` (it takes new sessions: not draining, database and Redis answering);
it reads at most a few KiB of request and gives up after a few seconds, so it
cannot be used to hold memory or connections.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

log = logging.getLogger("relay.metrics")

__all__ = ["Metrics", "Timings", "serve_metrics"]


@dataclasses.dataclass(slots=True, eq=False)
class Metrics:
    # gauges, set by the driver
    connections_open: int = 0
    sessions_open: int = 0
    queued_bytes: int = 0
    # counters
    connections_total: int = 0
    sessions_created_total: int = 0
    sessions_paired_total: int = 0
    sessions_established_total: int = 0
    sessions_ended_total: int = 0
    bytes_agent_to_customer_total: int = 0
    bytes_customer_to_agent_total: int = 0
    messages_forwarded_total: int = 0
    pairing_failures_total: int = 0
    intruders_total: int = 0
    join_failures_total: int = 0
    auth_failures_total: int = 0
    resumes_total: int = 0
    resume_failures_total: int = 0
    rate_limited_connections_total: int = 0
    rate_limited_joins_total: int = 0
    congestion_events_total: int = 0
    oversize_messages_total: int = 0
    protocol_errors_total: int = 0
    stalled_connections_total: int = 0
    quota_exceeded_total: int = 0
    relay_full_total: int = 0
    rate_limited_signins_total: int = 0
    scan_alarms_total: int = 0
    long_nameplates: int = 0  # gauge: 1 while scanning makes nameplates longer
    max_connections: int = 0  # gauge: the cap in force
    log_lines_suppressed_total: int = 0
    # several nodes
    redirects_total: int = 0
    sessions_adopted_total: int = 0
    sessions_moved_total: int = 0
    draining: int = 0  # gauge: 1 while draining
    cluster_unavailable_total: int = 0
    # rooms
    casts_skipped_total: int = 0
    room_members: int = 0  # gauge: people seated in rooms besides member 1
    # the help desk
    desk_waiting: dict[str, int] = dataclasses.field(default_factory=dict)  # gauge, by queue
    desk_asks_total: int = 0
    desk_taken_total: int = 0
    desk_refused_total: dict[str, int] = dataclasses.field(default_factory=dict)  # by reason
    started: float = dataclasses.field(default_factory=time.time)

    #: Set by the driver: this node's id, the ``node`` label of every sample.
    node: str = ""

    def collect(self) -> Iterator[Metric]:
        """Every counter and gauge as a Prometheus family labelled with this node
        (prometheus-client's collector protocol; the registry writes the text)."""
        for name, kind, helptext, samples in self._families():
            family: Metric
            if kind == "counter":
                family = CounterMetricFamily(
                    f"assist_relay_{name.removesuffix('_total')}",
                    helptext,
                    labels=["node", *_label_names(samples)],
                )
            else:
                family = GaugeMetricFamily(
                    f"assist_relay_{name}", helptext, labels=["node", *_label_names(samples)]
                )
            for labels, value in samples:
                family.add_metric([self.node, *labels.values()], value)
            yield family

    def render(self) -> str:
        """The Prometheus text exposition of this node's metrics (for tests and tools)."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        return generate_latest(registry).decode()

    def _families(self) -> list[tuple[str, str, str, list[tuple[dict[str, str], float]]]]:
        return [
            (
                "connections_open",
                "gauge",
                "Websocket connections open now.",
                [({}, self.connections_open)],
            ),
            (
                "sessions_open",
                "gauge",
                "Sessions open now (waiting, paired or held).",
                [({}, self.sessions_open)],
            ),
            (
                "queued_bytes",
                "gauge",
                "Bytes queued towards endpoints now.",
                [({}, self.queued_bytes)],
            ),
            (
                "connections_total",
                "counter",
                "Connections accepted.",
                [({}, self.connections_total)],
            ),
            (
                "sessions_created_total",
                "counter",
                "Sessions created.",
                [({}, self.sessions_created_total)],
            ),
            (
                "sessions_paired_total",
                "counter",
                "Sessions paired.",
                [({}, self.sessions_paired_total)],
            ),
            (
                "sessions_established_total",
                "counter",
                "Sessions past key confirmation.",
                [({}, self.sessions_established_total)],
            ),
            (
                "sessions_ended_total",
                "counter",
                "Sessions ended.",
                [({}, self.sessions_ended_total)],
            ),
            (
                "bytes_forwarded_total",
                "counter",
                "Bytes of Data forwarded.",
                [
                    ({"direction": "agent_to_customer"}, self.bytes_agent_to_customer_total),
                    ({"direction": "customer_to_agent"}, self.bytes_customer_to_agent_total),
                ],
            ),
            (
                "messages_forwarded_total",
                "counter",
                "Data messages forwarded.",
                [({}, self.messages_forwarded_total)],
            ),
            (
                "pairing_failures_total",
                "counter",
                "Key confirmations failed (nameplate burned).",
                [({}, self.pairing_failures_total)],
            ),
            (
                "intruders_total",
                "counter",
                "Joins refused: the nameplate was already claimed.",
                [({}, self.intruders_total)],
            ),
            (
                "join_failures_total",
                "counter",
                "Joins of an unknown, used or expired nameplate.",
                [({}, self.join_failures_total)],
            ),
            (
                "auth_failures_total",
                "counter",
                "Agent tokens refused.",
                [({}, self.auth_failures_total)],
            ),
            ("resumes_total", "counter", "Sessions resumed.", [({}, self.resumes_total)]),
            (
                "resume_failures_total",
                "counter",
                "Resumes refused.",
                [({}, self.resume_failures_total)],
            ),
            (
                "rate_limited_total",
                "counter",
                "Requests refused by a per-IP rate limit.",
                [
                    ({"limit": "connections"}, self.rate_limited_connections_total),
                    ({"limit": "joins"}, self.rate_limited_joins_total),
                    ({"limit": "signins"}, self.rate_limited_signins_total),
                ],
            ),
            (
                "relay_full_total",
                "counter",
                "Connections refused by max_connections or the agents' reserve.",
                [({}, self.relay_full_total)],
            ),
            (
                "max_connections",
                "gauge",
                "The most connections the relay accepts at once.",
                [({}, self.max_connections)],
            ),
            (
                "scan_alarms_total",
                "counter",
                "Times failed joins passed scan_alarm_per_minute (someone scanning codes).",
                [({}, self.scan_alarms_total)],
            ),
            (
                "long_nameplates",
                "gauge",
                "1 while new nameplates are made longer because of scanning.",
                [({}, self.long_nameplates)],
            ),
            (
                "log_lines_suppressed_total",
                "counter",
                "Repeated log lines not written (log-rate limiting).",
                [({}, self.log_lines_suppressed_total)],
            ),
            (
                "congestion_events_total",
                "counter",
                "Congestion level changes sent to senders.",
                [({}, self.congestion_events_total)],
            ),
            (
                "oversize_messages_total",
                "counter",
                "Connections closed for a too large message.",
                [({}, self.oversize_messages_total)],
            ),
            (
                "protocol_errors_total",
                "counter",
                "Connections closed for a protocol violation.",
                [({}, self.protocol_errors_total)],
            ),
            (
                "stalled_connections_total",
                "counter",
                "Connections dropped for not reading (write_timeout_s).",
                [({}, self.stalled_connections_total)],
            ),
            (
                "quota_exceeded_total",
                "counter",
                "Sessions ended for using up their byte quota.",
                [({}, self.quota_exceeded_total)],
            ),
            (
                "casts_skipped_total",
                "counter",
                "Shared-screen records skipped for a member who reads too slowly.",
                [({}, self.casts_skipped_total)],
            ),
            (
                "room_members",
                "gauge",
                "People in sessions besides the agent who created them (helpers, supervisors).",
                [({}, self.room_members)],
            ),
            (
                "desk_waiting",
                "gauge",
                "Customers waiting in each help desk queue now (away ones included).",
                [({"queue": q}, n) for q, n in sorted(self.desk_waiting.items())],
            ),
            (
                "desk_asks_total",
                "counter",
                "Customers who joined a help desk queue.",
                [({}, self.desk_asks_total)],
            ),
            (
                "desk_taken_total",
                "counter",
                "Customers agents took from the queues.",
                [({}, self.desk_taken_total)],
            ),
            (
                "desk_refused_total",
                "counter",
                "Help desk refusals, by reason (DeskError codes: FULL, CLOSED, RATE_LIMITED...).",
                [({"reason": r}, n) for r, n in sorted(self.desk_refused_total.items())],
            ),
            (
                "redirects_total",
                "counter",
                "Apps sent to another node (their session lives there, or this one drains).",
                [({}, self.redirects_total)],
            ),
            (
                "sessions_adopted_total",
                "counter",
                "Sessions this node took over (their node died, or drained them here).",
                [({}, self.sessions_adopted_total)],
            ),
            (
                "sessions_moved_total",
                "counter",
                "Sessions this node handed to another while draining.",
                [({}, self.sessions_moved_total)],
            ),
            (
                "draining",
                "gauge",
                "1 while this node drains (takes no new sessions).",
                [({}, self.draining)],
            ),
            (
                "cluster_unavailable_total",
                "counter",
                "Requests that needed Redis or the database while it did not answer.",
                [({}, self.cluster_unavailable_total)],
            ),
            (
                "uptime_seconds",
                "gauge",
                "Seconds since the relay started.",
                [({}, round(time.time() - self.started, 3))],
            ),
        ]


def _label_names(samples: list[tuple[dict[str, str], float]]) -> list[str]:
    return list(samples[0][0]) if samples else []


class Timings:
    """The relay's histograms, in the relay's own registry (with :class:`Metrics`)."""

    def __init__(self, metrics: Metrics) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(metrics)
        node = metrics.node
        self.pairing = Histogram(
            "assist_relay_pairing_seconds",
            "From the customer's join to both sides confirming the key.",
            ["node"],
            registry=self.registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
        ).labels(node)
        self.relay_added = Histogram(
            "assist_relay_added_latency_seconds",
            "From reading a Data message to handing it to the receiver's socket "
            "(one message in 16 is timed).",
            ["node"],
            registry=self.registry,
            buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5),
        ).labels(node)

    def render(self) -> bytes:
        return generate_latest(self.registry)


_REQUEST_LIMIT = 8192
_REQUEST_TIMEOUT = 5.0


def _response(status: str, body: str, content_type: str) -> bytes:
    data = body.encode()
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + data


async def serve_metrics(
    host: str,
    port: int,
    timings: Timings,
    healthy: Callable[[], bool],
    ready: Callable[[], str | None],
) -> asyncio.Server:
    """Start the HTTP server for ``/metrics``, ``/healthz`` and ``/readyz``; the caller
    closes it. ``ready`` answers None when the node takes new sessions, else why not."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_REQUEST_TIMEOUT):
                head = await reader.readuntil(b"\r\n\r\n")
            parts = head.split(b"\r\n", 1)[0].split()
            method, path = (parts[0], parts[1].split(b"?", 1)[0]) if len(parts) >= 2 else (b"", b"")
            if method != b"GET":
                reply = _response("405 Method Not Allowed", "GET only\n", "text/plain")
            elif path == b"/metrics":
                text = timings.render().decode()
                reply = _response("200 OK", text, "text/plain; version=0.0.4; charset=utf-8")
            elif path == b"/readyz":
                why = ready()
                if why is None:
                    reply = _response("200 OK", "ready\n", "text/plain")
                else:
                    reply = _response("503 Service Unavailable", why + "\n", "text/plain")
            elif path == b"/healthz":
                if healthy():
                    reply = _response("200 OK", "ok\n", "text/plain")
                else:
                    reply = _response("503 Service Unavailable", "stopping\n", "text/plain")
            else:
                reply = _response("404 Not Found", "not found\n", "text/plain")
            writer.write(reply)
            async with asyncio.timeout(_REQUEST_TIMEOUT):
                await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port, limit=_REQUEST_LIMIT)
