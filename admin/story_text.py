"""Typed text a story is owed: the reason after 🏆 (a selection without a reason is
refused), the corrected text after ✏️, or a reply to a story message with its corrected
text. What a chat owes is its state (:class:`bot.survey.state.StaffPending`), so it
survives a restart; text that turns out not to be owed goes on to the resident flow."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import (
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import MessageHandler, filters

from admin.auth import staff_tr
from admin.story_card import (
    TEXT_MAX,
    may_see,
    refresh,
    reply_target,
    stale,
    view_of,
)
from bot import msc
from bot.chat import unknown_command
from bot.context import BuurtContext
from bot.i18n import Translator
from bot.privacy.scrub import cap
from bot.roles import Role
from bot.storage import Round, Storage
from bot.survey.state import StaffPending

log = logging.getLogger(__name__)

#: ``async (update, context)``: a handler of typed text.
TextHandler = Callable[[Update, BuurtContext], Coroutine[Any, Any, None]]


async def ask_reason(update: Update, context: BuurtContext, role: Role, round_: Round,
                     story: msc.Story, parts: list[str], view: str, tr: Translator) -> None:
    """🏆 pressed: remember the pending selection and ask for the reason."""
    query = context.query
    svc = context.svc
    level = {"c": "centre", "a": "all"}.get(parts[1] if len(parts) > 2 else "")
    if level is None or (level == "all" and not (role.admin and len(round_.centres) > 1
                                                 and story.selected_at("centre"))):
        await query.answer(stale(tr))
        return
    if await msc.final_at(svc.storage, round_.id) is not None:
        await query.answer(tr._("De keuze van deze ronde is definitief."))
        return
    await _owe(svc.storage, context.chat_id, StaffPending(
        kind="reason", answer_id=story.answer_id, level=level, round_id=round_.id,
        chat_id=context.chat_id, message_id=context.pressed_message_id, view=view))
    await query.answer()
    domain = msc.domain_label(svc.catalogue, story.domain, tr)
    where = tr._("voor alle centra") if level == "all" else tr._("voor dit centrum")
    await context.bot.send_message(
        context.chat_id,
        "🏆 " + tr._("Waarom is dit {where} het belangrijkste verhaal over «{domain}»? Typ de reden in je eigen woorden.", where=where, domain=domain)
        + "\n" + tr._("De reden gaat ook naar de bewoners die om terugkoppeling vroegen: noem geen namen en citeer het verhaal niet. Zonder reden sla ik niets op."),
    )


async def ask_correction(update: Update, context: BuurtContext, story: msc.Story, part: str,
                         view: str, tr: Translator, other: msc.OtherAnswer | None = None) -> None:
    """✏️ pressed: the coordinator's next message replaces the story text (``part`` =
    ``story``), its "why it matters" (``why``) or another free-text answer of the teller
    (``other``); a command leaves it as it is."""
    query = context.query
    svc = context.svc
    target: int | None
    if part == "other" and other is not None:
        if other.withheld:
            await query.answer(tr._("Dit antwoord is achtergehouden. Zet het eerst terug met ↩."))
            return
        target = other.answer_id
    else:
        target = story.answer_id if part == "story" else story.why_answer_id
    if target is None:
        await query.answer(tr._("Bij dit verhaal is geen antwoord op 'waarom belangrijk'."))
        return
    if part == "why" and story.why_state == "withheld":
        await query.answer(tr._("Dit antwoord is achtergehouden. Zet het eerst terug met ↩."))
        return
    await _owe(svc.storage, context.chat_id, StaffPending(
        kind="correct", answer_id=story.answer_id, target=target, round_id=story.round_id,
        chat_id=context.chat_id, message_id=context.pressed_message_id, view=view))
    await query.answer()
    now = story.text if part == "story" else other.text if other is not None else (story.why or "")
    head = (tr._("Typ de verbeterde tekst van het verhaal. Je volgende bericht vervangt de tekst.") if part == "story"
            else tr._("Typ de verbeterde tekst van dit antwoord. Je volgende bericht vervangt de tekst.")
            if other is not None
            else tr._("Typ de verbeterde tekst van 'waarom belangrijk'. Je volgende bericht vervangt de tekst."))
    await context.bot.send_message(
        context.chat_id,
        "✏️ " + head + "\n" + tr._("Nu staat er:") + f"\n«{cap(now, TEXT_MAX)[0]}»\n\n"
        + tr._("Toch niets veranderen? Stuur /stories."),
    )


async def _owe(storage: Storage, chat_id: int, pending: StaffPending | None) -> None:
    """Remember in the chat's state that its next message is owed to a story (None: not)."""
    await storage.save_chat_state(chat_id, (await storage.chat_state(chat_id)).with_pending(pending))


