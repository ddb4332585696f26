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

MAX_BYTES = 64

_LANG = r"[a-z]{2}"
_CODE = r"[a-z0-9][a-z0-9_-]{0,31}"
_PATTERNS = {
    "lang": re.compile(rf"^l:(?P<lang>{_LANG})$"),
    "consent": re.compile(rf"^c:(?P<yes>[yn]):(?P<lang>{_LANG})(?::(?P<centre>{_CODE}))?$"),
    "centre": re.compile(rf"^ce:(?P<centre>{_CODE}|_d\d{{1,2}}|_n\d{{1,2}}\.\d{{1,2}}|_b):(?P<lang>{_LANG})$"),
    "go": re.compile(r"^go:(?P<round>\d{1,9})$"),
    "change": re.compile(r"^ch:(?P<round>\d{1,9})$"),
    "answer": re.compile(
        r"^a:(?P<round>\d{1,9}):(?P<pos>\d{1,3}):"
        r"(?P<action>v-?\d{1,2}|dk|sk|bk|au|ok|fx|fy|fn|qy|qn|t\d{1,2}\.[0-9a-f]{1,8}|d\.[0-9a-f]{1,8})$"
    ),
    "forget": re.compile(r"^f:(?P<yes>[yn])(?::(?P<code>[A-Z0-9]{4}-[A-Z0-9]{4}))?$"),
    "noop": re.compile(r"^x$"),
    "admin": re.compile(r"^ad:(?P<verb>[a-z]{1,12}):(?P<arg>[A-Za-z0-9_.*>-]{0,48})$"),
    "export": re.compile(r"^ex:(?P<round>all|\d{1,9})(?::(?P<fmt>csv|nl|xlsx|book|st|ef|wd|wk)(?::(?P<yes>[yn]))?)?$"),
}


@dataclass(frozen=True, slots=True)
class Callback:
    """A parsed payload.

    Attributes:
        kind: One of ``lang``, ``consent``, ``centre``, ``go``, ``answer``, ``forget``, ``noop``.
        lang: Language code (``lang``, ``consent``, ``centre``).
        yes: Consent/forget confirmation.
        centre: Centre code.
        round_id: Round id (``go``, ``answer``).
        pos: Item position in the survey, 0-based (``answer``).
        action: ``value``, ``dont_know``, ``skip``, ``toggle`` or ``done`` (``answer``).
        value: Scale value (``value``) or option index (``toggle``).
        mask: Selected options as a bit set (``toggle``, ``done``).
        code: Deletion code of an assisted interview (``forget``), canonical form.
    """

    kind: str
    lang: str | None = None
    yes: bool | None = None
    centre: str | None = None
    round_id: int | None = None
    pos: int | None = None
    action: str | None = None
    value: int | None = None
    mask: int = 0
    code: str | None = None


def parse(data: str | None) -> Callback | None:
    """Parse callback data; None for anything unknown, forged or too long."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    for kind, pattern in _PATTERNS.items():
        match = pattern.match(data)
        if not match:
            continue
        groups = match.groupdict()
        if kind == "answer":
            raw = groups["action"]
            action, value, mask = _answer_action(raw)
            return Callback(
                kind, round_id=int(groups["round"]), pos=int(groups["pos"]),
                action=action, value=value, mask=mask,
            )
        if kind == "admin":
            return Callback(kind, action=groups["verb"], centre=groups["arg"])
        if kind == "export":
            raw_round = groups["round"]
            return Callback(
                kind, round_id=None if raw_round == "all" else int(raw_round),
                action=groups.get("fmt"),
                yes=None if groups.get("yes") is None else groups["yes"] == "y",
            )
        return Callback(
            kind,
            lang=groups.get("lang"),
            yes=(groups["yes"] == "y") if "yes" in groups else None,
            centre=groups.get("centre"),
            round_id=int(groups["round"]) if "round" in groups else None,
            code=groups.get("code"),
        )
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
    return "done", None, int(raw[2:], 16)  # noqa: FURB166 - "dn" + hex mask, not "0x"


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
