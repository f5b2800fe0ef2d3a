"""The console's words in English and Korean.

Pages and messages are written in English in the templates and in ``app.py``; this
table gives each its Korean. A test (tests/console/test_console_text.py) finds
every string the console shows and fails if one has no Korean here.
"""

from __future__ import annotations

__all__ = ["KO", "LANGS", "STATE_NAMES", "store_sentence", "t"]

LANGS = ("en", "ko")

#: How each contact state is called on the pages.
STATE_NAMES = {
    "waiting": "waiting",
    "in_session": "in session",
    "ended": "ended",
    "abandoned": "abandoned",
    "blocked": "blocked",
    "callback_open": "callback booked",
    "callback_done": "called back",
    "callback_no_answer": "no answer",
    "callback_cancelled": "callback cancelled",
}

KO: dict[str, str] = {
    "(code session)": "(코드 세션)",
    "Add a note": "메모 추가",
    "Add agents and give them their app token with the relay's command line (assist-relay agent add). Here you set their role, team and console password.": "상담원 추가와 앱 토큰 발급은 릴레이 명령줄(assist-relay agent add)에서 합니다. 여기서는 역할, 팀, 콘솔 비밀번호를 정합니다.",
    "Add note": "메모 추가",
    "Admin log": "관리 기록",
    "Agent": "상담원",
    "Agent name": "상담원 이름",
    "Agents": "상담원",
    "Any": "전체",
    "Asked": "요청 시각",
    "Assist console": "Assist 콘솔",
    "Back to the start": "처음으로 돌아가기",
    "Connecting…": "연결 중…",
    "Connection lost; reconnecting…": "연결이 끊겼습니다. 다시 연결하는 중…",
    "Console password": "콘솔 비밀번호",
    "Contact": "상담",
    "Contacts": "상담 기록",
    "Contacts older than this are deleted every night, with their notes. 0 keeps them for ever.": "이보다 오래된 상담 기록은 메모와 함께 매일 밤 삭제됩니다. 0이면 계속 보관합니다.",
    "Customer": "고객",
    "Days": "일",
    "Detail": "내용",
    "Earlier contacts of this customer": "이 고객의 이전 상담",
    "Ended": "종료",
    "Erase": "삭제",
    "Erase a customer": "고객 정보 삭제",
    "Erased: {n} contacts and everything kept with them.": "삭제했습니다: 상담 {n}건과 함께 보관된 모든 정보.",
    "Every change to accounts, settings and records, with who made it and from where.": "계정, 설정, 기록에 대한 모든 변경과 누가 어디서 했는지를 보여 줍니다.",
    "For": "경과",
    "From": "시작일",
    "Handle time": "처리 시간",
    "I understand this cannot be undone": "되돌릴 수 없다는 것을 이해했습니다",
    "In the room": "참여자",
    "Installation": "설치 ID",
    "Keep records for": "기록 보관 기간",
    "Kind": "종류",
    "Lead agent": "담당 상담원",
    "Live": "실시간",
    "Live desk": "실시간 현황",
    "Name customers see": "고객에게 보이는 이름",
    "Name, phone, e-mail, topic, tag or note": "이름, 전화, 이메일, 주제, 태그 또는 메모",
    "New password": "새 비밀번호",
    "Newer": "최신",
    "No": "아니요",
    "No agent is signed in.": "로그인한 상담원이 없습니다.",
    "No contact matches. Try fewer words or a longer period.": "맞는 상담이 없습니다. 검색어를 줄이거나 기간을 늘려 보세요.",
    "No notes yet.": "아직 메모가 없습니다.",
    "No session is running.": "진행 중인 세션이 없습니다.",
    "Nobody is waiting.": "대기 중인 고객이 없습니다.",
    "None: this is the first contact we know of.": "없음: 처음 확인된 상담입니다.",
    "Not possible": "할 수 없습니다",
    "Not said": "입력 안 함",
    "Notes": "메모",
    "Nothing yet.": "아직 없습니다.",
    "Older": "이전",
    "Page {p} of {n}": "{n}쪽 중 {p}쪽",
    "Password": "비밀번호",
    "Phone or e-mail": "전화 또는 이메일",
    "Phone or e-mail they gave": "고객이 알려 준 전화 또는 이메일",
    "Presence": "상태",
    "Privacy": "개인정보",
    "Queue": "대기열",
    "Queues": "대기열",
    "Resolved?": "해결됐나요?",
    "Role": "역할",
    "Rooms": "진행 중인 세션",
    "Satisfaction": "만족도",
    "Save": "저장",
    "Screen, chat and marks are never kept: they are sealed end to end.": "화면, 채팅, 표시는 종단 간 암호화되어 저장되지 않습니다.",
    "Search": "검색",
    "Sessions": "세션",
    "Sign in": "로그인",
    "Sign in first.": "먼저 로그인하세요.",
    "Sign out": "로그아웃",
    "Started": "시작",
    "State": "상태",
    "Subject": "대상",
    "Tags": "태그",
    "Team": "팀",
    "That name and password do not match. Check them and try again.": "이름과 비밀번호가 맞지 않습니다. 확인하고 다시 시도하세요.",
    "The database does not answer. Try again in a minute; if it goes on, tell the relay's admin.": "데이터베이스가 응답하지 않습니다. 잠시 후 다시 시도하고, 계속되면 릴레이 관리자에게 알려 주세요.",
    "There is no such contact, or it is not yours to see.": "그런 상담이 없거나 볼 권한이 없습니다.",
    "There is no such page.": "그런 페이지가 없습니다.",
    "This form has expired. Open the page again and send it once more.": "양식이 만료되었습니다. 페이지를 다시 열고 한 번 더 보내 주세요.",
    "This form was sent from another site; nothing was changed.": "다른 사이트에서 보낸 양식이라 아무것도 바꾸지 않았습니다.",
    "Tick the box to confirm: erasing cannot be undone.": "확인란을 선택하세요. 삭제는 되돌릴 수 없습니다.",
    "To": "종료일",
    "To join a room as supervisor, use Watch in the agent app: the customer is asked first.": "감독자로 세션에 참여하려면 상담원 앱의 '지켜보기'를 사용하세요. 고객에게 먼저 동의를 받습니다.",
    "Too many failed sign-ins. Wait a minute and try again.": "로그인 실패가 너무 많습니다. 1분 뒤 다시 시도하세요.",
    "Topic": "주제",
    "Use your agent name and the console password your admin gave you.": "상담원 이름과 관리자가 준 콘솔 비밀번호를 입력하세요.",
    "Wait": "대기",
    "Waiting": "대기 시간",
    "Waiting customers": "대기 중인 고객",
    "What": "작업",
    "When": "시각",
    "When a customer asks to be forgotten: every contact, note, callback request, flag and block kept about them is deleted. This cannot be undone.": "고객이 삭제를 요청하면 그 고객에 대해 보관된 모든 상담, 메모, 콜백 요청, 표시, 차단이 삭제됩니다. 되돌릴 수 없습니다.",
    "Who": "누가",
    "Who was in the room": "세션 참여자",
    "Yes, on this contact": "예, 이번 상담에서",
    "You cannot take away your own admin role; ask another admin.": "자신의 관리자 역할은 뺄 수 없습니다. 다른 관리자에게 요청하세요.",
    "Your role may not open this page. Ask an admin if you need it.": "이 페이지를 열 권한이 없습니다. 필요하면 관리자에게 요청하세요.",
    "agents serving": "응대 상담원",
    "available": "응대 가능",
    "away": "자리 비움",
    "closed": "운영 종료",
    "connection lost": "연결 끊김",
    "handled": "처리",
    "in a session": "상담 중",
    "longest wait": "최장 대기",
    "min": "분",
    "new customers wait about": "새 고객 예상 대기",
    "nobody serving": "응대자 없음",
    "none yet": "아직 없음",
    "on another node": "다른 노드",
    "open": "운영 중",
    "or their installation id": "또는 설치 ID",
    "printer, billing": "프린터, 요금",
    "repeat": "재문의",
    "resolved": "해결",
    "unchanged": "변경 안 함",
    "waited": "대기",
    "not started; waited": "시작 안 됨, 대기",
    "waiting": "대기 중",
    "{n} contacts": "상담 {n}건",
    # roles, kinds, admin actions, states
    "agent": "상담원",
    "supervisor": "감독자",
    "admin": "관리자",
    "session": "코드 세션",
    "queue": "대기열",
    "callback": "콜백",
    "signed in": "로그인",
    "changed agent": "상담원 변경",
    "erased a customer": "고객 정보 삭제",
    "set retention": "보관 기간 변경",
    "added agent": "상담원 추가",
    "removed agent": "상담원 삭제",
    "reset token": "토큰 재발급",
    "set console password": "콘솔 비밀번호 설정",
    "in session": "상담 중",
    "ended": "종료",
    "abandoned": "포기",
    "blocked": "차단",
    "callback booked": "콜백 예약",
    "called back": "콜백 완료",
    "no answer": "응답 없음",
    "callback cancelled": "콜백 취소",
}

