"""``make demo``: a whole Assist session on one computer, from the code to the rating.

Both modes start the same way: a relay (``assist-relay serve --port 0``, its
built-in defaults, a temporary data folder) with one agent, "Demo Agent" of "Assist
Demo" (``assist-relay agent add``). The apps get temporary config, data, state,
cache and documents folders, so the demo never reads or changes the person's own
agent token, history or recaps. Everything the demo starts is stopped, and every
temporary folder removed, when it ends or on Ctrl+C.

**On a desktop** (``DISPLAY`` answers, no ``--autopilot``) it opens the real
windows: ``assist-agent --new-session`` signs in, starts a session and prints its
code; ``assist-client --code CODE`` opens with that code filled in. The person
clicks through consent, draws, chats and ends; the demo ends once both windows
are closed.

**Without a display, or with --autopilot**, it plays the same session by itself on
two virtual screens (Xvfb, 1920x1080): the customer's, which shows a settings page
(:mod:`tools.demo_desktop`) and is the screen that gets shared, and the agent's. The
apps run in processes of their own (:mod:`tools.demo_agent`,
:mod:`tools.demo_customer`) and are driven as a person would drive them. After each
step both screens are photographed into ``demo-out/<date-time>/`` (or ``--out``),
with ``index.html`` to view them side by side and ``demo.json`` describing them.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from assist_agent.agent_key import load_or_create
from common import identity
from tools.demo_procs import (
    Child,
    DemoError,
    Xvfb,
    command,
    display_reachable,
    screenshots,
)
from tools.procs import REPO
from tools.throwaway_ca import ThrowawayCA

Started = TypeVar("Started", Child, Xvfb)
SCREEN = (1920, 1080)
AGENT = ("demo", "Demo Agent", "Assist Demo")
#: (file name part, caption) of each step the autopilot photographs.
STEPS = (
    ("code", "The agent clicked New session: their window shows the code to read to the "
     "customer. The customer's screen is just their desktop."),
    ("join", "The customer opened Assist and typed the code."),
    ("consent", "Before anything is shared the customer sees who is asking (name and "
     "organisation), a plain warning and what will be shared. The agent waits."),
    ("sharing", "The customer clicked Share my screen. The agent sees it; the customer sees "
     "the sharing bar with Pause and Stop."),
    ("marks", "The agent drew an arrow, a box and numbered steps: they appear on the "
     "customer's real screen, and in the agent's viewer."),
    ("chat", "Steps and chat: the agent lists the steps and writes; the customer follows the "
     "arrow, turns the switch on and answers. The agent sees the switch change."),
    ("rating", "The agent ended the session: the customer rates it while the agent waits "
     "for the rating."),
    ("ended", "After the end: the customer's screen is theirs again (no bar, no marks) and "
     "the agent sees how it went."),
)  # fmt: skip
AGENT_SAYS = (
    "Hello! I can see your screen now. Please turn on the switch I marked with the arrow (1), "
    "then click Check for updates (2)."
)
AGENT_STEPS = ('Turn on "Install updates automatically"', 'Click "Check for updates"')
CUSTOMER_SAYS = "Done, the switch is on now. Thank you!"
RATING = "5 Quick and clear, thank you!"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make demo",
        description="Run a whole Assist session on this computer: relay, agent and customer.",
    )
    parser.add_argument(
        "--autopilot",
        action="store_true",
        help="play the session by itself on virtual screens and save screenshots "
        "(the default when there is no display)",
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="autopilot: where to save the screenshots"
    )
    args = parser.parse_args(argv)
    autopilot = args.autopilot
    if not autopilot and not display_reachable(os.environ.get("DISPLAY")):
        print("No display here: the demo plays the session by itself on virtual screens.")
        autopilot = True

    signal.signal(signal.SIGTERM, _interrupted)
    demo = Demo()
    try:
        with demo:
            if autopilot:
                out = args.out or _new_out_folder()
                Autopilot(demo, out.resolve()).run()
            else:
                on_desktop(demo)
    except DemoError as err:
        print(f"\nThe demo stopped: {err}", file=sys.stderr)
        print(demo.last_words, file=sys.stderr, end="")
        return 1
    except KeyboardInterrupt:
        print("\nDemo interrupted; everything it started is closed.", file=sys.stderr)
        return 130
    return 0


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _new_out_folder() -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return REPO / "demo-out" / stamp


class Demo:
    """The temporary folder, the relay and its agent, and every process started."""

    def __init__(self) -> None:
        self.children: list[Child | Xvfb] = []
        self.last_words = ""
        self.tmp = Path(tempfile.mkdtemp(prefix="assist-demo-"))
        self.relay_url = ""
        self.token = ""
        self.ca_file: Path | None = None

    def __enter__(self) -> Demo:
        try:
            self._start_relay()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, kind: object, error: object, tb: object) -> None:
        if isinstance(error, DemoError):
            self.last_words = self._logs()
        try:
            for child in reversed(self.children):
                child.stop()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, child: Started) -> Started:
        """Remember ``child``, to stop it at the end."""
        self.children.append(child)
        return child

    def _logs(self) -> str:
        parts = []
        for child in self.children:
            tail = child.tail()
            if tail:
                parts.append(f"--- {child.name}, last lines of its log ---\n{tail}\n")
        return "".join(parts)

    def _start_relay(self) -> None:
        data = self.tmp / "relay"
        # The relay serves wss:// as a deployed one does, with a certificate from a CA
        # made for this run; the apps trust that CA (ASSIST_CA_FILE), as a desk's would.
        ca = ThrowawayCA.create(self.tmp / "ca", "Assist demo CA")
        issued = ca.issue("relay")
        self.ca_file = ca.cert_path
        env = self.env(None)
        args = [command("assist-relay"), "serve", "--host", "127.0.0.1", "--port", "0"]
        args += ["--tls-cert", str(issued.cert), "--tls-key", str(issued.key)]
        relay = self.start(
            Child("relay", [*args, "--data-dir", str(data)], env, log=self.tmp / "relay.log")
        )
        first = relay.line(timeout=30)
        found = re.match(r"assist-relay listening on (wss://127\.0\.0\.1:\d+) ", first)
        if found is None:
            raise DemoError(f"unexpected first line from the relay: {first!r}")
        self.relay_url = found[1]
        name, display_name, org = AGENT
        added = subprocess.run(
            [command("assist-relay"), "agent", "add", name, "--display-name", display_name,
             "--org", org, "--data-dir", str(data)],
            env=env, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        if added.returncode != 0 or not added.stdout.strip():
            raise DemoError(f"could not add the demo agent: {added.stderr.strip()}")
        self.token = added.stdout.strip().splitlines()[-1]
        self._verified_identity(data, env)

    def _verified_identity(self, data: Path, env: dict[str, str]) -> None:
        """The demo organisation's key ceremony, so the customer's prompt says Verified:
        an organisation key, the agent's key and certificate in each agent home, and the
        organisation pinned in each customer home's client.toml (docs/admin.md)."""
        name, display_name, org = AGENT
        key = self.tmp / "org" / "demo-org.key"
        key.parent.mkdir(mode=0o700, exist_ok=True)

        def admin(*args: str) -> str:
            done = subprocess.run(
                [command("assist-relay"), *args, "--data-dir", str(data)],
                env=env, capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            if done.returncode != 0:
                raise DemoError(f"assist-relay {args[0]} {args[1]}: {done.stderr.strip()}")
            return done.stdout

        made = admin("org", "init", "--org", org, "--key", str(key))
        found = re.search(r"\d{5}(?: \d{5}){5}", made)
        if found is None:
            raise DemoError(f"no fingerprint from org init: {made!r}")
        self.fingerprint = found[0]
        admin("org", "register", "--key", f"{key}.pub")
        for home in ("agent", "home"):  # the autopilot's agent, and the desktop's one person
            agent_key = load_or_create(self.tmp / home / "data" / "assist" / "agent_key.pem")
            public = base64.b64encode(identity.public_bytes(agent_key)).decode()
            card = self.tmp / "org" / f"{home}.card"
            admin("org", "issue", "--key", str(key), "--agent", name, "--team", "Demo",
                  "--agent-key", public, "--display-name", display_name,
                  "--out", str(card))  # fmt: skip
            admin("org", "upload", str(card))
        admin("org", "crl", "--key", str(key))
        for home in ("customer", "home"):
            folder = self.tmp / home / "config" / "assist"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "client.toml").write_text(
                f'trusted_orgs = ["{org} = {self.fingerprint}"]\n', encoding="utf-8"
            )

    def env(self, home: str | None, display: str | None = None) -> dict[str, str]:
        """The environment of a child: our own folders for ``home``; a virtual ``display``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSIST_")}
        if self.ca_file is not None:
            env["ASSIST_CA_FILE"] = str(self.ca_file)
        if home is not None:
            root = self.tmp / home
            dirs = {
                "XDG_CONFIG_HOME": root / "config",
                "XDG_DATA_HOME": root / "data",
                "XDG_STATE_HOME": root / "state",
                "XDG_CACHE_HOME": root / "cache",
                "XDG_DOCUMENTS_DIR": root / "Documents",  # the customer's recap goes there
            }
            for var, path in dirs.items():
                path.mkdir(parents=True, exist_ok=True)
                env[var] = str(path)
        if display is not None:
            # Nothing of the person's own session: not its Wayland, D-Bus or Qt settings.
            for var in list(env):
                if var.startswith("QT_") or var in _SESSION_VARS:
                    del env[var]
            runtime = self.tmp / (home or "x") / "runtime"
            runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
            env.update(
                DISPLAY=display,
                QT_QPA_PLATFORM="xcb",
                XDG_RUNTIME_DIR=str(runtime),
                XDG_SESSION_TYPE="x11",
                LANG="C.UTF-8",
            )
        return env


_SESSION_VARS = {
    "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS",
    "XAUTHORITY",
    "SESSION_MANAGER",
    "DESKTOP_SESSION",
    "XDG_CURRENT_DESKTOP",
    "XDG_SESSION_DESKTOP",
    "GNOME_SETUP_DISPLAY",
}


# ------------------------------------------------------------------ on a desktop


def on_desktop(demo: Demo) -> None:
    env = demo.env("home")
    agent = demo.start(
        Child(
            "assist-agent",
            [command("assist-agent"), "--relay", demo.relay_url, "--new-session"],
            {**env, "ASSIST_AGENT_TOKEN": demo.token},  # not in argv, where `ps` shows it
        )
    )
    code = _code_from(agent)
    client = demo.start(
        Child(
            "assist-client",
            [command("assist-client"), "--relay", demo.relay_url, "--code", code],
            env,
        )
    )
    _, name, org = AGENT
    print(
        f"""