async def _take_pending(storage: Storage, chat_id: int) -> StaffPending | None:
    """The chat's owed reason or correction, now no longer owed (None if there was none)."""
    pending = (await storage.chat_state(chat_id)).pending
    if pending is not None:
        await _owe(storage, chat_id, None)
    return pending


async def resume_pending_reason(update: Update, context: BuurtContext) -> bool:
    """Treat typed text as a pending selection reason or correction (the stories filter
    takes it first; this catches what reaches the text handler all the same).

    Returns:
        True if the message was a reason (handled here), False otherwise.
    """
    message = context.message
    pending = await _take_pending(context.svc.storage, message.chat.id)
    if pending is None:
        return False
    if pending.kind == "correct":
        await _on_correction(update, context, pending)
    else:
        await _on_reason(update, context, pending)
    return True


class _StoriesFilter(filters.MessageFilter):
    """Private text that is a reply to a story message, or from a chat owing a reason or
    correction (its state as this update read it: ``bot.app`` reads it first thing)."""

    def filter(self, message: Message) -> bool:
        if message.chat.type != ChatType.PRIVATE or message.text is None or message.from_user is None:
            return False
        if reply_target(message) is not None and not message.text.startswith("/"):
            return True
        state = Storage.cached_chat_state(message.chat.id)
        return state is not None and state.pending is not None


async def on_message(
    update: Update, context: BuurtContext, resident_text: TextHandler
) -> None:
    """A reason after 🏆, or a reply to a story message with a corrected text.

    Text that turns out not to be either goes to ``resident_text`` (the resident flow's
    typed-answer handler, wired by :mod:`bot.app`), a command to the unknown-command reply.
    """
    message = context.message
    text = message.text or ""  # the handler's filter lets only text through
    target = reply_target(message)
    if target is not None and not text.startswith("/"):
        await _on_redaction(update, context, target, resident_text)
        return
    pending = await _take_pending(context.svc.storage, message.chat.id)
    if pending is not None and pending.kind == "correct":
        await _on_correction(update, context, pending, resident_text)
        return
    if pending is None:  # a stale mark: not ours after all
        if text.startswith("/"):
            await unknown_command(update, context)
        else:
            await resident_text(update, context)
        return
    await _on_reason(update, context, pending)


async def _on_reason(update: Update, context: BuurtContext, pending: StaffPending) -> None:
    svc = context.svc
    tr = staff_tr(update)
    message = context.message
    role = await context.role()
    story = await msc.story(svc.storage, svc.catalogue, pending.answer_id)
    round_ = await svc.storage.round(pending.round_id)
    if (story is None or round_ is None or not may_see(role, story.centre_code)
            or not (pending.level == "centre" or role.admin)):
        await message.reply_text(tr._("Dit verhaal kan niet (meer) gekozen worden. Er is niets opgeslagen."))
        return
    try:
        await msc.select(svc.storage, svc.catalogue, answer_id=story.answer_id, level=pending.level or "centre",
                         reason=message.text, user_id=context.user_id)
    except msc.ReasonRequired:
        await message.reply_text("🙅 " + tr._("Zonder reden kies ik geen verhaal: er is niets opgeslagen. Druk opnieuw op 🏆 en typ dan waarom dit verhaal het belangrijkst is."))
        return
    except msc.SelectionFinal:
        await message.reply_text(tr._("De keuze van deze ronde is al definitief. Er is niets veranderd."))
        return
    except msc.SelectionError:
        await message.reply_text(tr._("Dit verhaal kan niet (meer) gekozen worden. Er is niets opgeslagen."))
        return
    domain = msc.domain_label(svc.catalogue, story.domain, tr)
    await message.reply_text("🏆 " + tr._("Gekozen als belangrijkste verhaal over «{domain}». Je reden is bewaard.", domain=domain))
    await refresh(context, pending.chat_id, pending.message_id, tr, role, round_, pending.view,
                   story.answer_id)


