"""Benchmark: the CSV export of 1,000,000 answers next to the sqlite3 shell's ``.mode csv``.

Run: ``.venv/bin/python bench/export.py [--answers N]``. Builds a database with N answers
(about 15 % free text, as a round of the ``full`` survey gives), then in the same run:

* ``buurtstem``: ``bot.exports.service.run_export`` (the analyst's k-anonymous row file:
  generalised centre, language, mode and date; goals and Dutch labels from the
  catalogue; no free text; BOM, neutralised cells), in a child process so its peak RSS
  can be read. It runs with ``--panel``-style keys so the shell's lookup file (built
  separately) has the same labels; the generalisation is deterministic;
* ``sqlite3 joined``: the sqlite3 command-line shell exporting *the same joined rows*
  with ``.mode csv`` — the answers joined with the catalogue (item type, main goal,
  sub-goal, Dutch value label, one row per picked card), the export's respondent labels
  and local dates. The shell cannot read the catalogue (TOML) or make labels, so those
  lookup tables are handed to it ready-made in an attached file, built outside its
  timing; it neither re-scrubs text nor guards cells (our export does both, timed).
  The two files are parsed back with :mod:`csv` and compared row for row.
* ``sqlite3 plain``: for reference, the shell dumping the ``answers`` table with no
  join at all (a floor, not the target).

Prints seconds and peak memory and the ``ratio`` (ours / sqlite3 joined), and the ratio
to the plain dump for reference. Targets (issue 5): peak memory under 200 MB, ratio at
most 2.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: Panel secret of both runs (random per-export labels would differ between them).
PANEL_SECRET = b"bench-panel-secret-0123"

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
PANEL = {panel!r}
result = run_export({db!r}, cat, Path({out!r}), fmt="csv", tz=ZoneInfo("Europe/Amsterdam"), workers=os.cpu_count() or 1, panel_secret=PANEL)
seconds = time.perf_counter() - start
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(seconds, result.rows, peak)
"""

PLAIN_SQL = (
    ".headers on\n.mode csv\n.output {out}\n"
    "SELECT round_id, centre_code, respondent, language, item_id, status, value, choices, text,"
    " mode, date(answered_at) FROM answers ORDER BY round_id, respondent, id;\n"
)

