"""Printable A4 poster with the centre's QR code (deep link into the bot).

Layout (portrait A4 at 150 dpi, 1240 x 1754 px): the centre's name at the top, a large
QR code of the deep link (``https://t.me/<bot>?start=<centre>``), the link in small type
for people who type it, then one line per language ("Scan to share your story").

Text rendering: Arabic must be shaped (joined letter forms) and laid out right-to-left.
Pillow does this with its Raqm layout engine; Pillow's wheels ship libraqm but load
FriBiDi from the system, so the host needs ``libfribidi0`` (Debian/Ubuntu). Without Raqm
the module falls back to ``arabic-reshaper`` + ``python-bidi`` if they are installed;
otherwise right-to-left lines are left out (with a warning) rather than printed garbled.

Font: DejaVu Sans (Latin incl. Turkish and Polish, Cyrillic, Arabic), taken from
matplotlib's bundled copy, which is always installed with the project; system copies
(``fonts-dejavu-core``) and Noto Sans are used if matplotlib's is missing.

QR: segno, error correction level ``Q`` (25 % of the code may be damaged or covered and it
still scans; ISO/IEC 18004), with the standard 4-module quiet zone.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from functools import cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont, features

log = logging.getLogger(__name__)

#: Page size in pixels (A4 portrait at :data:`DPI`).
PAGE: tuple[int, int] = (1240, 1754)
DPI = 150
MARGIN = 90

#: Order of the language lines; languages not listed follow in the dict's order.
LANGUAGE_ORDER: tuple[str, ...] = ("nl", "en", "tr", "ar", "pl", "uk")

#: Default lines (the caller's ``lines`` usually come from the locale files).
DEFAULT_LINES: dict[str, str] = {
    "nl": "Scan de code en deel je verhaal",
    "en": "Scan the code to share your story",
    "tr": "Hikâyeni paylaşmak için kodu tara",
    "ar": "امسح الرمز لتشارك قصتك",
    "pl": "Zeskanuj kod i podziel się swoją historią",
    "uk": "Скануйте код і поділіться своєю історією",
}

_INK = (0, 0, 0)
_ACCENT = (44, 123, 182)  # ColorBrewer RdYlBu blue, as in the charts


def _font_candidates(bold: bool) -> list[Path]:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    paths = []
    try:
        import matplotlib  # noqa: PLC0415 - only to find the DejaVu font it ships

        paths.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name)
    except ImportError:  # pragma: no cover - matplotlib is a project dependency
        pass
    paths += [
        Path("/usr/share/fonts/truetype/dejavu") / name,
        Path("/usr/share/fonts/dejavu") / name,
        Path("/usr/share/fonts/truetype/noto")
        / ("NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf"),
    ]
    return paths


@cache
def _font_path(bold: bool) -> Path | None:
    for path in _font_candidates(bold):
        if path.is_file():
            return path
    log.warning("no DejaVu/Noto font found; the poster uses Pillow's default font")
    return None


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path(bold)
    if path is None:
        return ImageFont.load_default(size)
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, layout_engine=engine)


def _is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def _shape(text: str) -> str | None:
    """Text ready for drawing: unchanged with Raqm, reshaped without, ``None`` if impossible."""
    if not _is_rtl(text) or features.check("raqm"):
        return text
    try:
        # optional: only needed where Pillow has no libraqm to shape Arabic itself
        import arabic_reshaper  # noqa: PLC0415 - optional, see the comment above
        from bidi.algorithm import get_display  # noqa: PLC0415 - optional, as above
    except ImportError:
        log.warning("cannot shape right-to-left text without libraqm (install libfribidi0) "
                    "or arabic-reshaper + python-bidi; line left out: %r", text)
        return None
    return get_display(arabic_reshaper.reshape(text))


def _fit(draw: ImageDraw.ImageDraw, text: str, max_width: int, size: int, min_size: int,
         bold: bool = False):
    """Largest font (from ``size`` down to ``min_size``) at which ``text`` fits the width."""
    while True:
        font = _font(size, bold)
        if draw.textlength(text, font=font) <= max_width or size <= min_size:
            return font
        size -= 2


def _wrap(draw, text: str, font, max_width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _centred(draw, y: int, text: str, font, fill=_INK) -> int:
    """Draw ``text`` centred on the page at top ``y``; return the y below it."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = (PAGE[0] - (right - left)) // 2 - left
    draw.text((x, y - top), text, font=font, fill=fill)
    return y + (bottom - top)


