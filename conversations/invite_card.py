"""A branch's invite card: the QR code(s) to join the bot, the branch's name and the code in large type, as a
PNG ready to print or post in the branch's group chat.

Pure: words, names and links in, PNG bytes out. The QR codes come from segno and keep the four-module quiet
zone the QR standard asks for, which phone readers need to find a code on a busy poster. Text is set with
Pillow in DejaVu Sans, which ships with matplotlib and has every Vietnamese glyph.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import matplotlib
import segno
from PIL import Image, ImageDraw, ImageFont

from conversations.i18n import Translator

__all__ = ["WIDTH", "InviteCard", "JoinLinks", "render_card"]

WIDTH = 1240  # A4 width at 150 dpi: prints sharp on one page
MARGIN = 80
QUIET_ZONE = 4  # modules of white around each code, as ISO/IEC 18004 asks
_INK, _GREY, _FRAME = 17, 85, 200  # grey levels: the card is greyscale, prints the same on any printer
_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@dataclass(frozen=True, slots=True)
class JoinLinks:
    """Where a person joins the bot: the Telegram bot's username (without @) and the Zalo bot's link, each
    when configured."""

    telegram_username: str | None = None
    zalo_link: str | None = None

    @classmethod
    def of(cls, telegram_username: str | None, zalo_link: str | None) -> JoinLinks:
        """Return the links from settings as typed (a leading @ and blank values dropped)."""
        return cls((telegram_username or "").strip().lstrip("@") or None, (zalo_link or "").strip() or None)

    def telegram(self, code: str) -> str | None:
        """Return the Telegram deep link that starts the bot with `code`, or None without a username."""
        return f"https://t.me/{self.telegram_username}?start={code}" if self.telegram_username else None


@dataclass(frozen=True, slots=True)
class InviteCard:
    """What a card says: the branch's full name, the unit above it, the code and the last day it works."""

    branch: str
    parent: str | None
    code: str
    expires: date


@dataclass(frozen=True, slots=True)
class _Panel:
    """One QR code on a card: what it encodes and the caption under it."""

    data: str
    caption: str


def _panels(t: Translator, code: str, links: JoinLinks) -> list[_Panel]:
    """Return the QR codes a card shows: the Telegram deep link (the bare code when no username is set), then
    the Zalo bot's link when one is set (Zalo has no start parameter, so its caption says what to send)."""
    telegram = links.telegram(code)
    panels = [_Panel(telegram, t("invite.card_telegram")) if telegram
              else _Panel(code, t("invite.card_code_only"))]
    if links.zalo_link:
        panels.append(_Panel(links.zalo_link, t("invite.card_zalo", code=code)))
    return panels


def render_card(t: Translator, card: InviteCard, links: JoinLinks) -> bytes:
    """Return the card as a PNG: the unit above, the branch's name, the QR code(s), the code in large type,
    "scan to join" and what to send instead, and the expiry date."""
    canvas = Image.new("L", (WIDTH, 4000), 255)
    draw = ImageDraw.Draw(canvas)
    y = MARGIN
    if card.parent:
        y = _paragraph(draw, _nfc(card.parent), _font("DejaVuSans.ttf", 36), _GREY, y, max_lines=2) + 12
    y = _paragraph(draw, _nfc(card.branch), _font("DejaVuSans-Bold.ttf", 56), _INK, y, max_lines=4) + 48
    y = _qr_row(canvas, draw, _panels(t, card.code, links), y) + 40
    code_font = _fitting(draw, card.code, "DejaVuSansMono-Bold.ttf", 132)
    y = _centred(draw, card.code, code_font, _INK, y) + 36
    y = _paragraph(draw, t("invite.card_scan"), _font("DejaVuSans-Bold.ttf", 48), _INK, y) + 16
    y = _paragraph(draw, t("invite.card_type", code=card.code), _font("DejaVuSans.ttf", 36), _INK, y) + 16
    y = _paragraph(draw, t("invite.card_expires", date=t.date(card.expires)), _font("DejaVuSans.ttf", 32),
                   _GREY, y) + MARGIN
    card_image = canvas.crop((0, 0, WIDTH, y))
    ImageDraw.Draw(card_image).rectangle((0, 0, WIDTH - 1, y - 1), outline=_FRAME, width=3)
    buffer = io.BytesIO()
    card_image.save(buffer, format="PNG")
    return buffer.getvalue()


