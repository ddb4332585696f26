"""Coordinator and admin commands (issue 7), one small handler per command.

Every command works only in a private chat and only for its role (see
:mod:`admin.auth`); a coordinator sees, changes and exports only their own centres.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import tempfile
from datetime import datetime
from pathlib import Path

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import Application, BaseHandler, CommandHandler

from admin import interview, lifecycle, stories, wizard
from admin.auth import admin_only, role_of, staff_only, staff_tr
from admin.poster import make_poster
from admin.progress import (
    item_status_counts,
    progress_items,
    question_text,
    render_progress,
    round_progress,
    shown,
)
from bot import callback_data as cd
from bot import rounds as rounds_service
from bot.chat import RESIDENT_COMMANDS
from bot.context import BuurtContext
from bot.exports.service import ExportRefused, export_filename, run_chart, run_export
from bot.i18n import N_, Translator, is_rtl, isolate
from bot.privacy.disclosure import Audience, audience_of, grant
from bot.roles import Role
from bot.storage import Round
from bot.survey.models import LANGUAGES

log = logging.getLogger(__name__)

#: A centre code must fit a deep link and callback data (Bot API: ``start`` parameter is
#: 1-64 of ``[A-Za-z0-9_-]``; our callbacks leave room for 32).
CENTRE_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")

#: Export formats offered as buttons: callback code -> (service format, button label).
EXPORT_BUTTONS = {
    "csv": ("csv", N_("CSV (komma)")),
    "nl": ("excel-nl", N_("CSV (Excel NL, puntkomma)")),
    "xlsx": ("xlsx", "Excel (xlsx)"),  # the same in every language
    "wd": ("wide", N_("Eén rij per bewoner (CSV)")),
    "book": ("codebook", N_("Codeboek (CSV)")),
    "st": ("stories", N_("Verhalen om te printen (HTML)")),
    "ef": ("effects", N_("Effectentabel (CSV, Excel NL)")),
    "wk": ("breakdown", N_("Cijfers per centrum en wijk (CSV)")),
}

#: Last argument of /chart (and /progress) that asks for figures per district.
DISTRICT_WORDS = frozenset({"wijk", "wijken", "district", "districts"})

#: Export buttons only an admin gets (a coordinator would get the aggregate table again).
ADMIN_EXPORTS = frozenset({"wd"})

#: Staff commands: (command, description, admin only).
STAFF_COMMANDS = [
    ("rounds", N_("rondes bekijken"), False),
    ("newround", N_("nieuwe ronde maken"), False),
    ("open", N_("ronde openen: /open ID"), False),
    ("close", N_("ronde sluiten: /close ID"), False),
    ("cancel", N_("ronde annuleren: /cancel ID"), False),
    ("remind", N_("herinnering sturen: /remind ID"), False),
    ("progress", N_("voortgang: /progress ID"), False),
    ("centres", N_("centra en aantallen bewoners"), False),
    ("qr", N_("poster met QR-code: /qr CENTRUM"), False),
    ("interview", N_("interview afnemen voor iemand zonder telefoon"), False),
    ("stories", N_("verhalen lezen en coderen: /stories ID"), False),
    ("export", N_("antwoorden exporteren"), False),
    ("chart", N_("grafiek: /chart ID (per wijk: /chart ID wijk)"), False),
    ("invite_coordinator", N_("code voor een coördinator: /invite_coordinator CENTRUM"), True),
    ("add_admin", N_("beheerder toevoegen: /add_admin USER_ID"), True),
]


def staff_commands(tr: Translator, admin: bool) -> list[tuple[str, str]]:
    """The staff command menu ``(command, description)``."""
    return [(name, tr._(desc)) for name, desc, only_admin in STAFF_COMMANDS if admin or not only_admin]


def admin_commands(tr: Translator) -> list[tuple[str, str]]:
    """The admin command menu (every staff command)."""
    return staff_commands(tr, True)


#: The admin's ways of keeping the centres list, shown under the commands in /help (one
#: menu entry, /centres, cannot say them all).
CENTRE_HELP = [
    N_("/centres add CODE Naam – een centrum toevoegen"),
    N_("/centres rename CODE Naam – een centrum een nieuwe naam geven"),
    N_("/centres archive CODE – een centrum archiveren: bewoners kunnen het niet meer kiezen,"
       " de antwoorden blijven"),
    N_("/centres restore CODE – een gearchiveerd centrum terugzetten"),
]


def staff_help(tr: Translator, role: Role) -> str:
    """The staff part of /help (admins also read how to add, rename and archive centres)."""
    lines = [tr._("Voor coördinatoren:")]
    if is_rtl(tr.language):  # description first, so the line lays out right to left
        lines += [f"{desc} – {isolate('/' + name, tr.language)}" for name, desc in staff_commands(tr, role.admin)]
    else:
        lines += [f"/{name} – {desc}" for name, desc in staff_commands(tr, role.admin)]
    if role.admin:
        lines += ["", tr._("Centra beheren:"), *(tr._(line) for line in CENTRE_HELP)]
    return "\n".join(lines)


async def staff_help_for(update: Update, context: BuurtContext) -> str | None:
    """The staff part of /help for the sender, or None for a resident (wired into
    ``conversations.help.help_command`` by :mod:`bot.app`)."""
    role = await role_of(update, context)
    return staff_help(staff_tr(update), role) if role.is_staff else None


async def set_staff_commands(application: Application, user_id: int, tr: Translator, *, admin: bool) -> None:
    """Set the command menu of one staff member's private chat (resident + staff commands)."""
    commands = [BotCommand(name, tr._(desc)) for name, desc in RESIDENT_COMMANDS]
    commands += [BotCommand(name, desc[:256]) for name, desc in staff_commands(tr, admin)]
    try:
        await application.bot.set_my_commands(commands, scope=BotCommandScopeChat(user_id))
    except TelegramError:
        log.warning("Could not set the staff command menu for one staff member")


