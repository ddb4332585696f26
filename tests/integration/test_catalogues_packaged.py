"""The translation catalogues travel with the code (issue 18.2).

A wheel carries the compiled catalogues (build hook in ``setup.py``); a checkout that never
ran ``pybabel compile`` reads the ``.po`` files; a bot that cannot load a language it
offers refuses to start, in one line naming the catalogue.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n import CatalogueError, check_catalogues, load_catalogue

ROOT = Path(__file__).resolve().parents[2]
OFFERED = ("en", "tr", "ar", "pl", "uk")
#: A resident-facing msgid and the first word of each translation (tests/unit/test_locales.py
#: keeps the catalogues complete; here only "not Dutch" matters).
MSGID = "Deze knop werkt niet meer."


def _po_only(tmp_path: Path) -> Path:
    """A copy of ``locales/`` as a fresh clone has it: ``.po`` files, no ``.mo``."""
    target = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def test_a_checkout_without_compiled_catalogues_serves_every_language(tmp_path):
    locales = _po_only(tmp_path)
    assert not list(locales.rglob("*.mo"))
    for language in OFFERED:
        translated = load_catalogue(language, [locales]).gettext(MSGID)
        assert translated != MSGID, language


def test_an_edited_po_wins_over_a_stale_mo(tmp_path):
    locales = _po_only(tmp_path)
    po = locales / "en" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    with po.open("rb") as src, mo.open("wb") as out:  # as pybabel compile (and setup.py) write it
        write_mo(out, read_po(src, locale="en", domain="messages"))
    assert mo.is_file() and load_catalogue("en", [locales]).gettext(MSGID) == "This button no longer works."
    text = po.read_text(encoding="utf-8").replace('msgstr "This button no longer works."',
                                                  'msgstr "This button is old."')
    assert "This button is old." in text
    po.write_text(text, encoding="utf-8")
    os.utime(po, (mo.stat().st_mtime + 10, mo.stat().st_mtime + 10))
    assert load_catalogue("en", [locales]).gettext(MSGID) == "This button is old."


def test_a_missing_catalogue_is_named_in_one_line(tmp_path, monkeypatch):
    locales = _po_only(tmp_path)
    shutil.rmtree(locales / "uk")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue("uk", [locales])
    message = str(caught.value)
    assert "'uk'" in message and "messages.mo|.po" in message and "\n" not in message
    broken = locales / "pl" / "LC_MESSAGES" / "messages.po"
    broken.write_text("<<<<<<< HEAD (a merge conflict left in)\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="catalogue for 'pl' cannot be read: .*PoFileError"):
        load_catalogue("pl", [locales])
    empty = locales / "ar" / "LC_MESSAGES" / "messages.po"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(CatalogueError, match="'ar' has no translations"):
        check_catalogues_in(locales, "ar", monkeypatch)


def check_catalogues_in(locales: Path, language: str | None, monkeypatch) -> None:
    """:func:`check_catalogues` with ``LOCALES_DIR`` pointing at ``locales`` (``None``: all)."""
    from bot.i18n import translations

    monkeypatch.setenv("LOCALES_DIR", str(locales))
    translations.cache_clear()
    try:
        check_catalogues([language] if language else None)
    finally:
        monkeypatch.delenv("LOCALES_DIR")
        translations.cache_clear()


def test_the_bot_refuses_to_start_without_a_catalogue_it_offers(tmp_path):
    locales = _po_only(tmp_path)
    shutil.rmtree(locales / "tr")
    env = {**os.environ, "LOCALES_DIR": str(locales), "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN-abcdef",
           "PSEUDONYM_SECRET": "test-secret-0123456789", "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
           "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "catalogue for 'tr' not found" in lines[0], done.stderr
    assert "TEST-TOKEN" not in done.stderr
    check_catalogues()  # this checkout's own catalogues load


@pytest.mark.slow
def test_the_wheel_carries_compiled_catalogues_and_serves_them(tmp_path):
    """A wheel of a fresh copy (no ``.mo`` anywhere), built by the PEP 517 backend that
    ``pyproject.toml`` names (what ``pip wheel --no-build-isolation .`` calls, in a process of
    its own as pip starts it; pip itself cost another second of CPU), unpacked as pip installs a
    pure-Python wheel, serves all five languages from the package alone."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "babel.cfg"):
        shutil.copy2(ROOT / name, src / name)
    skip = shutil.ignore_patterns("*.mo", "__pycache__", "*.pyc")
    for name in ("bot", "conversations", "admin", "locales"):
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    backend = tomllib.loads((src / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    (tmp_path / "dist").mkdir()
    build = "import importlib, sys; print(importlib.import_module(sys.argv[1]).build_wheel(sys.argv[2]))"
    built = subprocess.run([sys.executable, "-c", build, backend["build-backend"], str(tmp_path / "dist")],
                           cwd=src, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    assert built.stdout.strip().splitlines()[-1].startswith("buurtstem-"), built.stdout[-2000:]
    (wheel,) = (tmp_path / "dist").glob("buurtstem-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    for language in OFFERED:
        assert f"bot/locales/{language}/LC_MESSAGES/messages.mo" in names
    probe = ("import bot.i18n as i, sys; i.check_catalogues();"
             "print(i.PACKAGED_LOCALES); print('|'.join(i.Translator(l)._(sys.argv[1]) for l in sys.argv[2:]))")
    env = {k: v for k, v in os.environ.items() if k != "LOCALES_DIR"}
    env["PYTHONPATH"] = str(tmp_path / "site")
    ran = subprocess.run([sys.executable, "-c", probe, MSGID, *OFFERED], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr[-2000:]
    where, texts = ran.stdout.strip().splitlines()
    assert Path(where) == tmp_path / "site" / "bot" / "locales"
    assert MSGID not in texts.split("|") and len(set(texts.split("|"))) == len(OFFERED)


def test_a_catalogue_cut_off_between_entries_is_refused_as_incomplete(tmp_path, monkeypatch):
    # a .po truncated at an entry boundary (a copy cut short) still parses; before, 'run'
    # accepted it with 25 of 268 messages and most Polish residents got Dutch
    locales = _po_only(tmp_path)
    po = locales / "pl" / "LC_MESSAGES" / "messages.po"
    entries = po.read_text(encoding="utf-8").split("\n\n")
    po.write_text("\n\n".join(entries[:30]) + "\n", encoding="utf-8")
    assert len(load_catalogue("pl", [locales])._catalog) > 10  # it loads on its own
    with pytest.raises(CatalogueError) as caught:
        check_catalogues_in(locales, None, monkeypatch)
    message = str(caught.value)
    assert message.startswith("catalogue for 'pl' is incomplete: ") and "\n" not in message
    found, fullest = map(int, message.split(": ")[1].split(" messages")[0].split(" of "))
    assert found < 0.9 * fullest and fullest > 200
    check_catalogues_in(_po_only(tmp_path / "whole"), None, monkeypatch)  # whole ones pass
