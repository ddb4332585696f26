"""Load and cross-check a survey pack: the survey content of one municipality.

A pack is data outside the code, chosen by the ``SURVEY_PACK`` setting: a folder of TOML
files (``pack.toml``, ``centres.toml``, ``theory_of_change.toml``, ``items.toml``,
``surveys.toml``, ``pictures/``, ``audio/``) or an XLSForm workbook (``.xlsx``, see
:mod:`bot.survey.xlsform`). :func:`load_pack` parses either into the models of
:mod:`bot.survey.models` and checks the references between them, so that a broken pack
stops start-up with a message naming the faulty item instead of failing mid-round.
Without a setting the default pack shipped in ``bot/packs`` is used.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from bot.survey.models import (
    LANGUAGES,
    Centre,
    EffectCategory,
    Item,
    MainGoal,
    Scale,
    SubGoal,
    Survey,
    TextRules,
)

#: Folder with the survey packs shipped in the package (``bot/packs/<name>``).
PACKS_DIR = Path(__file__).resolve().parent.parent / "packs"

#: The default survey pack (used when no other pack is chosen).
DATA_DIR = PACKS_DIR / "den-haag-zuidwest"


class SurveyDataError(ValueError):
    """The survey data is invalid; the message names the file and the item."""


@dataclass(frozen=True)
class Catalogue:
    """All survey content, validated and cross-referenced.

    Attributes:
        main_goals: Main goal id -> :class:`MainGoal`, in source order (5).
        sub_goals: Sub-goal id -> :class:`SubGoal`, in source order (19).
        items: Item id -> :class:`Item`, MSC items first, then the 22 indicator items.
        scale: The picture answer scale.
        surveys: Survey name -> :class:`Survey`.
        centres: Default centres (appendix 1 of the report), in source order.
        effects: The 14 effect categories of appendix 3, in source order.
        data_dir: Folder the data was read from (pictures live in ``data_dir/pictures``,
            audio in ``data_dir/audio``).
        name: The pack's name (its folder or workbook name unless it names itself).
        languages: The pack's languages; every resident-facing text has each of them.
        source_language: The language the pack was written in; texts fall back to it.
        version: Short hash of the pack's files; a round remembers the version it was
            opened with.
    """

    main_goals: dict[str, MainGoal]
    sub_goals: dict[str, SubGoal]
    items: dict[str, Item]
    scale: Scale
    surveys: dict[str, Survey]
    centres: list[Centre]
    effects: list[EffectCategory]
    data_dir: Path = field(default=DATA_DIR)
    name: str = ""
    languages: tuple[str, ...] = LANGUAGES
    source_language: str = "nl"
    version: str = ""

    @property
    def districts(self) -> list[str]:
        """District names of the centres, in first-seen order (empty if none has one)."""
        return list(dict.fromkeys(c.district for c in self.centres if c.district))

    def audio_path(self, name: str) -> Path:
        """Absolute path of an audio file named in the data."""
        return self.data_dir / "audio" / name

    def section_of(self, survey: str, item_id: str) -> tuple[int, int, Item] | None:
        """``(part number, number of parts, the item)`` of an item in a survey with parts.

        None when the item is in no part. Parts are numbered from 1 in the order they first
        occur in the survey.
        """
        titles: list[str] = []
        for item in self.survey_items(survey):
            if item.section is not None:
                key = item.section[self.source_language]
                if key not in titles:
                    titles.append(key)
        item = self.items[item_id]
        if item.section is None:
            return None
        return titles.index(item.section[self.source_language]) + 1, len(titles), item

    @property
    def indicators(self) -> list[Item]:
        """The picture-question items (``type == "scale"``), in source order."""
        return [item for item in self.items.values() if item.type == "scale"]

    def picture_path(self, name: str) -> Path:
        """Absolute path of a picture file named in the data."""
        return self.data_dir / "pictures" / name

    def survey_items(self, survey: str) -> list[Item]:
        """The items of a survey, in order.

        Raises:
            KeyError: If ``survey`` is not defined.
        """
        return [self.items[item_id] for item_id in self.surveys[survey].items]


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise SurveyDataError(f"{path.name}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SurveyDataError(f"{path.name}: {exc}") from exc


def _parse(model, rows: list[dict], file: str, kind: str, rules: TextRules | None = None) -> list:
    parsed = []
    context = (rules or TextRules()).context()
    for row in rows:
        try:
            parsed.append(model.model_validate(row, context=context))
        except ValidationError as exc:
            name = row.get("id") or row.get("name") or row.get("code") or "?"
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise SurveyDataError(f"{file}: {kind} {name!r}: {where}: {first['msg']}") from exc
    return parsed


def _index(rows: list, key: str, file: str, kind: str) -> dict:
    out: dict = {}
    for row in rows:
        ident = getattr(row, key)
        if ident in out:
            raise SurveyDataError(f"{file}: duplicate {kind} id {ident!r}")
        out[ident] = row
    return out


#: A language code of a pack: ISO 639-1 or -3 (``nl``, ``so``, ``ti``, ``fil``).
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def pack_rules(languages: list[str] | tuple[str, ...], source: str, where: str) -> TextRules:
    """Check a pack's declared languages and return its :class:`TextRules`.

    Raises:
        SurveyDataError: A code is not a lower-case ISO 639 code, a language is listed
            twice, or the source language is not among the languages.
    """
    langs = tuple(languages)
    bad = [lang for lang in langs if not _LANGUAGE_CODE.match(str(lang))]
    if bad or not langs:
        raise SurveyDataError(f"{where}: languages must be ISO 639 codes such as nl, en, so;"
                              f" not {', '.join(map(str, bad)) or 'none'}")
    if len(set(langs)) != len(langs):
        raise SurveyDataError(f"{where}: a language is listed twice")
    if source not in langs:
        raise SurveyDataError(f"{where}: source language {source!r} is not one of the languages")
    return TextRules(languages=langs, source=source, fill=LANGUAGES)


def pack_version(paths: list[Path]) -> str:
    """A short SHA-256 over the names and bytes of a pack's files (12 hex digits)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def load_pack(pack: Path | str | None = None) -> Catalogue:
    """Load a survey pack: a folder of TOML files or an XLSForm workbook.

    Args:
        pack: The folder, the ``.xlsx`` workbook, or a folder holding one workbook and no
            ``surveys.toml``; None for the default pack.

    Raises:
        SurveyDataError: The pack does not exist or is broken; the message names the file
            (and for a workbook the sheet and row) of the first problem.
    """
    path = Path(pack) if pack is not None else DATA_DIR
    if path.is_dir() and not (path / "surveys.toml").exists():
        books = sorted(p for p in path.glob("*.xlsx") if not p.name.startswith("~$"))
        if len(books) == 1:
            path = books[0]
        else:
            raise SurveyDataError(f"{path}: a pack folder needs surveys.toml or one .xlsx workbook")
    if path.suffix.lower() in (".xlsx", ".xls"):
        from bot.survey.xlsform import load_xlsform  # noqa: PLC0415 - pyxform only for a workbook

        return load_xlsform(path)
    if not path.is_dir():
        raise SurveyDataError(f"{path}: no such pack (a folder or an .xlsx workbook)")
    return load_catalogue(path)