async def on_pick(update: Update, context: BuurtContext, cb: cd.Pick) -> None:
    """A round button of :func:`pick_round`: run the command for that round."""
    query = context.query
    command, _, raw = cb.arg.partition(".")
    handler = {"open": open_, "close": close, "cancel": cancel, "remind": remind,
               "progress": progress_, "chart": chart, "stories": stories.stories}.get(command)
    await query.answer()
    if handler is None or cd.parse_id(raw) is None:
        return
    await query.edit_message_reply_markup(reply_markup=None)
    context.args = [raw]
    await handler(update, context)


async def _round_arg(update: Update, context: BuurtContext, role: Role, tr: Translator,
                     *, command: str, view: bool = False) -> Round | None:
    """The round named by the first argument, if the user may act on it (``view``: look
    at their centres' share of it); without one, :func:`pick_round`. Replies otherwise."""
    svc = context.svc
    allowed = role.sees if view else role.covers
    if not context.arguments:
        return await lifecycle.pick_round(update, context, role, tr, command, view=view)
    round_id = cd.parse_id(context.arguments[0])
    round_ = await svc.storage.round(round_id) if round_id is not None else None
    if round_ is None or not role.sees(round_.centres):
        await context.message.reply_text(tr._("Die ronde bestaat niet, of is niet van jouw centrum."))
        return None
    if not allowed(round_.centres):
        await context.message.reply_text(
            tr._("Deze ronde loopt ook in andere centra. Alleen een beheerder kan hem openen, sluiten of herinneringen sturen."))
        return None
    return round_


async def _share_line(svc, role: Role, round_: Round, tr: Translator) -> str | None:
    """"Only your centre: …" when the user sees a share of a round of several centres."""
    share = role.share(round_.centres)
    if share is None:
        return None
    names = [await svc.storage.centre_name(code) or code for code in share]
    return tr.ngettext("Alleen jouw centrum: {centres}", "Alleen jouw centra: {centres}", len(names),
                       centres=", ".join(names))


