"""Counters the relay keeps, their Prometheus text form, and a tiny HTTP server for them.

:class:`Metrics` is plain data that the session core and the server driver bump;
:meth:`Metrics.render` writes the Prometheus text exposition format. The HTTP
side answers only ``GET /metrics`` and ``GET /healthz``; it reads at most a few
KiB of request and gives up after a few seconds, so it cannot be used to hold
memory or connections.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable

log = logging.getLogger("relay.metrics")

__all__ = ["Metrics", "serve_metrics"]


@dataclasses.dataclass(slots=True)
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
    started: float = dataclasses.field(default_factory=time.time)

    def render(self) -> str:
        """The Prometheus text exposition (version 0.0.4)."""
        families: list[tuple[str, str, str, list[tuple[str, float]]]] = [
            (
                "connections_open",
                "gauge",
                "Websocket connections open now.",
                [("", self.connections_open)],
            ),
            (
                "sessions_open",
                "gauge",
                "Sessions open now (waiting, paired or held).",
                [("", self.sessions_open)],
            ),
            (
                "queued_bytes",
                "gauge",
                "Bytes queued towards endpoints now.",
                [("", self.queued_bytes)],
            ),
            (
                "connections_total",
                "counter",
                "Connections accepted.",
                [("", self.connections_total)],
            ),
            (
                "sessions_created_total",
                "counter",
                "Sessions created.",
                [("", self.sessions_created_total)],
            ),
            (
                "sessions_paired_total",
                "counter",
                "Sessions paired.",
                [("", self.sessions_paired_total)],
            ),
            (
                "sessions_established_total",
                "counter",
                "Sessions past key confirmation.",
                [("", self.sessions_established_total)],
            ),
            (
                "sessions_ended_total",
                "counter",
                "Sessions ended.",
                [("", self.sessions_ended_total)],
            ),
            (
                "bytes_forwarded_total",
                "counter",
                "Bytes of Data forwarded.",
                [
                    ('direction="agent_to_customer"', self.bytes_agent_to_customer_total),
                    ('direction="customer_to_agent"', self.bytes_customer_to_agent_total),
                ],
            ),
            (
                "messages_forwarded_total",
                "counter",
                "Data messages forwarded.",
                [("", self.messages_forwarded_total)],
            ),
            (
                "pairing_failures_total",
                "counter",
                "Key confirmations failed (nameplate burned).",
                [("", self.pairing_failures_total)],
            ),
            (
                "intruders_total",
                "counter",
                "Joins refused: the nameplate was already claimed.",
                [("", self.intruders_total)],
            ),
            (
                "join_failures_total",
                "counter",
                "Joins of an unknown, used or expired nameplate.",
                [("", self.join_failures_total)],
            ),
            (
                "auth_failures_total",
                "counter",
                "Agent tokens refused.",
                [("", self.auth_failures_total)],
            ),
            ("resumes_total", "counter", "Sessions resumed.", [("", self.resumes_total)]),
            (
                "resume_failures_total",
                "counter",
                "Resumes refused.",
                [("", self.resume_failures_total)],
            ),
            (
                "rate_limited_total",
                "counter",
                "Requests refused by a per-IP rate limit.",
                [
                    ('limit="connections"', self.rate_limited_connections_total),
                    ('limit="joins"', self.rate_limited_joins_total),
                    ('limit="signins"', self.rate_limited_signins_total),
                ],
            ),
            (
                "relay_full_total",
                "counter",
                "Connections refused by max_connections or the agents' reserve.",
                [("", self.relay_full_total)],
            ),
            (
                "max_connections",
                "gauge",
                "The most connections the relay accepts at once.",
                [("", self.max_connections)],
            ),
            (
                "scan_alarms_total",
                "counter",
                "Times failed joins passed scan_alarm_per_minute (someone scanning codes).",
                [("", self.scan_alarms_total)],
            ),
            (
                "long_nameplates",
                "gauge",
                "1 while new nameplates are made longer because of scanning.",
                [("", self.long_nameplates)],
            ),
            (
                "log_lines_suppressed_total",
                "counter",
                "Repeated log lines not written (log-rate limiting).",
                [("", self.log_lines_suppressed_total)],
            ),
            (
                "congestion_events_total",
                "counter",
                "Congestion level changes sent to senders.",
                [("", self.congestion_events_total)],
            ),
            (
                "oversize_messages_total",
                "counter",
                "Connections closed for a too large message.",
                [("", self.oversize_messages_total)],
            ),
            (
                "protocol_errors_total",
                "counter",
                "Connections closed for a protocol violation.",
                [("", self.protocol_errors_total)],
            ),
            (
                "stalled_connections_total",
                "counter",
                "Connections dropped for not reading (write_timeout_s).",
                [("", self.stalled_connections_total)],
            ),
            (
                "quota_exceeded_total",
                "counter",
                "Sessions ended for using up their byte quota.",
                [("", self.quota_exceeded_total)],
            ),
            (
                "uptime_seconds",
                "gauge",
                "Seconds since the relay started.",
                [("", round(time.time() - self.started, 3))],
            ),
        ]
        lines = []
        for name, kind, helptext, samples in families:
            full = f"assist_relay_{name}"
            lines.append(f"# HELP {full} {helptext}")
            lines.append(f"# TYPE {full} {kind}")
            for labels, value in samples:
                lines.append(f"{full}{{{labels}}} {value}" if labels else f"{full} {value}")
        return "\n".join(lines) + "\n"


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
    host: str, port: int, metrics: Metrics, healthy: Callable[[], bool]
) -> asyncio.Server:
    """Start the HTTP server for ``/metrics`` and ``/healthz``; the caller closes it."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_REQUEST_TIMEOUT):
                head = await reader.readuntil(b"\r\n\r\n")
            parts = head.split(b"\r\n", 1)[0].split()
            method, path = (parts[0], parts[1].split(b"?", 1)[0]) if len(parts) >= 2 else (b"", b"")
            if method != b"GET":
                reply = _response("405 Method Not Allowed", "GET only\n", "text/plain")
            elif path == b"/metrics":
                text = metrics.render()
                reply = _response("200 OK", text, "text/plain; version=0.0.4; charset=utf-8")
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
