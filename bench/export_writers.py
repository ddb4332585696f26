"""Benchmark: stream synthetic answers through :func:`write_answers_csv`.

Run: ``.venv/bin/python bench/export_writers.py [N]`` (default 1,000,000 rows). Prints
rows/s, file size and the peak of Python allocations (tracemalloc, measured in a second
run because tracing slows Python down several-fold).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.exports.csv_writer import write_answers_csv
from bot.exports.rows import AnswerRow

TEXTS = ("", "", "", "Ik ken nu mijn buren beter.\nEn ik kom vaker buiten.",
         "=HYPERLINK(\"http://x\")", "Çok güzel; teşekkürler", "Дякую, \"добре\"")


def synthetic(n: int):
    """Yield ``n`` varied rows without holding them in memory."""
    d0 = date(2025, 3, 1)
    for i in range(n):
        scale = i % 4 != 0
        yield AnswerRow(
            round=1 + i // 250_000, centre=("zuidwest", "moerwijk", "bouwlust")[i % 3],
            respondent=f"R{i // 25:05d}", language=("nl", "tr", "ar", "uk")[i % 4],
            item_id="ind.cohesion.less_lonely" if scale else "msc.change_self",
            item_type="scale" if scale else "text", main_goal="cohesion" if scale else "",
            sub_goal="cohesion.meet" if scale else "", status="answered",
            value=str(1 + i % 5) if scale else "", value_label_nl="Een beetje" if scale else "",
            text="" if scale else TEXTS[i % len(TEXTS)], mode="self",
            answered_on=d0 + timedelta(days=i % 60),
        )


def main(argv: list[str] | None = None) -> None:
    """Time both dialects, then measure peak allocations."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000,
                        help="rows to write (default 1,000,000)")
    n = parser.parse_args(argv).rows
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "answers.csv"
        t0 = time.perf_counter()
        for _ in synthetic(n):
            pass
        t_gen = time.perf_counter() - t0
        for dialect in ("rfc4180", "excel-nl"):
            t0 = time.perf_counter()
            written = write_answers_csv(synthetic(n), out, dialect=dialect)
            dt = time.perf_counter() - t0
            size = out.stat().st_size
            print(f"{dialect:9s}: {written:,} rows in {dt:.2f} s = {written / dt:,.0f} rows/s "
                  f"(incl. {t_gen:.2f} s making the rows; writer alone "
                  f"{written / max(dt - t_gen, 1e-9):,.0f} rows/s), {size / 1e6:.1f} MB")
        m = min(n, 200_000)
        tracemalloc.start()
        write_answers_csv(synthetic(m), out)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak Python allocations while writing {m:,} rows: {peak / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
