"""Where the customer's app finds its relay, and where it keeps logs and recaps.

The relay address comes from, in order: ``--relay``, the ``ASSIST_RELAY_URL``
environment variable, ``relay = "..."`` in ``client.toml`` in the user's config
folder (platformdirs), and finally :data:`DEFAULT_RELAY_URL` for the local demo.
TLS settings come the same way: ``--ca-file`` / ``ASSIST_CA_FILE`` / ``ca_file``,
``--pin`` / ``ASSIST_RELAY_PIN`` / ``pin``, ``--insecure`` / ``ASSIST_INSECURE=1``
(``ws://`` to a relay that is not on this computer; a warning stays visible).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import tomllib
from collections.abc import Sequence
from pathlib import Path

import platformdirs

from assist_net.target import ENV_CA_FILE, ENV_INSECURE, ENV_PIN, RelayTarget
from assist_net.target import relay_target as target_from
from common.errors import RelayAddressError
from common.identity import DEFAULT_MAX_LIST_AGE_S, Pin, Trust

APP_NAME = "assist"
DEFAULT_RELAY_URL = "ws://127.0.0.1:8765"
ENV_RELAY_URL = "ASSIST_RELAY_URL"
CONFIG_FILE = "client.toml"

log = logging.getLogger(__name__)


def config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILE


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def recap_dir() -> Path:
    """Recaps go where people keep documents, in an "Assist" folder."""
    return Path(platformdirs.user_documents_dir()) / "Assist"


def read_config(path: Path | None = None) -> dict[str, object]:
    """The config file as a dict; empty if it is missing or unreadable (logged)."""
    path = path or config_path()
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return {}


def relay_url(
    flag: str | None,
    environ: dict[str, str] | os._Environ[str] | None = None,
    config_file: Path | None = None,
) -> str:
    """The relay address to use (see the module docstring for the order)."""
    if flag:
        return flag.strip()
    env = os.environ if environ is None else environ
    if env.get(ENV_RELAY_URL, "").strip():
        return env[ENV_RELAY_URL].strip()
    value = read_config(config_file).get("relay")
    if isinstance(value, str) and value.strip():
        return value.strip()
    return DEFAULT_RELAY_URL


def relay_target(
    flag: str | None,
    *,
    ca_file: str | None = None,
    pin: str | None = None,
    insecure: bool = False,
    environ: dict[str, str] | os._Environ[str] | None = None,
    config_file: Path | None = None,
) -> RelayTarget | RelayAddressError:
    """The relay and how to trust it, from flags, environment and ``client.toml``."""
    env = os.environ if environ is None else environ
    saved = read_config(config_file)

    def pick(flag_value: str | None, env_key: str, file_key: str) -> str | None:
        if flag_value:
            return flag_value
        if env.get(env_key, "").strip():
            return env[env_key].strip()
        value = saved.get(file_key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    return target_from(
        relay_url(flag, env, config_file),
        pick(ca_file, ENV_CA_FILE, "ca_file"),
        pick(pin, ENV_PIN, "pin"),
        insecure or env.get(ENV_INSECURE, "") in ("1", "true", "yes"),
    )


def setup_logging(verbose: bool = False) -> Path | None:
    """Log to a rotating file in the user's data folder; returns its path (None if unwritable)."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    path = data_dir() / "client.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=2, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path


def trust(
    flags: Sequence[str] = (),
    link_pin: Pin | None = None,
    config_file: Path | None = None,
) -> Trust:
    """The organisations this customer trusts: ``trusted_orgs`` in ``client.toml``
    (``"NAME = FINGERPRINT"`` strings, or tables with ``name`` and ``fingerprint``), each
    ``--trust-org``, and a support link's. Raises ValueError with a sentence for a bad one."""
    saved = read_config(config_file)
    entries: list[Pin] = []
    listed = saved.get("trusted_orgs", [])
    if not isinstance(listed, list):
        raise ValueError("trusted_orgs in client.toml must be a list")
    for item in listed:
        if isinstance(item, dict):
            name, fp = str(item.get("name", "")), str(item.get("fingerprint", ""))
            entries.append(Pin.parse(f"{name}={fp}"))
        else:
            entries.append(Pin.parse(str(item)))
    entries += [Pin.parse(f) for f in flags]
    if link_pin is not None:
        entries.append(link_pin)
    days = saved.get("max_revocation_age_days", DEFAULT_MAX_LIST_AGE_S / 86400)
    if not isinstance(days, int | float) or days <= 0:
        raise ValueError("max_revocation_age_days in client.toml must be a positive number")
    return Trust(tuple(entries), max_list_age_s=round(days * 86400))


def installation_id(directory: Path | None = None) -> str:
    """This installation's anonymous id (random, made once, kept in the data dir): what
    lets the desk keep one place per computer, honour a block and mark a repeat
    customer. It says nothing about the person or the machine."""
    import secrets

    path = (directory or data_dir()) / "installation"
    try:
        value = path.read_text(encoding="ascii").strip()
        if 8 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum():
            return value
    except (OSError, UnicodeDecodeError):
        pass
    value = "inst-" + secrets.token_urlsafe(18)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n", encoding="ascii")
    except OSError:
        pass  # this run still has one; the next makes another
    return value


def protected_windows(cfg: dict[str, object] | None = None) -> tuple[str, ...]:
    """Windows where remote control is refused: the built-in list (password managers,
    banking) plus ``protected_windows = ["...", ...]`` in ``client.toml``, which an
    organisation's installer sets next to its pin. The agent cannot shorten it."""
    from common.control import DEFAULT_PROTECTED

    cfg = read_config() if cfg is None else cfg
    extra = cfg.get("protected_windows", [])
    if not isinstance(extra, list):
        log.warning("protected_windows in %s is not a list: ignored", config_path())
        extra = []
    return DEFAULT_PROTECTED + tuple(str(p) for p in extra if str(p).strip())


def file_limit(cfg: dict[str, object] | None = None) -> int:
    """The largest file the customer is asked about (``max_file_mb`` in ``client.toml``,
    default 2048 MB); larger offers are refused with a sentence saying so."""
    from common.files import DEFAULT_LIMIT

    cfg = read_config() if cfg is None else cfg
    value = cfg.get("max_file_mb")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value * 1024 * 1024
    if value is not None:
        log.warning("max_file_mb in %s is not a positive whole number: ignored", config_path())
    return DEFAULT_LIMIT
