"""Known answers: the exact bytes of one message of every kind, fixed when the catalogue
moved from hand-written fields to msgspec, so the wire format provably did not change.

Protocol version 2 added ``Auth.public_key``, ``AuthOk.certificate``/``revocations``
and ``Identity``; version 3 added ``Redirect`` (several relay nodes); version 4 the
rooms (presence, invitations, members, posts, casts, offers, epochs, and
``AuthOk.supervisor``); version 5 the help desk (asking from the app, standings,
taking, queues, callbacks, a supervisor's block, and the end-to-end ``HelpAnswer``); version
7 remote control and file hand-over (written by msgspec, checked against msgpack-python). Their
answers were written then, by msgspec, and the hypothesis test in ``test_messages.py``
holds them to msgpack-python too.

The examples sit on the edges where encoders differ: integers at every msgpack width
boundary and negative ones, text and bytes whose length changes the header (31/32,
255/256, 65535/65536), Korean text, nested records, empty bodies and the raw layouts.
"""

from __future__ import annotations

import hashlib

import pytest

from common import messages as m

T = b"\x11" * 32
EXAMPLES: dict[str, m.Message] = {
    "HELLO": m.Hello(1, m.Role.CUSTOMER, "assist-client/0.9 한국어"),
    "WELCOME": m.Welcome(1, "relay-1"),
    "AUTH": m.Auth("tok_" + "a" * 40, b"\x33" * 32),
    "AUTH_OK": m.AuthOk("minji", "Kim Minji 김민지", "Acme Support", b"\x92" + b"c" * 300, b""),
    "CREATE": m.Create(),
    "CREATED": m.Created("123456", 600),
    "JOIN": m.Join("042"),
    "PAIRED": m.Paired("Kim Minji", "Acme"),
    "DATA": m.Data(b"\x40" + b"\x00" * 40),
    "ESTABLISHED": m.Established(T, b"\x22" * 32),
    "PAIRING_FAILED": m.PairingFailed(),
    "PEER_AWAY": m.PeerAway(30),
    "PEER_BACK": m.PeerBack(),
    "PEER_LEFT": m.PeerLeft(m.PeerLeftReason.INTRUDER),
    "RESUME": m.Resume("123456789012", m.Role.AGENT, T),
    "RESUMED": m.Resumed(True),
    "CONGESTION": m.Congestion(3, 65536),
    "ERROR": m.Error(m.ErrorCode(17), "That code was already used." + "x" * 230),
    "BYE": m.Bye(m.EndReason.DURATION_ELAPSED),
    "REDIRECT": m.Redirect("wss://node-2.relay.example.org:8765"),
    "PRESENCE": m.Presence(m.PresenceState.BUSY),
    "COLLEAGUES": m.Colleagues(
        (
            m.Colleague("jisoo", "Lee Jisoo 이지수", "Network", m.PresenceState.AVAILABLE, False),
            m.Colleague("doyun", "Park Doyun", "", m.PresenceState.AWAY, True),
        )
    ),
    "INVITE": m.Invite("jisoo", m.InviteKind.HANDOVER, "라우터 설정 " * 20),
    "INVITED": m.Invited(
        70000,
        "123456",
        m.InviteKind.HELP,
        "minji",
        "Kim Minji",
        "Acme",
        "Wi-Fi",
        T,
        b"c" * 256,
        60,
        3,
    ),
    "INVITE_ANSWER": m.InviteAnswer(2**32 - 1, True),
    "INVITE_STATUS": m.InviteStatus("jisoo", "Lee Jisoo", m.InviteState.JOINED, 255),
    "ENTER": m.Enter(128, "042"),
    "ENTERED": m.Entered(2),
    "MEMBER": m.Member(3, "doyun", "Park Doyun", "Acme", m.MemberRole.SUPERVISOR, False),
    "POST": m.Post(7, b"\x42" + b"\x01" * 40),
    "CAST": m.Cast(b"\x46" + b"\x02" * 300),
    "SKIPPED": m.Skipped(65536),
    "ADMIT": m.Admit(4, False),
    "LEAD": m.Lead(2),
    "PAKE": m.Pake(b"A" + b"\x07" * 32),
    "CONFIRM": m.Confirm(b"\x09" * 32),
    "SEALED": m.Sealed(2**40 + 5, b"\xee" * 300),
    "RESUME_SYNC": m.ResumeSync(2**64 - 1, b"\x05" * 32),
    "OFFER": m.Offer(b"\x92" + b"o" * 255),
    "GREETING": m.Greeting(b"\x01" * 150, b"\x02" * 64),
    "CAST_SEALED": m.CastSealed(2**32 - 1, 2**40, b"\xcc" * 16),
    "CONSENT": m.Consent(m.ConsentState.GRANTED, True, 1),
    "PAUSE": m.Pause(False),
    "MONITORS": m.Monitors(
        (
            m.MonitorInfo(0, 0, 0, 1920, 1080, 100, "DP-1", True),
            m.MonitorInfo(1, -2560, -128, 2560, 1440, 150, "HDMI-2 모니터", False),
        ),
        1,
    ),
    "MONITOR_SWITCH": m.MonitorSwitch(15),
    "FRAME": m.Frame(
        2**32 - 1,
        1_700_000_000_123_456_789,
        1920,
        1080,
        False,
        True,
        (m.Move(0, 200, 0, 180, 1920, 700),),
        (
            m.Tile(0, 0, 64, 64, m.Codec.SOLID, b"\xff\xff\xff\xff"),
            m.Tile(128, 65535, 4096, 1, m.Codec.WEBP, b"\x01" * 256),
            m.Tile(65536, 256, 255, 256, m.Codec.PALETTE, b"\x02" * 65536),
        ),
        -1,
        65536,
    ),
    "FRAME_ACK": m.FrameAck(65536),
    "SHAPE": m.Shape(
        2**31,
        m.ShapeTool.ARROW,
        0,
        0xFF3B30FF,
        6,
        ((0, 0), (-1, -32), (-33, -128), (-129, -32768), (-32769, 65536), (127, 128), (255, 256)),
        "여기를 누르세요",
        3,
        3_600_000,
    ),
    "SHAPE_REMOVE": m.ShapeRemove((1, 2, 300, 70000)),
    "SHAPES_CLEAR": m.ShapesClear(),
    "LASER": m.Laser(2, 1000, -5, True),
    "CHAT": m.Chat(7, "안녕하세요 " * 10 + "y" * 31, 1_764_500_000_000),
    "STEP": m.Step(999, "Open Settings", True),
    "RATING": m.Rating(5, ""),
    "SESSION_END": m.SessionEnd(m.EndReason.CUSTOMER_STOPPED, "Stopped by the customer"),
    "CHANNEL_ACK": m.ChannelAck(0),
    "IDENTITY": m.Identity(b"\x92" + b"c" * 300, b"\x92" + b"r" * 70_000, b"\x44" * 64),
    "VOUCH": m.Vouch(2, b"\x92" + b"o" * 70_000, "Wi-Fi 점검", "인계 메모: 공유기 재부팅 완료"),
    "ANSWER": m.Answer(255, True, b"\x07" * 200),
    "EPOCH_KEY": m.EpochKey(65536, b"\x08" * 32, 2**32),
    "ROSTER": m.Roster(
        (
            m.RosterEntry(
                1, "Kim Minji 김민지", "Acme", "Desk", m.MemberRole.LEAD, True, 0xE53935, True
            ),
            m.RosterEntry(2, "Lee", "Acme", "", m.MemberRole.SUPERVISOR, False, 0, False),
        )
    ),
    "REFRESH": m.Refresh(),
    "DRAW_PERMISSION": m.DrawPermission(4, True),
    "BRIEFING": m.Briefing(
        "note " * 10,
        (m.BriefStep(1, "Open Settings", True), m.BriefStep(999, "설정", False)),
        (m.BriefLine("Kim Minji", "Hello", 1_700_000_000_000),),
    ),
    # protocol 5: the help desk
    "ASK": m.Ask(
        "internet",
        "SHA256:" + "ab" * 20,
        "inst-" + "7" * 27,
        "Park Jiwoo 박지우",
        "010-1234-5678",
        "인터넷이 자꾸 끊겨요 " * 10,
        "Debian 13; Assist 0.9; 2 screens " * 8,
        b"\x44" * 32,
        b"\x55" * 16,
        T,
    ),
    "STANDING": m.Standing("t" * 16, "internet", 65536, -1, True),
    "DESK_REFUSED": m.DeskRefused("CLOSED", True, 2**32),
    "BACK": m.Back("t" * 16, T),
    "LEAVE": m.Leave(),
    "TAKE": m.Take(""),
    "TOOK": m.Took(
        "t" * 16,
        "123456789012",
        "internet",
        255,
        "Park Jiwoo 박지우",
        "jiwoo@example.org",
        "x" * 256,
        "",
        "SHA256:" + "ab" * 20,
        b"\x44" * 32,
        b"\x55" * 16,
        3,
    ),
    "CALLED": m.Called("123456789012"),
    "LIST_QUEUES": m.ListQueues(),
    "QUEUES": m.Queues(
        (
            m.QueueInfo("internet", "Internet", "인터넷", True, 0, 1796947200, 31, 12, 256),
            m.QueueInfo("billing", "Billing", "요금", False, 1796900000, 0, 0, -1, 0),
        )
    ),
    "WAITING_LIST": m.WaitingList(
        (m.WaitingItem("t" * 16, "internet", 65535, "박지우", "끊겨요", 2, True),), 70000
    ),
    "LIST_WINDOWS": m.ListWindows("internet"),
    "WINDOWS": m.Windows("internet", (1796947200, 1796949000), 30),
    "CALL_ME": m.CallMe(
        "billing", "inst-" + "7" * 27, "박지우", "010-1234-5678", "요금이 두 번", 1796947200, False
    ),
    "CALLBACK_BOOKED": m.CallbackBooked("0123456789abcdef", 1796947200, 1796949000),
    "CALLBACK_LIST": m.CallbackList(
        (
            m.CallbackItem(
                "0123456789abcdef",
                "billing",
                1796947200,
                1796949000,
                "박지우",
                "010-1234-5678",
                "요금이 두 번",
                True,
                1796900000,
            ),
        )
    ),  # fmt: skip
    "CALLBACK_OUTCOME": m.CallbackOutcome("0123456789abcdef", m.Outcome.RESCHEDULED, 1796949000),
    "FLAG": m.Flag(m.FlagKind.SPECIALIST, "라우터 설정은 네트워크 팀이 봐야 합니다 " * 5),
    "BLOCK": m.Block("t" * 64, m.MAX_BLOCK_MINUTES, "욕설과 위협 " * 10),
    "BLOCKED": m.Blocked(1 << 32),
    "NOTE": m.Note("Jx3k0bq2Lr9mYp4A", "공유기를 재설정했더니 됩니다 " * 4, 1, "router, 인터넷"),
    "HISTORY": m.History(
        "0d8779c59708673c",
        (
            m.HistoryItem(
                1796110100, "internet", "인터넷이 끊겨요", "ended", 1, "alice sam", "Reset"
            ),
        ),  # noqa: E501
    ),
    "SURVEY": m.Survey(5, "친절했어요"),
    "HELP_ANSWER": m.HelpAnswer(b"\x66" * 32, b"\x92" + b"c" * 300, b"", b"\x77" * 64),
    # protocol 7: remote control and file hand-over
    "CONTROL_REQUEST": m.ControlRequest("메일 설정을 고치려고요 " + "x" * 20),
    "CONTROL_RELEASE": m.ControlRelease(),
    "CONTROL_STATE": m.ControlState(3, m.ControlChange.BLOCKED, 3, True, "인터넷뱅킹"),
    "INPUT": m.Input(
        0xFFFF_FFFF,
        1,
        (
            m.InputEvent(m.InputKind.MOVE, -1, 65536, 0, False, ""),
            m.InputEvent(m.InputKind.BUTTON, 127, 128, 1, True, ""),
            m.InputEvent(m.InputKind.KEY, 0, 0, 0xFF31, True, ""),
            m.InputEvent(m.InputKind.TEXT, 0, 0, 0, True, "안녕" * 16),
        ),
    ),
    "CLIPBOARD": m.Clipboard("c" * 65536),
    "FILE_OFFER": m.FileOffer(
        7, m.FileDirection.TO_CUSTOMER, "로그 수집기.zip", 2**32, b"\x5a" * 32
    ),
    "FILE_ANSWER": m.FileAnswer(7, True),
    "FILE_CHUNK": m.FileChunk(7, 2**31, b"\x00" * 256),
    "FILE_ACK": m.FileAck(7, 65535),
    "FILE_END": m.FileEnd(7, m.FileEndState.CANCELLED, "취소됨"),
    "REPORT": m.Report(m.ReportEvent.FILE_TO_CUSTOMER, 255, "fix.sh · 4000 bytes · SHA-256 ab"),
}

