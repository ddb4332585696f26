"""Survey packs: chosen by SURVEY_PACK, languages per pack, centres in districts (issue 13)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.settings import SettingsError, load_settings
from bot.storage import Storage
from bot.survey.catalogue import DATA_DIR, SurveyDataError, catalogue, load_pack


def _copy(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(DATA_DIR, pack, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return pack


def test_default_pack_names_itself_and_its_district() -> None:
    cat = load_pack()
    assert cat.name == "den-haag-zuidwest"
    assert cat.languages == ("nl", "en", "tr", "ar", "pl", "uk") and cat.source_language == "nl"
    assert cat.districts == ["Zuidwest"]
    assert len(cat.version) == 12 and int(cat.version, 16) >= 0
    assert catalogue() is catalogue(DATA_DIR)  # loaded once per process


def test_version_follows_the_content(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    before = load_pack(pack).version
    centres = pack / "centres.toml"
    centres.write_text(centres.read_text(encoding="utf-8").replace("Bij Betje", "Bij Betje!"),
                       encoding="utf-8")
    assert load_pack(pack).version != before


def test_pack_with_fewer_languages_falls_back_to_its_source(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    meta = pack / "pack.toml"
    meta.write_text(meta.read_text(encoding="utf-8").replace(
        'languages = ["nl", "en", "tr", "ar", "pl", "uk"]', 'languages = ["nl", "en"]'), encoding="utf-8")
    toml = pack / "surveys.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('tr = "Kısa anket"\n', ""), encoding="utf-8")
    cat = load_pack(pack)
    assert cat.languages == ("nl", "en")
    assert cat.surveys["short"].title["tr"] == "Korte vragenlijst"  # the Dutch source


def test_pack_language_missing_is_named(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    toml = pack / "surveys.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('en = "Short survey"\n', ""), encoding="utf-8")
    with pytest.raises(SurveyDataError, match=r"surveys.toml: survey 'short': title.*missing language\(s\): en"):
        load_pack(pack)


def test_source_language_must_be_a_pack_language(tmp_path: Path) -> None:
    pack = _copy(tmp_path)
    (pack / "pack.toml").write_text('languages = ["nl", "en"]\nsource_language = "so"\n', encoding="utf-8")
    with pytest.raises(SurveyDataError, match="source language 'so' is not one of the languages"):
        load_pack(pack)


def test_missing_pack_setting_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^SURVEY_PACK is invalid: .*nowhere does not exist"):
        load_settings(require_bot=False, survey_pack=tmp_path / "nowhere")


def test_bot_refuses_to_start_with_a_broken_pack(tmp_path, monkeypatch, capsys) -> None:
    pack = _copy(tmp_path)
    items = pack / "items.toml"
    items.write_text(items.read_text(encoding="utf-8").replace('id = "msc.why"', 'id = "msc.contact"'),
                     encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:ABCDEFGHIJ")
    monkeypatch.setenv("PSEUDONYM_SECRET", "0123456789abcdef0123")
    monkeypatch.setenv("SURVEY_PACK", str(pack))
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("buurtstem: SURVEY_PACK is broken: ") and "duplicate item id 'msc.contact'" in err


async def test_centres_keep_their_district(tmp_path: Path) -> None:
    store = await Storage.open(tmp_path / "db.sqlite3")
    try:
        await store.seed_centres(load_pack().centres)
        places = await store.centre_places()
        assert places["shalom"] == (None, "Zuidwest") and len(places) == 11
    finally:
        await store.close()
