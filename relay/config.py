"""The relay's settings: documented defaults, then a TOML file, then environment, then flags.

Every setting is one field of :class:`Settings` with its default and a sentence
saying what it is for; ``docs/admin.md`` lists the same keys. The same name is
used everywhere: ``max_sessions`` in ``relay.toml``, ``ASSIST_RELAY_MAX_SESSIONS``
in the environment, ``--max-sessions`` is not a flag (only the common ones are,
see :mod:`relay.cli`). Later sources win: flags over environment over the file
over the defaults.

Sizes are bytes, durations are seconds, rates are per IP per minute. A size or
rate of 0 means "no limit" where the field says so.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from common.messages import MAX_MEMBERS, MAX_MESSAGE_BYTES, MAX_NAME

ENV_PREFIX = "ASSIST_RELAY_"
APP_NAME = "assist-relay"

__all__ = ["ConfigError", "Settings", "default_data_dir", "load_settings"]


class ConfigError(Exception):
    """A setting could not be read; the message names the key and the source."""


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    # -- where it listens and keeps its data
    host: str = dataclasses.field(default="127.0.0.1", metadata=_doc("Address to listen on."))
    port: int = dataclasses.field(default=8765, metadata=_doc("Port to listen on (0: any)."))
    data_dir: Path | None = dataclasses.field(
        default=None,
        metadata=_doc("Where the database lives. Default: the per-user data dir (platformdirs)."),
    )
    tls_cert: Path | None = dataclasses.field(
        default=None, metadata=_doc("PEM certificate chain; with tls_key, serve wss://.")
    )
    tls_key: Path | None = dataclasses.field(default=None, metadata=_doc("PEM private key."))
    tls_read_buffer_bytes: int = dataclasses.field(
        default=64 * 1024,
        metadata=_doc(
            "Read buffer per TLS connection (asyncio's own default is 256 KiB); at least "
            "one TLS record, 16 KiB. Smaller costs less memory per idle connection."
        ),
    )
    metrics_port: int | None = dataclasses.field(
        default=None, metadata=_doc("Serve GET /metrics and /healthz on this port (off if unset).")
    )
    metrics_host: str = dataclasses.field(
        default="127.0.0.1", metadata=_doc("Address for the metrics port.")
    )
    console_port: int | None = dataclasses.field(
        default=None,
        metadata=_doc(
            "Serve the web console (records, live desk, admin) on this port, with the"
            " relay's TLS certificate (off if unset)."
        ),
    )
    console_host: str = dataclasses.field(
        default="127.0.0.1", metadata=_doc("Address for the console port.")
    )
    app_download_url: str = dataclasses.field(
        default="",
        metadata=_doc(
            "Where customers download the Assist app (shown on the public help page,"
            " /help, when set)."
        ),
    )
    relay_name: str = dataclasses.field(
        default="assist-relay", metadata=_doc("Name sent to endpoints in Welcome.")
    )
    log_level: str = dataclasses.field(
        default="INFO", metadata=_doc("DEBUG, INFO, WARNING or ERROR.")
    )
    proxy_headers: bool = dataclasses.field(
        default=False,
        metadata=_doc(
            "Take the client address from the last X-Forwarded-For entry "
            "(only behind a reverse proxy that sets it)."
        ),
    )
    # -- the help desk (docs/admin.md, "The help desk")
    desk_file: Path | None = dataclasses.field(
        default=None,
        metadata=_doc(
            "The desk file (TOML): queues, their names, teams, limits and opening hours. "
            "Check it with `assist-relay desk check`."
        ),
    )
    desk_asks_per_minute: int = dataclasses.field(
        default=6,
        metadata=_doc(
            "Requests for help and for a callback, per client address and per installation "
            "(0: no limit)."
        ),
    )
    desk_max_sessions: int = dataclasses.field(
        default=1,
        metadata=_doc("Customers from the queues one agent may help at the same time."),
    )
    # -- several nodes (docs/cluster.md)
    database_url: str = dataclasses.field(
        default="",
        metadata=_doc(
            "Where accounts, certificates and the audit log live: empty for SQLite in the "
            "data dir, or postgresql://user:password@host:port/dbname (every node the same)."
        ),
    )
    redis_url: str = dataclasses.field(
        default="",
        metadata=_doc(
            "Shared live state of a cluster (codes, resume state, rate limits, nodes): empty "
            "for one node on its own, or redis://host:port/db, rediss://… or unix:///path."
        ),
    )
    node_id: str = dataclasses.field(
        default="",
        metadata=_doc(
            "This node's name in the cluster, unique among running nodes (default: the host "
            "name). Two nodes with the same id refuse to run together."
        ),
    )
    public_url: str = dataclasses.field(
        default="",
        metadata=_doc(
            "The wss:// address apps use to reach this very node (not the load balancer); "
            "other nodes redirect apps here. Needed with redis_url."
        ),
    )
    node_ttl_s: float = dataclasses.field(
        default=3.0,
        metadata=_doc(
            "A node that has not said it is alive for this long counts as gone: its "
            "sessions may be taken over by another node."
        ),
    )
    # -- sessions
    nameplate_ttl_s: float = dataclasses.field(
        default=600.0, metadata=_doc("An unclaimed nameplate expires after this long.")
    )
    pairing_timeout_s: float = dataclasses.field(
        default=60.0,
        metadata=_doc("After the customer joins, key confirmation must finish within this long."),
    )
    grace_s: float = dataclasses.field(
        default=30.0, metadata=_doc("How long a session waits for a dropped side to resume.")
    )
    nameplate_memory_s: float = dataclasses.field(
        default=900.0,
        metadata=_doc("How long a used nameplate is remembered (refused, never reallocated)."),
    )
    max_sessions: int = dataclasses.field(
        default=1000, metadata=_doc("Most sessions open at once (waiting, paired or held).")
    )
    max_connections: int = dataclasses.field(
        default=0,
        metadata=_doc(
            "Most websocket connections open at once; more are refused with HTTP 503. "
            "0: the open-files limit less 64 (the relay raises its soft limit to the hard one)."
        ),
    )
    agent_reserve: int = dataclasses.field(
        default=0,
        metadata=_doc(
            "Of max_connections, this many are kept for agents signing in: once only these "
            "are left, a new connection must sign in as an agent or is closed. "
            "0: a tenth of max_connections (at least 1)."
        ),
    )
    # -- messages, memory and bandwidth
    max_message_bytes: int = dataclasses.field(
        default=MAX_MESSAGE_BYTES,
        metadata=_doc("Largest websocket message; a bigger one closes that connection (1009)."),
    )
    max_helpers: int = dataclasses.field(
        default=4,
        metadata=_doc(
            "Most people in a session besides the agent leading it (helpers, a supervisor)."
        ),
    )
    invite_ttl_s: float = dataclasses.field(
        default=60.0,
        metadata=_doc("How long an invitation into a session waits for the colleague's answer."),
    )
    cast_queue_bytes: int = dataclasses.field(
        default=1 << 20,
        metadata=_doc(
            "Most bytes of the shared screen queued towards one person in a session; past "
            "it their frames are skipped (they get a fresh picture), so one slow link never "
            "slows the others."
        ),
    )
    max_queue_bytes: int = dataclasses.field(
        default=4 << 20,
        metadata=_doc("Most bytes queued towards one endpoint before its peer is held back."),
    )
    session_quota_bytes: int = dataclasses.field(
        default=8 << 30, metadata=_doc("Most bytes one session may forward in all (0: no limit).")
    )
    session_bandwidth_bytes_per_s: int = dataclasses.field(
        default=64 << 20,
        metadata=_doc("Most bytes per second one session may forward (0: no limit)."),
    )
    # -- abuse limits, per client IP per minute
    connections_per_minute: int = dataclasses.field(
        default=60, metadata=_doc("New connections per IP per minute.")
    )
    joins_per_minute: int = dataclasses.field(
        default=30, metadata=_doc("Join and Resume attempts per IP per minute.")
    )
    failed_joins_per_minute: int = dataclasses.field(
        default=10, metadata=_doc("Failed Join/Resume attempts per IP per minute (scanning).")
    )
    failed_signins_per_minute: int = dataclasses.field(
        default=10,
        metadata=_doc("Refused agent tokens per IP per minute; more are refused unchecked."),
    )
    scan_alarm_per_minute: int = dataclasses.field(
        default=30,
        metadata=_doc(
            "Failed joins per minute across the whole relay that count as someone scanning "
            "codes: new codes then get nameplates of at least 6 digits (0: never)."
        ),
    )
    scan_cooldown_s: float = dataclasses.field(
        default=900.0,
        metadata=_doc("How long longer nameplates stay in use after scanning was last seen."),
    )
    # -- timeouts
    open_timeout_s: float = dataclasses.field(
        default=10.0, metadata=_doc("Time for the websocket handshake and then for Hello.")
    )
    request_timeout_s: float = dataclasses.field(
        default=10.0,
        metadata=_doc(
            "After Hello, the first real request (sign-in, join or resume) must come within "
            "this long, or the connection is closed."
        ),
    )
    idle_timeout_s: float = dataclasses.field(
        default=60.0,
        metadata=_doc("Close a signed-in agent's connection that has not created a session."),
    )
    audit_flush_s: float = dataclasses.field(
        default=10.0,
        metadata=_doc(
            "Write open sessions' byte counts and last-seen time this often, so a crash "
            "loses at most this much of the audit log (0: only when a session ends)."
        ),
    )
    ping_interval_s: float = dataclasses.field(
        default=20.0, metadata=_doc("Send a websocket ping this often.")
    )
    ping_timeout_s: float = dataclasses.field(
        default=20.0, metadata=_doc("Drop a connection whose pong is this late.")
    )
    write_timeout_s: float = dataclasses.field(
        default=40.0,
        metadata=_doc(
            "Drop a connection that takes longer than this to take one message "
            "(a reader that stopped); 0: never."
        ),
    )
    close_timeout_s: float = dataclasses.field(
        default=3.0, metadata=_doc("Wait this long for a closing handshake.")
    )
    shutdown_timeout_s: float = dataclasses.field(
        default=5.0, metadata=_doc("On SIGTERM/SIGINT, give connections this long to close.")
    )
    # -- verified identity
    org_key_file: Path | None = dataclasses.field(
        default=None,
        metadata=_doc(
            "The organisation's private key (from `org init`); with it the relay renews its "
            "agents' certificates and the revocation list by itself. Unset: admins do."
        ),
    )
    org_key_passphrase_file: Path | None = dataclasses.field(
        default=None, metadata=_doc("A file holding the organisation key's passphrase.")
    )
    certificate_days: int = dataclasses.field(
        default=30, metadata=_doc("How long a certificate the relay renews stays valid.")
    )
    renew_before_days: float = dataclasses.field(
        default=7.0,
        metadata=_doc("Renew an agent's certificate at sign-in when fewer days are left."),
    )

    def __post_init__(self) -> None:
        problems = []
        if (self.tls_cert is None) != (self.tls_key is None):
            problems.append("tls_cert and tls_key must be given together")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                problems.append(f"{f.name} must not be negative")
        if not 0 <= self.port <= 65535:
            problems.append("port must be 0..65535")
        if self.desk_max_sessions < 1:
            problems.append("desk_max_sessions must be at least 1")
        if self.max_message_bytes < 64 or self.max_message_bytes > MAX_MESSAGE_BYTES:
            problems.append(f"max_message_bytes must be 64..{MAX_MESSAGE_BYTES}")
        if self.max_queue_bytes < self.max_message_bytes:
            problems.append("max_queue_bytes must be at least max_message_bytes")
        if self.cast_queue_bytes < self.max_message_bytes:
            problems.append("cast_queue_bytes must be at least max_message_bytes")
        if not 0 <= self.max_helpers <= MAX_MEMBERS - 2:
            problems.append(f"max_helpers must be 0..{MAX_MEMBERS - 2}")
        if not 0 < len(self.relay_name) <= MAX_NAME or not self.relay_name.isprintable():
            problems.append(f"relay_name must be 1 to {MAX_NAME} printable characters")
        if self.node_id and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}", self.node_id):
            problems.append("node_id must be 1 to 63 letters, digits, '.', '_' or '-'")
        if self.public_url and not re.fullmatch(r"wss?://[^\s/?#]+/?", self.public_url):
            problems.append("public_url must look like wss://node1.example.org:8765")
        if self.node_ttl_s < 0.5:
            problems.append("node_ttl_s must be at least 0.5")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            problems.append("log_level must be DEBUG, INFO, WARNING or ERROR")
        if problems:
            raise ConfigError("; ".join(problems))

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    def resolved_node_id(self) -> str:
        if self.node_id:
            return self.node_id
        import socket

        host = re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname())[:63].strip("-.")
        return host or "relay"

    def resolved_data_dir(self) -> Path:
        return self.data_dir if self.data_dir is not None else default_data_dir()

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(key, default, sentence) for every setting, for docs and ``--help``."""
        out = []
        for f in dataclasses.fields(cls):
            default = "unset" if f.default is None else str(f.default)
            out.append((f.name, default, f.metadata["doc"]))
        return out


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


