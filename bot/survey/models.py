"""Pydantic models for survey content: the theory of change, items, scales and surveys.

Survey content is data (a survey pack: a folder of TOML files or an XLSForm workbook),
validated here at load time. Every resident-facing text is a :data:`Texts` mapping with one
entry per language of the pack (like XLSForm's ``label::nl`` columns).

Which languages a text must have comes from the validation context
(``model_validate(data, context=TextRules(...).context())``): the pack's own languages, each
required, and the interface languages a missing text falls back to the pack's source
language for. Without a context the rules are :data:`LANGUAGES` with Dutch as the source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

#: The interface languages (gettext catalogues) and the default languages of a pack.
LANGUAGES: tuple[str, ...] = ("nl", "en", "tr", "ar", "pl", "uk")

#: Language code -> text. Holds every language of the pack (see :class:`TextRules`).
Texts = dict[str, str]


@dataclass(frozen=True)
class TextRules:
    """Which languages the texts of a pack must have, and how gaps are filled.

    Attributes:
        languages: The pack's languages; every resident-facing text must have each.
        source: The pack's source language (one of ``languages``).
        fill: Further languages (the interface's) a text gets, copied from ``source``,
            so a resident who chose one of them reads the source text, never a blank.
    """

    languages: tuple[str, ...] = LANGUAGES
    source: str = "nl"
    fill: tuple[str, ...] = LANGUAGES

    def context(self) -> dict:
        """The pydantic validation context carrying these rules."""
        return {"text_rules": self}


def _check_texts(value: Texts, info: ValidationInfo | None = None, *, what: str = "text") -> Texts:
    rules = (info.context or {}).get("text_rules") if info is not None else None
    rules = rules or TextRules()
    missing = [lang for lang in rules.languages if not (value.get(lang) or "").strip()]
    if missing:
        raise ValueError(f"{what} is missing language(s): {', '.join(missing)}")
    filled = dict(value)
    for lang in rules.fill:
        if not (filled.get(lang) or "").strip():
            filled[lang] = value[rules.source]
    return filled


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)




class MainGoal(_Model):
    """A main goal (``hoofddoel``) of the theory of change.

    Attributes:
        id: Stable id, e.g. ``cohesion``.
        level: ``wijk`` (neighbourhood) or ``bewoner`` (resident), as in the source poster.
        text: The goal's name per language; ``nl`` verbatim from the source.
    """

    id: str
    level: Literal["wijk", "bewoner"]
    text: Texts

    _texts = field_validator("text")(lambda v, info: _check_texts(v, info, what="main goal text"))


class SubGoal(_Model):
    """A sub-goal (``subdoel``) under one main goal.

    Attributes:
        id: Stable id, e.g. ``cohesion.meet``.
        main_goal: Id of the :class:`MainGoal` it belongs to.
        text: Per language; ``nl`` verbatim from the source.
    """

    id: str
    main_goal: str
    text: Texts

    _texts = field_validator("text")(lambda v, info: _check_texts(v, info, what="sub-goal text"))


class Option(_Model):
    """One choice of a ``choice`` or ``cards`` item (e.g. a life domain or a meaning card).

    Attributes:
        id: Stable id, unique within its item, at most 20 ASCII characters (it travels in
            callback data, which the Bot API caps at 64 bytes).
        label: Short button text per language.
        emoji: One emoji shown before the label on the button.
        picture: Optional PNG file name in the pack's ``pictures/``.
        main_goal: Optional main goal this option rolls up to (meaning cards).
        derived_from: Optional ids of the indicators / effect categories the card comes from.
    """

    id: str = Field(pattern=r"^[a-z0-9_]{1,20}$")
    label: Texts
    emoji: str = ""
    picture: str | None = None
    main_goal: str | None = None
    derived_from: list[str] = []

    _texts = field_validator("label")(lambda v, info: _check_texts(v, info, what="option label"))


class Condition(_Model):
    """Ask an item only if an earlier ``choice`` item's answer includes ``includes``."""

    item: str
    includes: str


class Item(_Model):
    """One survey item: a question a resident answers.

    Attributes:
        id: Stable id, e.g. ``msc.change_self`` or ``ind.cohesion.less_lonely``.
        type: ``text`` (free text, scrubbed and capped), ``scale`` (the picture scale),
            ``choice`` (multi-select buttons that steer later items, e.g. life domains),
            ``cards`` (multi-select meaning cards), ``single`` (pick one option; XLSForm
            ``select_one``) or ``number`` (a whole number typed, within
            ``min_value``..``max_value``; XLSForm ``integer``).
        prompt: The question or first-person statement shown to residents, per language.
        source_nl: For indicators, the indicator exactly as in the seed document; for
            praatplaat questions, the question as printed on the sheet.
        main_goal: Main goal id (required for ``scale`` items).
        sub_goal: Sub-goal id, where the item is linked to one.
        picture: PNG file name in the pack's ``pictures/`` (required for ``scale`` items).
        options: The choices of ``choice`` and ``cards`` items.
        shown_if: Ask only if an earlier choice includes an option.
        max_length: Free-text cap in characters (``text`` items).
        min_value: Smallest number accepted (``number`` items), if any.
        max_value: Largest number accepted (``number`` items), if any.
        note: Text shown above the question (an XLSForm ``note`` before it), per language.
        hint: Text shown under the question (XLSForm ``hint``), per language.
        section: Title of the part of the survey the item is in (an XLSForm group), shown
            as "part 2 of 3"; None outside any part.
        audio: Language -> audio file in the pack's ``audio/`` folder: the question read
            aloud, sent as a voice message on request.
    """

    id: str = Field(pattern=r"^[a-z0-9_.]{1,40}$")
    type: Literal["text", "scale", "choice", "cards", "single", "number"]
    prompt: Texts
    source_nl: str | None = None
    main_goal: str | None = None
    sub_goal: str | None = None
    picture: str | None = None
    options: list[Option] = []
    shown_if: Condition | None = None
    max_length: int = 2000
    min_value: int | None = None
    max_value: int | None = None
    note: Texts | None = None
    hint: Texts | None = None
    section: Texts | None = None
    audio: dict[str, str] = {}

    _texts = field_validator("prompt")(lambda v, info: _check_texts(v, info, what="prompt"))
    _extra = field_validator("note", "hint", "section")(
        lambda v, info: None if v is None else _check_texts(v, info, what=info.field_name))


#: Fewest and most points a picture scale may have (one button per point, one per row).
MIN_POINTS, MAX_POINTS = 2, 11


class ScalePoint(_Model):
    """One point of the picture answer scale.

    Attributes:
        value: Numeric code stored and exported (e.g. 1 = not at all … 5 = very much).
        emoji: The face shown on the button.
        label: A short word per language.
    """

    value: int
    emoji: str
    label: Texts

    _texts = field_validator("label")(lambda v, info: _check_texts(v, info, what="scale label"))


class Scale(_Model):
    """The pictorial answer scale used by every ``scale`` item.

    A pack declares its own scale: any number of points from :data:`MIN_POINTS` to
    :data:`MAX_POINTS` (the Den Haag pack has 5, the Maastricht pack 4); figures, the
    3-point collapse and the chart follow :attr:`values`.

    Attributes:
        points: Ordered from lowest to highest value (rising, distinct); empty in a pack
            that asks no scale question.
        dont_know: Label of the "I don't know" button (stored as status ``dont_know``).
        skip: Label of the "Skip" button (stored as status ``skipped``).
    """

    points: list[ScalePoint]
    dont_know: Texts
    skip: Texts

    _texts = field_validator("dont_know", "skip")(lambda v, info: _check_texts(v, info, what="scale label"))

    @field_validator("points")
    @classmethod
    def _ordered(cls, points: list[ScalePoint]) -> list[ScalePoint]:
        values = [p.value for p in points]
        if values and not MIN_POINTS <= len(values) <= MAX_POINTS:  # none: a pack without scale items
            raise ValueError(f"a scale has {MIN_POINTS} to {MAX_POINTS} points, not {len(values)}")
        if values != sorted(set(values)):
            raise ValueError(f"scale values must rise and differ: {values}")
        if not all(-9 <= v <= 99 for v in values):  # a button's callback data holds 1-2 digits
            raise ValueError(f"scale values must lie between -9 and 99: {values}")
        return points

    @property
    def values(self) -> tuple[str, ...]:
        """The scale's values as stored and exported (``"1"`` … ``"4"`` for a 4-point
        scale), lowest first: the value columns of the summary, the chart's segments."""
        return tuple(str(p.value) for p in self.points)


class EffectCategory(_Model):
    """An effect category of appendix 3 ("Frequentie van benoemde effecten").

    Attributes:
        id: Stable id, e.g. ``cohesion.contacts``.
        main_goal: Main goal id it belongs to (the first one where the source names two).
        label: Effect name per language, as analysts code with it; ``nl`` verbatim from
            appendix 3 (coordinators' review buttons, exports).
        kinds_nl: The "type antwoorden" column, verbatim.
        resident: The same category in plain words for residents (B1), per language; shown
            in the feedback message. ``None``: residents see ``label``.
    """

    id: str
    main_goal: str
    label: Texts
    kinds_nl: str
    resident: Texts | None = None

    _texts = field_validator("label")(lambda v, info: _check_texts(v, info, what="effect label"))
    _resident = field_validator("resident")(
        lambda v, info: v if v is None else _check_texts(v, info, what="effect resident label")
    )


class Survey(_Model):
    """A named, ordered composition of items (``praatplaat``, ``indicators``, ``short``…).

    Attributes:
        name: Stable name used by ``rounds open --survey NAME``.
        title: Per language.
        items: Item ids in the order they are asked.
    """

    name: str
    title: Texts
    items: list[str]

    _texts = field_validator("title")(lambda v, info: _check_texts(v, info, what="survey title"))


class Centre(_Model):
    """A neighbourhood meeting centre (``ontmoetingscentrum``).

    Attributes:
        code: Short ASCII code, used in deep links (``/start CODE``, Bot API allows
            ``[A-Za-z0-9_-]{1,64}``).
        name: Display name, as the centre calls itself.
        neighbourhood: The neighbourhood (``buurt``/``wijk``) it serves, if the pack says.
        district: The district (``stadsdeel``) it lies in, if the pack says; exports and
            progress can be broken down by it.
    """

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    name: str
    neighbourhood: str | None = None
    district: str | None = None