def _command_name(update: Update) -> str:
    text = (update.effective_message.text if update.effective_message else None) or ""
    return text.split()[0].lstrip("/").split("@")[0] if text.startswith("/") else ""


# -- enrolment ---------------------------------------------------------------------------
@admin_only
async def invite_coordinator(update: Update, context: BuurtContext, role: Role) -> None:
    """Makes a one-time code (48 h) for a coordinator of a centre."""
    svc = context.svc
    tr = staff_tr(update)
    if not context.arguments or await svc.storage.centre_name(context.arguments[0].lower()) is None:
        codes = ", ".join(code for code, _ in await svc.storage.centres())
        await context.message.reply_text(tr._("Gebruik: /invite_coordinator CENTRUM. Centra: {codes}", codes=codes))
        return
    centre = context.arguments[0].lower()
    code = await svc.roles.create_invite(centre)
    await context.message.reply_text(
        tr._("Code voor een coördinator van {centre}: {code}\nDe coördinator stuurt: /coordinator {code}\nDe code werkt één keer en 48 uur lang.",
             centre=await svc.storage.centre_name(centre), code=code)
    )


async def coordinator(update: Update, context: BuurtContext) -> None:
    """Redeems a coordinator code: the sender becomes coordinator of its centre."""
    svc = context.svc
    tr = staff_tr(update)
    if context.message.chat.type != "private":
        return
    if not context.arguments:
        await context.message.reply_text(tr._("Gebruik: /coordinator CODE (de code krijg je van de beheerder)."))
        return
    centre = await svc.roles.redeem_invite(context.arguments[0], context.user_id, tr.language)
    if centre is None:
        await context.message.reply_text(tr._("Deze code werkt niet (meer). Vraag een nieuwe code."))
        return
    await set_staff_commands(context.application, context.user_id, tr, admin=False)
    await context.message.reply_text(
        "✅ " + tr._("Je bent nu coördinator van {centre}. Stuur /help voor je commando's.",
                     centre=await svc.storage.centre_name(centre))
    )


@admin_only
async def add_admin(update: Update, context: BuurtContext, role: Role) -> None:
    """Makes a Telegram user id an admin."""
    tr = staff_tr(update)
    user_id = cd.parse_id(context.arguments[0], max_digits=15) if context.arguments else None
    if user_id is None:
        await context.message.reply_text(tr._("Gebruik: /add_admin USER_ID"))
        return
    await context.svc.roles.add_admin(user_id)
    await context.message.reply_text(tr._("Toegevoegd als beheerder."))


# -- centres -----------------------------------------------------------------------------
@staff_only()
async def centres(update: Update, context: BuurtContext, role: Role) -> None:
    """Lists centres with resident counts; admins: ``add CODE Name``, ``rename CODE Name``,
    ``archive CODE`` (no longer offered to residents or new rounds; answers stay) and
    ``restore CODE``."""
    svc = context.svc
    tr = staff_tr(update)
    args = context.arguments or []
    if args and args[0] in ("add", "rename", "archive", "restore"):
        if not role.admin:
            await context.message.reply_text(tr._("Alleen beheerders kunnen centra toevoegen of hernoemen."))
            return
        if args[0] in ("archive", "restore"):
            code = args[1].lower() if len(args) == 2 else ""
            if not CENTRE_CODE.fullmatch(code):
                await context.message.reply_text(
                    tr._("Gebruik: /centres archive CODE, of /centres restore CODE"))
                return
            name = await svc.storage.set_centre_active(code, args[0] == "restore")
            if name is None:
                await context.message.reply_text(tr._("Dat centrum bestaat niet."))
            elif args[0] == "archive":
                await context.message.reply_text(tr._(
                    "{centre} is gearchiveerd. Bewoners kunnen het niet meer kiezen; de antwoorden"
                    " blijven. Terugzetten: /centres restore {code}", centre=name, code=code))
            else:
                await context.message.reply_text(tr._("{centre} is terug.", centre=name))
            return
        if len(args) < 3 or not CENTRE_CODE.fullmatch(args[1].lower()):
            await context.message.reply_text(tr._("Gebruik: /centres add CODE Naam, of /centres rename CODE Naam"))
            return
        code, name = args[1].lower(), " ".join(args[2:])[:80]
        ok = await svc.storage.upsert_centre(code, name, create=args[0] == "add")
        await context.message.reply_text(tr._("Opgeslagen.") if ok else tr._("Dat centrum bestaat niet, of bestaat al."))
        return
    k = grant("chat.centres", audience_of(role.admin), svc.settings.min_cell_size).k
    counts = await svc.storage.resident_counts()
    lines = [tr._("Centra (aantal deelnemende bewoners):")]
    for code, name in await svc.storage.centres():
        if code in role.centres:
            lines.append(f"• {name} ({code}): {shown(counts.get(code, 0), k)}")
    archived = await svc.storage.archived_centres() if role.admin else []
    if archived:
        lines.append(tr._("Gearchiveerd: {centres}",
                          centres=", ".join(f"{name} ({code})" for code, name in archived)))
    await context.message.reply_text("\n".join(lines))