#: kind -> (length, sha256 of the wire bytes) as written by the hand-made encoder.
KNOWN = {
    "HELLO": (32, "ecc0b8bf77e9c8b5dfab98e2f1449f5af56095b3e9ba6c584939e89a761556db"),
    "WELCOME": (11, "b123e82b49ebf5caa37fa5c802c812fd87514bf48938ce6fae8c9d0c7890d6c4"),
    "AUTH": (82, "756d0657887053dab069c0834d97eeb9e73d9ec34fdc11183d721b578a96ae7d"),
    "AUTH_OK": (348, "8a1fc21b80df1879e6b6783c9f32624fcf970bb477c49bfe20e22f1131643b6b"),
    "CREATE": (2, "b1a825e3c517085caf128f726fde3a5c64800ee344eb70e387c3518f391f260d"),
    "CREATED": (12, "8faab853e1718ce53c71efe0aaa3da3ff00aac8d4adda2da349ad8b55c4fbf27"),
    "JOIN": (6, "766fb99e96473189ed39ec3f84eb455241bd9f182650b5fac1d1d0c615113bab"),
    "PAIRED": (17, "24929486314cfb59c868c74d7c983ab9faa3ead5256595597219f5ddb4e45eff"),
    "DATA": (42, "581caaecb4d5d156eb353da82a620b4e69cb279df266c6df4ff0830d77a10311"),
    "ESTABLISHED": (70, "598387f9dd377572c701f9b4f15016bfb720047d59ee287133737c7301ec8ba5"),
    "PAIRING_FAILED": (2, "f330820385a95e817832c1d973eca6be26141344c8ea008b18e6cd964e53b18d"),
    "PEER_AWAY": (3, "58a08d17c28a95f3edc54ffc43c75128140dfe4a51e834aa5ffe3d55e8d140d6"),
    "PEER_BACK": (2, "58bab60effb814ae07b8a057026ee871e852b248ceabde8b9f8b8dc5f916f5a6"),
    "PEER_LEFT": (3, "44137951900f7a79083d744cc75ad5e4624a423f756937ccf888f4464990b191"),
    "RESUME": (50, "572b9f02fdd678fe5f10970eabf067113fbc0c02d2cd76ec649c6628ade78828"),
    "RESUMED": (3, "f39a78d8b0d922ccf3d8f0babc61e59c16213c95ac0d58b986ea546fd925700d"),
    "CONGESTION": (8, "c4ef5fcadeccb3075e9f811372311679c902a4759981b4030a309babfd7fb275"),
    "ERROR": (263, "7165675e81b6a50262fc528bcbe2e9223610b72f429c99ed1762a1c70512b3a2"),
    "BYE": (3, "8d0bc77751c906a310dee6cbdfd6c5552f30c228164a84b0d0579f00904047b8"),
    "REDIRECT": (39, "1f210e0e1870687a997f797cf0baf9dbf9d11a1242457fef4c37035fb9bd4688"),
    "PAKE": (34, "2f27a01601dd151e787c9afaacfe84674ee4a20b1a19cf46bbd12c90412a1bbd"),
    "CONFIRM": (33, "7f939c642fa3cb99cb90cb2b25b4f1031efc8785a02a6d085405ebf288d08c7b"),
    "SEALED": (309, "b297f8fbc2c09f321c9dae421c6cca4f1f4a8ca0e58b6bc41213fd2364344558"),
    "RESUME_SYNC": (41, "0ebc7ce960ffba767664b937e261256fe4a42b7e1c15dfc7655cf637c891644c"),
    "CONSENT": (5, "042a0ff435ee2261d9670eab13dd832f810f42b086dd52040e5fb80c6c44dffe"),
    "PAUSE": (3, "d9efda026217c7c4cd1ddca6b366d455583aac8930b85ffe485b29a158714105"),
    "MONITORS": (54, "3840ca1299b68e7068b02f0319618b259e638df845387dcbd08886cff674442e"),
    "MONITOR_SWITCH": (3, "2cc2fbce3176b25a02b20a1f9e899dc4e5273d818b0a9eed3c43b2c2794379a7"),
    "FRAME": (65883, "9779ced7d27958e1b920b9ce0ff5c6dca6d6954142b8fc1ce5086ac3b93654da"),
    "FRAME_ACK": (7, "f132039427870c1adda917440ef282252810bbd8b3286403367236aaff9c47dd"),
    "SHAPE": (77, "6ee11331358ccf586f6228d219263d12d36f3c3ba2ebef02bdecb2fa2a133c7d"),
    "SHAPE_REMOVE": (13, "ec0c3f97c98fd09449457b8ccf435116eefc11e49f35e8a9d9da94e8548c73fd"),
    "SHAPES_CLEAR": (2, "4f7075bb2f5e6a08bd78cb8ad98c412c9297fdadd5a45da64cc13fc293d072eb"),
    "LASER": (8, "12eb1299da65c3d824d3189450a1754ded686944b1e2faa03d4e2f3b1c327a32"),
    "CHAT": (205, "0f1e827b61f53018e9d3822e8483d602d04d11780fd6287ffe099401c7ecf8d8"),
    "STEP": (20, "60324444b0ac9d5c7502a6a0ce48c055226dccffbe26404367cea3790db10ce5"),
    "RATING": (4, "3201fefbe199df50613c44628fe9643ca66f1977fe63a00f56b1c0344ba0f5f9"),
    "SESSION_END": (27, "da2bf7398a892ee213b2c5b290355c62a009ae776e5b8fe41043fcfe1613dffb"),
    "CHANNEL_ACK": (3, "2f338cce3d99c1fa0c906f62457f720249f841d01dc19300cea4cea7cd5ed145"),
    "IDENTITY": (70378, "c53578c7f67a21f0d6ebf8f14fccb3c07061ee0b814c313533f54ab403b92dfd"),
    # protocol 4 (rooms), written by msgspec
    "PRESENCE": (3, "584f1bb75f8376aa18995d5dc42dd00992cde1c45502d958c184260aed0cfb0a"),
    "COLLEAGUES": (61, "adbe0d8f08c1f3658854717841f8c7b9b389e902459a87bd095609e6a5cb2198"),
    "INVITE": (352, "321674aa8722dc21fc2ff73ce1c80bde659383e06808b642a61843bf816b2a41"),
    "INVITED": (337, "1bffffa2d5d223dad8c39b1eefc1ea3f3921193849af7f53886a4a1cd2cb75c3"),
    "INVITE_ANSWER": (8, "38f5c22bfa90ae29dffa612ea2a65a0c2c46d1dfefec98b1d0e3caa111b570ca"),
    "INVITE_STATUS": (21, "fa3c6fe9dc1d9ece6b4e5578e8340f6d28de2213446e4341612d5551c86bd276"),
    "ENTER": (8, "31b954f624b94b20434d53680f8f243f8468f4eeca88828194be40bc0f03161f"),
    "ENTERED": (3, "b242eb7530136c84ccfee9e7bd1ec7e536a9a56269fe70407709ac058c018dff"),
    "MEMBER": (27, "7c25298858c7ecbd57171709e36468cb11f3b122c888b2ffa0a6fb872a2b5eac"),
    "POST": (43, "d8be171e6da5a2adcc068884b674b9a75a192eb8e5a832ec076538eb65b74b01"),
    "CAST": (302, "dba4d0c8badd6409326b4ee10050204ac1e8dfb623ced237ad9268f2f277b52b"),
    "SKIPPED": (7, "4a20864132dcff71940ad80eb2c92b668c8a6bb79ab899264009f9be058ab067"),
    "ADMIT": (4, "2e7f5a07f272d8e0a918d9c71587cb128bf0e8026daf04c563ca649cedb1b224"),
    "LEAD": (3, "2bc6a663f6dcba6b6bb240f9e106f0375f9d53e4e37dea480d465b6bb3c1d9a5"),
    "OFFER": (257, "909e303bfad044496cb3ec4d3ef8f8717dd0c6cc19dbe8cacb7ee88d4473b8a6"),
    "GREETING": (220, "f9b6ee23cdd28a94630cd48f2205e01933d77bee4674b75b333b0316eb8f5173"),
    "CAST_SEALED": (29, "1a145cffc13db218fad0df630d7c73aadf98531f7ae3d691895a7e57e9765071"),
    "VOUCH": (70065, "8cee40d63b234ab843ed61e1ba71a1ed921d12c82ab9a9766892b8381261c210"),
    "ANSWER": (207, "3d30b4857eaa95d0e3bfa9053381b72118242c06b2ecc3f73a06221de4fdab89"),
    "EPOCH_KEY": (50, "ca9f97c821ac7c8aec9b51888e017f23562f48b70fa939bfa01bd3f525a827ab"),
    "ROSTER": (59, "f4b7cd3593e5659a7a764abeba2dc216d52fb51114da2a29e3d5c93b098c8a67"),
    "REFRESH": (2, "0375c09d206aee7a05e559dd168bc21bf1196de1c477f7fe36e876197d4f68f6"),
    "DRAW_PERMISSION": (4, "dc4b2dc89b65eb1856469d97da258e55f8d23a4ce52af61c866275e9a8aa401e"),
    "BRIEFING": (111, "7dbb8caa81027c49709560294357d35a24b5e21d35f5b5c4cda51340777facdc"),
    "ASK": (786, "4b3d29a9169c71c0bc65a85eb47f7891b10922fe558267bfc6d813c3a0cc67a2"),
    "STANDING": (35, "dabccaa7ffd4b5444e8faef63edf7c4ea68a26c54c316c8512524a7b6288c2cf"),
    "DESK_REFUSED": (19, "66bd55d708cd072cf3bfe4861f85bcddd00420d21fb0bcae35b343d93bb47765"),
    "BACK": (53, "946badf6937eb2dde1d3fc17afda491e756cbfaf167707201bc7ff4d1d1137d8"),
    "LEAVE": (2, "bb1cf319818eefcf7654eea9ee2126821ebe428eebbb354a16053a69461cafd0"),
    "TAKE": (3, "24aab23696f2b02f36de2493a303d1d1b18b3e6fb6a5ffb453f764d7faaa0bb2"),
    "TOOK": (444, "fd8273944e3fb520f291226fca8a08b4840c85712929fe944de3cfa90d20976e"),
    "CALLED": (15, "fa56976602737da896b082f51a13e7ee2605d317a748269d4054f015e1a7ac0f"),
    "LIST_QUEUES": (2, "ad8a1e378fa56261ee15b120d520bead30f464f23aab200e3b8f03db2d6cda40"),
    "QUEUES": (78, "77048ed6f2cc2cbd9f6989141beedc20e418aa8ba951ad216ae05ecab23a38e3"),
    "WAITING_LIST": (60, "83f817919c48ea9266335420ca3032a1d0e2a17bb6dac4bcd50a702e1c53705a"),
    "LIST_WINDOWS": (11, "711b91a18617832235b65600fed9046f9cd518d1d205938215c6c114ea9d21af"),
    "WINDOWS": (23, "59c5a0068e38a191a8433cba216a92dffb4428a780022215dd72db70a993ae31"),
    "CALL_ME": (92, "5a75e97f1799ca39c29b16471111ff65515fa2060ae44f47f0e7d25d3464447d"),
    "CALLBACK_BOOKED": (29, "d2fdb8804bfddd69c5d2ae78ab85b4174c6773e09624c754142000f3b9cf28b9"),
    "CALLBACK_LIST": (88, "1722821fbaf6e1b030d355b13ac06331d008a8107fc1d94ed0c9a1249b1bb1be"),
    "CALLBACK_OUTCOME": (26, "b9fb1b40b09885a6d01edfad6dce47ee97090aec17b26eb4e48ef9f935f9b301"),
    "HELP_ANSWER": (408, "24bed6b57b3ce74012b24d7377deb35f10db84f51692c8f9f896c332d5f35dab"),
    "FLAG": (291, "c3502077e8b3b3ee017945983f77c49371b9aa59d84d54ba1c3f08e10e547cda"),
    "BLOCK": (245, "d507b2a78b9064157012267d6cad2f427b2f695ee341b02c1cc78afd061c9fdb"),
    "BLOCKED": (11, "01c239388f1ff7fd5f0dac58c1a1a02f1c45bbf9dda28e6b17ffc4f67d04f409"),
    "NOTE": (208, "bd3201d9fc80fd525146a1382b814ba789230d1eb80c5969ce61157b63315125"),
    "HISTORY": (81, "412def1eaa4583876e7f16861e388c99a3457c9aaa6f05b6820955f2fe5a1593"),
    "SURVEY": (19, "d6aa3fbfdaab7e7d5a61d6345738164cccfdbec053fd903bdbd0b53183013a24"),
    "CONTROL_REQUEST": (57, "ea3c0ef9977c73028067b39be81caff8f4edc489db8a50d35a12b9529538d889"),
    "CONTROL_RELEASE": (2, "03632f960d7829c39440ac21b171fa0379afab5bbf445d600dd6e1201686a8c5"),
    "CONTROL_STATE": (22, "bb7163d62dc18d895232560834da6dfce8069aa40e49a0ecdb4589e9c310dc74"),
    "INPUT": (141, "29d2906b94a69075a0c69c38e4de1ef496fd06e2e22bb6d17d7f3ace6357eb6e"),
    "CLIPBOARD": (65543, "c48e41008972261491d01e4fe41237f9d9eae5d6f2a30dce3faa2169bae73f32"),
    "FILE_OFFER": (68, "34cec2f269baa5f0bd620e1a39661353f9ad6b662ee9c91933c938f0b87f1070"),
    "FILE_ANSWER": (4, "9b5fb3f216187f46e4c5938b72e347c7986da08052d607302e4c6afbe519c3bf"),
    "FILE_CHUNK": (267, "f9a071981f5b63f0d39149cacc6dce562ab8c5081814606351d663382355cd0c"),
    "FILE_ACK": (6, "340a39cadec64379408173b5156685819cdabf474f17b39dbb2c6f7c3cd473f7"),
    "FILE_END": (14, "449b8bf44af72d0541302776d6f34e35439da12b40e6cf37968e62c192aa1bfb"),
    "REPORT": (41, "3947e6fc24c8335571ff11571d67b9576716bb3e296b41866e49689fa6db60ca"),
}


def test_every_kind_has_a_known_answer() -> None:
    assert set(EXAMPLES) == set(KNOWN) == {k.name for k in m.Kind}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_wire_bytes_are_unchanged(name: str) -> None:
    msg = EXAMPLES[name]
    wire = msg.serialize()
    assert wire[0] == m.Kind[name]
    assert (len(wire), hashlib.sha256(wire).hexdigest()) == KNOWN[name]


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_bytes_parse_back_to_the_same_message(name: str) -> None:
    msg = EXAMPLES[name]
    assert m.parse(msg.serialize(), m.layer_of(m.Kind[name])) == msg
