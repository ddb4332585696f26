"""Pydantic models for survey content: the theory of change, items, scales and surveys.

Survey content is data (a survey pack, ``bot/packs/<name>/*.toml``), validated here at load time. Every
resident-facing text is a :data:`Texts` mapping with one entry per supported language
(like XLSForm's ``label::nl`` columns). Dutch (``nl``) is the source language; the Dutch
texts of main goals, sub-goals and indicators are verbatim from the theory of change
("Gezamenlijke impact Ontmoetingscentra Den Haag Zuidwest", Movisie 2025).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: The languages every resident-facing text must exist in (issue 4). Dutch is the source.
LANGUAGES: tuple[str, ...] = ("nl", "en", "tr", "ar", "pl", "uk")

#: Language code -> text. Must hold every language in :data:`LANGUAGES`.
Texts = dict[str, str]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_texts(value: Texts, *, what: str = "text") -> Texts:
    missing = [lang for lang in LANGUAGES if not (value.get(lang) or "").strip()]
    if missing:
        raise ValueError(f"{what} is missing language(s): {', '.join(missing)}")
    return value


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

    _texts = field_validator("text")(lambda v: _check_texts(v, what="main goal text"))


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

    _texts = field_validator("text")(lambda v: _check_texts(v, what="sub-goal text"))


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

    _texts = field_validator("label")(lambda v: _check_texts(v, what="option label"))


class Condition(_Model):
    """Ask an item only if an earlier ``choice`` item's answer includes ``includes``."""

    item: str
    includes: str


class Item(_Model):
    """One survey item: a question a resident answers.

    Attributes:
        id: Stable id, e.g. ``msc.change_self`` or ``ind.cohesion.less_lonely``.
        type: ``text`` (free text, scrubbed and capped), ``scale`` (the picture scale),
            ``choice`` (multi-select buttons that steer later items, e.g. life domains) or
            ``cards`` (multi-select meaning cards).
        prompt: The question or first-person statement shown to residents, per language.
        source_nl: For indicators, the indicator exactly as in the seed document; for
            praatplaat questions, the question as printed on the sheet.
        main_goal: Main goal id (required for ``scale`` items).
        sub_goal: Sub-goal id, where the item is linked to one.
        picture: PNG file name in the pack's ``pictures/`` (required for ``scale`` items).
        options: The choices of ``choice`` and ``cards`` items.
        shown_if: Ask only if an earlier choice includes an option.
        max_length: Free-text cap in characters (``text`` items).
    """

    id: str = Field(pattern=r"^[a-z0-9_.]{1,40}$")
    type: Literal["text", "scale", "choice", "cards"]
    prompt: Texts
    source_nl: str | None = None
    main_goal: str | None = None
    sub_goal: str | None = None
    picture: str | None = None
    options: list[Option] = []
    shown_if: Condition | None = None
    max_length: int = 2000

    _texts = field_validator("prompt")(lambda v: _check_texts(v, what="prompt"))


class ScalePoint(_Model):
    """One point of the picture answer scale.

    Attributes:
        value: Numeric code stored and exported (1 = not at all … 5 = very much).
        emoji: The face shown on the button.
        label: A short word per language.
    """

    value: int
    emoji: str
    label: Texts

    _texts = field_validator("label")(lambda v: _check_texts(v, what="scale label"))


class Scale(_Model):
    """The pictorial answer scale used by every ``scale`` item.

    Attributes:
        points: Ordered from lowest to highest value.
        dont_know: Label of the "I don't know" button (stored as status ``dont_know``).
        skip: Label of the "Skip" button (stored as status ``skipped``).
    """

    points: list[ScalePoint]
    dont_know: Texts
    skip: Texts

    _texts = field_validator("dont_know", "skip")(lambda v: _check_texts(v, what="scale label"))


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

    _texts = field_validator("label")(lambda v: _check_texts(v, what="effect label"))
    _resident = field_validator("resident")(
        lambda v: v if v is None else _check_texts(v, what="effect resident label")
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

    _texts = field_validator("title")(lambda v: _check_texts(v, what="survey title"))


class Centre(_Model):
    """A neighbourhood meeting centre (``ontmoetingscentrum``).

    Attributes:
        code: Short ASCII code, used in deep links (``/start CODE``, Bot API allows
            ``[A-Za-z0-9_-]{1,64}``).
        name: Display name, as the centre calls itself.
    """

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    name: str