@staff_only()
async def qr(update: Update, context: BuurtContext, role: Role) -> None:
    """Sends a printable PNG poster with the centre's deep-link QR code."""
    svc = context.svc
    tr = staff_tr(update)
    own = sorted(role.centres)
    code = (context.arguments[0].lower() if context.arguments else (own[0] if len(own) == 1 else None))
    if code is None or code not in role.centres:
        await context.message.reply_text(tr._("Gebruik: /qr CENTRUM. Jouw centra: {codes}", codes=", ".join(own)))
        return
    grant("chat.poster", audience_of(role.admin), svc.settings.min_cell_size)
    name = await svc.storage.centre_name(code) or code
    link = f"https://t.me/{context.bot.username}?start={code}"
    lines = {lang: Translator(lang)._("Scan en vertel je verhaal") for lang in LANGUAGES}
    png = await asyncio.to_thread(make_poster, name, link, lines)
    await context.message.reply_document(
        document=io.BytesIO(png), filename=f"buurtstem-poster-{code}.png", caption=link
    )


# -- rounds ------------------------------------------------------------------------------
@staff_only()
async def rounds(update: Update, context: BuurtContext, role: Role) -> None:
    """Lists the rounds of the user's centres with their status."""
    svc = context.svc
    tr = staff_tr(update)
    found = [r for r in await svc.storage.rounds() if role.sees(r.centres)]
    if not found:
        await context.message.reply_text(tr._("Er zijn nog geen rondes. Maak er een met /newround."))
        return
    shared = tr._("ook in andere centra")
    lines = [lifecycle.round_label(r, tr, svc.settings.tz, svc.catalogue) + ("" if role.covers(r.centres) else f" · {shared}")
             for r in found[:30]]
    await context.message.reply_text("\n".join(lines))


@staff_only()
async def open_(update: Update, context: BuurtContext, role: Role) -> None:
    """Asks to confirm opening a round now (it messages every resident of its centres)."""
    tr = staff_tr(update)
    round_ = await _round_arg(update, context, role, tr, command="open")
    if round_ is None:
        return
    if round_.status == "closed":
        await context.message.reply_text(tr._("Deze ronde is al gesloten."))
        return
    if round_.status == "cancelled":
        await context.message.reply_text(tr._("Deze ronde is geannuleerd."))
        return
    if round_.status == "open":
        await context.message.reply_text(tr._("Deze ronde is al open."))
        return
    await _ask_confirmation(update, context, round_, "open", tr)


#: Irreversible round actions that ask first: action -> callback verb of "yes".
CONFIRM_VERBS = {"open": "rko", "closed": "rkc", "cancelled": "rkx"}


