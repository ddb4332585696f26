"""``python -m bot export | chart | rounds`` against a small database (the CLI contract)."""

from __future__ import annotations

import csv
import gc
import subprocess
import sys

import pytest

from bot.__main__ import main
from bot.storage import Storage
from bot.survey import catalogue
from tests.support.templates import copy_of


async def _fill(path):
    store = await Storage.open(path)
    await store.seed_centres(catalogue().centres)
    round_ = await store.create_round("short", ["shalom"])
    for n in range(6):
        who = f"{n:064x}"
        await store.record_answer(round_id=round_.id, respondent=who, item_id="msc.change_self",
                                  status="answered", language="nl", centre_code="shalom",
                                  text=f"Verhaal {n}: ik ken nu mijn buren.")
        await store.record_answer(round_id=round_.id, respondent=who, item_id="ind.cohesion.less_lonely",
                                  status="answered", language="nl", centre_code="shalom", value=4)
    await store.close()


@pytest.fixture
async def db(tmp_path, monkeypatch):
    """Six residents at Shalom (a story and an indicator each; filled once per process,
    copied per test), the working folder and the environment of an offline command."""
    path = await copy_of(_fill, tmp_path / "bot.sqlite3")
    monkeypatch.chdir(tmp_path)
    # offline commands need only the database: no token, no pseudonym secret
    for name in ("TELEGRAM_BOT_TOKEN", "PSEUDONYM_SECRET", "EXPORT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(path))
    return path


def test_panel_keys_need_a_secret(db, tmp_path, capsys, monkeypatch):
    assert main(["export", "--panel", "--out", "p.csv"]) == 2
    assert capsys.readouterr().err.strip() == "buurtstem: PSEUDONYM_SECRET is not set"
    monkeypatch.setenv("EXPORT_SECRET", "panel-secret-0123456789")
    assert main(["export", "--panel", "--out", "p.csv"]) == 0
    with (tmp_path / "p.csv").open(encoding="utf-8-sig", newline="") as fh:
        labels = {r["respondent"] for r in csv.DictReader(fh)}
    assert len(labels) == 6 and all(label.startswith("P") for label in labels)


def test_run_still_needs_the_token(db, capsys, monkeypatch):
    with pytest.raises(SystemExit) as stop:
        main(["run"])
    assert stop.value.code == 2
    assert capsys.readouterr().err.strip() == "buurtstem: TELEGRAM_BOT_TOKEN is not set"


def test_export_csv_of_a_round(db, tmp_path, capsys):
    out = tmp_path / "r1.csv"
    assert main(["export", "--round", "1", "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # no story question, not even its status (integration/test_story_row_linking.py)
    assert sorted(r["item_id"] for r in rows) == ["ind.cohesion.less_lonely"] * 6
    # the analyst's row file: no free text, k-anonymity noted
    assert {r["text"] for r in rows} == {""}
    assert "k-anonymous" in capsys.readouterr().err


async def test_an_export_or_chart_that_cannot_be_written_says_so_in_one_line(db, tmp_path, capsys,
                                                                            monkeypatch):
    """--out in a folder that does not exist, or a folder itself: one line, exit 1, nothing
    left behind (it was a traceback), not even an open spreadsheet whose clean-up fails
    later in a garbage collection."""
    unraisable: list = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    store = await Storage.open(db)
    await store.set_round_status(1, "closed")       # the six are released: figures to draw
    await store.close()
    (tmp_path / "a-folder").mkdir()
    for argv in (["export", "--round", "1", "--out", str(tmp_path / "missing" / "x.csv")],
                 ["export", "--round", "1", "--format", "xlsx", "--out", str(tmp_path / "missing" / "x.xlsx")],
                 ["export", "--round", "1", "--out", str(tmp_path / "a-folder")],
                 ["chart", "--round", "1", "--out", str(tmp_path / "missing" / "x.png")]):
        assert main(argv) == 1, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert err[0].startswith("buurtstem: cannot write ") and err[0].endswith("; no file written")
        assert "Traceback" not in "\n".join(err)
    assert not list(tmp_path.rglob("*.part")) and not list((tmp_path / "a-folder").iterdir())
    gc.collect()
    assert [(u.exc_type, u.object) for u in unraisable] == []


async def test_export_of_one_respondent_is_refused_in_one_line(db, tmp_path, capsys):
    store = await Storage.open(db)
    small = await store.create_round("short", ["bijbetje"])
    await store.record_answer(round_id=small.id, respondent="f" * 64, item_id="ind.cohesion.less_lonely",
                              status="answered", language="uk", centre_code="bijbetje", value=1)
    await store.close()
    for argv in (["export", "--round", str(small.id), "--out", "one.csv"],
                 ["export", "--round", str(small.id), "--audience", "coordinator", "--out", "one.csv"],
                 ["chart", "--round", str(small.id), "--out", "one.png"]):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("buurtstem: too few respondents") and "\n" not in err
        assert not list(tmp_path.glob("one.*")) and not list(tmp_path.glob(".one*"))


@pytest.mark.parametrize("argv", [["export", "--round", "99", "--out", "x.csv"],
                                  ["chart", "--round", "99", "--out", "x.png"],
                                  ["export", "--format", "stories", "--round", "99", "--out", "d"]])
def test_a_round_that_does_not_exist_is_an_error(db, tmp_path, capsys, argv):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.strip() == "buurtstem: round 99 does not exist (see: python -m bot rounds list)"
    assert not (tmp_path / argv[-1]).exists()


def test_stories_need_a_folder(db, tmp_path, capsys):
    existing = tmp_path / "file.csv"
    existing.write_text("x")
    assert main(["export", "--format", "stories", "--out", str(existing)]) == 1
    assert "is a file" in capsys.readouterr().err
    folder = tmp_path / "stories"
    assert main(["export", "--format", "stories", "--out", str(folder)]) == 0
    assert sorted(f.name for f in folder.iterdir()) == ["effecten.csv", "verhalen.html", "verhalen.md"]
    assert (folder / "verhalen.md").read_text(encoding="utf-8").startswith("# Verhalen")


def test_stories_and_effects_that_cannot_be_written_say_so_in_one_line(db, tmp_path, capsys, monkeypatch):
    """As the other exports: one line, exit 1, nothing half-written (was a traceback)."""
    folder, missing, blocked = tmp_path / "folder", tmp_path / "missing" / "e.csv", tmp_path / "file"
    folder.mkdir()
    blocked.write_text("x")
    for argv, reason in ((["--format", "effects", "--out", str(folder)], "Is a directory"),
                         (["--format", "effects", "--out", str(missing)], "No such file or directory"),
                         (["--format", "stories", "--out", str(blocked / "st")], "Not a directory")):
        assert main(["export", *argv]) == 1
        assert capsys.readouterr().err.strip() == f"buurtstem: cannot write {argv[-1]}: {reason}; no file written"
    assert list(folder.iterdir()) == [] and blocked.read_text() == "x"

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    # the disk fills up at the third file of the stories: none of the three is left
    monkeypatch.setattr("bot.exports.stories_doc.write_table_csv", disk_full)
    assert main(["export", "--format", "stories", "--out", str(tmp_path / "st")]) == 1
    assert capsys.readouterr().err.strip().endswith("No space left on device; no file written")
    assert list((tmp_path / "st").iterdir()) == []

    def half_then_full(_header, _rows, out, **_kwargs):
        out.write_text("ronde,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("bot.exports.csv_writer.write_table_csv", half_then_full)
    assert main(["export", "--format", "effects", "--out", str(tmp_path / "e.csv")]) == 1
    assert capsys.readouterr().err.strip().endswith("No space left on device; no file written")
    assert not list(tmp_path.glob("*e.csv*"))


BROKEN_DB = "buurtstem: the database (DATABASE_PATH) cannot be used: file is not a database"


@pytest.mark.parametrize("argv", [["export", "--out", "x.csv"], ["chart", "--out", "x.png"]])
def test_a_file_that_is_not_a_database_is_one_line(tmp_path, monkeypatch, capsys, argv):
    """Was a traceback."""
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database " * 20)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(bad))
    assert main(argv) == 2
    assert capsys.readouterr().err.strip() == BROKEN_DB
    assert not (tmp_path / argv[-1]).exists()


def test_rounds_on_a_file_that_is_not_a_database_ends_in_one_line(tmp_path):
    """``rounds`` (and ``run``) open the storage: it left a connection's thread running
    after the error, so the process printed a traceback and then never ended. A process
    of its own (bounded by its time-out), as an operator runs it."""
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database " * 20)
    env = {"PATH": "/usr/bin:/bin", "DATABASE_PATH": str(bad)}
    try:
        done = subprocess.run([sys.executable, "-m", "bot", "rounds", "list"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("python -m bot rounds list did not end on a broken database")
    assert (done.returncode, done.stderr.strip(), done.stdout) == (2, BROKEN_DB, "")


def test_rounds_list(db, capsys):
    assert main(["rounds", "list"]) == 0
    out = capsys.readouterr().out
    assert "1" in out and "short" in out and "shalom" in out