_HINTS = typing.get_type_hints(Settings)


def _base_type(name: str) -> tuple[type, bool]:
    """The field's plain type and whether it may be None."""
    hint = _HINTS[name]
    if isinstance(hint, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args[0], True
    return hint, False


def _coerce(name: str, raw: Any, source: str) -> Any:
    """Turn a TOML value or an environment string into the field's type."""
    kind, optional = _base_type(name)
    if optional and (raw is None or raw == ""):
        return None
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if kind is int:
            if isinstance(raw, bool) or isinstance(raw, float):
                raise ValueError(raw)
            return int(str(raw).replace("_", "")) if isinstance(raw, str) else int(raw)
        if kind is float:
            if isinstance(raw, bool):
                raise ValueError(raw)
            return float(raw)
        if kind is Path:
            return Path(str(raw)).expanduser()
        if kind is str:
            if not isinstance(raw, str):
                raise ValueError(raw)
            return raw
    except (TypeError, ValueError):
        pass
    raise ConfigError(f"{source}: {name} = {raw!r} is not a valid {kind.__name__}")


def _from_mapping(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    out = {}
    for key, raw in values.items():
        if key not in _HINTS:
            raise ConfigError(f"{source}: unknown setting {key!r}")
        out[key] = _coerce(key, raw, source)
    return out


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    # Accept both a flat file and one with the keys under [relay].
    table = data.pop("relay", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [relay] must be a table")
    return _from_mapping({**data, **table}, str(path))


def read_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values = {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and key != ENV_PREFIX + "CONFIG"
    }
    return _from_mapping(values, "environment")


def load_settings(
    flags: Mapping[str, Any] | None = None,
    *,
    config: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Defaults, then the TOML file, then ``ASSIST_RELAY_*``, then flags (not None ones).

    The file is ``config`` if given, else ``$ASSIST_RELAY_CONFIG`` if set.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config if config is not None else env.get(ENV_PREFIX + "CONFIG") or None
    if path is not None:
        values.update(read_toml(Path(path).expanduser()))
    values.update(read_env(env))
    values.update({k: v for k, v in (flags or {}).items() if v is not None})
    try:
        return Settings(**values)
    except TypeError as exc:  # pragma: no cover - keys are checked above
        raise ConfigError(str(exc)) from None