async def _ask_confirmation(update: Update, context: BuurtContext, round_: Round, action: str,
                            tr: Translator) -> None:
    """Say what opening, closing or cancelling will do, and to how many residents; ask yes/no."""
    svc = context.svc
    k = svc.settings.min_cell_size
    label = lifecycle.round_label(round_, tr, svc.settings.tz, svc.catalogue)
    started, finished = await rounds_service.respondent_counts(svc, round_.id)
    if action == "open":
        reach = await rounds_service.reachable_residents(svc, round_.centres)
        lines = [tr._("Ronde {round} nu openen?", round=round_.id), label, "",
                 tr._("Alle bewoners van het centrum krijgen meteen een uitnodiging. Dat kun je niet terugdraaien."),
                 tr._("Aantal bewoners dat nu een bericht krijgt: {n}", n=shown(reach, k))]
        yes = "📨 " + tr._("Ja, nu openen en uitnodigen")
    elif action == "closed":
        lines = [tr._("Ronde {round} sluiten?", round=round_.id), label, "",
                 tr._("Daarna kan niemand meer antwoorden. Dat kun je niet terugdraaien."),
                 tr._("Begonnen: {n}", n=shown(started, k)),
                 tr._("Nog niet klaar (kunnen dan niet meer verder): {n}", n=shown(started - finished, k))]
        yes = "🔒 " + tr._("Ja, sluiten")
    else:
        lines = [tr._("Ronde {round} annuleren?", round=round_.id), label, "",
                 tr._("Niemand kan dan nog antwoorden, en uitnodigingen die nog wachten gaan niet meer weg. Dat kun je niet terugdraaien."),
                 tr._("Begonnen: {n}", n=shown(started, k))]
        yes = "🗑 " + tr._("Ja, annuleren")
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton(yes, callback_data=cd.admin(CONFIRM_VERBS[action], str(round_.id)))],
        [InlineKeyboardButton("✖️ " + tr._("Nee, niets doen"), callback_data=cd.admin("rkn", str(round_.id)))],
    ])
    await context.message.reply_text("\n".join(lines), reply_markup=markup)


async def on_confirm(update: Update, context: BuurtContext, cb: cd.Confirm) -> None:
    """``ad:rk?:<round>``: the answer to "open / close / cancel round N?"."""
    query = context.query
    svc = context.svc
    tr = staff_tr(update)
    role = await role_of(update, context)
    round_id = cd.parse_id(cb.arg)
    round_ = await svc.storage.round(round_id) if round_id is not None else None
    action = {verb: action for action, verb in CONFIRM_VERBS.items()}.get(cb.verb)
    if not role.is_staff or round_ is None or not role.covers(round_.centres) or (
            action is None and cb.verb != "rkn"):
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    await query.answer()
    if action is None:
        await query.edit_message_text(tr._("Goed, er is niets veranderd."))
        return
    if action == "open":
        if round_.status != "scheduled":
            await query.edit_message_text(tr._("Deze ronde is al open.") if round_.status == "open"
                                          else tr._("Deze ronde is al gesloten."))
            return
        await rounds_service.open_round(svc, round_.id)
        await query.edit_message_text(tr._("Ronde {round} is open.", round=round_.id))
        await lifecycle.announce_progress(context.application, context.chat_id, tr.language,
                                          round_.id, "invite")
        return
    if round_.status not in ("open", "scheduled"):
        await query.edit_message_text(
            tr._("Deze ronde is al gesloten.") if round_.status == "closed" else tr._("Deze ronde is geannuleerd."))
        return
    await rounds_service.end_round(svc, round_.id, action)
    await query.edit_message_text(tr._("Ronde {round} is gesloten.", round=round_.id) if action == "closed"
                                  else tr._("Ronde {round} is geannuleerd.", round=round_.id))


