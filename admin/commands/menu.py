"""The staff's command menu and the staff part of ``/help``.

Staff commands are set per staff chat (``setMyCommands`` with a chat scope), so residents
never see them (issue 7).
"""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import Application

from admin.auth import role_of, staff_tr
from bot.chat import RESIDENT_COMMANDS
from bot.context import BuurtContext
from bot.i18n import N_, Translator, is_rtl, isolate
from bot.roles import Role

log = logging.getLogger(__name__)

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
