"""The customer's side of a room: the join prompt, the bar's list with Remove, and what
a helper's marks, chat and steps may do."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from assist_client.session import CustomerSession
from assist_client.windows.bar import SharingBar
from assist_client.windows.join_request import JoinRequestDialog
from common import identity as idn
from common.endpoint import MemberChanged, NewcomerAsks, Received
from common.messages import (
    Chat,
    DrawPermission,
    MemberRole,
    RosterEntry,
    Shape,
    ShapeRemove,
    ShapesClear,
    ShapeTool,
    Step,
)
from common.room import Candidate
from tests.client.fakes import FakeNetworks

WHO = idn.CheckedIdentity(True, "Lee Jisoo 이지수", "Acme Support", "Network")


def candidate(member: int = 2, role: MemberRole = MemberRole.HELPER) -> Candidate:
    return Candidate(member, WHO, role, None, "", "a router specialist")  # type: ignore[arg-type]


def shape(shape_id: int) -> Shape:
    return Shape(shape_id, ShapeTool.ARROW, 0, 0x00FF00, 3, ((1, 1), (9, 9)), "", 0, 0)


def sharing(session: CustomerSession, qtbot: QtBot, networks: FakeNetworks) -> None:
    networks.last.secure()
    with qtbot.wait_signal(session.sharing_started):
        session.grant(True, 0)


def test_the_join_prompt_declines_when_closed_and_answers_once(qtbot: QtBot) -> None:
    dialog = JoinRequestDialog(candidate(), "Kim Minji", True)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.decline_button.hasFocus() or not dialog.allow_button.isDefault()
    assert dialog.badge.verified
    with qtbot.wait_signal(dialog.answered) as answer:
        dialog.close()
    assert answer.args == [2, False]
    answers: list[object] = []
    dialog.answered.connect(lambda *a: answers.append(a))
    dialog.accept()  # too late: the answer was given
    assert answers == []


def test_the_bar_lists_everyone_and_remove_names_the_member(qtbot: QtBot) -> None:
    bar = SharingBar("Kim Minji", "Acme")
    qtbot.addWidget(bar)
    bar.set_members(
        [
            RosterEntry(1, "Kim Minji", "Acme", "", MemberRole.LEAD, True, 0xE53935, True),
            RosterEntry(2, "Lee Jisoo", "Acme", "", MemberRole.HELPER, False, 0x1E88E5, True),
        ]
    )
    assert not bar.people.isHidden()
    assert "2 people" in bar.text.text()
    with qtbot.wait_signal(bar.remove_requested) as removed:
        bar.remove_buttons[2].click()
    assert removed.args == [2]
    bar.set_members([bar.members[0]])
    assert bar.people.isHidden() and "Kim Minji" in bar.text.text()


def test_allowing_a_newcomer_lists_them_and_their_marks_are_their_own(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
) -> None:
    sharing(session, qtbot, networks)
    net = networks.last
    with qtbot.wait_signal(session.newcomer_asks):
        net.on_event(NewcomerAsks(candidate()))
    with qtbot.wait_signal(session.members_changed) as changed:
        session.allow_member(2)
    assert [m.member for m in changed.args[0]] == [1, 2]
    assert ("allow", (2,)) in net.calls

    marks: list[object] = []
    session.annotation_received.connect(marks.append)
    net.on_event(Received(shape(1), 1))  # the lead's mark 1
    net.on_event(Received(shape(1), 2))  # the helper's mark 1: not the same mark
    net.on_event(Received(ShapeRemove((1,)), 2))
    qtbot.wait_until(lambda: len(marks) == 3)
    lead_mark, helper_mark, removed = marks
    assert isinstance(helper_mark, Shape) and isinstance(lead_mark, Shape)
    assert helper_mark.shape_id != lead_mark.shape_id
    assert helper_mark.color == session.members[2].color  # drawn in the helper's colour
    assert removed == ShapeRemove((helper_mark.shape_id,))  # only theirs goes

    chats: list[Chat] = []
    session.chat_received.connect(chats.append)
    steps: list[Step] = []
    session.step_received.connect(steps.append)
    net.on_event(Received(Chat(1, "hello", 0), 2))
    net.on_event(Received(Step(1, "a helper's step", False), 2))  # steps are the lead's
    net.on_event(Received(ShapesClear(), 2))
    qtbot.wait_until(lambda: len(chats) == 1)
    assert chats[0].text == "Lee Jisoo 이지수: hello"
    qtbot.wait(50)
    assert steps == []


def test_a_removed_member_is_forgotten_with_their_marks(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
) -> None:
    sharing(session, qtbot, networks)
    net = networks.last
    net.on_event(NewcomerAsks(candidate()))
    qtbot.wait_until(lambda: 2 in session._asking)  # noqa: SLF001
    session.allow_member(2)
    marks: list[object] = []
    session.annotation_received.connect(marks.append)
    net.on_event(Received(shape(5), 2))
    qtbot.wait_until(lambda: len(marks) == 1)
    session.remove_member(2)
    assert ("remove", (2,)) in net.calls
    assert 2 not in session.members
    assert isinstance(marks[-1], ShapeRemove)
    net.on_event(Received(shape(6), 2))  # anything after: not theirs to draw
    qtbot.wait(50)
    assert len(marks) == 2


def test_a_newcomer_who_leaves_before_the_answer_closes_the_prompt(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
) -> None:
    sharing(session, qtbot, networks)
    net = networks.last
    net.on_event(NewcomerAsks(candidate()))
    with qtbot.wait_signal(session.newcomer_gone) as gone:
        net.on_event(MemberChanged(2, "jisoo", "Lee Jisoo", "Acme", MemberRole.HELPER, False))
    assert gone.args == [2]
    session.allow_member(2)  # too late: nothing happens
    assert ("allow", (2,)) not in net.calls


def test_a_supervisor_draws_only_once_the_lead_allows_it(
    session: CustomerSession, qtbot: QtBot, networks: FakeNetworks
) -> None:
    sharing(session, qtbot, networks)
    net = networks.last
    net.on_event(NewcomerAsks(candidate(3, MemberRole.SUPERVISOR)))
    qtbot.wait_until(lambda: 3 in session._asking)  # noqa: SLF001
    session.allow_member(3)
    marks: list[object] = []
    session.annotation_received.connect(marks.append)
    net.on_event(Received(shape(1), 3))
    net.on_event(Received(DrawPermission(3, True), 3))  # not theirs to grant
    qtbot.wait(50)
    assert marks == [] and not session.members[3].can_draw
    net.on_event(Received(DrawPermission(3, True), 1))  # the lead's say
    qtbot.wait_until(lambda: session.members[3].can_draw)
    assert ("set_can_draw", (3, True)) in net.calls
    net.on_event(Received(shape(2), 3))
    qtbot.wait_until(lambda: len(marks) == 1)