async def _end_round(update: Update, context: BuurtContext, role: Role, status: str) -> None:
    """Ask to close or cancel the round named in the command; only an open or planned round."""
    tr = staff_tr(update)
    round_ = await _round_arg(update, context, role, tr, command="close" if status == "closed" else "cancel")
    if round_ is None:
        return
    if round_.status not in ("open", "scheduled"):
        await context.message.reply_text(
            tr._("Deze ronde is al gesloten.") if round_.status == "closed" else tr._("Deze ronde is geannuleerd."))
        return
    await _ask_confirmation(update, context, round_, status, tr)


@staff_only()
async def close(update: Update, context: BuurtContext, role: Role) -> None:
    """Asks to confirm closing a round (no more answers)."""
    await _end_round(update, context, role, "closed")


@staff_only()
async def cancel(update: Update, context: BuurtContext, role: Role) -> None:
    """Asks to confirm cancelling a round."""
    await _end_round(update, context, role, "cancelled")


@staff_only()
async def remind(update: Update, context: BuurtContext, role: Role) -> None:
    """Reminds residents who have not finished the round."""
    tr = staff_tr(update)
    round_ = await _round_arg(update, context, role, tr, command="remind")
    if round_ is None:
        return
    if not round_.is_open:
        await context.message.reply_text(tr._("Deze ronde is niet open."))
        return
    if await rounds_service.reminded_recently(context.svc, round_.id):
        await context.message.reply_text(
            tr._("Er is de afgelopen 24 uur al een herinnering gestuurd. Probeer het morgen opnieuw."))
        return
    queued = await rounds_service.remind(context.svc, round_.id)
    await context.message.reply_text(
        tr.ngettext("{n} herinnering klaargezet.", "{n} herinneringen klaargezet.", queued)
    )


@staff_only()
async def progress_(update: Update, context: BuurtContext, role: Role) -> None:
    """Shows counts for a round: invited, started, finished, per language, per item."""
    svc = context.svc
    tr = staff_tr(update)
    grant("chat.progress", audience_of(role.admin), svc.settings.min_cell_size)
    round_ = await _round_arg(update, context, role, tr, command="progress", view=True)
    if round_ is None:
        return
    k = svc.settings.min_cell_size
    share = role.share(round_.centres)
    counts = await round_progress(svc.storage, round_.id, share)
    counts.released, counts.by_status = await asyncio.to_thread(
        item_status_counts, svc.settings.database_path, round_.id, share, k)
    survey_items = svc.catalogue.survey_items(round_.survey)
    items = progress_items(survey_items)
    questions = {i.id: question_text(i, tr.language) for i in survey_items}
    label = lifecycle.round_label(round_, tr, svc.settings.tz, svc.catalogue)
    await context.message.reply_text(
        render_progress(counts, label, items, tr, k,
                        scope=await _share_line(svc, role, round_, tr), questions=questions)
    )


# -- export and chart --------------------------------------------------------------------
@staff_only()
async def export(update: Update, context: BuurtContext, role: Role) -> None:
    """Asks which round to export (then which format)."""
    svc = context.svc
    tr = staff_tr(update)
    buttons = [[InlineKeyboardButton(tr._("Alle rondes"), callback_data=cd.export(None))]]
    for r in [r for r in await svc.storage.rounds() if role.sees(r.centres)][:10]:
        buttons.append([InlineKeyboardButton(lifecycle.round_label(r, tr, svc.settings.tz, svc.catalogue)[:60], callback_data=cd.export(r.id))])
    await context.message.reply_text(
        tr._("Welke ronde wil je exporteren?"), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def on_export(update: Update, context: BuurtContext, cb: cd.Export) -> None:
    """Second step: pick a format; third step: build the file and send it as a document."""
    query = context.query
    svc = context.svc
    tr = staff_tr(update)
    role = await role_of(update, context)
    if not role.is_staff:
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    if cb.round_id is not None:
        round_ = await svc.storage.round(cb.round_id)
        if round_ is None or not role.sees(round_.centres):
            await query.answer(tr._("Deze knop werkt niet meer."))
            return
    if cb.fmt is None:
        await query.answer()
        await query.edit_message_text(
            tr._("Welk formaat?"),
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(tr._(label), callback_data=cd.export(cb.round_id, code))]
                 for code, (_fmt, label) in EXPORT_BUTTONS.items()
                 if role.admin or code not in ADMIN_EXPORTS]
            ),
        )
        return
    fmt = EXPORT_BUTTONS[cb.fmt][0]
    settings = svc.settings
    k = settings.min_cell_size
    round_ids = None if cb.round_id is None else [cb.round_id]
    scope = None if role.admin else sorted(role.centres)
    await query.answer(tr._("Even geduld…"))
    name = export_filename(fmt, cb.round_id, datetime.now(settings.tz).date())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / name
        try:
            result = await asyncio.to_thread(
                run_export, settings.database_path, svc.catalogue, out, fmt=fmt, tz=settings.tz,
                audience=audience_of(role.admin), round_ids=round_ids, centres=scope,
                min_cell_size=k, language=tr.language, translator=svc.translator,
            )
        except ExportRefused as exc:
            await _refuse(query, tr, exc, k, coarser=cd.export(None, cb.fmt) if cb.round_id is not None else None)
            return
        await context.bot.send_document(context.chat_id, document=out.read_bytes(), filename=name,
                                        caption=export_caption(result, fmt, tr, k))
    await query.edit_message_reply_markup(reply_markup=None)


