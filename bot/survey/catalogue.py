"""Load and cross-check the survey content of a survey pack (a folder of TOML files).

The TOML files are the single source of survey content. :func:`load_catalogue` parses
them into the models of :mod:`bot.survey.models` and checks the references between them,
so that a broken data file stops start-up with a message naming the faulty item instead
of failing mid-round.
"""

from __future__ import annotations

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
        data_dir: Folder the data was read from (pictures live in ``data_dir/pictures``).
    """

    main_goals: dict[str, MainGoal]
    sub_goals: dict[str, SubGoal]
    items: dict[str, Item]
    scale: Scale
    surveys: dict[str, Survey]
    centres: list[Centre]
    effects: list[EffectCategory]
    data_dir: Path = field(default=DATA_DIR)

    languages = LANGUAGES

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


def _parse(model, rows: list[dict], file: str, kind: str) -> list:
    parsed = []
    for row in rows:
        try:
            parsed.append(model.model_validate(row))
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


def load_catalogue(data_dir: Path = DATA_DIR) -> Catalogue:
    """Read, validate and cross-check the survey data in ``data_dir``.

    Files: ``theory_of_change.toml`` (main goals, sub-goals, indicator items, effect
    categories), ``items.toml`` (MSC items, meaning cards, the scale), ``surveys.toml``,
    ``centres.toml``.

    Raises:
        SurveyDataError: On a parse error, a missing language, a duplicate id, a dangling
            reference (unknown main goal, sub-goal, item or option) or a missing picture
            file. The message names the file and the item.
    """
    toc = _read(data_dir / "theory_of_change.toml")
    msc = _read(data_dir / "items.toml")
    srv = _read(data_dir / "surveys.toml")
    cen = _read(data_dir / "centres.toml")

    main_goals = _index(
        _parse(MainGoal, toc.get("main_goal", []), "theory_of_change.toml", "main goal"),
        "id", "theory_of_change.toml", "main goal",
    )
    sub_goals = _index(
        _parse(SubGoal, toc.get("sub_goal", []), "theory_of_change.toml", "sub-goal"),
        "id", "theory_of_change.toml", "sub-goal",
    )
    items_list = _parse(Item, msc.get("item", []), "items.toml", "item") + _parse(
        Item, toc.get("indicator", []), "theory_of_change.toml", "indicator"
    )
    items = _index(items_list, "id", "items.toml/theory_of_change.toml", "item")
    effects = _parse(EffectCategory, toc.get("effect", []), "theory_of_change.toml", "effect")
    _index(effects, "id", "theory_of_change.toml", "effect")
    try:
        scale = Scale.model_validate(msc["scale"])
    except (KeyError, ValidationError) as exc:
        raise SurveyDataError(f"items.toml: scale: {exc}") from exc
    surveys = _index(
        _parse(Survey, srv.get("survey", []), "surveys.toml", "survey"),
        "name", "surveys.toml", "survey",
    )
    centres = _parse(Centre, cen.get("centre", []), "centres.toml", "centre")
    _index(centres, "code", "centres.toml", "centre")

    for sub in sub_goals.values():
        if sub.main_goal not in main_goals:
            raise SurveyDataError(
                f"theory_of_change.toml: sub-goal {sub.id!r}: unknown main goal {sub.main_goal!r}"
            )
    for item in items.values():
        where = f"item {item.id!r}"
        if item.type == "scale":
            if not item.main_goal:
                raise SurveyDataError(f"theory_of_change.toml: {where}: has no main goal")
            if not item.picture:
                raise SurveyDataError(f"theory_of_change.toml: {where}: has no picture")
        if item.main_goal and item.main_goal not in main_goals:
            raise SurveyDataError(f"{where}: unknown main goal {item.main_goal!r}")
        if item.sub_goal and item.sub_goal not in sub_goals:
            raise SurveyDataError(f"{where}: unknown sub-goal {item.sub_goal!r}")
        pictures = [item.picture] + [opt.picture for opt in item.options]
        for picture in filter(None, pictures):
            if not (data_dir / "pictures" / picture).is_file():
                raise SurveyDataError(f"{where}: picture file {picture!r} does not exist")
        if item.type in ("choice", "cards") and not item.options:
            raise SurveyDataError(f"{where}: a {item.type} item needs options")
        _index(item.options, "id", "items.toml", f"option of {item.id}")
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
    return Catalogue(
        main_goals=main_goals,
        sub_goals=sub_goals,
        items=items,
        scale=scale,
        surveys=surveys,
        centres=centres,
        effects=effects,
        data_dir=data_dir,
    )


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, loaded once per process (see :func:`load_catalogue`)."""
    return load_catalogue(DATA_DIR)
