"""This computer's agent key: made at the first sign-in, kept private in the data folder.

The key never leaves the computer. The relay learns only its public half at
sign-in, the organisation signs a certificate for it (``assist-relay org
issue``), and the app signs each session with it so customers can check who
they are talking to (``common/identity.py``). The file is PKCS#8 PEM, mode 0600;
an unreadable or foreign file is never overwritten silently.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assist_agent.config import data_dir
from common.errors import AgentKeyError

log = logging.getLogger(__name__)

FILE_NAME = "agent_key.pem"


def key_path() -> Path:
    return data_dir() / FILE_NAME


def load_or_create(path: Path | None = None) -> Ed25519PrivateKey:
    """This computer's key, made (mode 0600) if there is none yet."""
    path = path or key_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        try:
            return _create(path)
        except OSError:
            log.exception("cannot write %s", path)
            raise AgentKeyError(path=str(path)) from None
    except OSError:
        raise AgentKeyError(path=str(path)) from None
    try:
        key = serialization.load_pem_private_key(data, None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise AgentKeyError(path=str(path))
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # ours, so make it private again rather than refuse
    return key


def _create(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    log.info("made this computer's agent key in %s", path)
    return key