def _qr_image(deep_link: str, size: int) -> Image.Image:
    qr = segno.make(deep_link, error="q", micro=False)
    modules = qr.symbol_size(scale=1, border=4)[0]
    scale = max(1, size // modules)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=scale, border=4, dark="black", light="white")
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def make_poster(
    centre_name: str,
    deep_link: str,
    lines: dict[str, str] | None = None,
    out: Path | str | None = None,
) -> bytes:
    """Render the A4 poster as PNG.

    Args:
        centre_name: Display name of the centre (wrapped over up to two lines).
        deep_link: URL the QR code encodes, e.g. ``https://t.me/BuurtstemBot?start=shalom``.
        lines: Language code -> call to action; default :data:`DEFAULT_LINES`. Shown in
            :data:`LANGUAGE_ORDER`.
        out: Optional path; the PNG is also written there.

    Returns:
        The PNG file (1240 x 1754 px, 150 dpi in its metadata: prints as A4).

    Raises:
        ValueError: If ``deep_link`` is empty or too long for a QR code.
    """
    if not deep_link:
        raise ValueError("deep_link is empty")
    lines = DEFAULT_LINES if lines is None else lines
    width = PAGE[0] - 2 * MARGIN
    page = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(page)

    draw.rectangle((0, 0, PAGE[0], 24), fill=_ACCENT)
    draw.rectangle((0, PAGE[1] - 24, PAGE[0], PAGE[1]), fill=_ACCENT)

    # Centre name: as large as fits in two lines.
    y = MARGIN
    for size in range(96, 46, -4):
        font = _font(size, bold=True)
        name_lines = _wrap(draw, centre_name, font, width)
        if len(name_lines) <= 2 and all(draw.textlength(t, font=font) <= width
                                        for t in name_lines):
            break
    for text in name_lines[:2]:
        y = _centred(draw, y, text, font) + size // 4

    # QR code.
    y += 30
    qr_size = 860
    try:
        qr = _qr_image(deep_link, qr_size)
    except segno.DataOverflowError as exc:
        raise ValueError(f"deep link too long for a QR code: {exc}") from exc
    page.paste(qr, ((PAGE[0] - qr.width) // 2, y))
    y += qr.height + 6
    link_font = _fit(draw, deep_link, width, 30, 16)
    y = _centred(draw, y, deep_link, link_font, fill=(80, 80, 80)) + 40

    # One line per language, equal size, filling the rest of the page.
    ordered = [lang for lang in LANGUAGE_ORDER if lang in lines]
    ordered += [lang for lang in lines if lang not in ordered]
    texts = [t for t in (_shape(lines[lang]) for lang in ordered) if t]
    if texts:
        room = PAGE[1] - MARGIN - y
        size = min(52, room // max(1, len(texts)) - 18)
        font = _font(max(size, 20))
        while size > 20 and any(draw.textlength(t, font=font) > width for t in texts):
            size -= 2
            font = _font(size)
        step = room // len(texts)
        for i, text in enumerate(texts):
            _centred(draw, y + i * step, text, font)

    buf = io.BytesIO()
    # zlib's default level: optimize=True (level 9) took three times the CPU (0.18 against
    # 0.06 s) for a file 7 % smaller (79 against 84 kB)
    page.save(buf, format="PNG", dpi=(DPI, DPI))
    data = buf.getvalue()
    if out is not None:
        Path(out).write_bytes(data)
    return data
