"""Indicator chart: the distribution of picture-question answers, one panel per main goal.

Each indicator is a horizontal 100 %-stacked bar of the answers on the pack's scale (1 … 5
in the Den Haag pack, 1 … 4 in the Maastricht pack; ``dont_know`` and
``skipped`` are left out), with ``n`` at the bar end. An indicator with fewer than ``k``
answers is not drawn; its row says "minder dan 5 antwoorden" instead.

Disclosure: drawn from answer rows, the bars show exact proportions once ``n >= k``, so
small cells can be read off the chart together with ``n``. To publish a chart that
reveals no more than the suppressed table, pass the output of
:func:`bot.exports.summary.summary_table` (or
:func:`~bot.exports.summary.indicator_summary`) instead: withheld cells are then drawn as
one hatched segment at the end of the bar, kept apart from the scale: grey hatching on
white (no scale colour), after a gap, with its own legend under the bars, so a withheld
share cannot be read as "very much" (issue 16 point 10). Where the table shows the 3-point
collapse instead of the withheld full distribution, the bar shows those three (low,
middle, high; dotted, with their own keys), as the table does.

Rendering uses matplotlib's object-oriented API (:class:`~matplotlib.figure.Figure` with
the Agg canvas, no pyplot), which is safe to call from worker threads of the bot.

Palette: ColorBrewer ``RdYlBu`` with as many classes as the scale has points (Brewer,
colorbrewer2.org; 3 to 11 classes), a diverging scheme marked colour-blind safe.
"""

from __future__ import annotations

import errno
import math
import os
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch
from matplotlib.text import Text

from bot.exports.files import written_whole
from bot.exports.rows import AnswerRow
from bot.exports.summary import count_answers
from bot.i18n import LANGUAGE_NAMES, N_, Translator, is_rtl
from bot.privacy.disclosure import collapse_groups
from bot.survey.catalogue import Catalogue

#: ColorBrewer RdYlBu by number of classes (colorbrewer2.org, Cynthia Brewer, Apache-2.0
#: style licence): lowest value red … highest blue. Two classes take the ends of three.
PALETTES: dict[int, tuple[str, ...]] = {
    2: ("#fc8d59", "#91bfdb"),
    3: ("#fc8d59", "#ffffbf", "#91bfdb"),
    4: ("#d7191c", "#fdae61", "#abd9e9", "#2c7bb6"),
    5: ("#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6"),
    6: ("#d73027", "#fc8d59", "#fee090", "#e0f3f8", "#91bfdb", "#4575b4"),
    7: ("#d73027", "#fc8d59", "#fee090", "#ffffbf", "#e0f3f8", "#91bfdb", "#4575b4"),
    8: ("#d73027", "#f46d43", "#fdae61", "#fee090", "#e0f3f8", "#abd9e9", "#74add1", "#4575b4"),
    9: ("#d73027", "#f46d43", "#fdae61", "#fee090", "#ffffbf", "#e0f3f8", "#abd9e9", "#74add1",
        "#4575b4"),
    10: ("#a50026", "#d73027", "#f46d43", "#fdae61", "#fee090", "#e0f3f8", "#abd9e9", "#74add1",
         "#4575b4", "#313695"),
    11: ("#a50026", "#d73027", "#f46d43", "#fdae61", "#fee090", "#ffffbf", "#e0f3f8", "#abd9e9",
         "#74add1", "#4575b4", "#313695"),
}
#: The 5-class palette of the default pack's scale.
PALETTE: tuple[str, ...] = PALETTES[5]
#: Hatching of withheld cells (summary input only): grey lines on white, a colour the
#: scale does not use.
HIDDEN_COLOUR = "#8c8c8c"
#: Gap between the scale's segments and the withheld segment (share of the bar).
HIDDEN_GAP = 0.015

#: Figure size in inches and resolution: 1210 x 1540 px, fits 22 indicators.
FIGSIZE: tuple[float, float] = (11.0, 14.0)
DPI = 110
#: zlib level of the PNG (Pillow's default is 6): 3 takes about a third less CPU for a
#: file about 2 % larger (~0.3 MB; a Telegram document may be 50 MB, a photo 10 MB).
PNG_COMPRESSION = 3

#: Languages the chart is drawn in. Arabic falls back to English: matplotlib lays text out
#: left to right and does not shape Arabic letters (no complex text layout in its text
#: engine), so Arabic labels would come out as separate letters in reverse order.
CHART_LANGUAGES: tuple[str, ...] = tuple(lang for lang in LANGUAGE_NAMES if not is_rtl(lang))

