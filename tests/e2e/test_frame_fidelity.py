"""What the agent sees is what the customer's screen shows: PSNR on a text-heavy screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.e2e.conftest import MIN_PSNR_DB, SCREEN, Apps, Relay, grab, psnr, showing

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]

_FONTS = Path("/usr/share/fonts/truetype")
_PROSE = (
    "To reset your network settings, open Settings, choose Network and Internet, then "
    "Advanced network settings. Select Network reset and confirm; your computer restarts "
    "and forgets saved Wi-Fi networks, VPN connections and proxy settings. Write down your "
    "Wi-Fi password first. If the problem persists, note the error code shown in the status "
    "bar (for example 0x80070035) and read it to the agent. "
)
_KOREAN = "네트워크 설정을 초기화하려면 설정을 열고 네트워크 및 인터넷을 선택하세요. "


def _font(name: str, size: int) -> Any:
    path = _FONTS / name
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Any, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    return [*lines, line]


def text_screen(path: Path, width: int, height: int) -> Path:
    """A help page: headings, prose at 9-16 px, a code listing, a table, Korean, colour."""
    img = Image.new("RGB", (width, height), (250, 250, 247))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, width, 44), fill=(32, 56, 92))
    d.text(
        (16, 8),
        "Assist help · Network troubleshooting",
        fill="white",
        font=_font("dejavu/DejaVuSans-Bold.ttf", 24),
    )
    col_w, gap = (width - 64) // 3, 16
    for col in range(3):
        x, y = 16 + col * (col_w + gap), 56
        for size in (16, 13, 11, 9):
            d.text(
                (x, y),
                f"{size} px text, section {col + 1}",
                fill=(20, 20, 20),
                font=_font("dejavu/DejaVuSans-Bold.ttf", size + 3),
            )
            y += size + 10
            font = _font("dejavu/DejaVuSerif.ttf" if col == 1 else "dejavu/DejaVuSans.ttf", size)
            for line in _wrap(d, _PROSE * 2, font, col_w)[:5]:
                d.text((x, y), line, fill=(40, 40, 40), font=font)
                y += size + 4
            y += 6
    y = 520
    d.rectangle((16, y, 16 + col_w * 2, height - 16), fill=(30, 30, 34))
    mono = _font("dejavu/DejaVuSansMono.ttf", 12)
    code = [
        "$ ip -br addr show",
        "lo      UNKNOWN  127.0.0.1/8 ::1/128",
        "wlp2s0  UP       192.168.1.23/24 fe80::a00:27ff:fe4e:66a1/64",
        "$ resolvectl status | grep 'DNS Servers'",
        "       DNS Servers: 192.168.1.1 1.1.1.1",
        "$ ping -c 3 relay.example.org",
        "64 bytes from 203.0.113.7: icmp_seq=1 ttl=54 time=18.4 ms",
        "64 bytes from 203.0.113.7: icmp_seq=2 ttl=54 time=17.9 ms",
        "--- relay.example.org ping statistics: 3 packets, 0% loss ---",
        "$ systemctl restart NetworkManager && nmcli device wifi list",
        "IN-USE  SSID          MODE   CHAN  RATE        SIGNAL  BARS  SECURITY",
        "*       HomeNet-5G    Infra  36    540 Mbit/s  82      ▂▄▆█  WPA2",
        "        Neighbour     Infra  6     130 Mbit/s  41      ▂▄__  WPA1 WPA2",
        "        CoffeeShop    Infra  11    65 Mbit/s   23      ▂___  --",
    ]
    for i, line in enumerate(code):
        colour = (120, 220, 120) if line.startswith("$") else (225, 225, 225)
        d.text((26, y + 10 + i * 17), line, fill=colour, font=mono)
    x = 32 + col_w * 2
    table = _font("dejavu/DejaVuSans.ttf", 11)
    for i, row in enumerate(
        [("Setting", "Value")] + [(f"Option {n:02d}", f"{n * 37 % 1000} ms") for n in range(12)]
    ):
        fill = (226, 232, 240) if i % 2 else (255, 255, 255)
        d.rectangle((x, y + i * 18, width - 16, y + (i + 1) * 18), fill=fill)
        d.text((x + 6, y + 3 + i * 18), row[0], fill=(10, 10, 10), font=table)
        d.text((x + col_w // 2, y + 3 + i * 18), row[1], fill=(160, 20, 20), font=table)
    korean = _font("nanum/NanumGothic.ttf", 13)
    for i, line in enumerate(_wrap(d, _KOREAN * 3, korean, col_w - 20)[:2]):
        d.text((x, height - 40 + i * 16), line, fill=(0, 70, 160), font=korean)
    img.save(path)
    return path


def test_the_agents_frame_matches_a_text_heavy_screen(
    display: str, relay: Relay, apps: Apps, tmp_path: Path
) -> None:
    saved = tmp_path / "agent-frame.png"
    with showing(display, text_screen(tmp_path / "screen.png", *SCREEN)) as shown:
        before = grab(display)
        agent, code = apps.agent(
            relay.url, relay.token, "--duration", "3", "--save-frame", str(saved)
        )
        customer = apps.customer(relay.url, code)
        assert agent.wait_exit() == 0, agent
        assert customer.wait_exit() == 0, customer
        after = grab(display)
    assert np.array_equal(before, after), "the screen changed during the session"
    assert np.array_equal(after, shown)
    assert saved.exists(), agent
    frame = np.asarray(Image.open(saved).convert("RGB"))
    assert frame.shape == after.shape
    value = psnr(frame, after)
    print(f"PSNR {value:.2f} dB")
    assert value >= MIN_PSNR_DB, f"PSNR {value:.2f} dB"
