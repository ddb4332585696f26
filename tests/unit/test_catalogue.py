"""The shipped survey content (the default pack in bot/packs) loads, is complete and faithful to the sources."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from bot.survey.catalogue import DATA_DIR, Catalogue, SurveyDataError, load_catalogue
from bot.survey.models import LANGUAGES

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
TOC_SEED = SEEDS / "001_247d37e3fda62fae.txt"
REPORT_SEED = SEEDS / "002_8b0ce7a08d242b4c.txt"

MAIN_GOALS = ["cohesion", "livability", "resilience", "participation", "trust"]
INDICATORS_PER_GOAL = {
    "cohesion": 4, "livability": 5, "resilience": 4, "participation": 4, "trust": 5
}

#: Non-Dutch texts allowed to equal the Dutch one (emoji-only texts, proper names).
SAME_AS_NL_OK: set[str] = set()


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue()


def _seed(path: Path) -> str:
    if not path.is_file():
        pytest.skip(f"{path.parent} (…/shared/seeds) not present: {path.name} missing")
    return path.read_text(encoding="utf-8")


def _all_texts(cat: Catalogue) -> list[tuple[str, dict[str, str]]]:
    """(where, Texts) of every resident-facing or reported text in the catalogue."""
    out: list[tuple[str, dict[str, str]]] = []
    out += [(f"main goal {g.id}", g.text) for g in cat.main_goals.values()]
    out += [(f"sub-goal {s.id}", s.text) for s in cat.sub_goals.values()]
    for item in cat.items.values():
        out.append((f"item {item.id}", item.prompt))
        out += [(f"item {item.id} option {o.id}", o.label) for o in item.options]
    out += [(f"scale point {p.value}", p.label) for p in cat.scale.points]
    out += [("scale dont_know", cat.scale.dont_know), ("scale skip", cat.scale.skip)]
    out += [(f"effect {e.id}", e.label) for e in cat.effects]
    out += [(f"survey {s.name}", s.title) for s in cat.surveys.values()]
    return out


# --- structure ---------------------------------------------------------------------------


def test_catalogue_loads(cat: Catalogue) -> None:
    assert cat.data_dir == DATA_DIR
    assert set(cat.surveys) >= {"praatplaat", "indicators", "short", "full"}


def test_main_goals(cat: Catalogue) -> None:
    assert list(cat.main_goals) == MAIN_GOALS
    levels = {g.id: g.level for g in cat.main_goals.values()}
    assert levels == {
        "cohesion": "wijk",
        "livability": "wijk",
        "resilience": "bewoner",
        "participation": "bewoner",
        "trust": "bewoner",
    }


def test_sub_goals(cat: Catalogue) -> None:
    assert len(cat.sub_goals) == 19
    for sub in cat.sub_goals.values():
        assert sub.id.startswith(sub.main_goal + "."), sub.id


def test_indicators(cat: Catalogue) -> None:
    indicators = cat.indicators
    assert len(indicators) == 22
    counts: dict[str, int] = {}
    for ind in indicators:
        assert ind.type == "scale"
        assert ind.main_goal in cat.main_goals, ind.id
        assert ind.id.startswith(f"ind.{ind.main_goal}."), ind.id
        assert ind.sub_goal and cat.sub_goals[ind.sub_goal].main_goal == ind.main_goal, ind.id
        assert ind.picture == f"{ind.id}.png"
        assert ind.source_nl
        counts[ind.main_goal] = counts.get(ind.main_goal, 0) + 1
    assert counts == INDICATORS_PER_GOAL
    # Source order: grouped by main goal in the order of the main goals.
    order = [MAIN_GOALS.index(ind.main_goal) for ind in indicators]
    assert order == sorted(order)


def test_effects_and_centres(cat: Catalogue) -> None:
    assert len(cat.effects) == 14
    assert [e.main_goal for e in cat.effects] == (
        ["cohesion"] * 3
        + ["livability"] * 3
        + ["resilience"] * 3
        + ["participation"] * 2
        + ["trust"] * 3
    )
    assert len(cat.centres) == 11
    assert cat.centres[0].name == "Participatie Keuken"


def test_msc_items(cat: Catalogue) -> None:
    types = {
        "msc.contact": "text",
        "msc.change_self": "text",
        "msc.change_neighbourhood": "text",
        "msc.why": "text",
        "msc.domains": "choice",
        "msc.other": "text",
        "cards.meaning": "cards",
        "cards.missing": "text",
    }
    for item_id, kind in types.items():
        assert cat.items[item_id].type == kind, item_id
    domains = cat.items["msc.domains"]
    assert [o.id for o in domains.options] == [
        "livability", "connection", "challenges", "involvement", "support"
    ]
    for opt in domains.options:
        item = cat.items[f"msc.domain.{opt.id}"]
        assert item.type == "text"
        assert item.shown_if is not None
        assert (item.shown_if.item, item.shown_if.includes) == ("msc.domains", opt.id)
        assert opt.emoji
        assert all(len(label) <= 30 for label in opt.label.values()), opt.id
    cards = cat.items["cards.meaning"]
    assert 12 <= len(cards.options) <= 14
    known = set(cat.items) | {e.id for e in cat.effects}
    for opt in cards.options:
        assert opt.emoji and opt.main_goal in cat.main_goals, opt.id
        assert opt.derived_from and set(opt.derived_from) <= known, opt.id
        assert all(len(label) <= 24 for label in opt.label.values()), opt.id


def test_scale(cat: Catalogue) -> None:
    assert [p.value for p in cat.scale.points] == [1, 2, 3, 4, 5]
    faces = [p.emoji for p in cat.scale.points]
    # An amount scale ("not at all" … "very much"): a resident who reads only the faces must
    # not see "a little" (a small yes) as sad. No frowning face anywhere; all faces differ.
    assert not set(faces) & {"😞", "🙁", "☹️", "😟", "😢", "😠"}, faces
    assert len(set(faces)) == len(faces)
    assert faces[0] == "😐" and faces[1] == "🙂"


def test_surveys(cat: Catalogue) -> None:
    ind_ids = [i.id for i in cat.indicators]
    praat = cat.surveys["praatplaat"].items
    assert praat[:5] == [
        "msc.contact", "msc.change_self", "msc.change_neighbourhood", "msc.why", "msc.domains"
    ]
    assert praat[-1] == "msc.other" and len(praat) == 11
    assert cat.surveys["indicators"].items == ind_ids
    assert cat.surveys["full"].items == praat + ind_ids + ["cards.meaning", "cards.missing"]
    short = cat.survey_items("short")
    assert [i.id for i in short[:2]] == ["msc.change_self", "msc.why"]
    assert [i.id for i in short[-2:]] == ["cards.meaning", "cards.missing"]
    pictures = [i for i in short if i.type == "scale"]
    assert len(pictures) == 6
    assert {i.main_goal for i in pictures} == set(MAIN_GOALS)


# --- pictures and languages --------------------------------------------------------------


def test_pictures_exist_square_png(cat: Catalogue) -> None:
    for ind in cat.indicators:
        path = cat.picture_path(ind.picture)
        assert path.is_file(), path
        assert path.stat().st_size < 80_000, path
        with Image.open(path) as img:
            assert img.format == "PNG", path
            assert img.width == img.height >= 256, path


def test_every_text_in_every_language(cat: Catalogue) -> None:
    for where, texts in _all_texts(cat):
        assert set(texts) == set(LANGUAGES), where
        for lang in LANGUAGES:
            assert texts[lang].strip(), (where, lang)
            if lang != "nl" and texts[lang] not in SAME_AS_NL_OK:
                assert texts[lang] != texts["nl"], (where, lang, texts[lang])


def test_scripts(cat: Catalogue) -> None:
    """Arabic and Ukrainian texts are written in their own script (no embedded Latin)."""
    for where, texts in _all_texts(cat):
        assert not re.search(r"[A-Za-z]", texts["ar"]), (where, texts["ar"])
        assert re.search(r"[\u0600-\u06FF]", texts["ar"]), (where, texts["ar"])
        assert not re.search(r"[A-Za-z]", texts["uk"]), (where, texts["uk"])


# --- faithful to the sources -------------------------------------------------------------


def test_indicators_verbatim_in_seed(cat: Catalogue) -> None:
    seed = _seed(TOC_SEED)
    lines = {line.strip().removeprefix("- ") for line in seed.splitlines()}
    for ind in cat.indicators:
        assert ind.source_nl in lines, ind.id


def test_goals_verbatim_in_seed(cat: Catalogue) -> None:
    seed = _seed(TOC_SEED)
    lines = {re.sub(r"^\d+\.\s*", "", line.strip()) for line in seed.splitlines()}
    for goal in cat.main_goals.values():
        assert goal.text["nl"] in lines, goal.id
    for sub in cat.sub_goals.values():
        assert sub.text["nl"] in lines, sub.id


def test_report_texts_verbatim_in_seed(cat: Catalogue) -> None:
    seed = _seed(REPORT_SEED)
    for effect in cat.effects:
        assert f"\t{effect.label['nl']}\t{effect.kinds_nl}\t" in seed, effect.id
    for centre in cat.centres:
        assert f"\t{centre.name}\t" in seed, centre.code
    for item in cat.items.values():
        for part in (item.source_nl or "").split(" — "):
            assert part in seed, item.id


# --- broken data is reported with the item's name -----------------------------------------


def _copy(tmp_path: Path) -> Path:
    data = tmp_path / "surveys"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return data


def _edit_block(path: Path, item_id: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` once, within the TOML block of the entry ``item_id``."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f'id = "{item_id}"')
    end = text.find("\n[[", start)
    end = len(text) if end < 0 else end
    block = text[start:end]
    assert old in block, (item_id, old)
    path.write_text(text[:start] + block.replace(old, new, 1) + text[end:], encoding="utf-8")


def test_copy_of_data_loads(tmp_path: Path) -> None:
    assert len(load_catalogue(_copy(tmp_path)).indicators) == 22


def test_duplicate_id(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    _edit_block(data / "items.toml", "msc.why", 'id = "msc.why"', 'id = "msc.contact"')
    with pytest.raises(SurveyDataError, match=r"duplicate.*'msc\.contact'"):
        load_catalogue(data)


def test_indicator_without_main_goal(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    toc = data / "theory_of_change.toml"
    _edit_block(toc, "ind.cohesion.contacts", 'main_goal = "cohesion"\n', "")
    with pytest.raises(SurveyDataError, match=r"ind\.cohesion\.contacts.*main goal"):
        load_catalogue(data)


def test_missing_language(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    uk = 'uk = "Чому ця зміна важлива для вас?"\n'
    _edit_block(data / "items.toml", "msc.why", uk, "")
    with pytest.raises(SurveyDataError, match=r"msc\.why.*missing language.*uk"):
        load_catalogue(data)


def test_missing_picture(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    (data / "pictures" / "ind.trust.have_say.png").unlink()
    with pytest.raises(SurveyDataError, match=r"ind\.trust\.have_say.*does not exist"):
        load_catalogue(data)
