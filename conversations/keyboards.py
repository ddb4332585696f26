"""Inline keyboards of the resident's flow (pure builders; no I/O).

Buttons are big and few per row (many residents read little Dutch and use small
phones). Texts come from the survey catalogue in the resident's language.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callback_data as cd
from bot.i18n import Translator, offered_languages
from bot.survey.models import Item, Scale

CHECK = "✅"


def _rows(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def languages(selected: str) -> InlineKeyboardMarkup:
    """The language buttons (six, and a pack's own languages), two per row, the selected
    one marked."""
    buttons = [
        InlineKeyboardButton(
            (f"{CHECK} " if code == selected else "") + name, callback_data=cd.language(code)
        )
        for code, name in offered_languages().items()
    ]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def consent(tr: Translator, centre: str | None) -> InlineKeyboardMarkup:
    """Yes / no buttons of the consent question."""
    lang = tr.language
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("👍 " + tr._("Ja, ik doe mee"), callback_data=cd.consent(True, lang, centre))],
            [InlineKeyboardButton("✋ " + tr._("Nee, liever niet"), callback_data=cd.consent(False, lang, centre))],
        ]
    )


def centres(options: list[tuple[str, str]], lang: str, back: str | None = None) -> InlineKeyboardMarkup:
    """One button per centre ``(code, name)``, one per row (names are long); ``back``: the
    callback data of a "Terug" button under them (a step of the district → neighbourhood
    → centre choice)."""
    rows = [[InlineKeyboardButton(name, callback_data=cd.centre(code, lang))] for code, name in options]
    return InlineKeyboardMarkup(rows + _back(lang, back))


def _back(lang: str, back: str | None) -> list[list[InlineKeyboardButton]]:
    if back is None:
        return []
    return [[InlineKeyboardButton("↩️ " + Translator(lang)._("Terug"), callback_data=back)]]


def neighbourhoods(district: int, names: list[str], lang: str,
                   loose: Sequence[tuple[str, str]] = ()) -> InlineKeyboardMarkup:
    """One button per neighbourhood of district number ``district``, two per row, then the
    district's centres that lie in no neighbourhood, then "Terug" to the districts."""
    buttons = [InlineKeyboardButton(name, callback_data=cd.neighbourhood(district, k, lang))
               for k, name in enumerate(names)]
    return InlineKeyboardMarkup(
        _rows(buttons, 2)
        + [[InlineKeyboardButton(name, callback_data=cd.centre(code, lang))] for code, name in loose]
        + _back(lang, cd.back_to_districts(lang))
    )


def districts(names: list[str], lang: str, loose: Sequence[tuple[str, str]] = ()) -> InlineKeyboardMarkup:
    """One button per district, two per row (the first step when there are many centres),
    then one button per centre ``(code, name)`` that lies in no district (e.g. added with
    ``/centres add``), so every centre can be chosen."""
    buttons = [InlineKeyboardButton(name, callback_data=cd.district(k, lang)) for k, name in enumerate(names)]
    return InlineKeyboardMarkup(
        _rows(buttons, 2)
        + [[InlineKeyboardButton(name, callback_data=cd.centre(code, lang))] for code, name in loose]
    )


def start_round(tr: Translator, round_id: int) -> InlineKeyboardMarkup:
    """The Start button of an invitation."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("▶️ " + tr._("Start"), callback_data=cd.go(round_id))]]
    )


def change_answers(tr: Translator, round_id: int) -> InlineKeyboardMarkup:
    """The "change my answers" button under the thank-you (round still open)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("✏️ " + tr._("Antwoorden veranderen"), callback_data=cd.change(round_id))]]
    )


def _back_row(tr: Translator, round_id: int, pos: int) -> list[list[InlineKeyboardButton]]:
    """A "previous question" row (not on the first question)."""
    if pos == 0:
        return []
    return [[InlineKeyboardButton("↩️ " + tr._("Vorige vraag"), callback_data=cd.answer_back(round_id, pos))]]


def _skip_button(tr: Translator, round_id: int, pos: int, keep: bool, label: str | None = None) -> InlineKeyboardButton:
    """Skip, or "Zo laten" on a question the resident went back to (the same press keeps the answer)."""
    text = "👌 " + tr._("Zo laten") if keep else "⏭️ " + (label or tr._("Overslaan"))
    return InlineKeyboardButton(text, callback_data=cd.answer_skip(round_id, pos))


def skip(tr: Translator, round_id: int, pos: int, keep: bool = False) -> InlineKeyboardMarkup:
    """The Skip (or "Zo laten") button under a free-text question (and "previous question")."""
    return InlineKeyboardMarkup([[_skip_button(tr, round_id, pos, keep)]] + _back_row(tr, round_id, pos))


