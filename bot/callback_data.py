"""Callback data of the resident's inline keyboards: building and strict parsing.

Every payload is short ASCII: the Bot API caps ``callback_data`` at 1–64 bytes
(https://core.telegram.org/bots/api#inlinekeyboardbutton). Parsing never raises: data
that does not match a known shape (stale buttons of other bots, forged payloads, the
``"33000"`` of a real captured update) gives ``None`` and is treated as a stale button.

Shapes:
    ``l:<lang>``                          pick a language
    ``c:<y|n>:<lang>[:<centre>]``         consent yes/no (language and deep-link centre ride along)
    ``ce:<centre>:<lang>``                pick a centre (only offered after consent); ``ce:_d<k>:<lang>``
                                          first picks district k (when a pack has many centres);
                                          ``ce:_n<k>.<j>:<lang>`` neighbourhood j of district k, ``ce:_b:<lang>`` back to the districts
    ``go:<round>``                        start a round (invitation button)
    ``ch:<round>``                        change my answers (after finishing, while the round is open)
    ``a:<round>:<pos>:<action>``          answer item number ``pos`` of a round, where action is
                                          ``v<value>`` scale value (-9 … 99), ``dk`` don't know, ``sk`` skip,
                                          ``bk`` back to the previous item (to change an answer), ``au`` hear it (voice),
                                          ``ok``/``fx`` read-back: the story is right / fix it,
                                          ``fy``/``fn`` feedback opt-in yes / no, ``qy``/``qn`` may the story be quoted,
                                          ``t<k>.<mask>`` toggle option k, ``d.<mask>`` done
                                          (mask: hex bit set of the selected options)
    ``f:<y|n>[:<code>]``                  confirm or cancel /forget (with a deletion code:
                                          erase that assisted interview)
    ``x``                                 a finished button (does nothing)
    ``ad:<verb>:<arg>``                   coordinator/admin wizards (new round, interview…)
    ``ex:<round|all>[:<fmt>[:<y|n>]]``    coordinator export: pick a round, then a format
                                          (``csv``, ``nl`` = excel-nl CSV, ``xlsx``, ``book`` = codebook,
                                          ``st`` = stories document, ``ef`` = effects table,
                                          ``wd`` = one row per respondent, admins only,
                                          ``wk`` = figures per centre and district),
                                          then for a round under 5 respondents: stories yes/no
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, TypeVar

MAX_BYTES = 64

_LANG = r"[a-z]{2}"
_CODE = r"[a-z0-9][a-z0-9_-]{0,31}"

P = TypeVar("P", bound="Payload")


def _fits(data: object) -> str | None:
    """``data`` if it is a non-empty string within the Bot API's 64 bytes, else None."""
    if not isinstance(data, str) or not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    return data


class Payload:
    """A kind of button payload: its wire shape (``PATTERN``) and strict decoding.

    Each subclass is one kind; ``bot.app`` registers one handler per kind
    (:class:`bot.context.PayloadHandler`) with ``pattern=<kind>.decode``. Decoding never
    raises: data of another kind, a forged or too long payload, gives None.
    """

    __slots__ = ()
    #: The kind's name (as ``parse`` reports it; also in logs and tests).
    kind: ClassVar[str]
    #: The kind's wire shape; a match is turned into the payload by ``_build``.
    PATTERN: ClassVar[re.Pattern[str]]

    @classmethod
    def decode(cls: type[P], data: object) -> P | None:
        """The payload of this kind in ``data``, or None (another kind, forged, > 64 bytes)."""
        text = _fits(data)
        match = cls.PATTERN.match(text) if text is not None else None
        return cls._build(match.groupdict()) if match else None

    @classmethod
    def _build(cls: type[P], groups: dict[str, str]) -> P | None:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Lang(Payload):
    """``l:<lang>``: pick a language."""

    kind: ClassVar[str] = "lang"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(rf"^l:(?P<lang>{_LANG})$")
    lang: str

    @classmethod
    def _build(cls, groups: dict[str, str]) -> Lang:
        return cls(groups["lang"])


@dataclass(frozen=True, slots=True)
class Consent(Payload):
    """``c:<y|n>:<lang>[:<centre>]``: consent yes or no (the deep-link centre rides along)."""

    kind: ClassVar[str] = "consent"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        rf"^c:(?P<yes>[yn]):(?P<lang>{_LANG})(?::(?P<centre>{_CODE}))?$")
    yes: bool
    lang: str
    centre: str | None = None

    @classmethod
    def _build(cls, groups: dict[str, str]) -> Consent:
        return cls(groups["yes"] == "y", groups["lang"], groups.get("centre"))


