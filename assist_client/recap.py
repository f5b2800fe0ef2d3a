"""A recap of the help received, kept as an HTML file the customer can open later.

:class:`Recap` records the agent's chat, the customer's replies and the guidance
steps as they arrive; :func:`render_html` turns it into one self-contained page
(no scripts, no external files, every text escaped) in the app's language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from common.messages import Chat, Step


@dataclasses.dataclass
class ChatLine:
    from_agent: bool
    text: str
    at: dt.datetime


@dataclasses.dataclass
class Recap:
    agent_name: str = ""
    org: str = ""
    started: dt.datetime = dataclasses.field(default_factory=dt.datetime.now)
    chat: list[ChatLine] = dataclasses.field(default_factory=list)
    steps: dict[int, Step] = dataclasses.field(default_factory=dict)

    def add_chat(self, msg: Chat, *, from_agent: bool) -> None:
        self.chat.append(ChatLine(from_agent, msg.text, dt.datetime.now()))

    def add_step(self, step: Step) -> None:
        self.steps[step.number] = step  # re-sending a number replaces it

    @property
    def empty(self) -> bool:
        return not self.chat and not self.steps

    def save(self, folder: Path) -> Path:
        """Write the recap to a new file in ``folder``; returns its path."""
        folder.mkdir(parents=True, exist_ok=True)
        stamp = self.started.strftime("%Y-%m-%d_%H-%M")
        path = folder / f"assist-recap-{stamp}.html"
        n = 2
        while path.exists():
            path = folder / f"assist-recap-{stamp}-{n}.html"
            n += 1
        path.write_text(render_html(self), encoding="utf-8")
        return path


def render_html(recap: Recap) -> str:
    e = html.escape
    t = {
        "lang": QCoreApplication.translate("Recap", "en"),
        "title": QCoreApplication.translate("Recap", "Help you received from {who}"),
        "started": QCoreApplication.translate("Recap", "Session started {when}"),
        "steps": QCoreApplication.translate("Recap", "Steps"),
        "done": QCoreApplication.translate("Recap", "done"),
        "no_steps": QCoreApplication.translate("Recap", "The agent gave no numbered steps."),
        "messages": QCoreApplication.translate("Recap", "Messages"),
        "you": QCoreApplication.translate("Recap", "You"),
        "no_chat": QCoreApplication.translate("Recap", "No messages were exchanged."),
    }
    who = recap.agent_name + (f" ({recap.org})" if recap.org else "")
    title = t["title"].format(who=who)
    when = recap.started.strftime("%Y-%m-%d %H:%M")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(t["lang"])}"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;padding:0 1em;"
        "line-height:1.5;color:#202124}h1{font-size:1.6em}h2{margin-top:1.6em}"
        ".meta{color:#5f6368}ol li{margin:.4em 0}.done{color:#2e7d32}"
        ".line{margin:.5em 0;padding:.5em .8em;border-radius:8px;background:#f1f3f4}"
        ".me{background:#e8f0fe}.who{font-weight:600}.time{color:#5f6368;font-size:.85em}"
        "</style></head><body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="meta">{e(t["started"].format(when=when))}</p>',
        f"<h2>{e(t['steps'])}</h2>",
    ]
    if recap.steps:
        parts.append("<ol>")
        for number in sorted(recap.steps):
            step = recap.steps[number]
            done = f' <span class="done">✔ {e(t["done"])}</span>' if step.done else ""
            parts.append(f'<li value="{number}">{e(step.text)}{done}</li>')
        parts.append("</ol>")
    else:
        parts.append(f"<p>{e(t['no_steps'])}</p>")
    parts.append(f"<h2>{e(t['messages'])}</h2>")
    for line in recap.chat:
        speaker = recap.agent_name if line.from_agent else t["you"]
        cls = "line" if line.from_agent else "line me"
        text = e(line.text).replace("\n", "<br>")
        parts.append(
            f'<div class="{cls}"><span class="who">{e(speaker)}</span> '
            f'<span class="time">{line.at.strftime("%H:%M")}</span><br>{text}</div>'
        )
    if not recap.chat:
        parts.append(f"<p>{e(t['no_chat'])}</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
