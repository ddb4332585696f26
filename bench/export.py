"""Benchmark: the CSV export of 1,000,000 answers next to the sqlite3 shell's ``.mode csv``.

Run: ``.venv/bin/python bench/export.py [--answers N]``. Builds a database with N answers
(about 15 % free text, as a round of the ``full`` survey gives), then in the same run:

* ``buurtstem``: ``bot.exports.service.run_export`` (per-export labels, goals and Dutch
  labels from the catalogue, free text scrubbed again, BOM, neutralised cells), in a
  child process so its peak RSS can be read;
* ``sqlite3``: the sqlite3 command-line shell exporting the same rows with ``.mode csv``.

Prints seconds and peak memory of both and the ``ratio`` (ours / sqlite3). Targets
(issue 5): peak memory under 200 MB, ratio at most 2.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STORIES = [
    "Ik ken nu mijn buren beter en ik kom vaker buiten.",
    "Sinds ik hier kom voel ik me minder alleen. De koffieochtend is fijn.",
    "Mijn Nederlands is beter geworden door de praatgroep op dinsdag.",
    "Ze hielpen me met de brief van de gemeente over de huurtoeslag.",
    "Artık mahallede kendimi daha güvende hissediyorum.",
    "Тепер я допомагаю на кухні і маю тут друзів.",
    "أصبحت أساعد في تنظيم الحفلات للأطفال.",
    "Pomogli mi z listem z urzędu, bardzo dziękuję.",
]

CHILD = """
import resource, sys, time
from pathlib import Path
from zoneinfo import ZoneInfo
sys.path.insert(0, {root!r})
from bot.exports.service import run_export
from bot.survey import catalogue
cat = catalogue()
start = time.perf_counter()
import os
result = run_export({db!r}, cat, Path({out!r}), fmt="csv", tz=ZoneInfo("Europe/Amsterdam"), workers=os.cpu_count() or 1)
seconds = time.perf_counter() - start
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(seconds, result.rows, peak)
"""

SHELL_SQL = (
    ".headers on\n.mode csv\n.output {out}\n"
    "SELECT round_id, centre_code, respondent, language, item_id, status, value, choices, text,"
    " mode, date(answered_at) FROM answers ORDER BY round_id, respondent, id;\n"
)


def build_database(path: Path, answers: int, seed: int = 1) -> None:
    """Create the schema with the bot's migrations and insert ``answers`` synthetic answers."""
    import asyncio

    from bot.storage import Storage
    from bot.survey import catalogue

    cat = catalogue()

    async def schema() -> None:
        store = await Storage.open(path)
        await store.seed_centres(cat.centres)
        await store.create_round("full", [])
        await store.close()

    asyncio.run(schema())
    items = cat.survey_items("full")
    centres = [c.code for c in cat.centres]
    rng = random.Random(seed)
    langs = ["nl", "en", "tr", "ar", "pl", "uk"]
    start = datetime(2026, 3, 1, tzinfo=UTC)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")

    def rows():
        n = 0
        respondent = 0
        while n < answers:
            respondent += 1
            who = f"{respondent:064x}"
            lang = langs[respondent % 6]
            centre = centres[respondent % len(centres)]
            stamp = (start + timedelta(minutes=respondent)).isoformat(timespec="seconds")
            for item in items:
                if n >= answers:
                    return
                n += 1
                value = choices = text = None
                if item.type == "scale":
                    value = rng.randint(1, 5)
                elif item.type in ("choice", "cards"):
                    choices = json.dumps([o.id for o in item.options[: rng.randint(1, 3)]])
                else:
                    text = rng.choice(STORIES)
                yield (1, who, item.id, "answered", value, choices, text, lang, centre, "self", stamp)

    conn.executemany(
        "INSERT INTO answers (round_id, respondent, item_id, status, value, choices, text,"
        " language, centre_code, mode, answered_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows())
    conn.commit()
    conn.close()


def run_ours(db: Path, out: Path) -> tuple[float, int, float]:
    code = CHILD.format(root=str(ROOT), db=str(db), out=str(out))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, rows, maxrss_kb = proc.stdout.split()
    return float(seconds), int(rows), int(maxrss_kb) / 1024


def run_shell(db: Path, out: Path) -> tuple[float, float]:
    sqlite = shutil.which("sqlite3")
    if sqlite is None:
        raise SystemExit("the sqlite3 command-line shell is not installed (apt-get install sqlite3)")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sqlite, str(db)], input=SHELL_SQL.format(out=out), text=True, check=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(after, before) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        t0 = time.perf_counter()
        build_database(db, args.answers)
        print(f"database: {args.answers:,} answers built in {time.perf_counter() - t0:.1f} s")
        shell_s, shell_mb = run_shell(db, Path(tmp) / "shell.csv")
        ours_s, rows, ours_mb = run_ours(db, Path(tmp) / "ours.csv")
        shell_s2, _ = run_shell(db, Path(tmp) / "shell2.csv")
        shell_best = min(shell_s, shell_s2)
        ratio = ours_s / shell_best
        print(f"buurtstem  {ours_s:7.2f} s  peak RSS {ours_mb:6.1f} MB  {rows:,} rows")
        print(f"sqlite3    {shell_best:7.2f} s  peak RSS {shell_mb:6.1f} MB  (.mode csv, best of 2)")
        print(f"ratio      {ratio:7.2f}  (target <= 2.0)")
        ok = ours_mb < 200 and ratio <= 2.0
        print("PASS" if ok else "MISS")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