#: Fixed chart texts (Dutch source, translated through the gettext catalogues).
TOO_FEW = N_("minder dan {k} antwoorden")
TITLE = N_("Hoe ervaren bewoners het ontmoetingscentrum?")
SUBTITLE = N_("Verdeling van de antwoorden per indicator (zonder 'weet ik niet' en "
              "'overslaan'); n = aantal antwoorden")
HIDDEN_NOTE = N_("verborgen: antwoorden van minder dan {k} mensen, geen waarde van de schaal")
#: Keys of the 3-point collapse (``values``: the scale values summed, e.g. ``1–2``).
COLLAPSED = {"low": N_("laag ({values})"), "middle": N_("midden ({values})"),
             "high": N_("hoog ({values})")}
#: Fill of the collapse's segments: the 3-class palette (2 classes: its ends), dotted.
COLLAPSED_FILL = {"low": "#fc8d59", "middle": "#ffffbf", "high": "#91bfdb"}


def chart_language(language: str) -> str:
    """The language a chart for a user of ``language`` is drawn in (see
    :data:`CHART_LANGUAGES`; anything else gives ``en``)."""
    return language if language in CHART_LANGUAGES else "en"


_WRAP = 44  # characters per y-label line


#: Thickness of a bar (share of a row) and of the white line between its segments (points).
_BAR_HEIGHT = 0.72
_BAR_EDGE = 0.8


def _bars(spans: list[tuple[int, float, float]], **look: Any) -> PolyCollection:
    """The bar segments ``(row, left, width)`` of one look as one artist (a collection
    draws in one call what a rectangle per segment draws in many). Give the colours as
    ``facecolors`` and ``edgecolors``: a collection made without them first takes the
    default colour ``C0`` of the colour cycle, which costs a read of the cycle each."""
    half = _BAR_HEIGHT / 2
    return PolyCollection([[(x, y - half), (x, y + half), (x + w, y + half), (x + w, y - half)]
                           for y, x, w in spans], linewidth=_BAR_EDGE, **look)


#: Constrained layout (matplotlib), with a little room at the edges so long indicator
#: labels do not touch the border.
_LAYOUT = ConstrainedLayoutEngine(w_pad=0.12, h_pad=0.06)


#: Least room between the labels of two neighbouring rows, in inches (about 4 px).
_LABEL_GAP_IN = 0.04