def scale(scale_: Scale, tr: Translator, round_id: int, pos: int, keep: bool = False) -> InlineKeyboardMarkup:
    """The picture answer scale: one face per row (highest first), then don't know / skip."""
    lang = tr.language
    rows = [
        [InlineKeyboardButton(f"{p.emoji} {p.label[lang]}", callback_data=cd.answer_value(round_id, pos, p.value))]
        for p in reversed(scale_.points)
    ]
    rows.append(
        [
            InlineKeyboardButton("🤷 " + scale_.dont_know[lang], callback_data=cd.answer_dont_know(round_id, pos)),
            _skip_button(tr, round_id, pos, keep, scale_.skip[lang]),
        ]
    )
    return InlineKeyboardMarkup(rows + _back_row(tr, round_id, pos))


def choices(item: Item, tr: Translator, round_id: int, pos: int, mask: int, keep: bool = False) -> InlineKeyboardMarkup:
    """Toggle buttons for a multi-select item; selected options carry a check mark.

    Each toggle carries the selection it was drawn with, so the keyboard itself holds
    the state until "Done" (nothing half-written in the database).
    """
    lang = tr.language
    buttons = []
    for k, opt in enumerate(item.options):
        mark = CHECK if mask >> k & 1 else opt.emoji
        buttons.append(
            InlineKeyboardButton(f"{mark} {opt.label[lang]}".strip(), callback_data=cd.answer_toggle(round_id, pos, k, mask))
        )
    rows = _rows(buttons, 2 if item.type == "cards" else 1)
    rows.append(
        [
            InlineKeyboardButton("✔️ " + tr._("Klaar"), callback_data=cd.answer_done(round_id, pos, mask)),
            _skip_button(tr, round_id, pos, keep),
        ]
    )
    return InlineKeyboardMarkup(rows + _back_row(tr, round_id, pos))


def single(item: Item, tr: Translator, round_id: int, pos: int, keep: bool = False) -> InlineKeyboardMarkup:
    """One button per option of a pick-one item; a tap is the answer (sent as "done" with
    that one option), then Skip."""
    lang = tr.language
    buttons = [InlineKeyboardButton(f"{opt.emoji} {opt.label[lang]}".strip(),
                                    callback_data=cd.answer_done(round_id, pos, 1 << k))
               for k, opt in enumerate(item.options)]
    # numbers (an XLSForm range) side by side like a scale, six to a row; words one a row
    numbers = all(opt.label[lang].isdigit() for opt in item.options)
    rows = _rows(buttons, 6 if numbers else 1)
    rows.append([_skip_button(tr, round_id, pos, keep)])
    return InlineKeyboardMarkup(rows + _back_row(tr, round_id, pos))


def readback(tr: Translator, round_id: int, pos: int) -> InlineKeyboardMarkup:
    """Buttons under a story shown back: it is right / change it."""
    return InlineKeyboardMarkup(
        [[
            InlineKeyboardButton("✅ " + tr._("Klopt"), callback_data=cd.answer_flag(round_id, pos, "ok")),
            InlineKeyboardButton("✏️ " + tr._("Aanpassen"), callback_data=cd.answer_flag(round_id, pos, "fx")),
        ]]
    )


def feedback_opt_in(tr: Translator, round_id: int, pos: int) -> InlineKeyboardMarkup:
    """Yes / no to hearing which stories the panel chose."""
    return InlineKeyboardMarkup(
        [[
            InlineKeyboardButton("👍 " + tr._("Ja, graag"), callback_data=cd.answer_flag(round_id, pos, "fy")),
            InlineKeyboardButton("👋 " + tr._("Nee, dank je"), callback_data=cd.answer_flag(round_id, pos, "fn")),
        ]]
    )


def quote_consent(tr: Translator, round_id: int, pos: int) -> InlineKeyboardMarkup:
    """Yes / no to quoting the story (without name) in reports."""
    return InlineKeyboardMarkup(
        [[
            InlineKeyboardButton("✅ " + tr._("Ja, dat mag"), callback_data=cd.answer_flag(round_id, pos, "qy")),
            InlineKeyboardButton("🚫 " + tr._("Nee, liever niet"), callback_data=cd.answer_flag(round_id, pos, "qn")),
        ]]
    )


def chosen(label: str) -> InlineKeyboardMarkup:
    """A single inert button showing what was chosen (replaces an answered keyboard)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"{CHECK} {label}", callback_data=cd.NOOP)]])


def forget_confirm(tr: Translator, code: str | None = None) -> InlineKeyboardMarkup:
    """Confirm / cancel buttons of /forget (``code``: of ``/forget CODE``, an assisted interview)."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("🗑️ " + tr._("Ja, verwijder alles"), callback_data=cd.forget(True, code))],
            [InlineKeyboardButton("↩️ " + tr._("Nee, niets verwijderen"), callback_data=cd.forget(False, code))],
        ]
    )
