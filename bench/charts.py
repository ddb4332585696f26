"""Benchmark: the CPU of one indicator chart (``bot.exports.charts.draw_indicator_chart``).

Run: ``.venv/bin/python bench/charts.py [--rounds N]``. Draws the chart of the default pack
(every indicator, 20 respondents, one indicator under k) in each chart language, N rounds,
and prints CPU seconds (``time.process_time``) of the first chart (fonts load) and the
median of the others, with the PNG's size.

Floor, measured in the same run: every text the chart shows (indicator labels, shares,
``n``, ticks, headings, legend keys) drawn as plain figure texts on a blank figure of the
same size and resolution, and saved the same way. That much text and a PNG of that size
any rendering of this chart pays; the ratio (chart / floor) is what the axes, bars and
layout add on top. Target (issue 12): the chart at most 2.5 x its floor.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from bot.exports import charts  # noqa: E402
from bot.exports.rows import AnswerRow  # noqa: E402
from bot.i18n import Translator  # noqa: E402
from bot.survey import catalogue  # noqa: E402

#: Respondents per indicator, and the indicator that gets only 3 answers (not drawn).
RESPONDENTS = 20
FEW = "ind.trust.supported"
#: The ratio (chart / floor) the chart should stay under.
TARGET = 2.5


def answer_rows(cat) -> list[AnswerRow]:
    """``RESPONDENTS`` answers to every indicator (values cycling 1 … 5), ``FEW``: 3."""
    rows = []
    for r in range(RESPONDENTS):
        for j, item in enumerate(cat.indicators):
            if item.id == FEW and r >= 3:
                continue
            rows.append(AnswerRow(
                round=1, centre="shalom", respondent=f"R{r:04d}", language="nl",
                item_id=item.id, item_type="scale", main_goal=item.main_goal or "",
                sub_goal="", status="answered", value=str(1 + (r + j) % 5), value_label_nl="",
                text="", mode="self", answered_on=date(2025, 3, 14)))
    return rows


def chart_texts(rows, cat, language: str) -> list[tuple[str, float]]:
    """Every text the chart of ``rows`` shows, with its size in points."""
    tr = Translator(language)
    texts = [(tr._(charts.TITLE), 16.0), ("Ronde 1 · buurtpeiling · 14-03-2025", 16.0),
             (tr._(charts.SUBTITLE), 9.0)]
    texts += [(f"{p.value} {p.label.get(language, p.label['nl'])}", 10.0)
              for p in cat.scale.points]
    for goal in cat.main_goals.values():
        texts.append((goal.text.get(language) or goal.text["nl"], 13.0))
        texts += [(f"{tick}%", 9.0) for tick in (0, 25, 50, 75, 100)]
    for bar in charts.chart_plan(rows, cat, language=language):
        texts.append((textwrap.fill(bar.label, 44), 10.0))
        if not bar.drawn:
            texts.append((tr._(charts.TOO_FEW, k=5), 10.0))
            continue
        texts.append((f"n = {bar.n}", 10.0))
        texts += [(f"{share:.0%}", 9.0) for share in bar.shares.values() if share >= 0.07]
    return texts


def draw_floor(texts: list[tuple[str, float]], out: Path) -> None:
    """``texts`` as plain figure texts down a blank figure of the chart's size, saved as
    the chart is."""
    fig = Figure(figsize=charts.FIGSIZE, dpi=charts.DPI)
    FigureCanvasAgg(fig)
    for i, (text, size) in enumerate(texts):
        fig.text(0.02 + 0.3 * (i % 3), 1 - (i // 3 + 1) / (len(texts) // 3 + 2), text,
                 fontsize=size)
    fig.savefig(out, format="png", dpi=charts.DPI,
                pil_kwargs={"compress_level": charts.PNG_COMPRESSION})


def cpu(call) -> float:
    """CPU seconds of ``call()``."""
    start = time.process_time()
    call()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="charts per language")
    args = parser.parse_args()
    cat = catalogue()
    rows = answer_rows(cat)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "chart.png"
        chart_cpu: list[float] = []
        floor_cpu: list[float] = []
        sizes: list[int] = []
        for _ in range(args.rounds):
            for language in charts.CHART_LANGUAGES:
                chart_cpu.append(cpu(lambda language=language: charts.draw_indicator_chart(
                    rows, cat, out, language=language,
                    caption="Ronde 1 · buurtpeiling · 14-03-2025")))
                sizes.append(out.stat().st_size)
                texts = chart_texts(rows, cat, language)
                floor_cpu.append(cpu(lambda texts=texts: draw_floor(texts, out)))
    chart_s, floor_s = statistics.median(chart_cpu[1:]), statistics.median(floor_cpu[1:])
    print(f"indicator chart, {len(cat.indicators)} indicators, {len(chart_cpu)} charts in "
          f"{len(charts.CHART_LANGUAGES)} languages, {charts.FIGSIZE[0] * charts.DPI:.0f} x "
          f"{charts.FIGSIZE[1] * charts.DPI:.0f} px")
    print(f"  chart  first {chart_cpu[0]:.3f} s CPU, then median {chart_s:.3f} s "
          f"(min {min(chart_cpu[1:]):.3f}); PNG {statistics.median(sizes) / 1e6:.2f} MB")
    print(f"  floor  (its texts on a blank figure, same PNG) median {floor_s:.3f} s CPU")
    print(f"  ratio  {chart_s / floor_s:.2f} x floor (target at most {TARGET})")
    print("OK" if chart_s / floor_s <= TARGET else "OVER TARGET")


if __name__ == "__main__":
    main()