def export_caption(result, fmt: str, tr: Translator, k: int) -> str:
    """The caption of an export file (``chat.export_caption``: only what the file holds)."""
    grant("chat.export_caption", result.audience, k)
    if fmt == "codebook":
        return tr.ngettext("{n} regel", "{n} regels", result.rows)
    if fmt == "stories":
        return tr.ngettext(
            "{n} goedgekeurd verhaal dat gedeeld mag worden, met effecten, shortlist, keuze en reden.",
            "{n} goedgekeurde verhalen die gedeeld mogen worden, met effecten, shortlist, keuze en reden.",
            result.rows)
    if fmt == "wide":
        caption = tr.ngettext("{n} rij: één per bewoner en ronde", "{n} rijen: één per bewoner en ronde",
                              result.rows)
        if result.left_out:
            caption += "\n" + tr.ngettext(
                "{n} deelnemer weggelaten: te weinig mensen met dezelfde kenmerken (centrum, taal, datum).",
                "{n} deelnemers weggelaten: te weinig mensen met dezelfde kenmerken (centrum, taal, datum).",
                result.left_out)
        return caption
    if fmt == "effects":
        return tr._("Hoe vaak elk effect in de verhalen is gecodeerd. '<{k}' betekent: 1 tot {k_1} keer.",
                    k=k, k_1=k - 1)
    if result.audience == Audience.ADMIN:
        caption = (tr.ngettext("{n} antwoord", "{n} antwoorden", result.rows)
                   + " · " + tr.ngettext("{n} deelnemer", "{n} deelnemers", result.respondents))
        if result.left_out:
            caption += "\n" + tr.ngettext(
                "{n} deelnemer weggelaten: te weinig mensen met dezelfde kenmerken (centrum, taal, datum).",
                "{n} deelnemers weggelaten: te weinig mensen met dezelfde kenmerken (centrum, taal, datum).",
                result.left_out)
    else:
        caption = tr.ngettext("Cijfers van {n} deelnemer, geen antwoorden per persoon.",
                              "Cijfers van {n} deelnemers, geen antwoorden per persoon.", result.respondents)
    if result.held_back:
        caption += "\n" + tr.ngettext(
            "{n} deelnemer komt later in de cijfers: nieuwe deelnemers komen erbij per groepje van {k}.",
            "{n} deelnemers komen later in de cijfers: nieuwe deelnemers komen erbij per groepje van {k}.",
            result.held_back, k=k)
    if any(note.startswith("Round ") for note in result.notes):
        caption += "\n" + tr._("Van een of meer rondes is de vrije tekst verwijderd na de bewaartermijn.")
    return caption