async def _on_redaction(update: Update, context: BuurtContext, answer_id: int,
                        resident_text: TextHandler) -> None:
    """A reply to a story message: its text is the corrected story."""
    replied = context.message.reply_to_message
    if replied is None:  # reply_target found the story in it, so it is there
        return
    await _correct(update, context, answer_id, answer_id, replied.chat.id, replied.message_id,
                   view_of(replied), resident_text)


async def _on_correction(update: Update, context: BuurtContext, pending: StaffPending,
                         resident_text: TextHandler | None = None) -> None:
    """The message after ✏️: the corrected story or "why it matters" (a command: nothing)."""
    tr = staff_tr(update)
    if (context.message.text or "").startswith("/"):
        await context.message.reply_text(tr._("Goed, er is niets veranderd."))
        return
    target = pending.target if pending.target is not None else pending.answer_id
    await _correct(update, context, pending.answer_id, target, pending.chat_id,
                   pending.message_id, pending.view, resident_text)


async def _correct(update: Update, context: BuurtContext, answer_id: int, target: int,
                   chat_id: int, message_id: int, view: str,
                   resident_text: TextHandler | None = None) -> None:
    """Store the message text as the corrected version of answer ``target`` (the story
    ``answer_id`` itself or its "why it matters"), then redraw the story message."""
    svc = context.svc
    tr = staff_tr(update)
    message = context.message
    role = await context.role()
    if not role.is_staff:
        if resident_text is not None:
            await resident_text(update, context)
        return
    story = await msc.story(svc.storage, svc.catalogue, answer_id)
    others = {o.answer_id: o for o in await msc.other_answers(svc.storage, answer_id)} if story else {}
    if (story is None or not may_see(role, story.centre_code)
            or target not in (answer_id, story.why_answer_id, *others)):
        await message.reply_text(tr._("Dit verhaal kan ik niet vinden, of het is niet van jouw centrum."))
        return
    if story.state == "withheld":
        await message.reply_text(tr._("Dit verhaal is achtergehouden. Zet het eerst terug met ↩."))
        return
    item = svc.catalogue.items.get(story.item_id if target == answer_id
                                   else others[target].item_id if target in others else "msc.why")
    try:
        await msc.set_redaction(svc.storage, target, message.text or "", context.user_id,
                                limit=item.max_length if item else 2000)
    except ValueError:
        await message.reply_text(tr._("Een lege tekst kan ik niet gebruiken. Er is niets veranderd."))
        return
    await message.reply_text("✏️ " + tr._("Aangepast. Deze versie wordt voortaan overal getoond in plaats van de oorspronkelijke tekst."))
    round_ = await svc.storage.round(story.round_id)
    if round_ is not None:  # a story's round is never deleted
        await refresh(context, chat_id, message_id, tr, role, round_, view, answer_id)


def text_handler(resident_text: TextHandler) -> MessageHandler:
    """The handler of owed text, to register in group 0 before the commands and the
    resident text handler.

    Args:
        resident_text: Where typed text goes that is not owed after all (the resident
            flow's handler; ``admin`` does not import ``conversations``).
    """

    @functools.wraps(on_message)
    async def typed(update: Update, context: BuurtContext) -> None:
        await on_message(update, context, resident_text)

    return MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & _StoriesFilter(), typed)