def _qr_row(canvas: Image.Image, draw: ImageDraw.ImageDraw, panels: list[_Panel], y: int) -> int:
    """Draw the panels side by side, each QR with its caption under it; return the y below the row."""
    gap = 80
    box = min(640, (WIDTH - 2 * MARGIN - gap * (len(panels) - 1)) // len(panels))
    left = (WIDTH - box * len(panels) - gap * (len(panels) - 1)) // 2
    images = [_qr_image(panel.data, box) for panel in panels]
    captions_at = y + max(image.height for image in images) + 8
    caption_font = _font("DejaVuSans.ttf", 30)
    bottom = captions_at
    for index, (panel, image) in enumerate(zip(panels, images, strict=True)):
        x = left + index * (box + gap)
        canvas.paste(image, (x + (box - image.width) // 2, y))
        below = _paragraph(draw, panel.caption, caption_font, _GREY, captions_at, left=x, width=box)
        bottom = max(bottom, below)
    return bottom


def _qr_image(data: str, box: int) -> Image.Image:
    """Return the QR code of `data`, quiet zone included, scaled by a whole number of pixels per module so
    every module stays square and sharp, as large as fits in `box`."""
    matrix = segno.make(data, error="m", micro=False).matrix
    modules = len(matrix) + 2 * QUIET_ZONE
    small = Image.new("1", (modules, modules), 1)
    for row, line in enumerate(matrix):
        for column, dark in enumerate(line):
            if dark:
                small.putpixel((column + QUIET_ZONE, row + QUIET_ZONE), 0)
    scale = max(1, box // modules)
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST).convert("L")


def _paragraph(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, fill: int,
               y: int, *, max_lines: int = 3, left: int = MARGIN, width: int = WIDTH - 2 * MARGIN) -> int:
    """Draw `text` centred in the column (`left`, `width`), wrapped at words; return the y below it."""
    for line in _wrap(draw, text, font, width, max_lines):
        y = _centred(draw, line, font, fill, y, left=left, width=width)
    return y


def _centred(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, fill: int,
             y: int, *, left: int = 0, width: int = WIDTH) -> int:
    """Draw one line centred in the column; return the y below it (the font's full line height, so lines
    with and without diacritics stand the same distance apart)."""
    x = left + (width - draw.textlength(text, font=font)) / 2
    draw.text((x, y), text, font=font, fill=fill)
    ascent, descent = font.getmetrics()
    return y + ascent + descent + 4


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int,
          max_lines: int) -> list[str]:
    """Break `text` into lines no wider than `width`, at spaces (inside a word only when it is wider than a
    line); past `max_lines` the last line ends with an ellipsis."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
            continue
        while len(lines) <= max_lines and draw.textlength(word, font=font) > width:
            cut = _longest_prefix(draw, word, font, width)
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
        if len(lines) > max_lines:
            break
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip() + "…"]
    return lines


def _longest_prefix(draw: ImageDraw.ImageDraw, word: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    """Return how many leading characters of `word` fit in `width` (at least one), by bisection."""
    low, high = 1, len(word)
    while low < high:
        middle = (low + high + 1) // 2
        if draw.textlength(word[:middle], font=font) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _fitting(draw: ImageDraw.ImageDraw, text: str, name: str, size: int) -> ImageFont.FreeTypeFont:
    """Return the font `name` at `size`, or smaller until `text` fits on one line (codes may be long)."""
    font = _font(name, size)
    while size > 24 and draw.textlength(text, font=font) > WIDTH - 2 * MARGIN:
        size -= 8
        font = _font(name, size)
    return font


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_FONTS / name), size)


def _nfc(text: str) -> str:
    # Names typed on some phones arrive decomposed (NFD); composed letters set each accent where the font's
    # precomposed glyph puts it.
    return " ".join(unicodedata.normalize("NFC", text).split())