def _grow_to_fit_labels(fig: Figure, axes: Any, below: Text | None = None) -> None:
    """Make the figure taller (never wider) until neighbouring rows' labels do not touch.

    Question texts in English, Turkish, Polish and Ukrainian wrap to three or four lines;
    22 rows on the 14-inch figure left each row about 0.47 inch (52 px), and two
    neighbouring labels of three and four lines (50 and 66 px) ran into each other. The
    labels and rows are measured after the layout and the figure grown by what the
    tightest pair lacks (a chart whose labels fit, such as the Dutch one with its short
    labels, keeps its size).

    The layout is not run again: its margins (headings, tick labels, legends, pads) are
    sizes in points, the same at any height, and the rows of each panel keep their
    ratios, so a second constrained layout only makes every panel taller by the same
    factor and keeps each margin. That is done here by moving the panels (and
    ``below``, a figure text placed from the bottom edge), at the cost of arithmetic
    instead of measuring every text again.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # FigureCanvasAgg
    gap = _LABEL_GAP_IN * fig.dpi
    short = 1.0
    boxes = [ax.get_window_extent(renderer).frozen() for ax in axes]  # pixels, as laid out
    for ax, box in zip(axes, boxes, strict=True):
        heights = [t.get_window_extent(renderer).height for t in ax.get_yticklabels()
                   if t.get_text()]
        if not heights:
            continue
        need = max(((a + b) / 2 + gap for a, b in zip(heights, heights[1:], strict=False)),
                   default=0.0)
        short = max(short, need / (box.height / len(heights)))
    if short <= 1.0:
        return
    old = fig.bbox.height
    rows = sum(box.height for box in boxes)
    new = math.ceil(old + rows * (short - 1.0))  # whole pixels: the PNG's height
    grow = (new - (old - rows)) / rows  # >= short: the panels take the rounding
    fig.set_figheight(new / fig.dpi)
    top = 0.0  # from the top edge, in pixels of the grown figure
    above = old  # the old top edge of the space above the next panel
    for ax, box in zip(axes, boxes, strict=True):
        top += above - box.y1  # the margin above the panel, as laid out
        height = box.height * grow
        x0, _, width, _ = ax.get_position().bounds
        ax.set_position((x0, (new - top - height) / new, width, height / new))
        top += height
        above = box.y0
    if below is not None:
        x, y = below.get_position()
        below.set_position((x, y * old / new))


def palette(points: int) -> tuple[str, ...]:
    """The fill of each point of a scale with ``points`` points (2 … 11), lowest first.

    Raises:
        ValueError: For a scale the palette has no classes for.
    """
    try:
        return PALETTES[points]
    except KeyError:
        raise ValueError(f"no chart palette for a scale of {points} points") from None


def ink(fill: str) -> str:
    """Text colour on ``fill`` (``#rrggbb``): white on dark fills, black on light ones
    (relative luminance, WCAG 2.x, under 0.2: white)."""
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(fill[i:i + 2]) for i in (1, 3, 5))
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.2 else "black"


@dataclass
class ChartBar:
    """What the chart shows for one indicator.

    Attributes:
        item_id: Indicator id.
        main_goal: Main goal id (the panel).
        label: Indicator text in the chart language (unwrapped).
        n: Number of answers with a value, or a withheld mark such as ``"<5"``.
        drawn: False if the indicator has fewer than ``k`` answers (only the label shows).
        shares: Scale value (``"1"`` … ``"5"`` on a 5-point scale, and ``"hidden"`` for
            withheld cells) -> fraction of ``n`` (0 … 1); empty if not drawn. For a
            collapsed bar: ``low`` / ``middle`` / ``high`` -> fraction.
        collapsed: True if the bar shows the 3-point collapse (the full distribution is
            withheld, the collapse is not).
    """

    item_id: str
    main_goal: str
    label: str
    n: int | str
    drawn: bool
    shares: dict[str, float] = field(default_factory=dict)
    collapsed: bool = False


def _label(item, language: str) -> str:
    if language == "nl" and item.source_nl:
        return item.source_nl
    return item.prompt.get(language) or item.prompt["nl"]


def chart_plan(
    summary_or_rows: Iterable[AnswerRow] | Iterable[dict],
    cat: Catalogue,
    *,
    k: int = 5,
    language: str = "nl",
    only: Iterable[str] | None = None,
) -> list[ChartBar]:
    """Decide what :func:`draw_indicator_chart` draws, without drawing (pure function).

    Args:
        summary_or_rows: Answer rows, or the dicts of
            :func:`~bot.exports.summary.summary_table` or
            :func:`~bot.exports.summary.indicator_summary` (whose withheld cells, ``None``
            or a mark, are kept hidden; a summary table's shown 3-point collapse is drawn
            where the full distribution is withheld).
        cat: The survey catalogue; every indicator appears, in catalogue order.
        k: Indicators with fewer answers are not drawn.
        language: Language of the labels (indicator texts from the catalogue).
        only: Indicator ids to include (e.g. those of the round's survey); all if None.

    Returns:
        One :class:`ChartBar` per (included) indicator of ``cat``.
    """
    data: list[Any] = list(summary_or_rows)
    values = cat.scale.values
    by_item: dict[str, dict] = {}
    if data and isinstance(data[0], dict):
        for row in data:
            by_item[row["item_id"]] = {v: row.get(v, 0) for v in (*values, "n")}
            by_item[row["item_id"]]["three"] = {key: row[key] for key in ("low", "middle", "high")
                                                if row.get(key) is not None}
    else:
        for item_id, counts in count_answers(data, cat).items():
            by_item[item_id] = {**counts.values, "n": counts.n}

    bars = []
    wanted = set(only) if only is not None else None
    for item in cat.indicators:
        if wanted is not None and item.id not in wanted:
            continue
        cells = by_item.get(item.id, {**dict.fromkeys(values, 0), "n": 0})
        n = cells["n"]
        bar = ChartBar(item.id, item.main_goal or "", _label(item, language), n, False)
        if isinstance(n, int) and n >= max(k, 1):
            known = {v: cells[v] for v in values if isinstance(cells[v], int)}
            three = cells.get("three") or {}
            hidden = n - sum(known.values())
            if hidden > 0 and three and sum(three.values()) == n and all(
                    isinstance(c, int) for c in three.values()):
                bar.shares = {key: c / n for key, c in three.items()}
                bar.collapsed = True
            else:
                bar.shares = {v: c / n for v, c in known.items()}
                if len(known) < len(values) and hidden > 0:
                    bar.shares["hidden"] = hidden / n
            bar.drawn = True
        bars.append(bar)
    return bars


def draw_indicator_chart(
    summary_or_rows: Iterable[AnswerRow] | Iterable[dict],
    cat: Catalogue,
    out: Path | str,
    *,
    k: int = 5,
    language: str = "nl",
    title: str | None = None,
    caption: str | None = None,
    only: Iterable[str] | None = None,
) -> Path:
    """Draw the indicator chart as a PNG (1210 x 1540 px; taller where the indicator
    labels need it, see :func:`_grow_to_fit_labels`).

    Args:
        summary_or_rows: Answer rows of one group (e.g. one centre and round), or the
            suppressed table of :func:`~bot.exports.summary.summary_table` (or
            :func:`~bot.exports.summary.indicator_summary`).
        cat: The survey catalogue.
        out: PNG path to write.
        k: Indicators with fewer than ``k`` answers are labelled, not drawn.
        only: Indicator ids to draw (those of the round's survey); every indicator if None.
        language: Language of the fixed texts (gettext) and of the indicator and scale
            labels (catalogue); one of :data:`CHART_LANGUAGES`, others are drawn in
            English (see :func:`chart_language`).
        title: Heading; default a generic question in ``language``.
        caption: A second heading line saying what the chart covers (round, survey,
            centres, date), so a forwarded chart still says what it shows.

    Returns:
        ``out`` as a :class:`~pathlib.Path`. The PNG's text chunks record
        ``Suppressed`` (comma-separated ids of indicators not drawn).

    Raises:
        OSError: ``out`` cannot be written (its folder does not exist, ``out`` is a
            folder, the disk is full). Nothing is left at ``out`` or beside it.
    """
    out = Path(out)
    # written next to its place and renamed into it: a failure (disk full, a folder in
    # the way) leaves no half-written PNG, as the export files (docs/privacy.md). The
    # part file is made first, so a place that cannot be written fails before the
    # drawing (nearly all of the CPU), not after it.
    if out.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(out))
    with written_whole(out) as (part,):
        part.touch()
        fig, heading, suppressed = _figure(summary_or_rows, cat, k=k, language=language,
                                           title=title, caption=caption, only=only)
        fig.savefig(part, format="png", dpi=DPI, pil_kwargs={"compress_level": PNG_COMPRESSION},
                    metadata={"Title": heading, "Description": caption or "", "Software": "Buurtstem",
                              "Suppressed": suppressed})
    return out


def _figure(
    summary_or_rows: Iterable[AnswerRow] | Iterable[dict],
    cat: Catalogue,
    *,
    k: int,
    language: str,
    title: str | None,
    caption: str | None,
    only: Iterable[str] | None,
) -> tuple[Figure, str, str]:
    """The laid-out figure of :func:`draw_indicator_chart`, its heading and the ids of
    the indicators not drawn (comma-separated)."""
    language = chart_language(language)
    tr = Translator(language)
    bars = chart_plan(summary_or_rows, cat, k=k, language=language, only=only)
    # indicators of a pack without a theory of change (a plain XLSForm) have no main
    # goal: they are drawn together under no heading; no bars at all is one empty panel
    for bar in bars:
        if bar.main_goal not in cat.main_goals:
            bar.main_goal = ""
    goals = [g for g in cat.main_goals if any(b.main_goal == g for b in bars)]
    if not goals or any(b.main_goal == "" for b in bars):
        goals.append("")

    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    heading = title or tr._(TITLE)
    FigureCanvasAgg(fig)
    heights = [sum(b.main_goal == g for b in bars) + 0.9 for g in goals]
    axes = fig.subplots(len(goals), 1, height_ratios=heights, squeeze=False)[:, 0]

    values = cat.scale.values
    fills = palette(len(values)) if values else ()  # a pack without scale items: no bars
    any_hidden = False
    below: Text | None = None  # the subtitle under the bars, if not in a legend
    collapsed_keys: set[str] = set()
    def inside(ax: Any, x: float, y: float, share: str, colour: str) -> None:
        # a share inside its bar, in the panel's data coordinates but added to the figure:
        # Axes.text clips every text to the panel's patch (its transform made anew each
        # time), which a text inside a bar never needs; ~0.1 ms of CPU less each, ~90 a chart
        fig.add_artist(Text(x, y, share, ha="center", va="center", fontsize=9, color=colour,
                            transform=ax.transData, clip_on=False, in_layout=False), clip=False)

    for ax, goal in zip(axes, goals, strict=True):
        rows = [b for b in bars if b.main_goal == goal]
        ys = range(len(rows))
        # the segments of all bars, by look: one collection per look, not one artist each;
        # the texts inside the bars stay inside the axes, so the layout need not measure them
        segments: dict[tuple[str, str, str], list[tuple[int, float, float]]] = {}
        for y, bar in zip(ys, rows, strict=True):
            if not bar.drawn:
                ax.text(0.5, y, tr._(TOO_FEW, k=k), ha="center", va="center",
                        fontsize=10, style="italic", color="#555555", in_layout=False)
                continue
            left = 0.0
            keys = ["low", "middle", "high"] if bar.collapsed else [*values, "hidden"]
            for key in keys:
                share = bar.shares.get(key, 0.0)
                if share <= 0:
                    continue
                if bar.collapsed:
                    collapsed_keys.add(key)
                    look = (COLLAPSED_FILL[key], "..", "white")
                    segments.setdefault(look, []).append((y, left, share))
                    if share >= 0.07:
                        inside(ax, left + share / 2, y, f"{share:.0%}", "black")
                elif key == "hidden":
                    any_hidden = True
                    gap = min(HIDDEN_GAP, share / 2) if left > 0 else 0.0
                    look = ("white", "///", HIDDEN_COLOUR)
                    segments.setdefault(look, []).append((y, left + gap, share - gap))
                else:
                    fill = fills[values.index(key)]
                    segments.setdefault((fill, "", "white"), []).append((y, left, share))
                    if share >= 0.07:
                        inside(ax, left + share / 2, y, f"{share:.0%}", ink(fill))
                left += share
            ax.text(1.01, y, f"n = {bar.n}", ha="left", va="center", fontsize=10)
        for (fill, hatch, edge), spans in segments.items():
            ax.add_collection(_bars(spans, facecolors=fill, hatch=hatch or None, edgecolors=edge),
                              autolim=False)
        ax.tick_params(axis="y", length=0, labelsize=10)
        ax.tick_params(axis="x", labelsize=9)
        ax.set_yticks(list(ys), [textwrap.fill(b.label, _WRAP) for b in rows])
        ax.set_xlim(0, 1)
        ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0%", "25%", "50%", "75%", "100%"])
        # the axes have no axis labels: placing them by hand spares matplotlib measuring
        # every tick label again on each layout pass and draw only to put an empty label
        ax.xaxis.set_label_coords(0.5, 0.0)
        ax.yaxis.set_label_coords(0.0, 0.5)
        ax.axvline(0.5, color="#777777", linewidth=0.6, linestyle=":", zorder=0)
        ax.spines[["top", "right", "left"]].set_visible(False)
        if goal:  # at its place (y given): matplotlib's search for room above measured
            # every tick label for each title on each layout pass and draw; nothing
            # is above the panel (no ticks on top) for it to move the title away from
            texts = cat.main_goals[goal].text
            ax.set_title(texts.get(language) or texts.get("nl") or next(iter(texts.values()), ""),
                         loc="left", fontsize=13, fontweight="bold", y=1.0)

    handles = [Patch(facecolor=fills[i], edgecolor="#888888",
                     label=f"{p.value} {p.label.get(language, p.label['nl'])}")
               for i, p in enumerate(cat.scale.points)]
    groups = collapse_groups(values)
    handles += [Patch(facecolor=COLLAPSED_FILL[key], hatch="..", edgecolor="white",
                      label=tr._(COLLAPSED[key], values="–".join((groups[key][0], groups[key][-1]))
                                 if len(groups[key]) > 1 else groups[key][0]))
                for key in ("low", "middle", "high") if key in collapsed_keys]
    # The heading is the legend's title: constrained layout then stacks them without
    # overlap (a suptitle and an "outside" figure legend collide).
    # one row of keys up to six; a longer scale (7 points + hidden) takes two rows
    columns = len(handles) if len(handles) <= 6 else -(-len(handles) // 2)
    fig.legend(handles=handles, loc="outside upper center", ncols=columns,
               fontsize=10, frameon=False, title=heading + (f"\n{caption}" if caption else ""),
               title_fontproperties={"size": 16, "weight": "bold"})
    if any_hidden:  # its own legend under the bars, apart from the scale's
        fig.legend(handles=[Patch(facecolor="white", hatch="///", edgecolor=HIDDEN_COLOUR,
                                  label=tr._(HIDDEN_NOTE, k=k))],
                   loc="outside lower center", fontsize=10, frameon=False,
                   title=tr._(SUBTITLE), title_fontproperties={"size": 9})
    else:
        below = fig.supxlabel(tr._(SUBTITLE), fontsize=9, color="#333333")

    # Constrained layout, run once here instead of set on the figure: with a layout engine
    # set, savefig first draws the whole figure without output only to lay it out, then
    # again to the PNG (matplotlib's print_figure); this way the chart is drawn once.
    _LAYOUT.execute(fig)
    _grow_to_fit_labels(fig, axes, below)

    return fig, heading, ",".join(b.item_id for b in bars if not b.drawn)
