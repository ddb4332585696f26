"""``/centres`` (list them with their residents; an admin adds, renames, archives and
restores) and ``/qr`` (a printable poster with a centre's deep-link QR code)."""

from __future__ import annotations

import asyncio
import io
import re

from telegram import Update

from admin.auth import staff_only, staff_tr
from admin.progress import shown
from bot.context import BuurtContext
from bot.i18n import Translator
from bot.privacy.disclosure import audience_of, grant
from bot.roles import Role
from bot.survey.models import LANGUAGES

#: A centre code must fit a deep link and callback data (Bot API: ``start`` parameter is
#: 1-64 of ``[A-Za-z0-9_-]``; our callbacks leave room for 32).
CENTRE_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


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
    # Pillow and segno (70 ms of CPU) load at the first /qr, not at every start of the bot
    from admin.poster import make_poster  # noqa: PLC0415 - see the comment above

    png = await asyncio.to_thread(make_poster, name, link, lines)
    await context.message.reply_document(
        document=io.BytesIO(png), filename=f"buurtstem-poster-{code}.png", caption=link
    )
