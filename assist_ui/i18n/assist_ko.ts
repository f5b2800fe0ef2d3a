<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR" sourcelanguage="en_US">
  <context>
    <name>AgentState</name>
    <message>
      <source>Signing in…</source>
      <translation>로그인하는 중…</translation>
    </message>
    <message>
      <source>Ready</source>
      <translation>준비됨</translation>
    </message>
    <message>
      <source>Creating a code…</source>
      <translation>코드를 만드는 중…</translation>
    </message>
    <message>
      <source>Waiting for the customer</source>
      <translation>고객을 기다리는 중</translation>
    </message>
    <message>
      <source>The customer is deciding</source>
      <translation>고객이 공유 여부를 결정하는 중</translation>
    </message>
    <message>
      <source>Sharing</source>
      <translation>화면 공유 중</translation>
    </message>
    <message>
      <source>Paused by the customer</source>
      <translation>고객이 일시 중지함</translation>
    </message>
    <message>
      <source>Reconnecting…</source>
      <translation>다시 연결하는 중…</translation>
    </message>
    <message>
      <source>The customer is reconnecting</source>
      <translation>고객이 다시 연결하는 중</translation>
    </message>
    <message>
      <source>Waiting for the customer's rating</source>
      <translation>고객의 평가를 기다리는 중</translation>
    </message>
    <message>
      <source>Session ended</source>
      <translation>세션 종료됨</translation>
    </message>
    <message>
      <source>You see the customer's screen. They did not allow drawing.</source>
      <translation>고객의 화면을 보고 있습니다. 고객이 화면 위 표시를 허용하지 않았습니다.</translation>
    </message>
    <message>
      <source>Checking your agent token with the relay.</source>
      <translation>중계 서버에서 상담원 토큰을 확인하고 있습니다.</translation>
    </message>
    <message>
      <source>When a customer calls, create a code and read it to them.</source>
      <translation>고객이 전화하면 코드를 만들어 불러 주세요.</translation>
    </message>
    <message>
      <source>Asking the relay for a code.</source>
      <translation>중계 서버에 코드를 요청하고 있습니다.</translation>
    </message>
    <message>
      <source>Read the code to the customer and ask them to type it into Assist.</source>
      <translation>고객에게 코드를 불러 주고 Assist에 입력해 달라고 안내해 주세요.</translation>
    </message>
    <message>
      <source>The customer sees your name and chooses whether to share their screen.</source>
      <translation>고객이 상담원 이름을 확인하고 화면을 공유할지 선택하고 있습니다.</translation>
    </message>
    <message>
      <source>You see the customer's screen and can draw on it.</source>
      <translation>고객의 화면을 보고 있으며 화면 위에 표시할 수 있습니다.</translation>
    </message>
    <message>
      <source>The customer paused sharing. Nothing new is shown until they resume.</source>
      <translation>고객이 공유를 일시 중지했습니다. 다시 시작할 때까지 새 화면이 표시되지 않습니다.</translation>
    </message>
    <message>
      <source>Your connection dropped. Getting the session back…</source>
      <translation>연결이 끊겼습니다. 세션을 다시 연결하고 있습니다…</translation>
    </message>
    <message>
      <source>The customer's connection dropped. Waiting for them to come back.</source>
      <translation>고객의 연결이 끊겼습니다. 다시 연결되기를 기다리고 있습니다.</translation>
    </message>
    <message>
      <source>The session is over. The customer can rate it now.</source>
      <translation>세션이 끝났습니다. 고객이 지금 평가를 남길 수 있습니다.</translation>
    </message>
    <message>
      <source>You ended the session.</source>
      <translation>상담원이 세션을 종료했습니다.</translation>
    </message>
    <message>
      <source>The customer stopped sharing and ended the session.</source>
      <translation>고객이 공유를 중지하고 세션을 종료했습니다.</translation>
    </message>
    <message>
      <source>The customer left the session.</source>
      <translation>고객이 세션을 나갔습니다.</translation>
    </message>
    <message>
      <source>The customer declined to share their screen.</source>
      <translation>고객이 화면 공유를 거절했습니다.</translation>
    </message>
    <message>
      <source>The code did not match: the customer may have typed it wrong. Create a new code and read it out slowly.</source>
      <translation>코드가 일치하지 않습니다. 고객이 잘못 입력했을 수 있습니다. 새 코드를 만들어 천천히 불러 주세요.</translation>
    </message>
    <message>
      <source>The code expired before the customer used it. Create a new code.</source>
      <translation>고객이 사용하기 전에 코드가 만료되었습니다. 새 코드를 만들어 주세요.</translation>
    </message>
    <message>
      <source>The session ended unexpectedly.</source>
      <translation>세션이 예기치 않게 종료되었습니다.</translation>
    </message>
    <message>
      <source>You ended it</source>
      <translation>상담원이 종료</translation>
    </message>
    <message>
      <source>Customer stopped</source>
      <translation>고객이 중지</translation>
    </message>
    <message>
      <source>Customer left</source>
      <translation>고객이 나감</translation>
    </message>
    <message>
      <source>Customer declined</source>
      <translation>고객이 거절</translation>
    </message>
    <message>
      <source>Code mismatch</source>
      <translation>코드 불일치</translation>
    </message>
    <message>
      <source>Code expired</source>
      <translation>코드 만료</translation>
    </message>
    <message>
      <source>Token refused</source>
      <translation>토큰 거부됨</translation>
    </message>
    <message>
      <source>Relay unreachable</source>
      <translation>중계 서버 연결 불가</translation>
    </message>
    <message>
      <source>Relay address wrong</source>
      <translation>릴레이 주소 오류</translation>
    </message>
    <message>
      <source>No identity card</source>
      <translation>신분증 없음</translation>
    </message>
    <message>
      <source>Identity refused</source>
      <translation>신원 거부됨</translation>
    </message>
    <message>
      <source>Error</source>
      <translation>오류</translation>
    </message>
    <message>
      <source>good</source>
      <translation>좋음</translation>
    </message>
    <message>
      <source>fair</source>
      <translation>보통</translation>
    </message>
    <message>
      <source>poor</source>
      <translation>나쁨</translation>
    </message>
    <message>
      <source>Identity card valid until {until} ({org}, key {fingerprint}).</source>
      <translation>신분증 유효 기간: {until}까지 ({org}, 키 {fingerprint}).</translation>
    </message>
    <message>
      <source>Identity card expires on {until}. Sign in again after your admin renews it.</source>
      <translation>신분증이 {until}에 만료됩니다. 관리자가 갱신하면 다시 로그인하세요.</translation>
    </message>
    <message>
      <source>Identity card expired on {until}. Ask your admin to renew it.</source>
      <translation>신분증이 {until}에 만료되었습니다. 관리자에게 갱신을 요청하세요.</translation>
    </message>
    <message>
      <source>Your identity card is for another computer's key, so customers will refuse it. Ask your admin to issue one for this computer.</source>
      <translation>신분증이 다른 컴퓨터의 키로 발급되어 고객의 앱이 거부합니다. 관리자에게 이 컴퓨터용 신분증 발급을 요청하세요.</translation>
    </message>
    <message>
      <source>Your identity card could not be read. Ask your admin.</source>
      <translation>신분증을 읽을 수 없습니다. 관리자에게 문의하세요.</translation>
    </message>
    <message>
      <source>No identity card: customers see your name as not verified. Ask your admin for one.</source>
      <translation>신분증이 없습니다. 고객에게는 이름이 '확인되지 않음'으로 표시됩니다. 관리자에게 발급을 요청하세요.</translation>
    </message>
  </context>
  <context>
    <name>BlockDialog</name>
    <message>
      <source>Block from the queues</source>
      <translation>대기열 이용 차단</translation>
    </message>
    <message>
      <source>1 hour</source>
      <translation>1시간</translation>
    </message>
    <message>
      <source>1 day</source>
      <translation>1일</translation>
    </message>
    <message>
      <source>1 week</source>
      <translation>1주</translation>
    </message>
    <message>
      <source>30 days</source>
      <translation>30일</translation>
    </message>
    <message>
      <source>Why, for the desk log</source>
      <translation>사유 (상담 기록에 남습니다)</translation>
    </message>
    <message>
      <source>{name}'s computer will not be able to ask this desk for help until the block ends. If they are waiting now, they are told and leave the queue. The block is logged with your name and your reason.</source>
      <translation>차단이 끝날 때까지 {name} 님의 컴퓨터에서는 이 상담 창구에 도움을 요청할 수 없습니다. 지금 기다리는 중이면 안내를 받고 대기열에서 나가게 됩니다. 차단은 관리자님의 이름과 사유와 함께 기록됩니다.</translation>
    </message>
    <message>
      <source>Block</source>
      <translation>차단</translation>
    </message>
    <message>
      <source>For how long:</source>
      <translation>차단 기간:</translation>
    </message>
    <message>
      <source>Please say why; the desk log keeps it.</source>
      <translation>사유를 입력하세요. 상담 기록에 남습니다.</translation>
    </message>
  </context>
  <context>
    <name>CallbackWindow</name>
    <message>
      <source>Assist — ask for a callback</source>
      <translation>Assist — 콜백 요청</translation>
    </message>
    <message>
      <source>Choose a time when an agent of {queue} can contact you. Times are in this computer's time zone.</source>
      <translation>{queue} 상담원이 연락드릴 시간을 골라 주세요. 시간은 이 컴퓨터의 시간대 기준입니다.</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>시간</translation>
    </message>
    <message>
      <source>Asking the desk for free times…</source>
      <translation>상담 창구에 가능한 시간을 묻는 중…</translation>
    </message>
    <message>
      <source>Call my phone</source>
      <translation>전화로 연락해 주세요</translation>
    </message>
    <message>
      <source>Contact me in the Assist app</source>
      <translation>Assist 앱으로 연락해 주세요</translation>
    </message>
    <message>
      <source>010-1234-5678 or name@example.com</source>
      <translation>010-1234-5678 또는 name@example.com</translation>
    </message>
    <message>
      <source>Your callback is booked</source>
      <translation>콜백이 예약되었습니다</translation>
    </message>
    <message>
      <source>Book this time</source>
      <translation>이 시간으로 예약</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>닫기</translation>
    </message>
    <message>
      <source>Your name</source>
      <translation>이름</translation>
    </message>
    <message>
      <source>Phone or e-mail</source>
      <translation>전화번호 또는 이메일</translation>
    </message>
    <message>
      <source>What about</source>
      <translation>문의 내용</translation>
    </message>
    <message>
      <source>Ask for a callback</source>
      <translation>콜백 요청</translation>
    </message>
    <message>
      <source>Every time in the next week is booked. Please try again tomorrow.</source>
      <translation>앞으로 일주일 동안 모든 시간이 예약되었습니다. 내일 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>An agent will contact you in the Assist app</source>
      <translation>상담원이 Assist 앱으로 연락드립니다</translation>
    </message>
    <message>
      <source>An agent will call you</source>
      <translation>상담원이 전화드립니다</translation>
    </message>
    <message>
      <source>{how} on {when}. You can close this window.</source>
      <translation>{how}: {when}. 이 창은 닫으셔도 됩니다.</translation>
    </message>
  </context>
  <context>
    <name>CannedRepliesDialog</name>
    <message>
      <source>Quick replies</source>
      <translation>빠른 답장</translation>
    </message>
    <message>
      <source>One reply per line:</source>
      <translation>한 줄에 답장 하나씩 입력하세요:</translation>
    </message>
  </context>
  <context>
    <name>ChatTab</name>
    <message>
      <source>Write to the customer…</source>
      <translation>고객에게 메시지 쓰기…</translation>
    </message>
    <message>
      <source>Send</source>
      <translation>보내기</translation>
    </message>
    <message>
      <source>Quick replies</source>
      <translation>빠른 답장</translation>
    </message>
    <message>
      <source>You</source>
      <translation>나</translation>
    </message>
    <message>
      <source>Customer</source>
      <translation>고객</translation>
    </message>
    <message>
      <source>Edit quick replies…</source>
      <translation>빠른 답장 편집…</translation>
    </message>
  </context>
  <context>
    <name>ClientApp</name>
    <message>
      <source>Assist: an agent is ready</source>
      <translation>Assist: 상담원이 준비되었습니다</translation>
    </message>
    <message>
      <source>An agent is ready to help you. Assist shows who they are now.</source>
      <translation>상담원이 도와드릴 준비가 되었습니다. 지금 상담원이 누구인지 보여 드립니다.</translation>
    </message>
    <message>
      <source>Sending {name} ({size})…</source>
      <translation>{name}({size}) 보내는 중…</translation>
    </message>
    <message>
      <source>{name} arrived.</source>
      <translation>{name}이(가) 도착했습니다.</translation>
    </message>
    <message>
      <source>Assist</source>
      <translation>Assist</translation>
    </message>
    <message>
      <source>You stopped sharing. The agent can no longer see your screen.</source>
      <translation>화면 공유를 중지했습니다. 이제 상담원은 고객님의 화면을 볼 수 없습니다.</translation>
    </message>
    <message>
      <source>{name} ended the session. They can no longer see your screen.</source>
      <translation>{name} 님이 세션을 종료했습니다. 이제 상담원은 고객님의 화면을 볼 수 없습니다.</translation>
    </message>
    <message>
      <source>The session has ended. The agent can no longer see your screen.</source>
      <translation>세션이 끝났습니다. 이제 상담원은 고객님의 화면을 볼 수 없습니다.</translation>
    </message>
    <message>
      <source>Something went wrong in Assist. If sharing stopped, start a new session. Details were written to the log file.</source>
      <translation>Assist에 문제가 생겼습니다. 공유가 멈췄다면 새 세션을 시작해 주세요. 자세한 내용은 로그 파일에 기록되었습니다.</translation>
    </message>
  </context>
  <context>
    <name>CodePanel</name>
    <message>
      <source>Copy code</source>
      <translation>코드 복사</translation>
    </message>
    <message>
      <source>Cancel this code</source>
      <translation>이 코드 취소</translation>
    </message>
    <message>
      <source>New session</source>
      <translation>새 세션</translation>
    </message>
    <message>
      <source>Read this code to the customer</source>
      <translation>고객에게 이 코드를 불러 주세요</translation>
    </message>
    <message>
      <source>Expires in {time}</source>
      <translation>{time} 후 만료</translation>
    </message>
    <message>
      <source>Copied</source>
      <translation>복사됨</translation>
    </message>
  </context>
  <context>
    <name>ColleaguesPanel</name>
    <message>
      <source>Colleagues</source>
      <translation>동료</translation>
    </message>
    <message>
      <source>Available</source>
      <translation>상담 가능</translation>
    </message>
    <message>
      <source>Busy</source>
      <translation>바쁨</translation>
    </message>
    <message>
      <source>Away</source>
      <translation>자리 비움</translation>
    </message>
    <message>
      <source>What your colleagues see next to your name</source>
      <translation>동료들이 회원님 이름 옆에서 보는 상태</translation>
    </message>
    <message>
      <source>Ask to help…</source>
      <translation>도움 요청…</translation>
    </message>
    <message>
      <source>Hand over…</source>
      <translation>인계…</translation>
    </message>
    <message>
      <source>Watch session</source>
      <translation>세션 참관</translation>
    </message>
    <message>
      <source>No team</source>
      <translation>팀 없음</translation>
    </message>
    <message>
      <source>available</source>
      <translation>상담 가능</translation>
    </message>
    <message>
      <source>busy</source>
      <translation>바쁨</translation>
    </message>
    <message>
      <source>away</source>
      <translation>자리 비움</translation>
    </message>
    <message>
      <source>in a session</source>
      <translation>상담 중</translation>
    </message>
    <message>
      <source>No colleague is signed in.</source>
      <translation>로그인한 동료가 없습니다.</translation>
    </message>
    <message>
      <source>leads</source>
      <translation>담당</translation>
    </message>
    <message>
      <source>helps</source>
      <translation>도움</translation>
    </message>
    <message>
      <source>supervises</source>
      <translation>참관</translation>
    </message>
    <message>
      <source>Seeing the screen: {names}</source>
      <translation>화면을 보는 사람: {names}</translation>
    </message>
    <message>
      <source>Let {name} draw too</source>
      <translation>{name} 님도 그릴 수 있게 하기</translation>
    </message>
    <message>
      <source>{name} was asked; waiting for their answer.</source>
      <translation>{name} 님에게 요청했습니다. 답을 기다리는 중입니다.</translation>
    </message>
    <message>
      <source>{name} accepted; the customer is being asked.</source>
      <translation>{name} 님이 수락했습니다. 고객에게 묻고 있습니다.</translation>
    </message>
    <message>
      <source>{name} declined.</source>
      <translation>{name} 님이 거절했습니다.</translation>
    </message>
    <message>
      <source>{name} did not answer in time.</source>
      <translation>{name} 님이 제시간에 답하지 않았습니다.</translation>
    </message>
    <message>
      <source>{name} is not signed in, or the session is full.</source>
      <translation>{name} 님이 로그인하지 않았거나 세션 인원이 다 찼습니다.</translation>
    </message>
    <message>
      <source>The customer let {name} in.</source>
      <translation>고객이 {name} 님의 참여를 허락했습니다.</translation>
    </message>
    <message>
      <source>The customer did not let {name} in.</source>
      <translation>고객이 {name} 님의 참여를 허락하지 않았습니다.</translation>
    </message>
    <message>
      <source>{name} left the session.</source>
      <translation>{name} 님이 세션에서 나갔습니다.</translation>
    </message>
  </context>
  <context>
    <name>ConsentDialog</name>
    <message>
      <source>Share your screen?</source>
      <translation>화면을 공유하시겠습니까?</translation>
    </message>
    <message>
      <source>from {org}</source>
      <translation>{org}</translation>
    </message>
    <message>
      <source>(no organisation given)</source>
      <translation>(소속 정보 없음)</translation>
    </message>
    <message>
      <source>wants to see your screen to help you.</source>
      <translation>상담원이 도움을 드리기 위해 고객님의 화면을 보려고 합니다.</translation>
    </message>
    <message>
      <source>Only continue if you contacted this organisation yourself. Never share your screen with someone who called you out of the blue.</source>
      <translation>이 기관에 고객님이 직접 연락하신 경우에만 계속하세요. 갑자기 먼저 전화를 걸어 온 사람에게는 절대 화면을 공유하지 마세요.</translation>
    </message>
    <message>
      <source>What will be shared</source>
      <translation>공유되는 내용</translation>
    </message>
    <message>
      <source>The agent sees everything on this screen, but cannot click or type. Windows on other monitors are not shared.</source>
      <translation>상담원은 이 화면의 모든 내용을 볼 수 있지만, 클릭하거나 입력할 수는 없습니다. 다른 모니터의 창은 공유되지 않습니다.</translation>
    </message>
    <message>
      <source>The agent sees everything on your screen, but cannot click or type.</source>
      <translation>상담원은 화면의 모든 내용을 볼 수 있지만, 클릭하거나 입력할 수는 없습니다.</translation>
    </message>
    <message>
      <source>Let the agent draw on my screen</source>
      <translation>상담원이 내 화면에 표시하도록 허용</translation>
    </message>
    <message>
      <source>Arrows and boxes that show you where to click. Only you can click.</source>
      <translation>어디를 누르면 되는지 화살표와 상자로 알려 줍니다. 클릭은 고객님만 할 수 있습니다.</translation>
    </message>
    <message>
      <source>A bar at the top of your screen shows when sharing is on. You can pause or stop at any time, or press {keys} to stop at once.</source>
      <translation>공유 중에는 화면 맨 위에 막대가 표시됩니다. 언제든지 일시 중지하거나 중지할 수 있으며, {keys} 키를 누르면 바로 중지됩니다.</translation>
    </message>
    <message>
      <source>Don't share</source>
      <translation>공유하지 않기</translation>
    </message>
    <message>
      <source>Share my screen</source>
      <translation>내 화면 공유하기</translation>
    </message>
    <message>
      <source>Your whole screen ({width} × {height})</source>
      <translation>화면 전체 ({width} × {height})</translation>
    </message>
    <message>
      <source>Monitor {number}</source>
      <translation>{number}번 모니터</translation>
    </message>
    <message>
      <source> (main)</source>
      <translation> (주 모니터)</translation>
    </message>
    <message>
      <source>Preview…</source>
      <translation>미리 보기…</translation>
    </message>
  </context>
  <context>
    <name>ControlPrompt</name>
    <message>
      <source>Ask for control</source>
      <translation>제어 요청</translation>
    </message>
    <message>
      <source>Why do you need control? The customer reads this:</source>
      <translation>왜 제어가 필요한가요? 고객이 이 내용을 읽습니다:</translation>
    </message>
  </context>
  <context>
    <name>ControlRequestDialog</name>
    <message>
      <source>Let someone control your computer?</source>
      <translation>다른 사람이 내 컴퓨터를 조작하도록 허용할까요?</translation>
    </message>
    <message>
      <source>{name} asks to control your computer</source>
      <translation>{name} 님이 내 컴퓨터 조작을 요청합니다</translation>
    </message>
    <message>
      <source>no organisation given</source>
      <translation>소속 없음</translation>
    </message>
    <message>
      <source>✔ verified</source>
      <translation>✔ 확인됨</translation>
    </message>
    <message>
      <source>not verified</source>
      <translation>확인되지 않음</translation>
    </message>
    <message>
      <source>Why: {reason}</source>
      <translation>이유: {reason}</translation>
    </message>
    <message>
      <source>(none given)</source>
      <translation>(적지 않음)</translation>
    </message>
    <message>
      <source>If you allow, {name} can move your mouse, click and type on this computer, as if they sat in front of it. You keep seeing everything they do. This is for this session only; next time you are asked again.</source>
      <translation>허용하면 {name} 님이 바로 앞에 앉은 것처럼 이 컴퓨터의 마우스를 움직이고, 클릭하고, 입력할 수 있습니다. 하는 일은 모두 화면에서 계속 보입니다. 이번 세션에만 적용되며, 다음에는 다시 묻습니다.</translation>
    </message>
    <message>
      <source>Do not open your bank's website or type a password while someone else is in control. A real support desk never asks for your banking password, a payment or a gift card.</source>
      <translation>다른 사람이 조작하는 동안에는 은행 사이트를 열거나 비밀번호를 입력하지 마세요. 진짜 고객지원은 은행 비밀번호, 송금, 상품권을 절대 요구하지 않습니다.</translation>
    </message>
    <message>
      <source>Your own mouse and keyboard always come first. To take control back at once, press Stop control in the bar at the top, or {keys}.</source>
      <translation>내 마우스와 키보드가 언제나 우선합니다. 바로 제어를 되찾으려면 위쪽 막대의 '제어 중지'를 누르거나 {keys} 키를 누르세요.</translation>
    </message>
    <message>
      <source>Don't allow</source>
      <translation>허용 안 함</translation>
    </message>
    <message>
      <source>Allow control</source>
      <translation>제어 허용</translation>
    </message>
  </context>
  <context>
    <name>CustomerSession</name>
    <message>
      <source>Assist could not capture your screen, so sharing stopped. Close other screen-sharing programs and start a new session.</source>
      <translation>Assist가 화면을 캡처할 수 없어 공유가 중지되었습니다. 다른 화면 공유 프로그램을 닫고 새 세션을 시작해 주세요.</translation>
    </message>
  </context>
  <context>
    <name>DrawingToolbar</name>
    <message>
      <source>Pen</source>
      <translation>펜</translation>
    </message>
    <message>
      <source>Arrow</source>
      <translation>화살표</translation>
    </message>
    <message>
      <source>Rectangle</source>
      <translation>사각형</translation>
    </message>
    <message>
      <source>Ellipse</source>
      <translation>타원</translation>
    </message>
    <message>
      <source>Text</source>
      <translation>텍스트</translation>
    </message>
    <message>
      <source>Highlighter</source>
      <translation>형광펜</translation>
    </message>
    <message>
      <source>Numbered step marker</source>
      <translation>단계 번호 표시</translation>
    </message>
    <message>
      <source>Laser pointer (hold the button)</source>
      <translation>레이저 포인터 (버튼을 누른 채로 이동)</translation>
    </message>
    <message>
      <source>Colour</source>
      <translation>색</translation>
    </message>
    <message>
      <source>Red</source>
      <translation>빨강</translation>
    </message>
    <message>
      <source>Orange</source>
      <translation>주황</translation>
    </message>
    <message>
      <source>Yellow</source>
      <translation>노랑</translation>
    </message>
    <message>
      <source>Green</source>
      <translation>초록</translation>
    </message>
    <message>
      <source>Blue</source>
      <translation>파랑</translation>
    </message>
    <message>
      <source>Purple</source>
      <translation>보라</translation>
    </message>
    <message>
      <source>Black</source>
      <translation>검정</translation>
    </message>
    <message>
      <source>White</source>
      <translation>흰색</translation>
    </message>
    <message>
      <source>Width</source>
      <translation>굵기</translation>
    </message>
    <message>
      <source>Line width</source>
      <translation>선 굵기</translation>
    </message>
    <message>
      <source>Fade</source>
      <translation>사라짐</translation>
    </message>
    <message>
      <source>{n} s</source>
      <translation>{n}초</translation>
    </message>
    <message>
      <source>Marks fade away after this time unless pinned</source>
      <translation>고정하지 않은 표시는 이 시간이 지나면 사라집니다</translation>
    </message>
    <message>
      <source>Pin</source>
      <translation>고정</translation>
    </message>
    <message>
      <source>Pin new marks: they stay until you remove them</source>
      <translation>새 표시 고정: 직접 지울 때까지 남아 있습니다</translation>
    </message>
    <message>
      <source>Undo</source>
      <translation>실행 취소</translation>
    </message>
    <message>
      <source>Redo</source>
      <translation>다시 실행</translation>
    </message>
    <message>
      <source>Clear all marks</source>
      <translation>모든 표시 지우기</translation>
    </message>
    <message>
      <source>Zoom out</source>
      <translation>축소</translation>
    </message>
    <message>
      <source>Zoom in</source>
      <translation>확대</translation>
    </message>
    <message>
      <source>Actual size (1:1)</source>
      <translation>실제 크기 (1:1)</translation>
    </message>
    <message>
      <source>Fit to window</source>
      <translation>창에 맞추기</translation>
    </message>
    <message>
      <source>Fit</source>
      <translation>맞춤</translation>
    </message>
    <message>
      <source>Monitor</source>
      <translation>모니터</translation>
    </message>
    <message>
      <source>Ask the customer to share another monitor</source>
      <translation>고객에게 다른 모니터 공유를 요청합니다</translation>
    </message>
    <message>
      <source>Ask for control</source>
      <translation>제어 요청</translation>
    </message>
    <message>
      <source>Ask the customer to let you use their mouse and keyboard</source>
      <translation>고객에게 마우스와 키보드 사용을 요청합니다</translation>
    </message>
    <message>
      <source>Send clipboard</source>
      <translation>클립보드 보내기</translation>
    </message>
    <message>
      <source>Put the text on your clipboard on the customer's (only while in control)</source>
      <translation>내 클립보드의 텍스트를 고객의 클립보드에 넣습니다(제어 중에만)</translation>
    </message>
    <message>
      <source>Send file…</source>
      <translation>파일 보내기…</translation>
    </message>
    <message>
      <source>Offer the customer a file; they decide whether to save it</source>
      <translation>고객에게 파일을 보냅니다. 저장할지는 고객이 정합니다</translation>
    </message>
    <message>
      <source>History</source>
      <translation>기록</translation>
    </message>
    <message>
      <source>Past sessions (Ctrl+H)</source>
      <translation>지난 세션 (Ctrl+H)</translation>
    </message>
    <message>
      <source>End session</source>
      <translation>세션 종료</translation>
    </message>
  </context>
  <context>
    <name>EndConfirm</name>
    <message>
      <source>End session</source>
      <translation>세션 종료</translation>
    </message>
    <message>
      <source>End the session with the customer now? Their screen stops sharing.</source>
      <translation>지금 고객과의 세션을 종료할까요? 고객의 화면 공유가 중지됩니다.</translation>
    </message>
    <message>
      <source>Keep helping</source>
      <translation>계속 돕기</translation>
    </message>
  </context>
  <context>
    <name>EndingDialog</name>
    <message>
      <source>Assist — session ended</source>
      <translation>Assist — 세션 종료</translation>
    </message>
    <message>
      <source>Screen sharing has ended</source>
      <translation>화면 공유가 끝났습니다</translation>
    </message>
    <message>
      <source>How did {name} do?</source>
      <translation>{name} 님의 상담은 어떠셨나요?</translation>
    </message>
    <message>
      <source>{count} of 5 stars</source>
      <translation>별 5개 중 {count}개</translation>
    </message>
    <message>
      <source>Anything you want to tell us? (optional)</source>
      <translation>남기고 싶은 말씀이 있으신가요? (선택 사항)</translation>
    </message>
    <message>
      <source>A summary of the help you received was saved to:
{path}</source>
      <translation>받으신 도움의 요약을 다음 위치에 저장했습니다:
{path}</translation>
    </message>
    <message>
      <source>Open the summary</source>
      <translation>요약 열기</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>닫기</translation>
    </message>
    <message>
      <source>Skip</source>
      <translation>건너뛰기</translation>
    </message>
    <message>
      <source>Send rating</source>
      <translation>평가 보내기</translation>
    </message>
  </context>
  <context>
    <name>ErrorNotice</name>
    <message>
      <source>Something went wrong</source>
      <translation>문제가 생겼습니다</translation>
    </message>
    <message>
      <source>Something unexpected went wrong. Your session may go on; if it does not, start a new one. The details were written to the log file.</source>
      <translation>예기치 않은 문제가 생겼습니다. 세션은 계속될 수 있으며, 계속되지 않으면 새 세션을 시작해 주세요. 자세한 내용은 로그 파일에 기록되었습니다.</translation>
    </message>
  </context>
  <context>
    <name>FileAccept</name>
    <message>
      <source>The customer sends {name} ({size}). Save it in {folder}?</source>
      <translation>고객이 {name}({size})을(를) 보냅니다. {folder}에 저장할까요?</translation>
    </message>
    <message>
      <source>A file from the customer</source>
      <translation>고객이 보낸 파일</translation>
    </message>
  </context>
  <context>
    <name>FileOfferDialog</name>
    <message>
      <source>Accept a file?</source>
      <translation>파일을 받을까요?</translation>
    </message>
    <message>
      <source>{name} wants to send you a file</source>
      <translation>{name} 님이 파일을 보내려고 합니다</translation>
    </message>
    <message>
      <source>It is only saved: nothing opens or runs by itself. Open it only if you expected it from {name}.</source>
      <translation>저장만 됩니다. 저절로 열리거나 실행되지 않습니다. {name} 님에게서 받기로 한 파일일 때만 여세요.</translation>
    </message>
    <message>
      <source>Choose folder…</source>
      <translation>폴더 선택…</translation>
    </message>
    <message>
      <source>Don't accept</source>
      <translation>받지 않음</translation>
    </message>
    <message>
      <source>Save file</source>
      <translation>파일 저장</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>취소</translation>
    </message>
    <message>
      <source>Show in folder</source>
      <translation>폴더에서 보기</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>닫기</translation>
    </message>
    <message>
      <source>Saved in: {folder}</source>
      <translation>저장 위치: {folder}</translation>
    </message>
    <message>
      <source>Where should the file go?</source>
      <translation>파일을 어디에 저장할까요?</translation>
    </message>
    <message>
      <source>Receiving…</source>
      <translation>받는 중…</translation>
    </message>
    <message>
      <source>Receiving… {done} of {size}</source>
      <translation>받는 중… {size} 중 {done}</translation>
    </message>
    <message>
      <source>Saved: {path}</source>
      <translation>저장됨: {path}</translation>
    </message>
  </context>
  <context>
    <name>FilePrompt</name>
    <message>
      <source>Which file should the customer get?</source>
      <translation>고객에게 어떤 파일을 보낼까요?</translation>
    </message>
  </context>
  <context>
    <name>FlagDialog</name>
    <message>
      <source>Flag this contact</source>
      <translation>이 상담 표시하기</translation>
    </message>
    <message>
      <source>Abusive</source>
      <translation>폭언·욕설</translation>
    </message>
    <message>
      <source>Keeps coming back with the same problem</source>
      <translation>같은 문제로 계속 다시 문의함</translation>
    </message>
    <message>
      <source>Needs a specialist</source>
      <translation>전문 상담원이 필요함</translation>
    </message>
    <message>
      <source>What happened, for your supervisor</source>
      <translation>어떤 일이 있었는지 관리자에게 남겨 주세요</translation>
    </message>
    <message>
      <source>Flag the contact with {name}:</source>
      <translation>{name} 님과의 상담 표시:</translation>
    </message>
    <message>
      <source>Please say why; your supervisor reads it.</source>
      <translation>이유를 적어 주세요. 관리자가 확인합니다.</translation>
    </message>
  </context>
  <context>
    <name>GetHelp</name>
    <message>
      <source>Please write your name, so the agent knows whom they are helping.</source>
      <translation>상담원이 누구를 돕는지 알 수 있도록 이름을 적어 주세요.</translation>
    </message>
    <message>
      <source>Your name is too long: at most 64 characters.</source>
      <translation>이름이 너무 깁니다. 64자까지 쓸 수 있습니다.</translation>
    </message>
    <message>
      <source>Please give a phone number or an e-mail address to be contacted on.</source>
      <translation>연락받을 전화번호나 이메일 주소를 적어 주세요.</translation>
    </message>
    <message>
      <source>That is not a phone number or an e-mail address. Please check it.</source>
      <translation>전화번호나 이메일 주소 형식이 아닙니다. 확인해 주세요.</translation>
    </message>
    <message>
      <source>The phone number or e-mail address is too long: at most 64 characters.</source>
      <translation>전화번호나 이메일 주소가 너무 깁니다. 64자까지 쓸 수 있습니다.</translation>
    </message>
    <message>
      <source>Please say in a sentence what you need help with.</source>
      <translation>어떤 도움이 필요한지 한 문장으로 적어 주세요.</translation>
    </message>
    <message>
      <source>Please keep the description under 500 characters.</source>
      <translation>내용은 500자 이내로 적어 주세요.</translation>
    </message>
    <message>
      <source>You are next in line.</source>
      <translation>다음 순서입니다.</translation>
    </message>
    <message>
      <source>You are number {n} in line.</source>
      <translation>대기 순서 {n}번입니다.</translation>
    </message>
    <message>
      <source>No agent is serving this queue at the moment, so we cannot say how long it will take. You keep your place.</source>
      <translation>지금은 이 분야를 맡은 상담원이 없어 대기 시간을 알 수 없습니다. 순서는 그대로 유지됩니다.</translation>
    </message>
    <message>
      <source>About a minute.</source>
      <translation>약 1분.</translation>
    </message>
    <message>
      <source>About {n} minutes.</source>
      <translation>약 {n}분.</translation>
    </message>
    <message>
      <source>About {h} h.</source>
      <translation>약 {h}시간.</translation>
    </message>
    <message>
      <source>About {h} h {m} min.</source>
      <translation>약 {h}시간 {m}분.</translation>
    </message>
    <message>
      <source>closed, opens {when}</source>
      <translation>상담 시간 아님, {when}에 시작</translation>
    </message>
    <message>
      <source>closed</source>
      <translation>상담 시간 아님</translation>
    </message>
    <message>
      <source>open, no agent free right now</source>
      <translation>운영 중, 지금은 상담원이 모두 상담 중</translation>
    </message>
    <message>
      <source>open, little or no wait</source>
      <translation>운영 중, 대기 거의 없음</translation>
    </message>
    <message>
      <source>open, about {n} min wait</source>
      <translation>운영 중, 약 {n}분 대기</translation>
    </message>
  </context>
  <context>
    <name>GetHelpWindow</name>
    <message>
      <source>Assist — ask for help</source>
      <translation>Assist — 도움 요청</translation>
    </message>
    <message>
      <source>Ask your organisation's support desk for help. An agent takes your request when it is your turn; you will see who they are before anything is shared.</source>
      <translation>기관의 상담 창구에 도움을 요청하세요. 차례가 되면 상담원이 요청을 받습니다. 화면을 공유하기 전에 상담원이 누구인지 먼저 보여 드립니다.</translation>
    </message>
    <message>
      <source>Queue</source>
      <translation>상담 분야</translation>
    </message>
    <message>
      <source>Asking the desk which queues are open…</source>
      <translation>상담 창구에 운영 중인 분야를 묻는 중…</translation>
    </message>
    <message>
      <source>For example: my internet drops every few minutes since yesterday.</source>
      <translation>예: 어제부터 인터넷이 몇 분마다 끊겨요.</translation>
    </message>
    <message>
      <source>What do you need help with?</source>
      <translation>어떤 도움이 필요하신가요?</translation>
    </message>
    <message>
      <source>010-1234-5678 or name@example.com</source>
      <translation>010-1234-5678 또는 name@example.com</translation>
    </message>
    <message>
      <source>Attach system information for the agent</source>
      <translation>상담원을 위해 시스템 정보 첨부</translation>
    </message>
    <message>
      <source>Ask for help</source>
      <translation>도움 요청</translation>
    </message>
    <message>
      <source>Ask for a callback instead</source>
      <translation>대신 콜백 요청</translation>
    </message>
    <message>
      <source>I have a code</source>
      <translation>코드가 있어요</translation>
    </message>
    <message>
      <source>Help from</source>
      <translation>도움 받을 곳</translation>
    </message>
    <message>
      <source>Your name</source>
      <translation>이름</translation>
    </message>
    <message>
      <source>Phone or e-mail</source>
      <translation>전화번호 또는 이메일</translation>
    </message>
    <message>
      <source>Which kind of help?</source>
      <translation>어떤 분야의 도움인가요?</translation>
    </message>
    <message>
      <source>It opens {when}.</source>
      <translation>{when}에 문을 엽니다.</translation>
    </message>
    <message>
      <source>This desk is closed right now. {opens} You can leave a callback request now and an agent will contact you when it is open.</source>
      <translation>지금은 상담 시간이 아닙니다. {opens} 지금 콜백을 요청해 두시면 상담 시간에 상담원이 연락드립니다.</translation>
    </message>
    <message>
      <source>Leave a callback request</source>
      <translation>콜백 요청 남기기</translation>
    </message>
    <message>
      <source>{n} of {max} characters</source>
      <translation>{max}자 중 {n}자</translation>
    </message>
  </context>
  <context>
    <name>Guidance</name>
    <message>
      <source>Hello! I can see your screen now.</source>
      <translation>안녕하세요! 이제 고객님의 화면이 보입니다.</translation>
    </message>
    <message>
      <source>Please click where the arrow points.</source>
      <translation>화살표가 가리키는 곳을 클릭해 주세요.</translation>
    </message>
    <message>
      <source>One moment, please. I'm checking something.</source>
      <translation>잠시만 기다려 주세요. 확인하고 있습니다.</translation>
    </message>
    <message>
      <source>Could you try that once more?</source>
      <translation>한 번 더 해 보시겠어요?</translation>
    </message>
    <message>
      <source>Is there anything else I can help you with?</source>
      <translation>더 도와드릴 일이 있을까요?</translation>
    </message>
  </context>
  <context>
    <name>GuidancePanel</name>
    <message>
      <source>Assist — help from {name}</source>
      <translation>Assist — {name} 님의 안내</translation>
    </message>
    <message>
      <source>Steps</source>
      <translation>단계</translation>
    </message>
    <message>
      <source>The agent's steps will appear here.</source>
      <translation>상담원이 알려 주는 단계가 여기에 표시됩니다.</translation>
    </message>
    <message>
      <source>Messages</source>
      <translation>메시지</translation>
    </message>
    <message>
      <source>Messages from the agent will appear here.</source>
      <translation>상담원의 메시지가 여기에 표시됩니다.</translation>
    </message>
    <message>
      <source>Write to the agent…</source>
      <translation>상담원에게 메시지 쓰기…</translation>
    </message>
    <message>
      <source>Send</source>
      <translation>보내기</translation>
    </message>
    <message>
      <source>Send a file…</source>
      <translation>파일 보내기…</translation>
    </message>
    <message>
      <source>Send a file to the agent (a log, a screenshot). You choose which.</source>
      <translation>상담원에게 파일(로그, 화면 캡처)을 보냅니다. 어떤 파일인지는 직접 고릅니다.</translation>
    </message>
    <message>
      <source>Hide</source>
      <translation>숨기기</translation>
    </message>
    <message>
      <source>Hide this panel. The Messages button in the sharing bar brings it back.</source>
      <translation>이 창을 숨깁니다. 공유 막대의 메시지 버튼을 누르면 다시 나타납니다.</translation>
    </message>
    <message>
      <source>Which file should the agent get?</source>
      <translation>상담원에게 어떤 파일을 보낼까요?</translation>
    </message>
    <message>
      <source>You</source>
      <translation>나</translation>
    </message>
  </context>
  <context>
    <name>HistoryView</name>
    <message>
      <source>Session history — Assist</source>
      <translation>세션 기록 — Assist</translation>
    </message>
    <message>
      <source>Search notes, chat and comments…</source>
      <translation>메모, 채팅, 평가 의견 검색…</translation>
    </message>
    <message>
      <source>Started</source>
      <translation>시작</translation>
    </message>
    <message>
      <source>Length</source>
      <translation>길이</translation>
    </message>
    <message>
      <source>Ended</source>
      <translation>종료</translation>
    </message>
    <message>
      <source>Rating</source>
      <translation>평가</translation>
    </message>
    <message>
      <source>Notes</source>
      <translation>메모</translation>
    </message>
    <message>
      <source>{n} sessions</source>
      <translation>세션 {n}개</translation>
    </message>
    <message>
      <source>No sessions found.</source>
      <translation>찾은 세션이 없습니다.</translation>
    </message>
    <message>
      <source>Code</source>
      <translation>코드</translation>
    </message>
    <message>
      <source>Shown to the customer as</source>
      <translation>고객에게 표시된 이름</translation>
    </message>
    <message>
      <source>How it ended</source>
      <translation>종료 사유</translation>
    </message>
    <message>
      <source>Steps</source>
      <translation>단계</translation>
    </message>
    <message>
      <source>Chat</source>
      <translation>채팅</translation>
    </message>
    <message>
      <source>You</source>
      <translation>나</translation>
    </message>
    <message>
      <source>Customer</source>
      <translation>고객</translation>
    </message>
    <message>
      <source>Who else was in the session</source>
      <translation>세션에 함께한 사람</translation>
    </message>
    <message>
      <source>invited {who}</source>
      <translation>{who} 님을 초대함</translation>
    </message>
    <message>
      <source>{who} accepted the invitation</source>
      <translation>{who} 님이 초대를 수락함</translation>
    </message>
    <message>
      <source>{who} declined the invitation</source>
      <translation>{who} 님이 초대를 거절함</translation>
    </message>
    <message>
      <source>{who} did not answer the invitation</source>
      <translation>{who} 님이 초대에 답하지 않음</translation>
    </message>
    <message>
      <source>{who} could not be invited</source>
      <translation>{who} 님을 초대할 수 없었음</translation>
    </message>
    <message>
      <source>the customer let {who} in</source>
      <translation>고객이 {who} 님의 참여를 허락함</translation>
    </message>
    <message>
      <source>the customer did not let {who} in</source>
      <translation>고객이 {who} 님의 참여를 허락하지 않음</translation>
    </message>
    <message>
      <source>{who} left</source>
      <translation>{who} 님이 나감</translation>
    </message>
    <message>
      <source>joined {who}'s session (the customer allowed it)</source>
      <translation>{who} 님의 세션에 참여함 (고객이 허락함)</translation>
    </message>
    <message>
      <source>{who} left or was removed</source>
      <translation>{who} 님이 나갔거나 내보내짐</translation>
    </message>
    <message>
      <source>handed the session over to {who}</source>
      <translation>{who} 님에게 세션을 인계함</translation>
    </message>
    <message>
      <source>took the session over</source>
      <translation>세션을 인계받음</translation>
    </message>
  </context>
  <context>
    <name>IdentityBadge</name>
    <message>
      <source>✔ Verified: {org} vouches for this person</source>
      <translation>✔ 확인됨: {org}에서 이 사람의 신원을 보증합니다</translation>
    </message>
    <message>
      <source>team {team}</source>
      <translation>{team} 팀</translation>
    </message>
    <message>
      <source>Their identity was checked against {org}'s key, which this computer trusts.</source>
      <translation>이 컴퓨터가 신뢰하는 {org}의 키로 신원을 확인했습니다.</translation>
    </message>
    <message>
      <source>Not verified</source>
      <translation>확인되지 않음</translation>
    </message>
    <message>
      <source>This name is signed with an organisation key this computer does not know. Compare the key below with the one on the organisation's own web page before you continue.</source>
      <translation>이 이름은 이 컴퓨터가 모르는 기관 키로 서명되어 있습니다. 계속하기 전에 아래 키를 해당 기관의 공식 웹페이지에 있는 키와 비교해 보세요.</translation>
    </message>
    <message>
      <source>This name was passed on by the agent helping you; it is not signed by a key this computer trusts. Ask the agent who this is before you allow.</source>
      <translation>이 이름은 도와주는 상담원이 전달한 것으로, 이 컴퓨터가 신뢰하는 키로 서명되지 않았습니다. 허락하기 전에 상담원에게 누구인지 물어보세요.</translation>
    </message>
    <message>
      <source>This name comes from the relay server, not from a key this computer trusts. Make sure you know who you are talking to.</source>
      <translation>이 이름은 중계 서버가 알려 준 것이며, 이 컴퓨터가 신뢰하는 키로 확인된 것이 아닙니다. 상대방이 누구인지 꼭 확인하세요.</translation>
    </message>
    <message>
      <source>Organisation key: {fingerprint}</source>
      <translation>기관 키: {fingerprint}</translation>
    </message>
    <message>
      <source>On the phone? Ask them to read it out and compare.</source>
      <translation>통화 중이라면 상대방에게 이 번호를 읽어 달라고 하고 비교해 보세요.</translation>
    </message>
  </context>
  <context>
    <name>InvitationDialog</name>
    <message>
      <source>Invitation</source>
      <translation>초대</translation>
    </message>
    <message>
      <source>{name} asks you to take over a session.</source>
      <translation>{name} 님이 세션 인계를 요청합니다.</translation>
    </message>
    <message>
      <source>{name} asks you to help in a session.</source>
      <translation>{name} 님이 세션에서 도움을 요청합니다.</translation>
    </message>
    <message>
      <source>Why: {reason}</source>
      <translation>이유: {reason}</translation>
    </message>
    <message>
      <source>End your own session first to accept.</source>
      <translation>수락하려면 먼저 진행 중인 세션을 끝내세요.</translation>
    </message>
    <message>
      <source>The customer is asked before you see their screen.</source>
      <translation>고객의 화면을 보기 전에 고객에게 먼저 묻습니다.</translation>
    </message>
    <message>
      <source>Accept</source>
      <translation>수락</translation>
    </message>
    <message>
      <source>Decline</source>
      <translation>거절</translation>
    </message>
  </context>
  <context>
    <name>InviteDialog</name>
    <message>
      <source>Hand over to {name}</source>
      <translation>{name} 님에게 인계</translation>
    </message>
    <message>
      <source>Ask {name} to help</source>
      <translation>{name} 님에게 도움 요청</translation>
    </message>
    <message>
      <source>e.g. a specialist for your router</source>
      <translation>예: 공유기 전문가의 도움이 필요합니다</translation>
    </message>
    <message>
      <source>What they should know: what you tried, what the customer needs.</source>
      <translation>알아야 할 내용: 시도한 조치, 고객에게 필요한 것.</translation>
    </message>
    <message>
      <source>{name} takes over the session; you can stay a minute to introduce them. The customer is asked first and does not need a new code.</source>
      <translation>{name} 님이 세션을 이어받습니다. 잠시 남아 소개할 수 있습니다. 고객에게 먼저 묻고, 고객은 새 코드가 필요 없습니다.</translation>
    </message>
    <message>
      <source>{name} will see the customer's screen too, once the customer allows it.</source>
      <translation>고객이 허락하면 {name} 님도 고객의 화면을 보게 됩니다.</translation>
    </message>
    <message>
      <source>Why (the customer sees this):</source>
      <translation>이유 (고객에게 보입니다):</translation>
    </message>
    <message>
      <source>Note for {name} (the customer does not see it):</source>
      <translation>{name} 님에게 남길 메모 (고객에게는 보이지 않습니다):</translation>
    </message>
    <message>
      <source>Hand over</source>
      <translation>인계</translation>
    </message>
    <message>
      <source>Ask to help</source>
      <translation>도움 요청</translation>
    </message>
  </context>
  <context>
    <name>JoinRequestDialog</name>
    <message>
      <source>Let someone else see your screen?</source>
      <translation>다른 사람도 화면을 보게 할까요?</translation>
    </message>
    <message>
      <source>Someone</source>
      <translation>누군가</translation>
    </message>
    <message>
      <source>{lead} wants to hand your session over to this colleague. They will take over; {lead} leaves after introducing them. You do not need a new code.</source>
      <translation>{lead} 님이 이 동료에게 상담을 넘기려고 합니다. 이 동료가 이어서 도와드리며, {lead} 님은 소개를 마친 뒤 나갑니다. 새 코드는 필요 없습니다.</translation>
    </message>
    <message>
      <source>A supervisor who asks to watch, to coach {lead}. They see your screen too; they cannot click or type.</source>
      <translation>{lead} 님을 지도하기 위해 지켜보려는 관리자입니다. 이 사람도 화면을 보지만 클릭하거나 입력할 수는 없습니다.</translation>
    </message>
    <message>
      <source>{lead} asks this colleague to help and to see your screen too.</source>
      <translation>{lead} 님이 이 동료에게 도움을 요청하며, 이 동료도 화면을 보게 됩니다.</translation>
    </message>
    <message>
      <source>Why: {reason}</source>
      <translation>이유: {reason}</translation>
    </message>
    <message>
      <source>(none given)</source>
      <translation>(밝히지 않음)</translation>
    </message>
    <message>
      <source>If you allow, they see everything on the shared screen. They do not draw unless {lead} lets them.</source>
      <translation>허락하면 공유된 화면의 모든 것을 보게 됩니다. {lead} 님이 허용하지 않는 한 화면에 그리지 않습니다.</translation>
    </message>
    <message>
      <source>If you allow, they see everything on the shared screen, as {lead} does, and can draw on it to show you where to click.</source>
      <translation>허락하면 {lead} 님처럼 공유된 화면의 모든 것을 보고, 어디를 클릭할지 화면에 그려서 알려 줄 수 있습니다.</translation>
    </message>
    <message>
      <source>If you allow, they see everything on the shared screen, as {lead} does.</source>
      <translation>허락하면 {lead} 님처럼 공유된 화면의 모든 것을 보게 됩니다.</translation>
    </message>
    <message>
      <source>Everyone who can see your screen is listed in the bar at the top. You can remove anyone from there at any time.</source>
      <translation>화면을 볼 수 있는 모든 사람이 위쪽 막대에 표시됩니다. 언제든지 그곳에서 누구든 내보낼 수 있습니다.</translation>
    </message>
    <message>
      <source>Don't allow</source>
      <translation>허락 안 함</translation>
    </message>
    <message>
      <source>Allow</source>
      <translation>허락</translation>
    </message>
  </context>
  <context>
    <name>JoinWindow</name>
    <message>
      <source>Assist — get help with your computer</source>
      <translation>Assist — 컴퓨터 도움 받기</translation>
    </message>
    <message>
      <source>Get help from your support agent</source>
      <translation>상담원에게 도움 받기</translation>
    </message>
    <message>
      <source>Type the code your support agent gave you. You can also paste it.</source>
      <translation>상담원이 알려 준 코드를 입력하세요. 붙여 넣어도 됩니다.</translation>
    </message>
    <message>
      <source>Session code</source>
      <translation>세션 코드</translation>
    </message>
    <message>
      <source>Connect</source>
      <translation>연결</translation>
    </message>
    <message>
      <source>No code? Ask for help from the desk</source>
      <translation>코드가 없나요? 상담 창구에 도움 요청</translation>
    </message>
    <message>
      <source>Relay: {url}</source>
      <translation>중계 서버: {url}</translation>
    </message>
    <message>
      <source>Connecting to the support desk…</source>
      <translation>고객센터에 연결하는 중…</translation>
    </message>
    <message>
      <source>Connected securely to {name}.</source>
      <translation>{name} 님과 안전하게 연결되었습니다.</translation>
    </message>
  </context>
  <context>
    <name>MainWindow</name>
    <message>
      <source>Assist — Agent</source>
      <translation>Assist — 상담원</translation>
    </message>
    <message>
      <source>Flag this contact…</source>
      <translation>이 상담 표시하기…</translation>
    </message>
    <message>
      <source>Block from the queues…</source>
      <translation>대기열 이용 차단…</translation>
    </message>
    <message>
      <source>Keep this customer's computer out of the queues for a while</source>
      <translation>이 고객의 컴퓨터가 한동안 대기열을 이용하지 못하게 합니다</translation>
    </message>
    <message>
      <source>Quit</source>
      <translation>끝내기</translation>
    </message>
    <message>
      <source>Blocked from the queues until {when}.</source>
      <translation>{when}까지 대기열 이용이 차단되었습니다.</translation>
    </message>
    <message>
      <source>Your clipboard text is on the customer's.</source>
      <translation>내 클립보드 텍스트가 고객의 클립보드에 들어갔습니다.</translation>
    </message>
    <message>
      <source>Offering {name} to the customer…</source>
      <translation>고객에게 {name}을(를) 보내는 중…</translation>
    </message>
    <message>
      <source>Cancel file</source>
      <translation>파일 취소</translation>
    </message>
    <message>
      <source>{name}: {pct} %</source>
      <translation>{name}: {pct}%</translation>
    </message>
    <message>
      <source>Send file…</source>
      <translation>파일 보내기…</translation>
    </message>
    <message>
      <source>{name} arrived.</source>
      <translation>{name}이(가) 도착했습니다.</translation>
    </message>
    <message>
      <source>Ask for control</source>
      <translation>제어 요청</translation>
    </message>
    <message>
      <source>Release control</source>
      <translation>제어 돌려주기</translation>
    </message>
    <message>
      <source>Give the mouse and keyboard back to the customer</source>
      <translation>마우스와 키보드를 고객에게 돌려줍니다</translation>
    </message>
    <message>
      <source>A protected window is in front ({what}): input is refused</source>
      <translation>보호된 창이 앞에 있습니다({what}): 입력이 거부됩니다</translation>
    </message>
    <message>
      <source>The customer is using their mouse or keyboard: yours waits</source>
      <translation>고객이 마우스나 키보드를 쓰고 있습니다: 내 입력은 기다립니다</translation>
    </message>
    <message>
      <source>You are in control of the customer's computer</source>
      <translation>고객의 컴퓨터를 조작하고 있습니다</translation>
    </message>
    <message>
      <source>Waiting for the customer…</source>
      <translation>고객의 응답을 기다리는 중…</translation>
    </message>
    <message>
      <source>a colleague</source>
      <translation>동료</translation>
    </message>
    <message>
      <source>{name} is in control</source>
      <translation>{name} 님이 조작 중</translation>
    </message>
    <message>
      <source>The customer let you control their computer.</source>
      <translation>고객이 컴퓨터 조작을 허용했습니다.</translation>
    </message>
    <message>
      <source>The customer did not allow control.</source>
      <translation>고객이 조작을 허용하지 않았습니다.</translation>
    </message>
    <message>
      <source>The customer took control back.</source>
      <translation>고객이 제어를 되찾았습니다.</translation>
    </message>
    <message>
      <source>You gave control back.</source>
      <translation>제어를 고객에게 돌려주었습니다.</translation>
    </message>
    <message>
      <source>Control ended: the customer paused sharing.</source>
      <translation>제어가 끝났습니다: 고객이 공유를 일시 중지했습니다.</translation>
    </message>
    <message>
      <source>Control ended after a while without input.</source>
      <translation>한동안 입력이 없어 제어가 끝났습니다.</translation>
    </message>
    <message>
      <source>Control ended: the connection dropped.</source>
      <translation>제어가 끝났습니다: 연결이 끊겼습니다.</translation>
    </message>
    <message>
      <source>Control ended with the session.</source>
      <translation>세션이 끝나 제어도 끝났습니다.</translation>
    </message>
    <message>
      <source>The customer's computer cannot take remote input (Wayland, or Assist was not given the permission). Guide them with marks instead.</source>
      <translation>고객의 컴퓨터는 원격 입력을 받을 수 없습니다(Wayland이거나 Assist에 권한이 없음). 대신 표시로 안내하세요.</translation>
    </message>
    <message>
      <source>Someone else asked first or is in control.</source>
      <translation>다른 사람이 먼저 요청했거나 조작 중입니다.</translation>
    </message>
    <message>
      <source>Ready to help</source>
      <translation>도움을 드릴 준비가 되었습니다</translation>
    </message>
    <message>
      <source>waited {m} min</source>
      <translation>{m}분 대기</translation>
    </message>
    <message>
      <source>Contacted the desk {n} time(s) before.</source>
      <translation>이전에 {n}번 문의한 고객입니다.</translation>
    </message>
    <message>
      <source>ended</source>
      <translation>종료</translation>
    </message>
    <message>
      <source>left the queue</source>
      <translation>대기 중 나감</translation>
    </message>
    <message>
      <source>called back</source>
      <translation>콜백 완료</translation>
    </message>
    <message>
      <source>no answer</source>
      <translation>응답 없음</translation>
    </message>
    <message>
      <source>callback booked</source>
      <translation>콜백 예약</translation>
    </message>
    <message>
      <source>in a session</source>
      <translation>상담 중</translation>
    </message>
    <message>
      <source>Earlier contacts</source>
      <translation>이전 상담</translation>
    </message>
    <message>
      <source>resolved</source>
      <translation>해결</translation>
    </message>
    <message>
      <source>not resolved</source>
      <translation>미해결</translation>
    </message>
    <message>
      <source>The contact is flagged for your supervisor.</source>
      <translation>이 상담을 관리자가 볼 수 있도록 표시했습니다.</translation>
    </message>
    <message>
      <source>Leave session</source>
      <translation>세션 나가기</translation>
    </message>
    <message>
      <source>End session</source>
      <translation>세션 종료</translation>
    </message>
    <message>
      <source>The customer rated the session {stars}.</source>
      <translation>고객 평가: {stars}</translation>
    </message>
    <message>
      <source>Hand-over note: {note}</source>
      <translation>인계 메모: {note}</translation>
    </message>
    <message>
      <source>{name} leads the session now. Introduce them, then leave.</source>
      <translation>이제 {name} 님이 세션을 담당합니다. 소개한 뒤 나가세요.</translation>
    </message>
    <message>
      <source>The customer did not allow drawing on their screen.</source>
      <translation>고객이 화면 위 표시를 허용하지 않았습니다.</translation>
    </message>
    <message>
      <source>Drawing is possible while the customer shares their screen.</source>
      <translation>고객이 화면을 공유하는 동안 표시할 수 있습니다.</translation>
    </message>
    <message>
      <source>{fps} fps · latency {latency} · {rate}/s · connection {quality}</source>
      <translation>{fps} fps · 지연 {latency} · {rate}/s · 연결 상태 {quality}</translation>
    </message>
    <message>
      <source>paint {ms} ms</source>
      <translation>그리기 {ms} ms</translation>
    </message>
    <message>
      <source>This session could not be saved in your history ({detail}).</source>
      <translation>이 세션을 기록에 저장하지 못했습니다 ({detail}).</translation>
    </message>
  </context>
  <context>
    <name>MonitorSwitchDialog</name>
    <message>
      <source>Share another monitor?</source>
      <translation>다른 모니터를 공유하시겠습니까?</translation>
    </message>
    <message>
      <source>{name} asks to see monitor {number} instead of the current one.</source>
      <translation>{name} 님이 지금 모니터 대신 {number}번 모니터를 보여 달라고 요청했습니다.</translation>
    </message>
    <message>
      <source>Keep the current one</source>
      <translation>지금 모니터 유지</translation>
    </message>
    <message>
      <source>Share monitor {number}</source>
      <translation>{number}번 모니터 공유하기</translation>
    </message>
  </context>
  <context>
    <name>NotesTab</name>
    <message>
      <source>Your notes about this session: the problem, what you did, what is left.</source>
      <translation>이 세션에 대한 메모: 문제, 조치한 내용, 남은 일.</translation>
    </message>
    <message>
      <source>Save a final screenshot with the session</source>
      <translation>세션과 함께 마지막 화면 저장</translation>
    </message>
    <message>
      <source>Notes, chat, steps and the customer's rating are saved in your history when the session ends.</source>
      <translation>세션이 끝나면 메모, 채팅, 단계, 고객 평가가 기록에 저장됩니다.</translation>
    </message>
  </context>
  <context>
    <name>OverlayWindow</name>
    <message>
      <source>Assist — the agent's marks</source>
      <translation>Assist — 상담원 표시</translation>
    </message>
  </context>
  <context>
    <name>QueuePanel</name>
    <message>
      <source>Waiting</source>
      <translation>대기 시간</translation>
    </message>
    <message>
      <source>Queue</source>
      <translation>상담 분야</translation>
    </message>
    <message>
      <source>Customer</source>
      <translation>고객</translation>
    </message>
    <message>
      <source>Their words</source>
      <translation>고객이 남긴 내용</translation>
    </message>
    <message>
      <source>Take next</source>
      <translation>다음 고객 받기</translation>
    </message>
    <message>
      <source>Take selected</source>
      <translation>선택한 고객 받기</translation>
    </message>
    <message>
      <source>Block…</source>
      <translation>차단…</translation>
    </message>
    <message>
      <source>Keep this customer's computer out of the queues for a while</source>
      <translation>이 고객의 컴퓨터가 한동안 대기열을 이용하지 못하게 합니다</translation>
    </message>
    <message>
      <source>Nobody is waiting in your queues.</source>
      <translation>담당 분야에 기다리는 고객이 없습니다.</translation>
    </message>
    <message>
      <source>When</source>
      <translation>시간</translation>
    </message>
    <message>
      <source>Contact</source>
      <translation>연락처</translation>
    </message>
    <message>
      <source>Done</source>
      <translation>완료</translation>
    </message>
    <message>
      <source>No answer</source>
      <translation>받지 않음</translation>
    </message>
    <message>
      <source>Reschedule…</source>
      <translation>다시 예약…</translation>
    </message>
    <message>
      <source>Call in the app</source>
      <translation>앱으로 연락하기</translation>
    </message>
    <message>
      <source>The customer's Assist is open and waiting: they are asked to share</source>
      <translation>고객의 Assist가 열려 기다리고 있습니다. 고객에게 공유 여부를 묻습니다</translation>
    </message>
    <message>
      <source>↻ {n} earlier</source>
      <translation>↻ 이전 {n}회</translation>
    </message>
    <message>
      <source>Their connection dropped; they keep their place.</source>
      <translation>고객의 연결이 끊겼습니다. 순서는 유지됩니다.</translation>
    </message>
    <message>
      <source>Waiting ({n})</source>
      <translation>대기 ({n})</translation>
    </message>
    <message>
      <source>(late)</source>
      <translation>(지남)</translation>
    </message>
    <message>
      <source>in the app (open now)</source>
      <translation>앱으로 (지금 열려 있음)</translation>
    </message>
    <message>
      <source>in the app</source>
      <translation>앱으로</translation>
    </message>
    <message>
      <source>Callbacks ({n})</source>
      <translation>콜백 ({n})</translation>
    </message>
    <message>
      <source>Blocked from the queues until {when}.</source>
      <translation>{when}까지 대기열 이용이 차단되었습니다.</translation>
    </message>
    <message>
      <source>Finish your session first.</source>
      <translation>먼저 진행 중인 상담을 마치세요.</translation>
    </message>
  </context>
  <context>
    <name>Recap</name>
    <message>
      <source>en</source>
      <translation>ko</translation>
    </message>
    <message>
      <source>Help you received from {who}</source>
      <translation>{who} 님에게 받은 도움</translation>
    </message>
    <message>
      <source>Session started {when}</source>
      <translation>세션 시작: {when}</translation>
    </message>
    <message>
      <source>Steps</source>
      <translation>단계</translation>
    </message>
    <message>
      <source>done</source>
      <translation>완료</translation>
    </message>
    <message>
      <source>The agent gave no numbered steps.</source>
      <translation>상담원이 안내한 단계가 없습니다.</translation>
    </message>
    <message>
      <source>Messages</source>
      <translation>메시지</translation>
    </message>
    <message>
      <source>You</source>
      <translation>나</translation>
    </message>
    <message>
      <source>No messages were exchanged.</source>
      <translation>주고받은 메시지가 없습니다.</translation>
    </message>
  </context>
  <context>
    <name>RescheduleDialog</name>
    <message>
      <source>Reschedule the callback</source>
      <translation>콜백 다시 예약</translation>
    </message>
    <message>
      <source>When should {name} be contacted instead? Windows start on the hour or half hour, within the desk's opening hours.</source>
      <translation>{name} 님께 언제 다시 연락할까요? 예약 시간은 상담 시간 안에서 정시 또는 30분에 시작합니다.</translation>
    </message>
  </context>
  <context>
    <name>SessionTabs</name>
    <message>
      <source>Chat</source>
      <translation>채팅</translation>
    </message>
    <message>
      <source>Steps</source>
      <translation>단계</translation>
    </message>
    <message>
      <source>Notes</source>
      <translation>메모</translation>
    </message>
  </context>
  <context>
    <name>SharingBar</name>
    <message>
      <source>Assist — sharing</source>
      <translation>Assist — 공유 중</translation>
    </message>
    <message>
      <source>Your screen is being shared with {who}</source>
      <translation>{who} 님에게 화면을 공유하고 있습니다</translation>
    </message>
    <message>
      <source>Messages</source>
      <translation>메시지</translation>
    </message>
    <message>
      <source>Show or hide the agent's steps and messages</source>
      <translation>상담원의 안내 단계와 메시지를 보이거나 숨깁니다</translation>
    </message>
    <message>
      <source>Pause</source>
      <translation>일시 중지</translation>
    </message>
    <message>
      <source>Stop sharing</source>
      <translation>공유 중지</translation>
    </message>
    <message>
      <source>Stops sharing at once. Shortcut: {keys}</source>
      <translation>공유를 바로 중지합니다. 단축키: {keys}</translation>
    </message>
    <message>
      <source>Stop control</source>
      <translation>제어 중지</translation>
    </message>
    <message>
      <source>Takes control back at once; sharing goes on. Shortcut: {keys} stops both</source>
      <translation>바로 제어를 되찾습니다. 공유는 계속됩니다. 단축키 {keys}는 둘 다 멈춥니다</translation>
    </message>
    <message>
      <source>agent</source>
      <translation>상담원</translation>
    </message>
    <message>
      <source>helper</source>
      <translation>도우미</translation>
    </message>
    <message>
      <source>supervisor</source>
      <translation>관리자</translation>
    </message>
    <message>
      <source>Your screen is being shared with {count} people:</source>
      <translation>화면을 {count}명과 공유하고 있습니다:</translation>
    </message>
    <message>
      <source>not verified</source>
      <translation>확인되지 않음</translation>
    </message>
    <message>
      <source>Remove</source>
      <translation>내보내기</translation>
    </message>
    <message>
      <source>{name} stops seeing your screen at once</source>
      <translation>{name} 님은 즉시 화면을 볼 수 없게 됩니다</translation>
    </message>
    <message>
      <source>{name} is controlling your computer. Your own mouse and keyboard come first.</source>
      <translation>{name} 님이 내 컴퓨터를 조작하고 있습니다. 내 마우스와 키보드가 우선합니다.</translation>
    </message>
    <message>
      <source>A protected window is in front ({what}): {name} cannot type or click until you leave it.</source>
      <translation>보호된 창이 앞에 있습니다({what}): 이 창을 벗어날 때까지 {name} 님은 입력하거나 클릭할 수 없습니다.</translation>
    </message>
    <message>
      <source>Sharing is paused. Nobody can see your screen.</source>
      <translation>공유가 일시 중지되었습니다. 아무도 화면을 볼 수 없습니다.</translation>
    </message>
    <message>
      <source>Resume</source>
      <translation>다시 공유</translation>
    </message>
    <message>
      <source>Connection lost. Reconnecting…</source>
      <translation>연결이 끊겼습니다. 다시 연결하는 중…</translation>
    </message>
    <message>
      <source>The agent's connection dropped. Waiting for them to come back…</source>
      <translation>상담원의 연결이 끊겼습니다. 다시 연결되기를 기다리는 중…</translation>
    </message>
  </context>
  <context>
    <name>SignInPage</name>
    <message>
      <source>Sign in to Assist</source>
      <translation>Assist 로그인</translation>
    </message>
    <message>
      <source>Use the agent token your administrator gave you. It is remembered on this computer, readable only by your user account.</source>
      <translation>관리자에게 받은 상담원 토큰을 사용하세요. 토큰은 이 컴퓨터에 저장되며 내 사용자 계정만 읽을 수 있습니다.</translation>
    </message>
    <message>
      <source>Paste your agent token</source>
      <translation>상담원 토큰을 붙여 넣으세요</translation>
    </message>
    <message>
      <source>Sign in</source>
      <translation>로그인</translation>
    </message>
    <message>
      <source>Relay address</source>
      <translation>중계 서버 주소</translation>
    </message>
    <message>
      <source>Agent token</source>
      <translation>상담원 토큰</translation>
    </message>
    <message>
      <source>Please paste your agent token.</source>
      <translation>상담원 토큰을 붙여 넣어 주세요.</translation>
    </message>
    <message>
      <source>Signing in…</source>
      <translation>로그인하는 중…</translation>
    </message>
  </context>
  <context>
    <name>StateCard</name>
    <message>
      <source>New session</source>
      <translation>새 세션</translation>
    </message>
    <message>
      <source>Don't wait for the rating</source>
      <translation>평가 기다리지 않기</translation>
    </message>
    <message>
      <source>Signed in as {who}</source>
      <translation>로그인: {who}</translation>
    </message>
  </context>
  <context>
    <name>StepsTab</name>
    <message>
      <source>Describe the next step…</source>
      <translation>다음 단계를 입력하세요…</translation>
    </message>
    <message>
      <source>Add step</source>
      <translation>단계 추가</translation>
    </message>
    <message>
      <source>The customer sees these steps. Tick a step when it is done; double-click to reword it.</source>
      <translation>고객에게 이 단계가 표시됩니다. 끝난 단계는 체크하고, 문구를 바꾸려면 두 번 클릭하세요.</translation>
    </message>
    <message>
      <source>Step {n}</source>
      <translation>{n}단계</translation>
    </message>
  </context>
  <context>
    <name>TextPrompt</name>
    <message>
      <source>Text mark</source>
      <translation>텍스트 표시</translation>
    </message>
    <message>
      <source>Text to show on the customer's screen:</source>
      <translation>고객 화면에 표시할 텍스트:</translation>
    </message>
  </context>
  <context>
    <name>WaitingWindow</name>
    <message>
      <source>Assist — waiting for an agent</source>
      <translation>Assist — 상담원 기다리는 중</translation>
    </message>
    <message>
      <source>{org} · {queue}</source>
      <translation>{org} · {queue}</translation>
    </message>
    <message>
      <source>What happens next</source>
      <translation>다음 순서</translation>
    </message>
    <message>
      <source>When an agent takes your request, Assist shows you their verified name and asks whether to share your screen. Nothing is shared before you say yes. You can keep using your computer meanwhile: Assist will let you know.</source>
      <translation>상담원이 요청을 받으면 확인된 상담원 이름을 보여 드리고 화면 공유 여부를 여쭙니다. 동의하기 전에는 아무것도 공유되지 않습니다. 기다리는 동안 컴퓨터를 계속 사용하셔도 됩니다. 차례가 되면 알려 드립니다.</translation>
    </message>
    <message>
      <source>Leave the queue</source>
      <translation>대기 취소</translation>
    </message>
    <message>
      <source>Call me back instead</source>
      <translation>대신 전화 받기</translation>
    </message>
    <message>
      <source>You are in the queue</source>
      <translation>대기 중입니다</translation>
    </message>
    <message>
      <source>Joining the queue…</source>
      <translation>대기열에 들어가는 중…</translation>
    </message>
    <message>
      <source>Waiting for your callback</source>
      <translation>콜백을 기다리는 중</translation>
    </message>
    <message>
      <source>Your callback is booked</source>
      <translation>콜백이 예약되었습니다</translation>
    </message>
    <message>
      <source>An agent will contact you here, {when}. Keep Assist open.</source>
      <translation>상담원이 {when}에 이곳으로 연락드립니다. Assist를 열어 두세요.</translation>
    </message>
    <message>
      <source>Stop waiting in the app</source>
      <translation>앱에서 기다리지 않기</translation>
    </message>
    <message>
      <source>The connection dropped. Reconnecting — you keep your place for a while.</source>
      <translation>연결이 끊겼습니다. 다시 연결하는 중이며, 잠시 동안 순서는 그대로 유지됩니다.</translation>
    </message>
    <message>
      <source>An agent is ready for you</source>
      <translation>상담원이 준비되었습니다</translation>
    </message>
    <message>
      <source>Checking who they are…</source>
      <translation>상담원 신원을 확인하는 중…</translation>
    </message>
  </context>
  <context>
    <name>errors</name>
    <message>
      <source>Something went wrong. Please try again.</source>
      <translation>문제가 생겼습니다. 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>The file did not arrive. Ask for it to be sent again.</source>
      <translation>파일이 도착하지 않았습니다. 다시 보내 달라고 요청하세요.</translation>
    </message>
    <message>
      <source>The file could not be saved in {folder}. Choose another folder and ask for the file again.</source>
      <translation>{folder}에 파일을 저장할 수 없습니다. 다른 폴더를 고르고 파일을 다시 요청하세요.</translation>
    </message>
    <message>
      <source>The file is {size}, more than the {limit} this computer accepts. Ask for a smaller file, or raise the limit in the settings.</source>
      <translation>파일 크기가 {size}로, 이 컴퓨터가 받는 {limit}보다 큽니다. 더 작은 파일을 요청하거나 설정에서 한도를 높이세요.</translation>
    </message>
    <message>
      <source>The file arrived damaged (its check did not match) and was not kept. Ask for it again.</source>
      <translation>파일이 손상되어 도착해(검사 값이 맞지 않음) 보관하지 않았습니다. 다시 요청하세요.</translation>
    </message>
    <message>
      <source>The file could not be read: {name}. Check that it still exists and try again.</source>
      <translation>파일을 읽을 수 없습니다: {name}. 파일이 아직 있는지 확인하고 다시 시도하세요.</translation>
    </message>
    <message>
      <source>The transfer was cancelled. Nothing was kept.</source>
      <translation>전송이 취소되었습니다. 아무것도 보관하지 않았습니다.</translation>
    </message>
    <message>
      <source>The other side did not accept the file.</source>
      <translation>상대방이 파일을 받지 않았습니다.</translation>
    </message>
    <message>
      <source>The connection dropped during the transfer. Nothing was kept; send it again.</source>
      <translation>전송 중에 연결이 끊겼습니다. 아무것도 보관하지 않았으니 다시 보내세요.</translation>
    </message>
    <message>
      <source>The session ended unexpectedly. Start a new session if you still need help.</source>
      <translation>세션이 예기치 않게 끝났습니다. 도움이 더 필요하면 새 세션을 시작하세요.</translation>
    </message>
    <message>
      <source>The other side left the session.</source>
      <translation>상대방이 세션을 나갔습니다.</translation>
    </message>
    <message>
      <source>The other side's connection dropped and did not come back.</source>
      <translation>상대방의 연결이 끊긴 뒤 다시 연결되지 않았습니다.</translation>
    </message>
    <message>
      <source>The customer removed you from the session. You no longer see their screen.</source>
      <translation>고객이 회원님을 세션에서 내보냈습니다. 이제 고객의 화면이 보이지 않습니다.</translation>
    </message>
    <message>
      <source>Your connection to the session dropped. Ask your colleague to invite you again.</source>
      <translation>세션 연결이 끊어졌습니다. 동료에게 다시 초대해 달라고 요청하세요.</translation>
    </message>
    <message>
      <source>The customer did not allow you into the session. Nothing was shared with you.</source>
      <translation>고객이 회원님의 세션 참여를 허락하지 않았습니다. 회원님에게 공유된 것은 없습니다.</translation>
    </message>
    <message>
      <source>The session ended.</source>
      <translation>세션이 끝났습니다.</translation>
    </message>
    <message>
      <source>The customer declined to share their screen.</source>
      <translation>고객이 화면 공유를 거절했습니다.</translation>
    </message>
    <message>
      <source>The customer stopped sharing.</source>
      <translation>고객이 화면 공유를 중지했습니다.</translation>
    </message>
    <message>
      <source>The agent ended the session.</source>
      <translation>상담원이 세션을 종료했습니다.</translation>
    </message>
    <message>
      <source>The relay closed the session: {reason}</source>
      <translation>중계 서버가 세션을 닫았습니다: {reason}</translation>
    </message>
    <message>
      <source>Someone else tried to join with this code, so the session was closed to keep the customer safe. Start a new session and read out the new code.</source>
      <translation>다른 누군가가 이 코드로 참여하려고 했기 때문에, 고객의 안전을 위해 세션을 닫았습니다. 새 세션을 시작하고 새 코드를 불러 주세요.</translation>
    </message>
    <message>
      <source>This computer's agent key ({path}) cannot be read. Move the file away and sign in again; then ask your admin to issue a certificate for the new key.</source>
      <translation>이 컴퓨터의 상담원 키({path})를 읽을 수 없습니다. 파일을 다른 곳으로 옮긴 뒤 다시 로그인하고, 관리자에게 새 키의 신분증 발급을 요청하세요.</translation>
    </message>
    <message>
      <source>The customer's app could not read your identity card, so the session ended. Ask your admin to check the organisation's Assist set-up.</source>
      <translation>고객의 앱이 상담원님의 신분증을 읽지 못해 세션이 끝났습니다. 관리자에게 기관의 Assist 설정 점검을 요청하세요.</translation>
    </message>
    <message>
      <source>The customer's app does not accept your identity card (it trusts another key for your organisation, or you have no card), so the session ended. Ask your admin.</source>
      <translation>고객의 앱이 상담원님의 신분증을 받아들이지 않아 세션이 끝났습니다(고객이 기관의 다른 키를 신뢰하거나, 신분증이 없습니다). 관리자에게 문의하세요.</translation>
    </message>
    <message>
      <source>The customer's app found that your identity card does not belong to this computer's key, so the session ended. Sign out and in again; if it keeps happening, ask your admin to issue a new card.</source>
      <translation>고객의 앱이 상담원님의 신분증이 이 컴퓨터의 키와 맞지 않는다고 판단해 세션이 끝났습니다. 로그아웃한 뒤 다시 로그인하세요. 계속 그러면 관리자에게 새 신분증 발급을 요청하세요.</translation>
    </message>
    <message>
      <source>The customer's app found your identity card expired, so the session ended. Sign out and in again to renew it, or ask your admin.</source>
      <translation>고객의 앱이 상담원님의 신분증이 만료되었다고 판단해 세션이 끝났습니다. 다시 로그인해 갱신하거나 관리자에게 문의하세요.</translation>
    </message>
    <message>
      <source>The customer's app found your identity card withdrawn, so the session ended. Ask your admin.</source>
      <translation>고객의 앱이 상담원님의 신분증이 취소되었다고 판단해 세션이 끝났습니다. 관리자에게 문의하세요.</translation>
    </message>
    <message>
      <source>The customer's app needs a newer list of withdrawn cards than the relay gave you, so the session ended. Ask your admin to publish one (assist-relay org crl).</source>
      <translation>고객의 앱에는 중계 서버가 준 것보다 최신의 취소 목록이 필요해 세션이 끝났습니다. 관리자에게 새 목록 게시를 요청하세요(assist-relay org crl).</translation>
    </message>
    <message>
      <source>Nobody is waiting in your queues right now, or that customer was just taken by someone else or left.</source>
      <translation>지금 담당 창구에서 기다리는 고객이 없습니다. 또는 그 고객을 방금 다른 상담원이 맡았거나 고객이 나갔습니다.</translation>
    </message>
    <message>
      <source>The desk no longer has that queue. Please choose one from the list again.</source>
      <translation>그 상담 창구는 더 이상 없습니다. 목록에서 다시 골라 주세요.</translation>
    </message>
    <message>
      <source>The desk is closed now and opens {opens}. Leave a request and an agent will contact you then.</source>
      <translation>지금은 상담 시간이 아닙니다. {opens}에 다시 엽니다. 연락 요청을 남겨 주시면 그때 상담원이 연락드립니다.</translation>
    </message>
    <message>
      <source>Too many people are waiting in this queue right now. Leave a request and an agent will contact you.</source>
      <translation>지금 이 창구에 기다리는 분이 너무 많습니다. 연락 요청을 남겨 주시면 상담원이 연락드립니다.</translation>
    </message>
    <message>
      <source>This computer cannot ask this desk for help at the moment. Please contact the organisation another way.</source>
      <translation>지금은 이 컴퓨터에서 이 상담 창구에 도움을 요청할 수 없습니다. 다른 방법으로 해당 기관에 문의해 주세요.</translation>
    </message>
    <message>
      <source>This computer is already waiting for help. Keep that window open: you keep your place in the queue.</source>
      <translation>이 컴퓨터에서 이미 도움을 기다리고 있습니다. 그 창을 열어 두시면 대기 순서가 그대로 유지됩니다.</translation>
    </message>
    <message>
      <source>You were away too long and lost your place in the queue. Please ask for help again.</source>
      <translation>연결이 너무 오래 끊겨 대기 순서를 잃었습니다. 다시 도움을 요청해 주세요.</translation>
    </message>
    <message>
      <source>Too many requests from this computer. Please wait a minute and try again.</source>
      <translation>이 컴퓨터에서 요청이 너무 많습니다. 1분 뒤에 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>This relay has no help desk. Ask the organisation for a code instead.</source>
      <translation>이 릴레이에는 상담 창구가 없습니다. 기관에 코드를 요청해 주세요.</translation>
    </message>
    <message>
      <source>Please give a phone number or an e-mail address to be called on.</source>
      <translation>연락받을 전화번호나 이메일 주소를 적어 주세요.</translation>
    </message>
    <message>
      <source>That callback request is no longer open (an agent may have called already). Please ask for help again.</source>
      <translation>이 콜백 요청은 더 이상 유효하지 않습니다(상담원이 이미 연락했을 수 있습니다). 다시 도움을 요청해 주세요.</translation>
    </message>
    <message>
      <source>The desk cannot keep your request right now. Please try again in a few minutes.</source>
      <translation>지금은 요청을 접수할 수 없습니다. 몇 분 뒤에 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>That time can no longer be chosen. Please pick one of the times shown now.</source>
      <translation>그 시간은 더 이상 고를 수 없습니다. 지금 보이는 시간 중에서 골라 주세요.</translation>
    </message>
    <message>
      <source>That time is fully booked. Please pick another one.</source>
      <translation>그 시간은 예약이 다 찼습니다. 다른 시간을 골라 주세요.</translation>
    </message>
    <message>
      <source>You are already helping as many customers as your desk allows. Finish a session first.</source>
      <translation>이미 데스크에서 허용하는 만큼 고객을 돕고 있습니다. 진행 중인 상담을 먼저 마쳐 주세요.</translation>
    </message>
    <message>
      <source>You are set to Away. Set yourself Available to take customers.</source>
      <translation>지금 '자리 비움' 상태입니다. 고객을 받으려면 상태를 '상담 가능'으로 바꾸세요.</translation>
    </message>
    <message>
      <source>That customer is waiting in a queue your team does not serve.</source>
      <translation>그 고객은 소속 팀이 담당하지 않는 창구에서 기다리고 있습니다.</translation>
    </message>
    <message>
      <source>That callback request is no longer open: another agent may have recorded it.</source>
      <translation>이 콜백 요청은 이미 처리되었습니다. 다른 상담원이 결과를 기록했을 수 있습니다.</translation>
    </message>
    <message>
      <source>Only a customer who asked from the queue can be flagged: this session has no installation to keep the flag with.</source>
      <translation>대기열에서 도움을 요청한 고객만 표시할 수 있습니다. 이 상담에는 표시를 남길 설치 정보가 없습니다.</translation>
    </message>
    <message>
      <source>Only a supervisor can block a customer from the queues. Ask your supervisor.</source>
      <translation>고객의 대기열 이용 차단은 관리자만 할 수 있습니다. 관리자에게 요청하세요.</translation>
    </message>
    <message>
      <source>Only a customer who asked from the queue can be blocked: this session has no installation to block.</source>
      <translation>대기열에서 도움을 요청한 고객만 차단할 수 있습니다. 이 상담에는 차단할 설치 정보가 없습니다.</translation>
    </message>
    <message>
      <source>{name}'s request to join could not be checked (it is not signed by their key, or it was made for another session), so they were not let in. Ask them to accept the invitation again.</source>
      <translation>{name} 님의 참여 요청을 확인할 수 없어(본인의 키로 서명되지 않았거나 다른 세션을 위한 요청입니다) 들어오지 못했습니다. 초대를 다시 수락해 달라고 요청하세요.</translation>
    </message>
    <message>
      <source>{name}'s identity card is not from your organisation, or is out of date, so they were not let in. Ask your admin.</source>
      <translation>{name} 님의 신분증이 우리 조직에서 발급한 것이 아니거나 기한이 지나 들어오지 못했습니다. 관리자에게 문의하세요.</translation>
    </message>
    <message>
      <source>The answer to your invitation was not signed by the agent who invited you, so Assist did not join the session. Ask them to invite you again.</source>
      <translation>초대에 대한 응답이 회원님을 초대한 상담원의 서명이 아니어서 Assist가 세션에 참여하지 않았습니다. 다시 초대해 달라고 요청하세요.</translation>
    </message>
    <message>
      <source>The session already has as many helpers as your desk allows, so {name} could not join. Someone must leave first.</source>
      <translation>이 세션에는 이미 상담 창구가 허용하는 만큼의 도우미가 있어 {name} 님이 참여할 수 없습니다. 먼저 누군가 나가야 합니다.</translation>
    </message>
    <message>
      <source>The helper's identity card could not be read. Assist stopped before sharing anything. Ask the organisation to check its Assist set-up.</source>
      <translation>상담원의 신분증을 읽을 수 없습니다. 아무것도 공유하기 전에 Assist를 멈췄습니다. 해당 기관에 Assist 설정 점검을 요청하세요.</translation>
    </message>
    <message>
      <source>The helper's identity card is not signed by the organisation it names. Assist stopped before sharing anything. Do not continue: hang up and call {org} on a number you know.</source>
      <translation>상담원의 신분증이 적힌 기관의 서명을 받지 않았습니다. 아무것도 공유하기 전에 Assist를 멈췄습니다. 계속하지 마세요. 전화를 끊고 알고 있는 번호로 {org}에 전화하세요.</translation>
    </message>
    <message>
      <source>The helper says they are from {org}, but their card is not signed with the key this computer trusts for {org}. Assist stopped before sharing anything. Do not continue: hang up and call {org} on a number you know.</source>
      <translation>상담원은 {org} 소속이라고 하지만, 신분증이 이 컴퓨터가 신뢰하는 {org}의 키로 서명되어 있지 않습니다. 아무것도 공유하기 전에 Assist를 멈췄습니다. 계속하지 마세요. 전화를 끊고 알고 있는 번호로 {org}에 전화하세요.</translation>
    </message>
    <message>
      <source>The helper says they are from {org}, which this computer trusts, but could not prove it. Assist stopped before sharing anything. Do not continue: hang up and call {org} on a number you know.</source>
      <translation>상담원은 이 컴퓨터가 신뢰하는 {org} 소속이라고 하지만 이를 증명하지 못했습니다. 아무것도 공유하기 전에 Assist를 멈췄습니다. 계속하지 마세요. 전화를 끊고 알고 있는 번호로 {org}에 전화하세요.</translation>
    </message>
    <message>
      <source>The helper's identity card belongs to someone else or to another session. Assist stopped before sharing anything. Do not continue: hang up and call {org} on a number you know.</source>
      <translation>상담원의 신분증이 다른 사람이나 다른 세션의 것입니다. 아무것도 공유하기 전에 Assist를 멈췄습니다. 계속하지 마세요. 전화를 끊고 알고 있는 번호로 {org}에 전화하세요.</translation>
    </message>
    <message>
      <source>The helper's identity card has expired or is not valid yet. Assist stopped before sharing anything. Ask them to sign in again; if it keeps happening, check this computer's date and time.</source>
      <translation>상담원의 신분증이 만료되었거나 아직 유효하지 않습니다. 아무것도 공유하기 전에 Assist를 멈췄습니다. 상담원에게 다시 로그인해 달라고 하세요. 계속 그러면 이 컴퓨터의 날짜와 시간을 확인하세요.</translation>
    </message>
    <message>
      <source>The organisation has withdrawn this helper's identity card. Assist stopped before sharing anything. Do not continue: hang up and call {org} on a number you know.</source>
      <translation>기관이 이 상담원의 신분증을 취소했습니다. 아무것도 공유하기 전에 Assist를 멈췄습니다. 계속하지 마세요. 전화를 끊고 알고 있는 번호로 {org}에 전화하세요.</translation>
    </message>
    <message>
      <source>Assist could not get a recent list of withdrawn cards from {org}, so it cannot confirm this helper. Assist stopped before sharing anything. Try again later, or call {org} on a number you know.</source>
      <translation>{org}의 최신 취소 목록을 받지 못해 이 상담원을 확인할 수 없습니다. 아무것도 공유하기 전에 Assist를 멈췄습니다. 나중에 다시 시도하거나, 알고 있는 번호로 {org}에 전화하세요.</translation>
    </message>
    <message>
      <source>The connection to the relay was lost. Check your internet connection and try again.</source>
      <translation>중계 서버와의 연결이 끊겼습니다. 인터넷 연결을 확인한 뒤 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>Could not reach the relay at {url}. Check your internet connection and the relay address, then try again.</source>
      <translation>중계 서버({url})에 연결할 수 없습니다. 인터넷 연결과 서버 주소를 확인한 뒤 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>The relay at {url} tried to send Assist on to {target}, which is not part of the same service, so Assist did not go there. Tell your admin.</source>
      <translation>{url} 중계 서버가 Assist를 {target}(으)로 보내려 했지만, 같은 서비스에 속한 주소가 아니어서 Assist는 그곳으로 가지 않았습니다. 관리자에게 알려 주세요.</translation>
    </message>
    <message>
      <source>The relay at {url} kept sending Assist from one server to another. Try again in a minute; if it keeps happening, tell your admin.</source>
      <translation>{url} 중계 서버가 Assist를 이 서버에서 저 서버로 계속 보냈습니다. 1분 뒤에 다시 시도해 주세요. 계속 그러면 관리자에게 알려 주세요.</translation>
    </message>
    <message>
      <source>The relay at {url} could not prove who it is, so Assist did not connect. Ask your admin to check the relay's certificate.</source>
      <translation>{url}의 릴레이가 자신이 누구인지 증명하지 못해 Assist가 연결하지 않았습니다. 관리자에게 릴레이 인증서를 확인해 달라고 요청하세요.</translation>
    </message>
    <message>
      <source>The relay at {url} has a certificate this computer does not trust, so Assist did not connect. Ask your admin for the right certificate authority file (--ca-file).</source>
      <translation>{url}의 릴레이 인증서를 이 컴퓨터가 신뢰하지 않아 Assist가 연결하지 않았습니다. 관리자에게 올바른 인증 기관 파일(--ca-file)을 요청하세요.</translation>
    </message>
    <message>
      <source>The relay's certificate has expired or is not valid yet, so Assist did not connect. Check that this computer's date and time are right; if they are, tell your admin.</source>
      <translation>릴레이 인증서가 만료되었거나 아직 유효하지 않아 Assist가 연결하지 않았습니다. 이 컴퓨터의 날짜와 시간이 맞는지 확인하세요. 맞다면 관리자에게 알려 주세요.</translation>
    </message>
    <message>
      <source>The relay's certificate is for another server name than {host}, so Assist did not connect. Check the relay address, or tell your admin.</source>
      <translation>릴레이 인증서가 {host}가 아닌 다른 서버 이름으로 발급되어 Assist가 연결하지 않았습니다. 릴레이 주소를 확인하거나 관리자에게 알려 주세요.</translation>
    </message>
    <message>
      <source>The relay at {url} is not the one this computer was set up for (its key does not match the pinned key), so Assist did not connect. Tell your admin at once.</source>
      <translation>{url}의 릴레이는 이 컴퓨터에 설정된 릴레이가 아닙니다(키가 고정된 키와 다릅니다). 그래서 Assist가 연결하지 않았습니다. 즉시 관리자에게 알려 주세요.</translation>
    </message>
    <message>
      <source>The relay at {url} does not speak TLS on that port, so Assist did not connect. Check the address and port with your admin.</source>
      <translation>{url}의 릴레이가 그 포트에서 TLS를 사용하지 않아 Assist가 연결하지 않았습니다. 관리자와 주소와 포트를 확인하세요.</translation>
    </message>
    <message>
      <source>The certificate authority file {path} could not be read: {why}. Check the path given with --ca-file or ca_file.</source>
      <translation>인증 기관 파일 {path}을(를) 읽을 수 없습니다: {why}. --ca-file 또는 ca_file에 지정한 경로를 확인하세요.</translation>
    </message>
    <message>
      <source>Assist ran into an unexpected problem and had to stop the session. Please start again; the details were written to the log file.</source>
      <translation>Assist에 예기치 않은 문제가 생겨 세션을 중지해야 했습니다. 다시 시작해 주세요. 자세한 내용은 로그 파일에 기록되었습니다.</translation>
    </message>
    <message>
      <source>The relay had an internal problem. Try again in a minute.</source>
      <translation>중계 서버에 내부 문제가 생겼습니다. 1분 뒤에 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>The secure connection failed. Ask the agent for a new code.</source>
      <translation>보안 연결에 실패했습니다. 상담원에게 새 코드를 요청하세요.</translation>
    </message>
    <message>
      <source>This session has run for so long that it must be renewed. Start a new session with a new code.</source>
      <translation>세션이 너무 오래 이어져 새로 시작해야 합니다. 새 코드로 새 세션을 시작하세요.</translation>
    </message>
    <message>
      <source>The connection dropped and the session could not be picked up again. Start a new session and give the customer the new code.</source>
      <translation>연결이 끊겨 세션을 이어갈 수 없었습니다. 새 세션을 시작하고 고객에게 새 코드를 알려 주세요.</translation>
    </message>
    <message>
      <source>The connection dropped and the session could not be picked up again. If you still need help, contact the support desk again and ask the agent for a new code.</source>
      <translation>연결이 끊겨 세션을 이어갈 수 없었습니다. 아직 도움이 필요하면 지원 센터에 다시 연락해 상담원에게 새 코드를 요청해 주세요.</translation>
    </message>
    <message>
      <source>The relay stopped answering, so the session could not be picked up again. When the relay is back, start a new session and give the customer the new code.</source>
      <translation>릴레이가 응답하지 않아 세션을 이어갈 수 없었습니다. 릴레이가 다시 동작하면 새 세션을 시작하고 고객에게 새 코드를 알려 주세요.</translation>
    </message>
    <message>
      <source>The relay stopped answering, so the session could not be picked up again. If you still need help, contact the support desk again and ask the agent for a new code.</source>
      <translation>릴레이가 응답하지 않아 세션을 이어갈 수 없었습니다. 아직 도움이 필요하면 지원 센터에 다시 연락해 상담원에게 새 코드를 요청해 주세요.</translation>
    </message>
    <message>
      <source>The connection was tampered with or damaged on the way, so it was closed to keep you safe. Start a new session with a new code.</source>
      <translation>연결이 중간에 변조되었거나 손상되어 안전을 위해 닫았습니다. 새 코드로 새 세션을 시작하세요.</translation>
    </message>
    <message>
      <source>The code did not match. Ask the agent to read it again; a new code is needed.</source>
      <translation>코드가 일치하지 않습니다. 상담원에게 다시 불러 달라고 하세요. 새 코드가 필요합니다.</translation>
    </message>
    <message>
      <source>The other side sent a message this version of Assist does not understand. Make sure both sides run an up-to-date Assist.</source>
      <translation>상대방이 이 버전의 Assist가 이해하지 못하는 메시지를 보냈습니다. 양쪽 모두 최신 Assist를 사용하는지 확인하세요.</translation>
    </message>
    <message>
      <source>The other side uses protocol version {theirs}; this Assist speaks version {ours}. Update Assist and try again.</source>
      <translation>상대방은 프로토콜 버전 {theirs}을(를) 쓰고, 이 Assist는 버전 {ours}을(를) 씁니다. Assist를 업데이트한 뒤 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>The relay address is not valid. Ask your support desk for the right address.</source>
      <translation>릴레이 주소가 올바르지 않습니다. 지원 센터에 올바른 주소를 요청하세요.</translation>
    </message>
    <message>
      <source>No relay address is set. Ask your support desk for it; it looks like {example}.</source>
      <translation>릴레이 주소가 설정되어 있지 않습니다. 지원 센터에 요청하세요. {example} 같은 형태입니다.</translation>
    </message>
    <message>
      <source>The relay address '{address}' has a space in it. Type it again without spaces, like {example}.</source>
      <translation>릴레이 주소 '{address}'에 공백이 있습니다. {example}처럼 공백 없이 다시 입력하세요.</translation>
    </message>
    <message>
      <source>'{address}' is a web address, not a relay address. Relay addresses start with wss://, like {example}.</source>
      <translation>'{address}'는 웹 주소이며 릴레이 주소가 아닙니다. 릴레이 주소는 {example}처럼 wss://로 시작합니다.</translation>
    </message>
    <message>
      <source>The relay address '{address}' starts with '{scheme}://'. Relay addresses start with wss://, like {example}.</source>
      <translation>릴레이 주소 '{address}'가 '{scheme}://'로 시작합니다. 릴레이 주소는 {example}처럼 wss://로 시작합니다.</translation>
    </message>
    <message>
      <source>The port in the relay address '{address}' is not a number from 1 to 65535. Check the address, like {example}.</source>
      <translation>릴레이 주소 '{address}'의 포트가 1부터 65535 사이의 숫자가 아닙니다. {example}처럼 주소를 확인하세요.</translation>
    </message>
    <message>
      <source>The relay address '{address}' has a user name in it, which relays do not use. Type it like {example}.</source>
      <translation>릴레이 주소 '{address}'에 사용자 이름이 들어 있지만 릴레이는 사용자 이름을 쓰지 않습니다. {example}처럼 입력하세요.</translation>
    </message>
    <message>
      <source>The relay address '{address}' has no valid server name in it. Type it like {example}.</source>
      <translation>릴레이 주소 '{address}'에 올바른 서버 이름이 없습니다. {example}처럼 입력하세요.</translation>
    </message>
    <message>
      <source>The relay address '{address}' has extra parts after the server name. Type it like {example}.</source>
      <translation>릴레이 주소 '{address}'의 서버 이름 뒤에 불필요한 부분이 있습니다. {example}처럼 입력하세요.</translation>
    </message>
    <message>
      <source>The relay address '{address}' starts with ws://, which is not encrypted. Use wss:// instead, like {example}.</source>
      <translation>릴레이 주소 '{address}'가 암호화되지 않는 ws://로 시작합니다. {example}처럼 wss://를 사용하세요.</translation>
    </message>
    <message>
      <source>The pinned relay key '{pin}' is not a SHA-256 pin like sha256/ followed by 44 characters. Check --pin or pin in the settings file.</source>
      <translation>고정된 릴레이 키 '{pin}'는 sha256/ 뒤에 44자가 오는 SHA-256 핀 형식이 아닙니다. --pin 또는 설정 파일의 pin을 확인하세요.</translation>
    </message>
    <message>
      <source>That is not a valid code. Check the digits and type it again.</source>
      <translation>올바른 코드가 아닙니다. 숫자를 확인하고 다시 입력해 주세요.</translation>
    </message>
    <message>
      <source>Please type the code the agent gave you.</source>
      <translation>상담원이 알려 준 코드를 입력해 주세요.</translation>
    </message>
    <message>
      <source>'{char}' is not a digit. A code has digits only, like 482-519-309.</source>
      <translation>'{char}'은(는) 숫자가 아닙니다. 코드는 482-519-309처럼 숫자로만 되어 있습니다.</translation>
    </message>
    <message>
      <source>The code is too short: it has {count} digits, a code has at least 9.</source>
      <translation>코드가 너무 짧습니다. 입력한 숫자는 {count}자리이고, 코드는 9자리 이상입니다.</translation>
    </message>
    <message>
      <source>The code is too long: it has {count} digits, a code has at most {limit}.</source>
      <translation>코드가 너무 깁니다. 입력한 숫자는 {count}자리이고, 코드는 최대 {limit}자리입니다.</translation>
    </message>
    <message>
      <source>The code has {count} digits, but codes come in groups of three. Check it and type it again.</source>
      <translation>입력한 숫자는 {count}자리인데, 코드는 세 자리씩 묶여 있습니다. 확인하고 다시 입력해 주세요.</translation>
    </message>
    <message>
      <source>That code has a typo. Please check it with the agent and type it again.</source>
      <translation>코드에 잘못 입력된 숫자가 있습니다. 상담원과 코드를 다시 확인하고 입력해 주세요.</translation>
    </message>
    <message>
      <source>The relay did not understand this app. Make sure you run an up-to-date Assist.</source>
      <translation>중계 서버가 이 앱을 이해하지 못했습니다. 최신 Assist를 사용하는지 확인하세요.</translation>
    </message>
    <message>
      <source>This Assist is too old or too new for the relay. Update Assist.</source>
      <translation>이 Assist는 중계 서버와 버전이 맞지 않습니다. Assist를 업데이트하세요.</translation>
    </message>
    <message>
      <source>The relay did not accept your agent token. Check the token, or ask your admin for a new one.</source>
      <translation>중계 서버가 상담원 토큰을 받아들이지 않았습니다. 토큰을 확인하거나 관리자에게 새 토큰을 요청하세요.</translation>
    </message>
    <message>
      <source>Only a registered agent can do that. Sign in with your token.</source>
      <translation>등록된 상담원만 할 수 있습니다. 토큰으로 로그인하세요.</translation>
    </message>
    <message>
      <source>No session is waiting for that code. Check the code, or ask the agent for a new one.</source>
      <translation>그 코드로 기다리는 세션이 없습니다. 코드를 확인하거나 상담원에게 새 코드를 요청하세요.</translation>
    </message>
    <message>
      <source>That session is already in use by someone else. Ask the agent for a new code.</source>
      <translation>그 세션은 이미 다른 사람이 사용 중입니다. 상담원에게 새 코드를 요청하세요.</translation>
    </message>
    <message>
      <source>That code has expired. Ask the agent for a new code.</source>
      <translation>코드가 만료되었습니다. 상담원에게 새 코드를 요청하세요.</translation>
    </message>
    <message>
      <source>Too many attempts. Wait a minute, then try again.</source>
      <translation>시도가 너무 많습니다. 1분 기다린 뒤 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>The relay is full right now. Try again in a few minutes, or tell your admin.</source>
      <translation>지금은 중계 서버가 가득 찼습니다. 몇 분 뒤에 다시 시도하거나 관리자에게 알려 주세요.</translation>
    </message>
    <message>
      <source>A message was too large for the relay. The session was closed.</source>
      <translation>메시지가 중계 서버가 받을 수 있는 크기보다 커서 세션을 닫았습니다.</translation>
    </message>
    <message>
      <source>This session used up the data the relay allows. Start a new session to go on.</source>
      <translation>이 세션이 중계 서버가 허용하는 데이터를 모두 사용했습니다. 계속하려면 새 세션을 시작하세요.</translation>
    </message>
    <message>
      <source>The connection dropped and the session could not be picked up again. Start a new session with a new code.</source>
      <translation>연결이 끊겨 세션을 이어갈 수 없습니다. 새 코드로 새 세션을 시작하세요.</translation>
    </message>
    <message>
      <source>The relay is shutting down for maintenance. Try again in a few minutes.</source>
      <translation>릴레이가 점검을 위해 종료되는 중입니다. 몇 분 후에 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>The relay closed the connection because nothing arrived in time.</source>
      <translation>제시간에 아무것도 도착하지 않아 중계 서버가 연결을 닫았습니다.</translation>
    </message>
    <message>
      <source>Too many connections from your network. Wait a minute, then try again.</source>
      <translation>사용 중인 네트워크에서 연결이 너무 많습니다. 1분 기다린 뒤 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>Someone else tried this code, so it was closed to keep you safe. Ask the agent for a new code.</source>
      <translation>다른 누군가가 이 코드를 시도했기 때문에, 안전을 위해 코드를 닫았습니다. 상담원에게 새 코드를 요청해 주세요.</translation>
    </message>
    <message>
      <source>The relay has too many connections right now. Try again in a minute; if it keeps happening, tell the support desk.</source>
      <translation>지금 릴레이에 연결이 너무 많습니다. 1분 후에 다시 시도해 주세요. 계속 이런 일이 생기면 지원 센터에 알려 주세요.</translation>
    </message>
    <message>
      <source>Your organisation requires an identity card for every agent, and this computer has none yet. Ask your admin to issue one (assist-relay org issue), then sign in again.</source>
      <translation>기관이 모든 상담원에게 신분증을 요구하는데, 이 컴퓨터에는 아직 없습니다. 관리자에게 발급을 요청한 뒤(assist-relay org issue) 다시 로그인하세요.</translation>
    </message>
    <message>
      <source>Your identity card has expired. Ask your admin to renew it (assist-relay org issue), then sign in again.</source>
      <translation>신분증이 만료되었습니다. 관리자에게 갱신을 요청한 뒤(assist-relay org issue) 다시 로그인하세요.</translation>
    </message>
    <message>
      <source>Your identity card on this computer was withdrawn, so you cannot sign in. Ask your admin.</source>
      <translation>이 컴퓨터의 신분증이 취소되어 로그인할 수 없습니다. 관리자에게 문의하세요.</translation>
    </message>
    <message>
      <source>The relay cannot check sign-ins or codes right now (it cannot reach its database). Sessions already running go on. Try again in a minute; if it keeps happening, tell your admin.</source>
      <translation>중계 서버가 지금은 로그인이나 코드를 확인할 수 없습니다(데이터베이스에 연결할 수 없음). 이미 진행 중인 세션은 계속됩니다. 1분 뒤에 다시 시도해 주세요. 계속 그러면 관리자에게 알려 주세요.</translation>
    </message>
    <message>
      <source>That invitation is no longer valid: the session ended, or it was withdrawn or timed out. Ask your colleague to invite you again.</source>
      <translation>그 초대는 더 이상 유효하지 않습니다. 세션이 끝났거나, 초대가 취소되었거나, 시간이 지났습니다. 동료에게 다시 초대해 달라고 요청하세요.</translation>
    </message>
    <message>
      <source>The session already has as many people as your desk allows. Someone must leave before you can join.</source>
      <translation>이 세션에는 이미 상담 창구가 허용하는 인원이 모두 있습니다. 누군가 나가야 참여할 수 있습니다.</translation>
    </message>
    <message>
      <source>Not encrypted: the connection to the relay is not protected by TLS, so people on the network can see who connects. Use this only for testing.</source>
      <translation>암호화되지 않음: 릴레이와의 연결이 TLS로 보호되지 않아, 같은 네트워크의 다른 사람이 누가 연결하는지 볼 수 있습니다. 시험용으로만 사용하세요.</translation>
    </message>
  </context>
</TS>