@dataclass(frozen=True, slots=True)
class Centre(Payload):
    """``ce:<centre>:<lang>``: pick a centre, or a step towards one (``_d<k>`` district k,
    ``_n<k>.<j>`` neighbourhood j of district k, ``_b`` back to the districts)."""

    kind: ClassVar[str] = "centre"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        rf"^ce:(?P<centre>{_CODE}|_d\d{{1,2}}|_n\d{{1,2}}\.\d{{1,2}}|_b):(?P<lang>{_LANG})$")
    centre: str
    lang: str

    @classmethod
    def _build(cls, groups: dict[str, str]) -> Centre:
        return cls(groups["centre"], groups["lang"])


@dataclass(frozen=True, slots=True)
class Go(Payload):
    """``go:<round>``: start a round (the invitation's button)."""

    kind: ClassVar[str] = "go"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"^go:(?P<round>\d{1,9})$")
    round_id: int

    @classmethod
    def _build(cls, groups: dict[str, str]) -> Go:
        return cls(int(groups["round"]))


@dataclass(frozen=True, slots=True)
class Change(Payload):
    """``ch:<round>``: change my answers (after finishing, while the round is open)."""

    kind: ClassVar[str] = "change"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"^ch:(?P<round>\d{1,9})$")
    round_id: int

    @classmethod
    def _build(cls, groups: dict[str, str]) -> Change:
        return cls(int(groups["round"]))


@dataclass(frozen=True, slots=True)
class Answer(Payload):
    """``a:<round>:<pos>:<action>``: a button under question ``pos`` of a round.

    Attributes:
        round_id: The round.
        pos: Item position in the survey, 0-based.
        action: ``value``, ``dont_know``, ``skip``, ``back``, ``audio``, ``confirm``,
            ``fix``, ``feedback_yes``/``feedback_no``, ``quote_yes``/``quote_no``,
            ``toggle`` or ``done``.
        value: Scale value (``value``) or option index (``toggle``).
        mask: Selected options as a bit set (``toggle``, ``done``).
    """

    kind: ClassVar[str] = "answer"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        r"^a:(?P<round>\d{1,9}):(?P<pos>\d{1,3}):"
        r"(?P<action>v-?\d{1,2}|dk|sk|bk|au|ok|fx|fy|fn|qy|qn|t\d{1,2}\.[0-9a-f]{1,8}|d\.[0-9a-f]{1,8})$"
    )
    round_id: int
    pos: int
    action: str
    value: int | None = None
    mask: int = 0

    @classmethod
    def _build(cls, groups: dict[str, str]) -> Answer:
        action, value, mask = _answer_action(groups["action"])
        return cls(int(groups["round"]), int(groups["pos"]), action, value, mask)


@dataclass(frozen=True, slots=True)
class Forget(Payload):
    """``f:<y|n>[:<code>]``: confirm or cancel /forget (with a deletion code: erase that
    assisted interview)."""

    kind: ClassVar[str] = "forget"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        r"^f:(?P<yes>[yn])(?::(?P<code>[A-Z0-9]{4}-[A-Z0-9]{4}))?$")
    yes: bool
    code: str | None = None

    @classmethod
    def _build(cls, groups: dict[str, str]) -> Forget:
        return cls(groups["yes"] == "y", groups.get("code"))


@dataclass(frozen=True, slots=True)
class Noop(Payload):
    """``x``: a finished button; pressing it does nothing."""

    kind: ClassVar[str] = "noop"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(r"^x$")

    @classmethod
    def _build(cls, groups: dict[str, str]) -> Noop:
        return cls()


@dataclass(frozen=True, slots=True)
class Staff(Payload):
    """``ad:<verb>:<arg>``: a coordinator's or admin's button (any verb).

    The subclasses are the staff kinds by verb (``VERBS``: the verbs, or their common
    start, that kind handles); :class:`Staff` itself matches every verb, for the
    fallback that answers an unknown one silently.

    Attributes:
        verb: What the button does (``nrs``, ``iv``, ``pk``, ``rko``, ``stp`` …).
        arg: The verb's argument (``<round>.<pos>.<view>`` and the like).
    """

    kind: ClassVar[str] = "admin"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        r"^ad:(?P<verb>[a-z]{1,12}):(?P<arg>[A-Za-z0-9_.*>-]{0,48})$")
    #: Verb prefixes of this kind (empty: any verb).
    VERBS: ClassVar[tuple[str, ...]] = ()
    #: Verbs with these prefixes that belong to another kind.
    EXCEPT: ClassVar[tuple[str, ...]] = ()
    verb: str
    arg: str = ""

    @classmethod
    def _build(cls, groups: dict[str, str]) -> Staff | None:
        verb = groups["verb"]
        if cls.VERBS and (not verb.startswith(cls.VERBS) or verb in cls.EXCEPT):
            return None
        return cls(verb, groups["arg"])


