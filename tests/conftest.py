"""Test-wide settings: Qt draws offscreen unless a test starts its own X server."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
