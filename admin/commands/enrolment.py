"""Who becomes staff: ``/invite_coordinator`` (an admin makes a one-time code for a
centre), ``/coordinator CODE`` (the code's holder becomes that centre's coordinator) and
``/add_admin`` (:mod:`bot.roles`)."""

from __future__ import annotations

from telegram import Update

from admin.auth import admin_only, staff_tr
from admin.commands.menu import set_staff_commands
from bot import callback_data as cd
from bot.context import BuurtContext
from bot.roles import Role


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