@dataclass(frozen=True, slots=True)
class Wizard(Staff):
    """``ad:nr…``: the new-round wizard (``admin.wizard``)."""

    kind: ClassVar[str] = "wizard"
    VERBS: ClassVar[tuple[str, ...]] = ("nr",)


@dataclass(frozen=True, slots=True)
class Interview(Staff):
    """``ad:iv…``: the assisted interview (``admin.interview``)."""

    kind: ClassVar[str] = "interview"
    VERBS: ClassVar[tuple[str, ...]] = ("iv",)


@dataclass(frozen=True, slots=True)
class Pick(Staff):
    """``ad:pk:<command>.<round>``: a round picked for a command typed without one."""

    kind: ClassVar[str] = "pick"
    VERBS: ClassVar[tuple[str, ...]] = ("pk",)

    @classmethod
    def _build(cls, groups: dict[str, str]) -> Pick | None:
        return cls("pk", groups["arg"]) if groups["verb"] == "pk" else None


@dataclass(frozen=True, slots=True)
class Confirm(Staff):
    """``ad:rk…:<round>``: confirm (or not) opening, closing, cancelling or reminding a round."""

    kind: ClassVar[str] = "confirm"
    VERBS: ClassVar[tuple[str, ...]] = ("rk",)


@dataclass(frozen=True, slots=True)
class Stories(Staff):
    """``ad:st…``: the stories' buttons (``admin.stories``), but ``stfb``."""

    kind: ClassVar[str] = "stories"
    VERBS: ClassVar[tuple[str, ...]] = ("st",)
    EXCEPT: ClassVar[tuple[str, ...]] = ("stfb",)


@dataclass(frozen=True, slots=True)
class FeedbackOptIn(Staff):
    """``ad:stfb:<y|n>``: a resident's answer to the feedback question asked outside a
    round (``admin.opt_in``)."""

    kind: ClassVar[str] = "opt_in"
    VERBS: ClassVar[tuple[str, ...]] = ("stfb",)


@dataclass(frozen=True, slots=True)
class Export(Payload):
    """``ex:<round|all>[:<fmt>[:<y|n>]]``: the export's round, then format, then (a round
    under 5 respondents) stories yes or no.

    Attributes:
        round_id: The round, or None for all rounds.
        fmt: ``csv``, ``nl`` (excel-nl CSV), ``xlsx``, ``book`` (codebook), ``st`` (stories
            document), ``ef`` (effects table), ``wd`` (one row per respondent, admins
            only), ``wk`` (figures per centre and district); None: not chosen yet.
        stories: Include the stories (small rounds), or None: not asked yet.
    """

    kind: ClassVar[str] = "export"
    PATTERN: ClassVar[re.Pattern[str]] = re.compile(
        r"^ex:(?P<round>all|\d{1,9})(?::(?P<fmt>csv|nl|xlsx|book|st|ef|wd|wk)(?::(?P<yes>[yn]))?)?$")
    round_id: int | None
    fmt: str | None = None
    stories: bool | None = None

    @classmethod
    def _build(cls, groups: dict[str, str]) -> Export:
        raw_round, yes = groups["round"], groups.get("yes")
        return cls(None if raw_round == "all" else int(raw_round), groups.get("fmt"),
                   None if yes is None else yes == "y")


#: Every payload a button of this bot can carry, one type per kind.
Callback = Lang | Consent | Centre | Go | Change | Answer | Forget | Noop | Staff | Export

#: The kinds ``parse`` tries, in order (:class:`Staff` for every ``ad:`` verb).
KINDS: tuple[type[Payload], ...] = (Lang, Consent, Centre, Go, Change, Answer, Forget, Noop, Staff, Export)


def parse(data: object) -> Callback | None:
    """Parse callback data of any kind; None for anything unknown, forged or too long."""
    if _fits(data) is None:
        return None
    for kind in KINDS:
        payload = kind.decode(data)
        if payload is not None:
            return payload  # type: ignore[return-value]  # KINDS are Callback's members
    return None


def _answer_action(raw: str) -> tuple[str, int | None, int]:
    if raw.startswith("v"):
        return "value", int(raw[1:]), 0
    if raw == "dk":
        return "dont_know", None, 0
    if raw == "sk":
        return "skip", None, 0
    if raw == "bk":
        return "back", None, 0
    if raw == "au":
        return "audio", None, 0
    if raw in ("ok", "fx", "fy", "fn", "qy", "qn"):
        return {"ok": "confirm", "fx": "fix", "fy": "feedback_yes", "fn": "feedback_no",
                "qy": "quote_yes", "qn": "quote_no"}[raw], None, 0
    if raw.startswith("t"):
        index, mask = raw[1:].split(".")
        return "toggle", int(index), int(mask, 16)
    return "done", None, int(raw[2:], 16)  # noqa: FURB166 - "d." + hex mask, not "0x"


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data longer than {MAX_BYTES} bytes (Bot API limit)")
    return data


