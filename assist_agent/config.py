"""Where the agent's settings come from, and the per-user file that remembers them.

Relay URL: ``--relay``, then ``ASSIST_RELAY_URL``, then ``agent.toml``, then
:data:`DEFAULT_RELAY`. Token: ``--token-file`` / ``--token -`` / ``--token``, then
``ASSIST_AGENT_TOKEN``, then ``agent.toml``. TLS: ``--ca-file``/``ASSIST_CA_FILE``/
``ca_file``, ``--pin``/``ASSIST_RELAY_PIN``/``pin``, ``--insecure``/``ASSIST_INSECURE=1``.
The file lives in the platform's per-user config folder and is
written with mode 600, because it holds the token.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from assist_net.target import ENV_CA_FILE, ENV_INSECURE, ENV_PIN, RelayTarget, relay_target
from common.errors import RelayAddressError

log = logging.getLogger(__name__)

APP_NAME = "assist"
DEFAULT_RELAY = "ws://127.0.0.1:8765"
CONFIG_FILE = "agent.toml"
_KEYS = ("relay", "token", "lang", "ca_file", "pin")


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Per-user data folder: session history, canned replies, the log file."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class ConfigFile:
    """``agent.toml``: a few string settings, readable only by the user."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config_dir() / CONFIG_FILE

    def load(self) -> dict[str, str]:
        try:
            raw = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            log.warning("ignoring unreadable %s: %s", self.path, exc)
            return {}
        return {k: v for k, v in raw.items() if k in _KEYS and isinstance(v, str)}

    def save(self, **values: str | None) -> None:
        """Merge ``values`` into the file (None removes a key) and write it with mode 600."""
        data = self.load()
        for key, value in values.items():
            if key not in _KEYS:
                raise KeyError(key)
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "# Assist agent settings. Holds your agent token: keep it private.\n"
        # JSON string escapes are valid TOML basic-string escapes.
        text += "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in data.items())
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # also when the file already existed with looser rights
            os.write(fd, text.encode("utf-8"))
        finally:
            os.close(fd)


@dataclasses.dataclass(frozen=True)
class Settings:
    relay: str
    token: str | None
    #: Where the token came from, for error messages: "--token", an env var, or the file.
    token_source: str
    lang: str | None
    #: Trust this CA too (PEM), pin the relay's key, allow ws:// to another host.
    ca_file: str | None = None
    pin: str | None = None
    insecure: bool = False

    def target(self, relay: str | None = None) -> RelayTarget | RelayAddressError:
        """The relay to connect to, or the error saying what is wrong with the settings
        (a connection given it fails at once with that sentence)."""
        return relay_target(relay or self.relay, self.ca_file, self.pin, self.insecure)


def resolve(
    relay: str | None,
    token: str | None,
    lang: str | None = None,
    *,
    ca_file: str | None = None,
    pin: str | None = None,
    insecure: bool = False,
    env: Mapping[str, str] | None = None,
    file: ConfigFile | None = None,
) -> Settings:
    env = os.environ if env is None else env
    saved = (file or ConfigFile()).load()
    url = relay or env.get("ASSIST_RELAY_URL") or saved.get("relay") or DEFAULT_RELAY
    if token:
        tok, source = token, "--token"
    elif env.get("ASSIST_AGENT_TOKEN"):
        tok, source = env["ASSIST_AGENT_TOKEN"], "ASSIST_AGENT_TOKEN"
    elif saved.get("token"):
        tok, source = saved["token"], str((file or ConfigFile()).path)
    else:
        tok, source = None, ""
    return Settings(
        url.strip(),
        tok.strip() if tok else None,
        source,
        lang or saved.get("lang"),
        ca_file or env.get(ENV_CA_FILE) or saved.get("ca_file") or None,
        pin or env.get(ENV_PIN) or saved.get("pin") or None,
        insecure or env.get(ENV_INSECURE, "") in ("1", "true", "yes"),
    )
