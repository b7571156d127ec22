"""The printable card (上门服务证) as a PNG: Chinese text (Pillow with a CJK font) and the QR code (segno).

The font is found through fontconfig (``fc-match``), as any desktop program finds one; where fontconfig is
not installed, Debian's ``fonts-noto-cjk`` file is tried (the one documented fallback). Without a Chinese font
the card is refused with what to install: a card with boxes for characters must never be printed.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import segno
from PIL import Image, ImageDraw, ImageFont

from jzcredit.errors import Misconfigured

FONT_PATTERN = "Noto Sans CJK SC:lang=zh-cn"
DEBIAN_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")  # fonts-noto-cjk, face 2 = SC
DEBIAN_FONT_INDEX = 2
NO_FONT = ("没有找到中文字体，无法生成上门服务证：请安装 Noto Sans CJK 字体（Debian/Ubuntu：apt install "
           "fonts-noto-cjk fontconfig），然后重试")

WIDTH, HEIGHT = 638, 1011  # 54 × 85.6 mm (ID-1, portrait) at 300 dpi
MARGIN = 40
BRAND = (180, 35, 24)
INK = (31, 41, 51)
MUTED = (82, 96, 109)
CATEGORY_ZH = {"cleaning": "保洁", "maternity": "母婴/月嫂", "childcare": "育儿", "elderly_care": "养老护理",
               "hospital_escort": "医院陪护", "cooking": "家庭烹饪", "other": "其他"}


@dataclass(frozen=True)
class FontFace:
    path: Path
    index: int


def _fc_match(pattern: str) -> FontFace | None:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        found = subprocess.run([fc_match, "-f", "%{file}\n%{index}\n%{lang}", pattern], capture_output=True,
                               text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = found.stdout.split("\n")
    if found.returncode != 0 or len(lines) < 3 or "zh-cn" not in lines[2].split("|"):
        return None  # fontconfig answers its best match, which may hold no Chinese at all
    path = Path(lines[0])
    return FontFace(path, int(lines[1] or 0)) if path.is_file() else None


@lru_cache(maxsize=2)
def cjk_font(bold: bool = False) -> FontFace:
    """A font face with simplified Chinese: fontconfig's match, else Debian's Noto CJK file, else an error."""
    face = _fc_match(FONT_PATTERN + (":weight=bold" if bold else ""))
    if face is None and bold:
        face = cjk_font(False)
    if face is None and DEBIAN_FONT.is_file():
        face = FontFace(DEBIAN_FONT, DEBIAN_FONT_INDEX)
    if face is None:
        raise Misconfigured("card.no_cjk_font", NO_FONT)
    return face


@lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    face = cjk_font(bold)
    return ImageFont.truetype(str(face.path), size=size, index=face.index)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int = 2) -> list[str]:
    """Break Chinese text by characters to fit ``width``; the last line ends in … when it does not fit."""
    lines: list[str] = []
    line = ""
    for char in text:
        if font.getlength(line + char) > width:
            lines.append(line)
            line = char
        else:
            line += char
    lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines = [*lines[:max_lines - 1], last + "…"]
    return lines


def _qr_image(url: str, size: int) -> Image.Image:
    qr = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    modules = qr.symbol_size(scale=1, border=4)[0]
    qr.save(buffer, kind="png", scale=max(1, size // modules), border=4)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _facts(card: dict[str, Any]) -> list[tuple[str, str]]:
    employers = "、".join(e["name"] for e in card.get("employers") or []) or "暂无"
    health = card["health_check"]
    health_text = f"合格，有效至 {health['valid_until'].isoformat()}" if health["valid"] else "无有效体检"
    background = {"clear": "已核查，无违法犯罪记录", "record_found": "发现记录", "none": "未核查"}
    categories = "、".join(CATEGORY_ZH.get(c, c) for c in card.get("categories") or []) or "未登记"
    return [("服务员码", card["worker_code"]), ("所在企业", employers), ("服务类别", categories),
            ("身份核验", "已核验" if card["identity_verified"] else "未核验"), ("健康体检", health_text),
            ("背景核查", background.get(card["background_check"]["status"], "未核查")),
            ("信用等级", card.get("grade") or "暂未评价")]


def render_card(card: dict[str, Any], *, url: str, issued_on: date, valid_until: date) -> bytes:
    """The card as PNG bytes: name (masked without ``public_card`` consent), facts, and the QR code of ``url``."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 150), fill=BRAND)
    draw.text((WIDTH // 2, 62), "上门服务证", font=_font(56, bold=True), fill="white", anchor="mm")
    draw.text((WIDTH // 2, 120), "家政服务信用信息平台 · 一人一码", font=_font(24), fill="white", anchor="mm")
    draw.text((MARGIN, 180), card.get("display_name") or "", font=_font(48, bold=True), fill=INK)
    y = 260
    label_font, value_font = _font(22), _font(24)
    for label, value in _facts(card):
        draw.text((MARGIN, y + 2), label, font=label_font, fill=MUTED)
        for line in _wrap(value, value_font, WIDTH - MARGIN * 2 - 120):
            draw.text((MARGIN + 120, y), line, font=value_font, fill=INK)
            y += 34
        y += 6
    qr_size = min(340, HEIGHT - y - 110)
    qr = _qr_image(url, qr_size)
    image.paste(qr, ((WIDTH - qr.width) // 2, y + 4))
    y += qr.height + 14
    draw.text((WIDTH // 2, y), "扫码核验真伪与最新状态", font=_font(26, bold=True), fill=BRAND, anchor="mt")
    draw.text((WIDTH // 2, y + 40), f"签发 {issued_on.isoformat()} · 有效至 {valid_until.isoformat()}",
              font=_font(22), fill=MUTED, anchor="mt")
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(300, 300))
    return out.getvalue()
