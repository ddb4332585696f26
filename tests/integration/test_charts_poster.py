"""Indicator chart (matplotlib) and A4 QR poster (Pillow + segno)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from admin import poster
from admin.poster import DEFAULT_LINES, make_poster
from bot.exports.charts import (
    DPI,
    FIGSIZE,
    TITLE,
    TOO_FEW,
    chart_language,
    chart_plan,
    draw_indicator_chart,
)
from bot.exports.rows import AnswerRow
from bot.exports.summary import indicator_summary
from bot.i18n import Translator
from bot.survey import catalogue

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def answers(cat, *, few: str, n: int = 12) -> list[AnswerRow]:
    """``n`` respondents answer every indicator (values cycling 1..5), except ``few``: 3."""
    rows = []
    for r in range(n):
        for j, item in enumerate(cat.indicators):
            if item.id == few and r >= 3:
                continue
            rows.append(AnswerRow(
                round=1, centre="shalom", respondent=f"R{r:04d}", language="nl",
                item_id=item.id, item_type="scale", main_goal=item.main_goal or "",
                sub_goal="", status="answered" if r != 0 else "dont_know",
                value=str(1 + (r + j) % 5) if r != 0 else "", value_label_nl="", text="",
                mode="self", answered_on=date(2025, 3, 14)))
    return rows


@pytest.fixture(scope="module")
def cat():
    return catalogue()


def test_chart_plan_suppresses_small_indicator(cat):
    few = "ind.cohesion.community"
    bars = chart_plan(answers(cat, few=few), cat, k=5)
    assert [b.item_id for b in bars] == [i.id for i in cat.indicators]
    hidden = [b for b in bars if not b.drawn]
    assert [b.item_id for b in hidden] == [few]
    assert hidden[0].n == 2 and hidden[0].shares == {}
    drawn = bars[0]
    assert drawn.n == 11 and abs(sum(drawn.shares.values()) - 1) < 1e-9
    assert drawn.label == cat.indicators[0].source_nl
    en = chart_plan(answers(cat, few=few), cat, language="en")
    assert en[0].label == cat.indicators[0].prompt["en"]


def test_chart_plan_from_summary_keeps_hidden_cells_hidden(cat):
    rows = answers(cat, few="ind.cohesion.community")
    bars = chart_plan(indicator_summary(rows, cat, k=5), cat, k=5)
    first = bars[0]
    # 11 answers over 5 values: every cell is 1..4, all withheld -> one grey segment
    assert first.drawn and first.shares == {"hidden": 1.0}
    assert not next(b for b in bars if b.item_id == "ind.cohesion.community").drawn


@pytest.mark.parametrize("language", ["nl", "en", "tr", "pl", "uk"])
def test_draw_indicator_chart_png(tmp_path: Path, cat, language, monkeypatch):
    """All 22 indicators in each chart language. The question texts of en/tr/pl/uk wrap to
    three or four lines: on the 14-inch figure the labels of neighbouring rows ran into
    each other (Polish, Turkish: two labels printed over each other); the figure grows
    instead, and the Dutch chart (short labels) keeps its size."""
    from matplotlib.figure import Figure

    drawn: list[Figure] = []
    savefig = Figure.savefig

    def keep(self, *args, **kwargs):
        drawn.append(self)
        return savefig(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    few = "ind.trust.supported"
    out = draw_indicator_chart(answers(cat, few=few, n=20), cat, tmp_path / "chart.png",
                               language=language, title="Shalom, ronde 1")
    assert out == tmp_path / "chart.png"
    assert out.read_bytes()[:8] == PNG_MAGIC
    (fig,) = drawn
    renderer = fig.canvas.get_renderer()
    boxes = sorted((t.get_window_extent(renderer) for ax in fig.axes
                    for t in ax.get_yticklabels() if t.get_text()), key=lambda b: b.y0)
    assert len(boxes) == len(cat.indicators)
    for lower, upper in zip(boxes, boxes[1:]):
        assert lower.y1 + 3 <= upper.y0, (language, lower, upper)  # 3 px apart at least
    with Image.open(out) as im:
        assert im.size[0] == round(FIGSIZE[0] * DPI) and im.size[1] >= round(FIGSIZE[1] * DPI)
        if language == "nl":
            assert im.size[1] == round(FIGSIZE[1] * DPI)
        assert im.text["Suppressed"] == few
        assert im.text["Title"] == "Shalom, ronde 1"



def test_a_chart_that_fails_while_writing_leaves_nothing(tmp_path: Path, cat, monkeypatch):
    """The PNG is written next to its place and renamed: a failure halfway (disk full)
    leaves neither a half-written chart nor its part file."""
    from matplotlib.figure import Figure

    def half_then_fail(self, fname, **kwargs):
        Path(fname).write_bytes(PNG_MAGIC)         # a PNG cut short
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", half_then_fail)
    with pytest.raises(OSError):
        draw_indicator_chart(answers(cat, few="ind.trust.supported"), cat, tmp_path / "chart.png",
                             only=[cat.indicators[0].id])
    assert list(tmp_path.iterdir()) == []

def test_chart_texts_come_from_the_catalogues_and_arabic_falls_back_to_english(tmp_path, cat):
    assert Translator("nl")._(TOO_FEW, k=5) == "minder dan 5 antwoorden"
    assert Translator("en")._(TOO_FEW, k=5) == "fewer than 5 answers"
    assert Translator("pl")._(TOO_FEW, k=5) == "mniej niż 5 odpowiedzi"
    assert [chart_language(lang) for lang in ("nl", "tr", "uk", "ar", "xx")] == ["nl", "tr", "uk", "en", "en"]
    # one indicator is enough for the heading (the full chart in every language: above)
    one = [cat.indicators[0].id]
    out = draw_indicator_chart(answers(cat, few="ind.trust.supported"), cat, tmp_path / "c.png", language="ar",
                               only=one)
    with Image.open(out) as im:
        assert im.text["Title"] == "How do residents experience the community centre?"
    out = draw_indicator_chart(answers(cat, few="ind.trust.supported"), cat, tmp_path / "c.png", language="uk",
                               only=one)
    with Image.open(out) as im:
        assert im.text["Title"] == Translator("uk")._(TITLE) == "Як мешканці оцінюють сусідський центр?"


def test_draw_chart_from_summary_and_empty(tmp_path: Path, cat):
    rows = answers(cat, few="ind.cohesion.community")
    out = draw_indicator_chart(indicator_summary(rows, cat), cat, tmp_path / "s.png")
    with Image.open(out) as im:
        assert im.text["Suppressed"] == "ind.cohesion.community"
    out = draw_indicator_chart([], cat, tmp_path / "empty.png")
    with Image.open(out) as im:
        assert im.text["Suppressed"].split(",") == [i.id for i in cat.indicators]


def decode(png: bytes | Path) -> list[str]:
    import io

    image = Image.open(io.BytesIO(png) if isinstance(png, bytes) else png)
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_poster_qr_decodes_to_deep_link(tmp_path: Path):
    link = "https://t.me/BuurtstemBot?start=shalom"
    out = tmp_path / "poster.png"
    data = make_poster("Buurt- en Kerkhuis Shalom", link, DEFAULT_LINES, out=out)
    assert data[:8] == PNG_MAGIC and out.read_bytes() == data
    assert decode(data) == [link]
    with Image.open(out) as im:
        assert im.size == poster.PAGE == (1240, 1754)
        assert round(im.info["dpi"][0]) == 150


def test_poster_long_name_and_link():
    link = "https://t.me/BuurtstemBot?start=" + "a" * 64
    data = make_poster("Wijk- en Ontmoetingscentrum De Bijzonder Lange Naam Zuidwest",
                       link, {"nl": "Scan de code", "ar": "امسح الرمز"})
    assert decode(data) == [link]


def test_poster_rejects_empty_link():
    with pytest.raises(ValueError):
        make_poster("Shalom", "", DEFAULT_LINES)


def test_rtl_without_raqm_is_left_out_not_garbled(monkeypatch, caplog):
    monkeypatch.setattr(poster.features, "check", lambda name: False)
    monkeypatch.setitem(__import__("sys").modules, "arabic_reshaper", None)
    with caplog.at_level(logging.WARNING, logger="admin.poster"):
        assert poster._shape(DEFAULT_LINES["ar"]) is None
    assert "right-to-left" in caplog.text
    assert poster._shape(DEFAULT_LINES["uk"]) == DEFAULT_LINES["uk"]


def test_withheld_share_is_kept_apart_from_the_scale(tmp_path: Path, cat):
    """Issue 16 point 10: the withheld share is not a scale colour, starts after a gap, and
    has its own legend — it cannot be read as "very much" (5, the last, blue segment)."""
    from bot.exports.charts import HIDDEN_COLOUR, PALETTE

    item = cat.indicators[0]
    rows = []
    for r, value in enumerate([5] * 8 + [4] * 6 + [1] * 2):
        rows.append(AnswerRow(
            round=1, centre="shalom", respondent=f"R{r:04d}", language="nl", item_id=item.id,
            item_type="scale", main_goal=item.main_goal or "", sub_goal="", status="answered",
            value=str(value), value_label_nl="", text="", mode="self", answered_on=date(2025, 3, 14)))
    bars = chart_plan(indicator_summary(rows, cat, k=5), cat, k=5, only=[item.id])
    assert bars[0].shares.get("hidden", 0) > 0 and bars[0].shares.get("5", 0) > 0
    out = draw_indicator_chart(indicator_summary(rows, cat, k=5), cat, tmp_path / "h.png",
                               only=[item.id])

    def rgb(colour: str) -> tuple[int, int, int]:
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))

    blue, grey = rgb(PALETTE[4]), rgb(HIDDEN_COLOUR)
    with Image.open(out) as im:
        pixels = np.asarray(im.convert("RGB"))                  # rows of (r, g, b)
        height, width = pixels.shape[:2]
        lines = np.flatnonzero((pixels == blue).all(axis=2).sum(axis=1) > 100).tolist()
        y = lines[len(lines) // 2]                              # the middle of the bar
        row = [tuple(c) for c in pixels[y].tolist()]
        last_blue = max(x for x, c in enumerate(row) if c == blue)
        def grey_ish(c) -> bool:
            return max(c) - min(c) < 12 and max(c) < 235          # hatching, not an edge of blue

        first_after = next(x for x in range(last_blue + 1, width) if grey_ish(row[x]))
        assert first_after - last_blue >= 8, "the withheld share touches the scale"
        assert all(c not in map(rgb, PALETTE) for c in row[last_blue + 1:])
        # its legend is not in the scale's row at the top: hatching below the bars
        bar_bottom = max(lines)
        assert (pixels[bar_bottom + 40:] == grey).all(axis=2).any()
