"""Past sessions: a searchable list and the details of the one selected."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from assist_agent.history import History, SessionRecord
from assist_agent.model import Ending
from assist_agent.texts import ending_short


def _when(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float) -> str:
    s = int(seconds)
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def _stars(n: int | None) -> str:
    return "★" * n + "☆" * (5 - n) if n else "—"


class HistoryView(QWidget):
    def __init__(self, history: History, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.history = history
        self.setWindowTitle(self.tr("Session history — Assist"))
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search notes, chat and comments…"))
        self.search.setClearButtonEnabled(True)
        self.count = QLabel(self)
        self.count.setObjectName("identity")
        self.list = QTreeWidget(self)
        self.list.setRootIsDecorated(False)
        self.list.setAlternatingRowColors(True)
        self.list.setHeaderLabels(
            [
                self.tr("Started"),
                self.tr("Length"),
                self.tr("Ended"),
                self.tr("Rating"),
                self.tr("Notes"),
            ]
        )
        self.list.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.list.header().setStretchLastSection(True)
        self.detail = QTextBrowser(self)
        self.shot = QLabel(self)
        self.shot.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.shot.setMinimumHeight(0)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.detail, 1)
        rl.addWidget(self.shot)
        split = QSplitter(self)
        split.addWidget(self.list)
        split.addWidget(right)
        split.setSizes([560, 440])
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._debounce.start)
        self.list.currentItemChanged.connect(self._on_current)
        self.resize(1000, 620)

    def refresh(self) -> None:
        rows = self.history.search(self.search.text())
        self.list.clear()
        for rec in rows:
            try:
                ending = ending_short(Ending(rec.ending))
            except ValueError:
                ending = rec.ending
            notes = " ".join(rec.notes.split())
            item = QTreeWidgetItem(
                [
                    _when(rec.started),
                    _duration(rec.duration_s),
                    ending,
                    _stars(rec.rating_stars),
                    notes[:80] + ("…" if len(notes) > 80 else ""),
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, rec.id)
            self.list.addTopLevelItem(item)
        self.count.setText(self.tr("{n} sessions").format(n=len(rows)))
        first = self.list.topLevelItem(0)
        if first is not None:
            self.list.setCurrentItem(first)
        else:
            nothing = self.tr("No sessions found.")
            self.detail.setHtml(f"<p style='color:#78909c'>{html.escape(nothing)}</p>")
            self.shot.clear()

    def _on_current(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        if item is None:
            return
        rec = self.history.get(int(item.data(0, Qt.ItemDataRole.UserRole)))
        if rec is None:
            return
        self.detail.setHtml(self.describe(rec))
        self.shot.clear()
        if rec.screenshot:
            image = QImage.fromData(rec.screenshot)
            if not image.isNull():
                self.shot.setPixmap(
                    QPixmap.fromImage(image).scaled(
                        420,
                        260,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )

    def describe(self, rec: SessionRecord) -> str:
        e = html.escape
        code_label = self.tr("Code")
        shown_label = self.tr("Shown to the customer as")
        ending_label = self.tr("How it ended")
        rating_label = self.tr("Rating")
        notes_label = self.tr("Notes")
        steps_label = self.tr("Steps")
        chat_label = self.tr("Chat")
        you, customer = self.tr("You"), self.tr("Customer")
        org = f" · {e(rec.agent_org)}" if rec.agent_org else ""
        parts = [
            f"<h3>{e(_when(rec.started))} · {e(_duration(rec.duration_s))}</h3>",
            f"<p><b>{e(code_label)}:</b> {e(rec.code or '—')}<br>"
            f"<b>{e(shown_label)}:</b> {e(rec.agent_display_name)}{org}<br>"
            f"<b>{e(ending_label)}:</b> {e(rec.ending_text)}</p>",
        ]
        if rec.rating_stars:
            comment = f" — “{e(rec.rating_comment)}”" if rec.rating_comment else ""
            parts.append(f"<p><b>{e(rating_label)}:</b> {_stars(rec.rating_stars)}{comment}</p>")
        if rec.notes.strip():
            notes = e(rec.notes).replace("\n", "<br>")
            parts.append(f"<p><b>{e(notes_label)}</b><br>{notes}</p>")
        if rec.steps:
            items = "".join(
                f"<li>{'✓ ' if s.get('done') else ''}{e(str(s.get('text', '')))}</li>"
                for s in rec.steps
            )
            parts.append(f"<p><b>{e(steps_label)}</b></p><ol>{items}</ol>")
        if rec.room:
            room_label = self.tr("Who else was in the session")
            words = {
                "invite_sent": self.tr("invited {who}"),
                "invite_accepted": self.tr("{who} accepted the invitation"),
                "invite_declined": self.tr("{who} declined the invitation"),
                "invite_expired": self.tr("{who} did not answer the invitation"),
                "invite_unavailable": self.tr("{who} could not be invited"),
                "invite_joined": self.tr("the customer let {who} in"),
                "invite_refused": self.tr("the customer did not let {who} in"),
                "invite_left": self.tr("{who} left"),
                "joined": self.tr("joined {who}'s session (the customer allowed it)"),
                "allowed": self.tr("the customer let {who} in"),
                "left": self.tr("{who} left or was removed"),
                "handed_over": self.tr("handed the session over to {who}"),
                "took_over": self.tr("took the session over"),
            }
            entries = []
            for r in rec.room:
                event = str(r.get("event", ""))
                what = words.get(event, event).format(who=r.get("who", ""))
                entries.append(f"<li>{e(_when(float(r.get('at', 0))))} · {e(what)}</li>")
            items = "".join(entries)
            parts.append(f"<p><b>{e(room_label)}</b></p><ul>{items}</ul>")
        if rec.chat:
            lines = "".join(
                f"<b>{e(you if c.get('from') == 'agent' else customer)}:</b> "
                f"{e(str(c.get('text', '')))}<br>"
                for c in rec.chat
            )
            parts.append(f"<p><b>{e(chat_label)}</b><br>{lines}</p>")
        return "".join(parts)
