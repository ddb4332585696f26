"""The export benchmark compares like with like: the sqlite3 shell's joined rows are ours."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_export", ROOT / "bench" / "export.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(shutil.which("sqlite3") is None,
                    reason="the sqlite3 command-line shell is not installed")
def test_shell_joined_rows_equal_our_export(tmp_path):
    bench = _bench()
    db = tmp_path / "bench.sqlite3"
    bench.build_database(db, 3000)
    lookup = tmp_path / "lookup.sqlite3"
    bench.build_lookup(db, lookup)
    bench.run_shell(db, tmp_path / "shell.csv", bench.JOINED_SQL, lookup)
    seconds, rows, peak_mb = bench.run_ours(db, tmp_path / "ours.csv")
    with open(tmp_path / "ours.csv", encoding="utf-8-sig", newline="") as fh:
        ours = list(csv.reader(fh))
    with open(tmp_path / "shell.csv", encoding="utf-8", newline="") as fh:
        shell = list(csv.reader(fh))
    # Cards expand to one row per pick, so there are more rows than answers a row file
    # shows (stories and 'why' are not in it: tests/integration/test_story_row_linking.py).
    import sqlite3

    from bot import msc
    from bot.privacy.disclosure import row_file_hidden_items
    from bot.survey import catalogue

    hidden = sorted(row_file_hidden_items(catalogue().items.values(), msc.quoted_item))
    conn = sqlite3.connect(db)
    shown = conn.execute(f"SELECT COUNT(*) FROM answers WHERE item_id NOT IN ({','.join('?' * len(hidden))})",
                         hidden).fetchone()[0]
    conn.close()
    assert rows > shown > 1000
    assert len(ours) == rows + 1
    assert ours == shell
    assert bench.same_rows(tmp_path / "ours.csv", tmp_path / "shell.csv") is True
    assert {r[6] for r in ours[1:]} - {""}, "main goals come from the catalogue join"
    assert seconds > 0 and peak_mb > 0


def test_the_writers_bench_answers_help_and_takes_a_row_count(capsys):
    """``bench/export_writers.py --help`` printed a ValueError traceback (int('--help'))."""
    spec = importlib.util.spec_from_file_location("bench_writers", ROOT / "bench" / "export_writers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(SystemExit) as done:
        module.main(["--help"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("usage: ")
    module.main(["40"])
    out = capsys.readouterr().out
    assert "rfc4180  : 40 rows" in out and "excel-nl : 40 rows" in out


def test_same_rows_sees_a_difference(tmp_path):
    bench = _bench()
    (tmp_path / "a.csv").write_bytes(b"\xef\xbb\xbfround,text\r\n1,x\r\n")
    (tmp_path / "b.csv").write_bytes(b"round,text\r\n1,y\r\n")
    (tmp_path / "c.csv").write_bytes(b"round,text\r\n1,x\r\n")
    assert bench.same_rows(tmp_path / "a.csv", tmp_path / "b.csv") is False
    assert bench.same_rows(tmp_path / "a.csv", tmp_path / "c.csv") is True


async def test_load_bench_stops_a_bot_without_blocking_the_simulator(tmp_path):
    """The bench's simulator shares the event loop that stops the bot; a bot that needs one
    more answer from it while shutting down must get it, not be killed after a time-out."""
    import asyncio
    import subprocess
    import sys

    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    load = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = load  # its dataclasses look their module up
    spec.loader.exec_module(load)
    answered, ready = tmp_path / "answered", tmp_path / "ready"
    child = subprocess.Popen([sys.executable, "-c", (
        "import pathlib, signal, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: None)\n"  # shuts down gracefully, as PTB does
        f"pathlib.Path({str(ready)!r}).touch()\n"
        f"while not pathlib.Path({str(answered)!r}).exists(): time.sleep(0.01)\n"
    )])

    async def until_ready() -> None:  # bounded: a child that dies first fails the test
        while not ready.exists():
            assert child.poll() is None, "the child exited before it was ready"
            await asyncio.sleep(0.01)

    async def simulator() -> None:  # answers only while the loop is free
        await asyncio.wait_for(until_ready(), 30)
        await asyncio.sleep(0.05)  # the stop has begun
        answered.touch()

    helper = asyncio.create_task(simulator())
    try:
        await asyncio.wait_for(until_ready(), 30)
        status = await load._stop(child, timeout=15)
        await asyncio.wait_for(helper, 30)
    finally:
        if child.poll() is None:  # the test failed before the stop: leave no process behind
            child.kill()
            child.wait()
    assert status == 0  # it finished its shutdown; not killed
