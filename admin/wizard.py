"""``/newround``: a short button wizard — survey, centres, opening, length, reminder, confirm.

The answers so far are the chat's state (:class:`bot.survey.state.NewRound`, kept with the
chat's other state, so a restart does not lose them) until "Create"; no round exists
before that.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from admin import round_views
from admin.auth import staff_only, staff_tr
from admin.progress import shown
from bot import callback_data as cd
from bot import rounds as rounds_service
from bot.context import BuurtContext
from bot.i18n import Translator
from bot.roles import Role
from bot.storage import Storage, utcnow
from bot.survey.pinning import survey_pin
from bot.survey.state import NewRound
from bot.times import OPENING_CHOICES, closing_time, opening_time


def _cb(state: NewRound, verb: str, value: str = "") -> str:
    """Callback data bound to one wizard run (its token), so an older wizard's buttons
    can never act on a newer wizard's answers."""
    return cd.admin(verb, f"{state.token}.{value}")


async def _save(storage: Storage, chat_id: int, wizard: NewRound | None) -> None:
    """Keep the wizard's answers so far in the chat's state (None: the wizard ended)."""
    await storage.save_chat_state(chat_id, (await storage.chat_state(chat_id)).with_wizard(wizard))


def _kb(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


@staff_only()
async def newround(update: Update, context: BuurtContext, role: Role) -> None:
    """Starts the wizard: which survey?"""
    svc = context.svc
    tr = staff_tr(update)
    state = NewRound(token=secrets.token_hex(3))
    await _save(svc.storage, context.chat_id, state)
    rows = [[(f"{s.title[tr.language]} ({len(s.items)})", _cb(state, "nrs", name))]
            for name, s in svc.catalogue.surveys.items()]
    rows.append([("✖️ " + tr._("Stoppen"), _cb(state, "nrx"))])
    await context.message.reply_text(tr._("Nieuwe ronde. Welke vragenlijst?"), reply_markup=_kb(rows))


async def on_wizard(update: Update, context: BuurtContext, cb: cd.Wizard) -> None:
    """Handles every wizard button; each step edits the same message."""
    query = context.query
    svc = context.svc
    tr = staff_tr(update)
    role = await context.role()
    chat_id = context.chat_id
    state = (await svc.storage.chat_state(chat_id)).wizard
    if not role.is_staff or state is None:
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    verb, token, arg = cd_verb(cb)
    if token != state.token:
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    await query.answer()
    own = tuple(sorted(role.centres))
    if verb == "nrx":
        await _save(svc.storage, chat_id, None)
        await query.edit_message_text(tr._("Gestopt. Er is niets aangemaakt."))
        return
    if verb == "nrs" and arg in svc.catalogue.surveys:
        state = state.model_copy(update={"survey": arg})
        if len(own) == 1:
            state = state.model_copy(update={"centres": own})
            await _save(svc.storage, chat_id, state)
            await _ask_opening(query, tr, state)
            return
        await _save(svc.storage, chat_id, state)
        await _ask_centres(query, tr, state, list(own), dict(await svc.storage.centres()))
        return
    if verb == "nrc":
        if arg == "*":
            state = state.model_copy(update={"centres": own})
        elif arg == ">":
            if not state.centres:
                await query.edit_message_text(tr._("Kies eerst minstens één centrum."),
                                              reply_markup=getattr(query.message, "reply_markup", None))
                return
            await _ask_opening(query, tr, state)
            return
        elif arg in role.centres:
            state = state.model_copy(update={"centres": tuple(sorted(set(state.centres) ^ {arg}))})
        await _save(svc.storage, chat_id, state)
        await _ask_centres(query, tr, state, list(own), dict(await svc.storage.centres()))
        return
    if verb == "nro" and arg in OPENING_CHOICES and state.centres:
        state = state.model_copy(update={"opens": opening_time(arg, utcnow(), svc.settings.tz).isoformat()})
        await _save(svc.storage, chat_id, state)
        rows = [[(tr.ngettext("{n} week", "{n} weken", w), _cb(state, "nrd", str(7 * w)))] for w in (1, 2, 4)]
        rows.append([("✖️ " + tr._("Stoppen"), _cb(state, "nrx"))])
        await query.edit_message_text(tr._("Hoe lang blijft de ronde open?"), reply_markup=_kb(rows))
        return
    if verb == "nrd" and arg in ("7", "14", "28") and state.opens is not None:
        state = state.model_copy(update={"days": int(arg)})
        await _save(svc.storage, chat_id, state)
        rows = [[(tr._("Geen herinnering"), _cb(state, "nrr", "0"))],
                [(tr.ngettext("{n} dag voor het sluiten", "{n} dagen voor het sluiten", 1), _cb(state, "nrr", "1"))],
                [(tr.ngettext("{n} dag voor het sluiten", "{n} dagen voor het sluiten", 3), _cb(state, "nrr", "3"))],
                [("✖️ " + tr._("Stoppen"), _cb(state, "nrx"))]]
        await query.edit_message_text(tr._("Een herinnering sturen aan wie nog niet klaar is?"), reply_markup=_kb(rows))
        return
    if verb == "nrr" and arg in ("0", "1", "3") and state.days is not None:
        state = state.model_copy(update={"remind": int(arg)})
        await _save(svc.storage, chat_id, state)
        text = _summary(state, tr, svc)
        create = "✅ " + tr._("Aanmaken")
        if _opens_now(state):
            # opening now messages every resident at once: say so, and to how many
            reach = await rounds_service.reachable_residents(svc, list(state.centres))
            text += "\n\n⚠️ " + tr._("De ronde gaat meteen open: alle bewoners van het centrum krijgen nu een uitnodiging. Dat kun je niet terugdraaien.")
            text += "\n" + tr._("Aantal bewoners dat nu een bericht krijgt: {n}", n=shown(reach, svc.settings.min_cell_size))
            create = "📨 " + tr._("Aanmaken en nu uitnodigen")
        await query.edit_message_text(text, reply_markup=_kb(
            [[(create, _cb(state, "nrok")), ("✖️ " + tr._("Stoppen"), _cb(state, "nrx"))]]))
        return
    if verb == "nrok" and state.survey and state.opens and state.days and state.centres:
        await _create(update, context, state, tr, role)
        return


def _opens_now(state: NewRound) -> bool:
    """True if the wizard's round opens at once when created (the "Nu" choice)."""
    return state.opens is not None and datetime.fromisoformat(state.opens) <= utcnow() + timedelta(minutes=1)


def cd_verb(cb: cd.Wizard) -> tuple[str, str, str]:
    """(verb, wizard token, value) of a wizard callback."""
    token, _, value = cb.arg.partition(".")
    return cb.verb, token, value


async def _ask_centres(query, tr: Translator, state: NewRound, own: list[str], names: dict[str, str]) -> None:
    rows = [[(("✅ " if code in state.centres else "") + names.get(code, code), _cb(state, "nrc", code))]
            for code in own]
    rows.append([(tr._("Alle centra"), _cb(state, "nrc", "*")), ("➡️ " + tr._("Verder"), _cb(state, "nrc", ">"))])
    await query.edit_message_text(tr._("Voor welke centra? Druk om te kiezen."), reply_markup=_kb(rows))


async def _ask_opening(query, tr: Translator, state: NewRound) -> None:
    rows = [[(tr._("Nu"), _cb(state, "nro", "now")), (tr._("Morgen 9:00"), _cb(state, "nro", "tomorrow"))],
            [(tr._("Maandag 9:00"), _cb(state, "nro", "monday")), (tr._("Over een week"), _cb(state, "nro", "week"))],
            [("✖️ " + tr._("Stoppen"), _cb(state, "nrx"))]]
    await query.edit_message_text(tr._("Wanneer gaat de ronde open?"), reply_markup=_kb(rows))


def _summary(state: NewRound, tr: Translator, svc) -> str:
    assert state.opens is not None and state.days is not None and state.survey is not None
    opens = datetime.fromisoformat(state.opens)
    closes = closing_time(opens, state.days, svc.settings.tz)
    tz = svc.settings.tz
    remind = (tr.ngettext("{n} dag voor het sluiten", "{n} dagen voor het sluiten", state.remind)
              if state.remind else tr._("Geen herinnering"))
    return "\n".join([
        tr._("Klopt dit?"),
        tr._("Vragenlijst: {survey}", survey=svc.catalogue.surveys[state.survey].title[tr.language]),
        tr.ngettext("{n} centrum", "{n} centra", len(state.centres)) + ": " + ", ".join(state.centres),
        tr._("Open: {date}", date=tr.datetime(opens, tz, "short")),
        tr._("Sluit: {date}", date=tr.datetime(closes, tz, "short")),
        tr._("Herinnering: {when}", when=remind),
    ])


async def _create(update: Update, context: BuurtContext, state: NewRound, tr: Translator,
                  role: Role) -> None:
    svc = context.svc
    if not role.covers(list(state.centres)):
        await context.query.edit_message_text(tr._("Deze knop werkt niet meer."))
        return
    assert state.opens is not None and state.days is not None and state.survey is not None
    opens = datetime.fromisoformat(state.opens)
    closes = closing_time(opens, state.days, svc.settings.tz)
    now = utcnow()
    status = "open" if opens <= now + timedelta(seconds=5) else "scheduled"
    round_ = await svc.storage.create_round(state.survey, list(state.centres), opens_at=opens,
                                           closes_at=closes, status="scheduled",
                                           pin=survey_pin(svc.catalogue, state.survey))
    await svc.storage.set_round_plan(round_.id, remind_days_before=state.remind or None,
                                     created_by=context.user_id)
    await _save(svc.storage, context.chat_id, None)
    if status == "open":
        await rounds_service.open_round(svc, round_.id)
    await context.query.edit_message_text(
        tr._("Ronde {round} is aangemaakt.", round=round_.id) + "\n" + round_views.round_label(
            await svc.storage.round(round_.id) or round_, tr, svc.settings.tz, svc.catalogue)
    )
    if status == "open":
        await round_views.announce_progress(context.application, context.chat_id, tr.language, round_.id, "invite")