#: Store errors a person can meet in the console, by how they begin, and their Korean.
_STORE_KO = (
    ("the note is empty", "메모가 비어 있습니다. 내용을 쓰고 다시 보내 주세요."),
    ("a note is at most", "메모가 너무 깁니다. 4000자 이내로 줄여 주세요."),
    ("tags are at most", "태그가 너무 깁니다. 모두 합쳐 200자 이내로 줄여 주세요."),
    ("a password is at least", "비밀번호가 너무 짧습니다. 10자 이상으로 정하세요."),
    ("a password is at most", "비밀번호가 너무 깁니다."),
    ("there is no agent called", "그런 상담원이 없습니다. 목록을 새로 고쳐 보세요."),
    ("there is no contact", "그런 상담이 없습니다."),
    ("a team name is at most", "팀 이름은 64자 이내입니다."),
    ("a role is one of", "역할은 상담원, 감독자, 관리자 중 하나입니다."),
    ("name the customer", "고객을 지정하세요: 설치 ID, 또는 전화나 이메일."),
    ("keep records 0", "보관 기간은 0(계속 보관)에서 3650일 사이입니다."),
)


def store_sentence(message: str) -> str:
    """A store error as a sentence for a person (its English, with a capital)."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def t(lang: str, english: str, **values: object) -> str:
    """``english`` in ``lang``, with ``{name}`` filled from ``values``."""
    out = english
    if lang == "ko":
        found = KO.get(english)
        if found is None:
            low = english.lower()
            for start, korean in _STORE_KO:
                if low.startswith(start):
                    found = korean
                    break
        out = found if found is not None else english
    return out.format(**values) if values else out