def load_catalogue(data_dir: Path = DATA_DIR) -> Catalogue:
    """Read, validate and cross-check the survey pack folder ``data_dir``.

    Files: ``pack.toml`` (optional: name, source language, languages), ``theory_of_change.toml``
    (main goals, sub-goals, indicator items, effect categories), ``items.toml`` (MSC items,
    meaning cards, the scale), ``surveys.toml``, ``centres.toml``.

    Raises:
        SurveyDataError: On a parse error, a missing language, a duplicate id, a dangling
            reference (unknown main goal, sub-goal, item or option) or a missing picture
            file. The message names the file and the item.
    """
    meta = _read(data_dir / "pack.toml") if (data_dir / "pack.toml").exists() else {}
    rules = pack_rules(meta.get("languages", list(LANGUAGES)), meta.get("source_language", "nl"),
                       "pack.toml")
    toc = _read(data_dir / "theory_of_change.toml")
    msc = _read(data_dir / "items.toml")
    srv = _read(data_dir / "surveys.toml")
    cen = _read(data_dir / "centres.toml")

    main_goals = _index(
        _parse(MainGoal, toc.get("main_goal", []), "theory_of_change.toml", "main goal", rules),
        "id", "theory_of_change.toml", "main goal",
    )
    sub_goals = _index(
        _parse(SubGoal, toc.get("sub_goal", []), "theory_of_change.toml", "sub-goal", rules),
        "id", "theory_of_change.toml", "sub-goal",
    )
    items_list = _parse(Item, msc.get("item", []), "items.toml", "item", rules) + _parse(
        Item, toc.get("indicator", []), "theory_of_change.toml", "indicator", rules
    )
    items = _index(items_list, "id", "items.toml/theory_of_change.toml", "item")
    effects = _parse(EffectCategory, toc.get("effect", []), "theory_of_change.toml", "effect", rules)
    _index(effects, "id", "theory_of_change.toml", "effect")
    try:
        scale = Scale.model_validate(msc["scale"], context=rules.context())
    except (KeyError, ValidationError) as exc:
        raise SurveyDataError(f"items.toml: scale: {exc}") from exc
    surveys = _index(
        _parse(Survey, srv.get("survey", []), "surveys.toml", "survey", rules),
        "name", "surveys.toml", "survey",
    )
    centres = _parse(Centre, cen.get("centre", []), "centres.toml", "centre", rules)
    _index(centres, "code", "centres.toml", "centre")
    files = [p for p in data_dir.rglob("*") if p.is_file() and p.suffix in (".toml", ".png", ".ogg", ".mp3")]
    cat = Catalogue(
        main_goals=main_goals, sub_goals=sub_goals, items=items, scale=scale, surveys=surveys,
        centres=centres, effects=effects, data_dir=data_dir,
        name=str(meta.get("name") or data_dir.name), languages=rules.languages,
        source_language=rules.source, version=pack_version(files),
    )
    check_catalogue(cat, item_file="items.toml", toc_file="theory_of_change.toml")
    return cat