def refusal_text(tr: Translator, exc: ExportRefused, k: int) -> str:
    """Why an export or chart was not made, in the staff member's language."""
    if exc.reason == "empty":
        return tr._("Hier zijn nog geen antwoorden. Er is geen bestand gemaakt.")
    if exc.reason == "no_stories":
        return tr._("Er zijn nog geen goedgekeurde verhalen die gedeeld mogen worden. "
                    "Lees en keur verhalen goed met /stories. Er is geen bestand gemaakt.")
    if exc.reason == "no_districts":
        return tr._("De centra van deze ronde liggen niet in een wijk. Er is geen bestand gemaakt.")
    if exc.reason == "only_stories":
        return tr._("Deze ronde vroeg alleen om verhalen. Een bestand met antwoorden per persoon "
                    "zou niets tonen: de verhalen staan in 'Verhalen om te printen'. "
                    "Er is geen bestand gemaakt.")
    if exc.reason == "no_codes":
        return tr._("Er zijn nog geen verhalen met een effect. "
                    "Geef verhalen effecten met /stories. Er is geen bestand gemaakt.")
    return tr._("Nog te weinig deelnemers om cijfers te laten zien zonder dat iemand herkenbaar is. "
                "Cijfers komen per groepje van {k} deelnemers per centrum. Er is geen bestand gemaakt.", k=k)


async def _refuse(query, tr: Translator, exc: ExportRefused, k: int, coarser: str | None) -> None:
    """Edit the format question into the refusal; offer all rounds where that may help."""
    markup = None
    if coarser is not None:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(tr._("Alle rondes"), callback_data=coarser)]])
    await query.edit_message_text(refusal_text(tr, exc, k), reply_markup=markup)


@staff_only()
async def chart(update: Update, context: BuurtContext, role: Role) -> None:
    """Sends the indicator chart of a round (released respondents only; small cells hidden);
    ``/chart N wijk``: one chart per district, rolled up from its centres."""
    svc = context.svc
    tr = staff_tr(update)
    by_district = bool(context.arguments) and context.arguments[-1].lower() in DISTRICT_WORDS
    if by_district:
        context.args = context.arguments[:-1]
    round_ = await _round_arg(update, context, role, tr, command="chart", view=True)
    if round_ is None:
        return
    settings = svc.settings
    asked = [i.id for i in svc.catalogue.survey_items(round_.survey) if i.type == "scale"]

    def draw(out: Path) -> list[Path]:
        drawn = run_chart(settings.database_path, svc.catalogue, out, tz=settings.tz,
                          round_ids=[round_.id], centres=role.share(round_.centres),
                          k=settings.min_cell_size, language=tr.language,
                          only=asked, audience=audience_of(role.admin), by_district=by_district)
        return drawn if isinstance(drawn, list) else [drawn]

    with tempfile.TemporaryDirectory() as tmp:
        try:
            paths = await asyncio.to_thread(draw, Path(tmp) / f"buurtstem-ronde-{round_.id}.png")
        except ExportRefused as exc:
            await context.message.reply_text(refusal_text(tr, exc, settings.min_cell_size))
            return
        for path in paths:
            with path.open("rb") as fh:
                await context.message.reply_document(document=fh, filename=path.name)


def handlers() -> list[BaseHandler]:
    """The staff command handlers, registered in group 0 before the unknown-command reply."""
    return [
        CommandHandler("coordinator", coordinator),
        CommandHandler("invite_coordinator", invite_coordinator),
        CommandHandler("add_admin", add_admin),
        CommandHandler("centres", centres),
        CommandHandler("qr", qr),
        CommandHandler("rounds", rounds),
        CommandHandler("newround", wizard.newround),
        CommandHandler("open", open_),
        CommandHandler("close", close),
        CommandHandler("cancel", cancel),
        CommandHandler("remind", remind),
        CommandHandler("progress", progress_),
        CommandHandler("interview", interview.interview),
        CommandHandler("export", export),
        CommandHandler("chart", chart),
    ]