def language(lang: str) -> str:
    """Payload of a language button."""
    return _checked(f"l:{lang}")


def consent(yes: bool, lang: str, centre: str | None = None) -> str:
    """Payload of a consent button."""
    return _checked(f"c:{'y' if yes else 'n'}:{lang}" + (f":{centre}" if centre else ""))


def centre(code: str, lang: str) -> str:
    """Payload of a centre button."""
    return _checked(f"ce:{code}:{lang}")


def neighbourhood(district: int, index: int, lang: str) -> str:
    """Payload of a neighbourhood button (neighbourhood ``index`` of district ``district``)."""
    return _checked(f"ce:_n{district}.{index}:{lang}")


def back_to_districts(lang: str) -> str:
    """Payload of the back button under the neighbourhoods or centres of a district."""
    return _checked(f"ce:_b:{lang}")


def district(index: int, lang: str) -> str:
    """Payload of a district button (district ``index`` in the sorted district list)."""
    return _checked(f"ce:_d{index}:{lang}")


def go(round_id: int) -> str:
    """Payload of a round's Start button."""
    return _checked(f"go:{round_id}")


def change(round_id: int) -> str:
    """Payload of the "change my answers" button shown after finishing a round."""
    return _checked(f"ch:{round_id}")


def answer_value(round_id: int, pos: int, value: int) -> str:
    """Payload of a scale button."""
    return _checked(f"a:{round_id}:{pos}:v{value}")


def answer_dont_know(round_id: int, pos: int) -> str:
    """Payload of the "don't know" button."""
    return _checked(f"a:{round_id}:{pos}:dk")


def answer_skip(round_id: int, pos: int) -> str:
    """Payload of the "skip" button."""
    return _checked(f"a:{round_id}:{pos}:sk")


def answer_audio(round_id: int, pos: int) -> str:
    """Payload of the "🔊" button: send the question as a voice message."""
    return _checked(f"a:{round_id}:{pos}:au")


def answer_back(round_id: int, pos: int) -> str:
    """Payload of the "previous question" button."""
    return _checked(f"a:{round_id}:{pos}:bk")


def answer_flag(round_id: int, pos: int, flag: str) -> str:
    """Payload of a read-back, feedback or quote button (``ok``, ``fx``, ``fy``, ``fn``,
    ``qy``, ``qn``)."""
    return _checked(f"a:{round_id}:{pos}:{flag}")


def parse_id(raw: str, max_digits: int = 9) -> int | None:
    """A non-negative id written in ASCII digits, or None.

    Args:
        raw: Text from a command argument or a button payload (``#3`` is accepted).
        max_digits: Longest accepted number: 9 for rounds and answers; 15 for Telegram
            user ids (at most 52 significant bits, Bot API "User"). Longer numbers
            cannot be ids and would overflow SQLite's 64-bit INTEGER.
    """
    raw = raw.lstrip("#")
    if raw.isascii() and raw.isdigit() and len(raw) <= max_digits:
        return int(raw)
    return None


def answer_toggle(round_id: int, pos: int, index: int, mask: int) -> str:
    """Payload of an option toggle; ``mask`` is the selection shown when it was drawn."""
    return _checked(f"a:{round_id}:{pos}:t{index}.{mask:x}")


def answer_done(round_id: int, pos: int, mask: int) -> str:
    """Payload of the "done" button of a multi-select item."""
    return _checked(f"a:{round_id}:{pos}:d.{mask:x}")


def forget(yes: bool, code: str | None = None) -> str:
    """Payload of the /forget confirmation buttons (``code``: erase that assisted interview)."""
    return _checked(f"f:{'y' if yes else 'n'}" + (f":{code}" if code else ""))


def admin(verb: str, arg: str = "") -> str:
    """Payload of a coordinator/admin button: ``ad:<verb>:<arg>``."""
    return _checked(f"ad:{verb}:{arg}")


def export(round_id: int | None, fmt: str | None = None, stories: bool | None = None) -> str:
    """Payload of an export button (round, then format, then — small rounds — stories y/n)."""
    data = f"ex:{'all' if round_id is None else round_id}" + (f":{fmt}" if fmt else "")
    if fmt and stories is not None:
        data += ":y" if stories else ":n"
    return _checked(data)


NOOP = "x"