#: The export's rows (same columns, same order) from the shell, with the lookup tables
#: attached as ``lk``. Mirrors :func:`bot.exports.sql_csv._line_sql` minus the re-scrub
#: and the OWASP guard, with ``.mode csv`` doing the quoting.
JOINED_SQL = (
    ".headers on\n.mode csv\n.output {out}\nATTACH '{lookup}' AS lk;\n"
    "SELECT a.round_id AS round, l.centre AS centre, l.label AS respondent,"
    " l.language AS language, a.item_id AS item_id, COALESCE(i.item_type, '') AS item_type,"
    " (CASE WHEN j.value IS NOT NULL AND o.main_goal != '' THEN o.main_goal"
    "  ELSE COALESCE(i.main_goal, '') END) AS main_goal,"
    " COALESCE(i.sub_goal, '') AS sub_goal, a.status AS status,"
    " (CASE WHEN j.value IS NOT NULL THEN COALESCE(o.value, '') ELSE COALESCE(a.value, '') END) AS value,"
    " (CASE WHEN j.value IS NOT NULL THEN COALESCE(o.label, '') ELSE COALESCE(s.label, '') END)"
    "  AS value_label_nl,"
    " '' AS text,"
    " l.mode AS mode, l.day AS answered_on"
    " FROM lk.bs_labels l JOIN answers_shown a ON a.round_id = l.round_id AND a.respondent = l.respondent"
    " LEFT JOIN json_each(CASE WHEN a.choices IS NULL OR a.choices = '[]' THEN NULL ELSE a.choices END) j"
    " LEFT JOIN lk.bs_items i ON i.item_id = a.item_id"
    " LEFT JOIN lk.bs_scale s ON s.value = a.value"
    " LEFT JOIN lk.bs_options o ON o.item_id = a.item_id AND o.option_id = j.value"
    " WHERE a.item_id NOT IN (SELECT item_id FROM lk.bs_hidden)"
    " ORDER BY l.round_id, l.label, a.id;\n"
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
                    value = rng.choice(cat.scale.points).value
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
    code = CHILD.format(root=str(ROOT), db=str(db), out=str(out), panel=PANEL_SECRET)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, rows, maxrss_kb = proc.stdout.split()
    return float(seconds), int(rows), int(maxrss_kb) / 1024


def build_lookup(db: Path, lookup: Path) -> None:
    """Write the export's lookup tables (catalogue cells, labels, local days) to ``lookup``,
    as :mod:`bot.exports.sql_csv` makes them, so the shell can run the same join."""
    from zoneinfo import ZoneInfo

    from bot.exports.query import row_plan
    from bot.exports.sql_csv import _SCHEMA, _tables
    from bot.survey import catalogue

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    plan = row_plan(conn, tz=ZoneInfo("Europe/Amsterdam"), k=5, cat=catalogue(),
                    panel_secret=PANEL_SECRET)
    tables = _tables(conn, catalogue(), plan, ",", as_cells=False)
    conn.close()
    out = sqlite3.connect(lookup)
    for name, schema in _SCHEMA.items():
        out.execute(f"CREATE TABLE {name} {schema}")
        if tables[name]:
            marks = ",".join("?" * len(tables[name][0]))
            out.executemany(f"INSERT INTO {name} VALUES ({marks})", tables[name])
    out.execute("CREATE INDEX bs_labels_order ON bs_labels(round_id, label)")
    out.commit()
    out.close()


def same_rows(ours: Path, shell: Path) -> bool:
    """True if both CSV files parse (:mod:`csv`) to the same header and rows."""
    import csv
    import itertools

    with open(ours, encoding="utf-8-sig", newline="") as a, \
            open(shell, encoding="utf-8", newline="") as b:
        return all(x == y for x, y in itertools.zip_longest(csv.reader(a), csv.reader(b)))


SHELL_CHILD = """
import resource, subprocess, sys, time
script = sys.stdin.read()
start = time.perf_counter()
subprocess.run(sys.argv[1:], input=script, text=True, check=True)
seconds = time.perf_counter() - start
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def run_shell(db: Path, out: Path, script: str, lookup: Path | None = None) -> tuple[float, float]:
    """Time the sqlite3 shell running ``script``; returns (seconds, peak RSS in MB).

    The shell runs under a small Python parent of its own, so its peak RSS is not mixed
    up with earlier children of this process (``RUSAGE_CHILDREN`` keeps the maximum).
    """
    sqlite = shutil.which("sqlite3")
    if sqlite is None:
        raise SystemExit("the sqlite3 command-line shell is not installed (apt-get install sqlite3)")
    proc = subprocess.run([sys.executable, "-c", SHELL_CHILD, sqlite, str(db)],
                          input=script.format(out=out, lookup=lookup), capture_output=True,
                          text=True, check=True)
    seconds, maxrss_kb = proc.stdout.split()
    return float(seconds), int(maxrss_kb) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        t0 = time.perf_counter()
        build_database(db, args.answers)
        print(f"database: {args.answers:,} answers built in {time.perf_counter() - t0:.1f} s")
        lookup = Path(tmp) / "lookup.sqlite3"
        build_lookup(db, lookup)
        tmp_path = Path(tmp)
        plain_s = min(run_shell(db, tmp_path / "plain.csv", PLAIN_SQL)[0] for _ in range(2))
        # Interleave the runs (shell, ours, shell, ours) and keep each side's best.
        joined, ours = [], []
        for _ in range(2):
            joined.append(run_shell(db, tmp_path / "shell.csv", JOINED_SQL, lookup))
            ours.append(run_ours(db, tmp_path / "ours.csv"))
        shell_s, shell_mb = min(joined)
        ours_s, rows, ours_mb = min(ours)
        same = same_rows(tmp_path / "ours.csv", tmp_path / "shell.csv")
        ratio = ours_s / shell_s
        print(f"buurtstem       {ours_s:7.2f} s  peak RSS {ours_mb:6.1f} MB  {rows:,} rows (best of 2)")
        print(f"sqlite3 joined  {shell_s:7.2f} s  peak RSS {shell_mb:6.1f} MB  (.mode csv, best of 2)")
        print(f"sqlite3 plain   {plain_s:7.2f} s  (the answers table, no join; reference only)")
        print(f"same rows       {'yes' if same else 'NO'}  (both files parsed back with csv)")
        print(f"ratio           {ratio:7.2f}  (ours / sqlite3 joined; target <= 2.0)")
        print(f"ratio to plain  {ours_s / plain_s:7.2f}  (reference)")
        ok = ours_mb < 200 and ratio <= 2.0 and same
        print("PASS" if ok else "MISS")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
