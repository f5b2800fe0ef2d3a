<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR" sourcelanguage="en_US">
  <context>
    <name>errors</name>
    <message>
      <source>Something went wrong. Please try again.</source>
      <translation>문제가 생겼습니다. 다시 시도해 주세요.</translation>
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
      <source>The connection to the relay was lost. Check your internet connection and try again.</source>
      <translation>중계 서버와의 연결이 끊겼습니다. 인터넷 연결을 확인한 뒤 다시 시도해 주세요.</translation>
    </message>
    <message>
      <source>Could not reach the relay at {url}. Check your internet connection and the relay address, then try again.</source>
      <translation>중계 서버({url})에 연결할 수 없습니다. 인터넷 연결과 서버 주소를 확인한 뒤 다시 시도해 주세요.</translation>
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
      <source>The connection dropped and the session could not be picked up again. Start a new session with a new code.</source>
      <translation>연결이 끊겨 세션을 이어갈 수 없습니다. 새 코드로 새 세션을 시작하세요.</translation>
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
      <source>That is not a valid code. Check the digits and type it again.</source>
      <translation>올바른 코드가 아닙니다. 숫자를 확인하고 다시 입력해 주세요.</translation>
    </message>
    <message>
      <source>Please type the code the agent gave you.</source>
      <translation>상담원이 알려 준 코드를 입력해 주세요.</translation>
    </message>
    <message>
      <source>'{char}' is not a digit. A code has digits only, like 482-519-307.</source>
      <translation>'{char}'은(는) 숫자가 아닙니다. 코드는 482-519-307처럼 숫자로만 되어 있습니다.</translation>
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
      <source>The relay is shutting down for maintenance. Start a new session in a few minutes.</source>
      <translation>중계 서버가 점검을 위해 종료 중입니다. 몇 분 뒤에 새 세션을 시작하세요.</translation>
    </message>
    <message>
      <source>The relay closed the connection because nothing arrived in time.</source>
      <translation>제시간에 아무것도 도착하지 않아 중계 서버가 연결을 닫았습니다.</translation>
    </message>
    <message>
      <source>Too many connections from your network. Wait a minute, then try again.</source>
      <translation>사용 중인 네트워크에서 연결이 너무 많습니다. 1분 기다린 뒤 다시 시도해 주세요.</translation>
    </message>
  </context>
</TS>