Assist demo: relay {demo.relay_url}, agent "{name}" of "{org}", code {code}.

Two windows are open: "Assist — Agent" (the support agent, showing the code) and
"Assist" (the customer, with the code filled in).

  1. In the customer's window, read who is asking and click "Share my screen".
  2. The agent's window now shows your screen. It is the same screen, so the agent
     window appears inside itself.
  3. Pick the arrow (A), the box (R) or a numbered step (N) in the agent's toolbar
     and drag on the picture: the marks appear on your real screen.
  4. Write in the agent's Chat tab; answer in the customer's Messages panel.
  5. Click "End session" in the agent's window and rate the session as the customer.
  6. Close the agent's window to finish. Ctrl+C here stops everything at once.
""",
        flush=True,
    )
    if os.environ.get("XDG_SESSION_TYPE") == "wayland":
        print("Note: Assist captures the screen through X11; under Wayland the agent may see ")
        print("only X11 windows. Run `make demo` from an X11 session, or try --autopilot.\n")
    while agent.running or client.running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            (agent if agent.running else client).proc.wait(0.5)
    print("Both windows are closed: the relay is stopped and the temporary folders removed.")


def _code_from(agent: Child) -> str:
    while True:
        try:
            line = agent.line(timeout=60)
        except DemoError:
            raise DemoError(
                "the agent's window closed or stayed silent before a code was ready"
            ) from None
        if found := re.fullmatch(r"code: (\d{3}-\d{3}-\d{3})", line):
            return found[1]


# ------------------------------------------------------------------ autopilot


class Autopilot:
    """Plays the session step by step and photographs both screens after each step."""

    def __init__(self, demo: Demo, out: Path) -> None:
        self.demo = demo
        self.out = out
        self.taken: list[dict[str, Any]] = []
        self.marks: dict[str, Any] = {}

    def run(self) -> None:
        demo, tmp = self.demo, self.demo.tmp
        size = f"{SCREEN[0]}x{SCREEN[1]}x24"
        print(f"Relay on {demo.relay_url}; starting two virtual screens and the apps…", flush=True)
        self.agent_x = demo.start(Xvfb("agent screen", size, tmp / "xvfb-agent.log"))
        self.customer_x = demo.start(Xvfb("customer screen", size, tmp / "xvfb-customer.log"))
        python = [sys.executable, "-m"]
        desktop = self._runner(
            "desktop", [*python, "tools.demo_desktop"], "customer", self.customer_x
        )
        agent = self._runner(
            "agent", [*python, "tools.demo_agent", "--relay", demo.relay_url], "agent", self.agent_x
        )
        customer = self._runner(
            "customer", [*python, "tools.demo_customer", "--relay", demo.relay_url],
            "customer", self.customer_x,
        )  # fmt: skip
        spots = json.loads(desktop.ask("ready"))
        agent.ask("ready")
        customer.ask("ready")
        self.out.mkdir(parents=True, exist_ok=True)

        code = agent.ask("new")
        self.shoot()  # 1: the code

        customer.ask("open")
        customer.ask(f"type {code}")
        self.shoot()  # 2: the code typed in

        if customer.ask("connect") != "verified":
            raise DemoError("the customer's prompt did not say Verified (see customer.log)")
        agent.ask("deciding")
        self.shoot()  # 3: consent

        customer.ask("share")
        agent.ask("sharing")
        self.shoot()  # 4: sharing

        agent.ask("pin")
        marks = self._plan_marks(spots)
        for tool, points in marks:
            agent.ask(f"draw {tool} {' '.join(map(str, points))}")
        customer.ask(f"marks {len(marks)}")
        self.shoot()  # 5: marks

        for step in AGENT_STEPS:
            agent.ask(f"step {step}")
        agent.ask(f"chat {AGENT_SAYS}")
        customer.ask(f"heard {AGENT_STEPS[-1]}")
        customer.ask(f"heard {AGENT_SAYS}")
        desktop.ask("click switch")
        customer.ask(f"chat {CUSTOMER_SAYS}")
        agent.ask(f"heard {CUSTOMER_SAYS}")
        sx, sy, sw, sh = spots["switch"]
        agent.ask(f"sees {sx + sw // 4} {sy + sh // 2} {spots['switch_on']}")  # switch: on
        self.shoot()  # 6: chat

        agent.ask("end")
        customer.ask("ending")
        customer.ask(f"stars {RATING}")
        self.shoot()  # 7: the rating

        customer.ask("send")
        agent.ask("ended")
        customer.wait(30)  # the customer's app closes by itself after the rating
        self.shoot()  # 8: the end

        agent.ask("quit")
        agent.wait(30)
        self._write_index()
        self._summary()

    def _runner(self, name: str, args: list[str], home: str, screen: Xvfb) -> Child:
        env = self.demo.env(home, screen.display)
        env.update(PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
        if name == "agent":
            env["ASSIST_AGENT_TOKEN"] = self.demo.token
        log = self.demo.tmp / f"{name}.log"
        return self.demo.start(Child(name, args, env, log=log, commands=True))

    def _plan_marks(self, spots: dict[str, Any]) -> list[tuple[str, list[int]]]:
        """Where a helpful agent would draw, from where the desktop put its switch and button."""
        sx, sy, sw, sh = spots["switch"]
        bx, by, bw, bh = spots["check"]
        mid = sy + sh // 2
        arrow = [sx - 300, mid + 150, sx - 14, mid + 5]  # from below left to the switch
        step1 = [sx + sw + 44, mid]
        rect = [bx - 10, by - 10, bx + bw + 10, by + bh + 10]  # around the button
        step2 = [bx + bw + 10, by - 12]
        self.marks = {"arrow": [arrow[:2], arrow[2:]], "rect": [rect[:2], rect[2:]]}
        self.marks["steps"] = [step1, step2]
        return [("arrow", arrow), ("step", step1), ("rect", rect), ("step", step2)]

    def shoot(self) -> None:
        number = len(self.taken) + 1
        name, caption = STEPS[number - 1]
        files = {who: f"{number:02d}-{name}-{who}.png" for who in ("agent", "customer")}
        print(f"  {number}/{len(STEPS)}  {caption}", flush=True)
        screenshots(
            {
                self.agent_x.display: self.out / files["agent"],
                self.customer_x.display: self.out / files["customer"],
            }
        )
        self.taken.append({"step": number, "name": name, "caption": caption, **files})

    def _write_index(self) -> None:
        meta = {"screen": list(SCREEN), "steps": self.taken, "marks": self.marks}
        (self.out / "demo.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        rows = "\n".join(
            f"<h2>{s['step']}. {html.escape(s['caption'])}</h2>\n<div class=pair>"
            f"<figure><img src='{s['agent']}'><figcaption>Agent</figcaption></figure>"
            f"<figure><img src='{s['customer']}'><figcaption>Customer</figcaption></figure></div>"
            for s in self.taken
        )
        (self.out / "index.html").write_text(
            f"""<!doctype html>
<meta charset=utf-8><title>Assist demo</title>
<style>
body {{ font: 16px sans-serif; margin: 24px; background: #f5f6f8; color: #202124; }}
.pair {{ display: flex; gap: 16px; }} figure {{ margin: 0; flex: 1; }}
img {{ width: 100%; border: 1px solid #c4c7c5; }} figcaption {{ color: #5f6368; }}
h2 {{ font-size: 18px; margin-top: 36px; }}
</style>
<h1>Assist: one support session, step by step</h1>
<p>Left: the agent's screen. Right: the customer's screen, which is the one shared.</p>
{rows}
""",
            encoding="utf-8",
        )

    def _summary(self) -> None:
        print(f"\nScreenshots of both screens after each step are in:\n  {self.out}")
        for s in self.taken:
            print(f"    {s['agent']:<26} {s['customer']}")
        print(f"  Open {self.out / 'index.html'} to see them side by side with captions.")


if __name__ == "__main__":
    sys.exit(main())
