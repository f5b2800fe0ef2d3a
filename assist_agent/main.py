"""Entry point of the agent's app: ``assist-agent``."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="assist-agent",
        description="Help a customer: create a code, see their screen, draw on it, guide them.",
    )
    p.add_argument("--relay", metavar="URL", help="relay address (ws:// or wss://)")
    p.add_argument("--token", help="your agent token (remembered after the first sign-in)")
    p.add_argument("--lang", choices=("ko", "en"), help="language (default: system locale)")
    return p


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)
    print("assist-agent: the agent's window is not built yet.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