def check_catalogue(cat: Catalogue, *, item_file: str, toc_file: str) -> None:
    """Check the references between the parts of a catalogue.

    Raises:
        SurveyDataError: The first dangling reference (unknown main goal, sub-goal, item or
            option), a missing picture or audio file, or a choice item without options.
    """
    main_goals, sub_goals, items = cat.main_goals, cat.sub_goals, cat.items
    effects, surveys, data_dir = cat.effects, cat.surveys, cat.data_dir

    for sub in sub_goals.values():
        if sub.main_goal not in main_goals:
            raise SurveyDataError(
                f"{toc_file}: sub-goal {sub.id!r}: unknown main goal {sub.main_goal!r}"
            )
    for item in items.values():
        where = f"item {item.id!r}"
        if item.type == "scale" and main_goals and not item.main_goal:
            raise SurveyDataError(f"{toc_file}: {where}: has no main goal")
        if item.main_goal and item.main_goal not in main_goals:
            raise SurveyDataError(f"{where}: unknown main goal {item.main_goal!r}")
        if item.sub_goal and item.sub_goal not in sub_goals:
            raise SurveyDataError(f"{where}: unknown sub-goal {item.sub_goal!r}")
        pictures = [item.picture] + [opt.picture for opt in item.options]
        for picture in filter(None, pictures):
            if not (data_dir / "pictures" / picture).is_file():
                raise SurveyDataError(f"{where}: picture file {picture!r} does not exist")
        for lang, audio in item.audio.items():
            if not (data_dir / "audio" / audio).is_file():
                raise SurveyDataError(f"{where}: audio file {audio!r} ({lang}) does not exist")
        if item.type in ("choice", "cards", "single") and not item.options:
            raise SurveyDataError(f"{where}: a {item.type} item needs options")
        _index(item.options, "id", item_file, f"option of {item.id}")
        for opt in item.options:
            if opt.main_goal and opt.main_goal not in main_goals:
                raise SurveyDataError(f"{where}: option {opt.id!r}: unknown main goal")
        if item.shown_if:
            ref = items.get(item.shown_if.item)
            if ref is None or item.shown_if.includes not in {o.id for o in ref.options}:
                raise SurveyDataError(f"{where}: shown_if refers to an unknown item or option")
    for effect in effects:
        if effect.main_goal not in main_goals:
            raise SurveyDataError(f"effect {effect.id!r}: unknown main goal {effect.main_goal!r}")
    for survey in surveys.values():
        for item_id in survey.items:
            if item_id not in items:
                raise SurveyDataError(f"surveys.toml: survey {survey.name!r}: unknown item {item_id!r}")


@cache
def _cached(pack: Path) -> Catalogue:
    return load_pack(pack)


def catalogue(pack: Path | str | None = None) -> Catalogue:
    """The catalogue of a pack (None: the default pack), loaded once per process.

    Raises:
        SurveyDataError: See :func:`load_pack`.
    """
    return _cached(Path(pack).resolve() if pack is not None else DATA_DIR)
