"""``/newround``: a short button wizard — survey, centres, opening, length, reminder, confirm.

The answers so far live in ``user_data`` until "Create"; nothing is stored before that.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from admin import lifecycle
from admin.auth import role_of, staff_only, staff_tr
from admin.progress import shown
from bot import callback_data as cd
from bot import rounds as rounds_service
from bot.i18n import Translator
from bot.roles import Role
from bot.services import services
from bot.storage import utcnow
from bot.survey.pinning import survey_pin
from bot.times import OPENING_CHOICES, closing_time, opening_time

KEY = "newround"


def _cb(state: dict, verb: str, value: str = "") -> str:
    """Callback data bound to one wizard run (its token), so an older wizard's buttons
    can never act on a newer wizard's answers."""
    return cd.admin(verb, f"{state['token']}.{value}")


def _kb(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


@staff_only()
async def newround(update: Update, context: ContextTypes.DEFAULT_TYPE, role: Role) -> None:
    """Starts the wizard: which survey?"""
    svc = services(context)
    tr = staff_tr(update)
    state = context.user_data[KEY] = {"centres": [], "token": secrets.token_hex(3)}
    rows = [[(f"{s.title[tr.language]} ({len(s.items)})", _cb(state, "nrs", name))]
            for name, s in svc.catalogue.surveys.items()]
    rows.append([("✖️ " + tr._("Stoppen"), _cb(state, "nrx"))])
    await update.effective_message.reply_text(tr._("Nieuwe ronde. Welke vragenlijst?"), reply_markup=_kb(rows))


async def on_wizard(update: Update, context: ContextTypes.DEFAULT_TYPE, cb: cd.Wizard) -> None:
    """Handles every wizard button; each step edits the same message."""
    query = update.callback_query
    svc = services(context)
    tr = staff_tr(update)
    role = await role_of(update, context)
    state = context.user_data.get(KEY)
    if not role.is_staff or state is None:
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    verb, token, arg = cd_verb(cb)
    if token != state.get("token"):
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    await query.answer()
    own = sorted(role.centres)
    if verb == "nrx":
        context.user_data.pop(KEY, None)
        await query.edit_message_text(tr._("Gestopt. Er is niets aangemaakt."))
        return
    if verb == "nrs" and arg in svc.catalogue.surveys:
        state["survey"] = arg
        if len(own) == 1:
            state["centres"] = own
            await _ask_opening(query, tr, state)
            return
        await _ask_centres(query, tr, state, own, dict(await svc.storage.centres()))
        return
    if verb == "nrc":
        if arg == "*":
            state["centres"] = own
        elif arg == ">":
            if not state["centres"]:
                await query.edit_message_text(tr._("Kies eerst minstens één centrum."),
                                              reply_markup=getattr(query.message, "reply_markup", None))
                return
            await _ask_opening(query, tr, state)
            return
        elif arg in role.centres:
            chosen = set(state["centres"]) ^ {arg}
            state["centres"] = sorted(chosen)
        await _ask_centres(query, tr, state, own, dict(await svc.storage.centres()))
        return
    if verb == "nro" and arg in OPENING_CHOICES and state.get("centres"):
        state["opens"] = opening_time(arg, utcnow(), svc.settings.tz).isoformat()
        rows = [[(tr.ngettext("{n} week", "{n} weken", w), _cb(state, "nrd", str(7 * w)))] for w in (1, 2, 4)]
        rows.append([("✖️ " + tr._("Stoppen"), _cb(state, "nrx"))])
        await query.edit_message_text(tr._("Hoe lang blijft de ronde open?"), reply_markup=_kb(rows))
        return
    if verb == "nrd" and arg in ("7", "14", "28") and "opens" in state:
        state["days"] = int(arg)
        rows = [[(tr._("Geen herinnering"), _cb(state, "nrr", "0"))],
                [(tr.ngettext("{n} dag voor het sluiten", "{n} dagen voor het sluiten", 1), _cb(state, "nrr", "1"))],
                [(tr.ngettext("{n} dag voor het sluiten", "{n} dagen voor het sluiten", 3), _cb(state, "nrr", "3"))],
                [("✖️ " + tr._("Stoppen"), _cb(state, "nrx"))]]
        await query.edit_message_text(tr._("Een herinnering sturen aan wie nog niet klaar is?"), reply_markup=_kb(rows))
        return
    if verb == "nrr" and arg in ("0", "1", "3") and "days" in state:
        state["remind"] = int(arg)
        text = _summary(state, tr, svc)
        create = "✅ " + tr._("Aanmaken")
        if _opens_now(state):
            # opening now messages every resident at once: say so, and to how many
            reach = await rounds_service.reachable_residents(svc, state["centres"])
            text += "\n\n⚠️ " + tr._("De ronde gaat meteen open: alle bewoners van het centrum krijgen nu een uitnodiging. Dat kun je niet terugdraaien.")
            text += "\n" + tr._("Aantal bewoners dat nu een bericht krijgt: {n}", n=shown(reach, svc.settings.min_cell_size))
            create = "📨 " + tr._("Aanmaken en nu uitnodigen")
        await query.edit_message_text(text, reply_markup=_kb(
            [[(create, _cb(state, "nrok")), ("✖️ " + tr._("Stoppen"), _cb(state, "nrx"))]]))
        return
    if verb == "nrok" and {"survey", "opens", "days"} <= state.keys() and state["centres"]:
        await _create(update, context, state, tr, role)
        return


def _opens_now(state: dict) -> bool:
    """True if the wizard's round opens at once when created (the "Nu" choice)."""
    return datetime.fromisoformat(state["opens"]) <= utcnow() + timedelta(minutes=1)


def cd_verb(cb: cd.Wizard) -> tuple[str, str, str]:
    """(verb, wizard token, value) of a wizard callback."""
    token, _, value = cb.arg.partition(".")
    return cb.verb, token, value


async def _ask_centres(query, tr: Translator, state: dict, own: list[str], names: dict[str, str]) -> None:
    rows = [[(("✅ " if code in state["centres"] else "") + names.get(code, code), _cb(state, "nrc", code))]
            for code in own]
    rows.append([(tr._("Alle centra"), _cb(state, "nrc", "*")), ("➡️ " + tr._("Verder"), _cb(state, "nrc", ">"))])
    await query.edit_message_text(tr._("Voor welke centra? Druk om te kiezen."), reply_markup=_kb(rows))


async def _ask_opening(query, tr: Translator, state: dict) -> None:
    rows = [[(tr._("Nu"), _cb(state, "nro", "now")), (tr._("Morgen 9:00"), _cb(state, "nro", "tomorrow"))],
            [(tr._("Maandag 9:00"), _cb(state, "nro", "monday")), (tr._("Over een week"), _cb(state, "nro", "week"))],
            [("✖️ " + tr._("Stoppen"), _cb(state, "nrx"))]]
    await query.edit_message_text(tr._("Wanneer gaat de ronde open?"), reply_markup=_kb(rows))


def _summary(state: dict, tr: Translator, svc) -> str:
    opens = datetime.fromisoformat(state["opens"])
    closes = closing_time(opens, state["days"], svc.settings.tz)
    tz = svc.settings.tz
    remind = (tr.ngettext("{n} dag voor het sluiten", "{n} dagen voor het sluiten", state["remind"])
              if state.get("remind") else tr._("Geen herinnering"))
    return "\n".join([
        tr._("Klopt dit?"),
        tr._("Vragenlijst: {survey}", survey=svc.catalogue.surveys[state["survey"]].title[tr.language]),
        tr.ngettext("{n} centrum", "{n} centra", len(state["centres"])) + ": " + ", ".join(state["centres"]),
        tr._("Open: {date}", date=tr.datetime(opens, tz, "short")),
        tr._("Sluit: {date}", date=tr.datetime(closes, tz, "short")),
        tr._("Herinnering: {when}", when=remind),
    ])


async def _create(update: Update, context: ContextTypes.DEFAULT_TYPE, state: dict, tr: Translator, role: Role) -> None:
    svc = services(context)
    if not role.covers(state["centres"]):
        await update.callback_query.edit_message_text(tr._("Deze knop werkt niet meer."))
        return
    opens = datetime.fromisoformat(state["opens"])
    closes = closing_time(opens, state["days"], svc.settings.tz)
    now = utcnow()
    status = "open" if opens <= now + timedelta(seconds=5) else "scheduled"
    round_ = await svc.storage.create_round(state["survey"], state["centres"], opens_at=opens,
                                           closes_at=closes, status="scheduled",
                                           pin=survey_pin(svc.catalogue, state["survey"]))
    await svc.storage.set_round_plan(round_.id, remind_days_before=state.get("remind") or None,
                                     created_by=update.effective_user.id)
    context.user_data.pop(KEY, None)
    if status == "open":
        await rounds_service.open_round(svc, round_.id)
    await update.callback_query.edit_message_text(
        tr._("Ronde {round} is aangemaakt.", round=round_.id) + "\n" + lifecycle.round_label(
            await svc.storage.round(round_.id), tr, svc.settings.tz, svc.catalogue)
    )
    if status == "open":
        await lifecycle.announce_progress(context.application, update.effective_chat.id, tr.language, round_.id, "invite")
