"""Entry point of the customer's app: ``assist-client``."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="assist-client",
        description="Share your screen with a support agent who gave you a code.",
    )
    p.add_argument("--relay", metavar="URL", help="relay address (ws:// or wss://)")
    p.add_argument("--code", help="the code the agent gave you, e.g. 482-519-307")
    p.add_argument("--lang", choices=("ko", "en"), help="language (default: system locale)")
    return p


def main(argv: list[str] | None = None) -> int:
    build_parser().parse_args(argv)
    print("assist-client: the customer's window is not built yet.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
