"""``/stories``: coordinators and admins read, review, code and select residents' stories.

The Most Significant Change technique in the chat (logic and storage in :mod:`bot.msc`;
Davies & Dart 2005, "The 'Most Significant Change' (MSC) Technique: A Guide to Its
Use"): hierarchical selection, each with a documented reason, then feedback.

* ``/stories ROUND`` shows one story per message: the (redacted, scrubbed) text, "why
  it matters", domain, centre, date (no time) and language, never who told it. Buttons:
  ◀ ▶ paging (the message is edited), review (✔ approve, ⛔ withhold, ↩ back to
  review), the 14 effect categories of appendix 3 (Movisie 2025) as toggles, ⭐
  shortlist and 🏆 "select as most significant for this domain". A coordinator sees
  only their own centres' stories; an admin sees all. Withheld stories show no text,
  to anybody, until returned to review.
* ``/stories ROUND gekozen`` pages through the centre-level selections only: the pool an
  admin selects from across centres (level ``all``, 🏆🏆).
* ``/stories ROUND final`` (an admin; or the coordinator of a one-centre round) first
  shows exactly what each storyteller who asked for feedback will receive (per centre and
  language, and to how many), then asks: final and send now, or — while the round is
  open — final and send when it closes (:func:`bot.rounds.end_round` queues it).
* Correct: ✏️ under a story (the story, or its "why it matters") takes the
  coordinator's next message as the corrected text (a reply to the story message does
  the same for the story); it is scrubbed again and shown instead of the original
  everywhere. "Why it matters" can also be withheld on its own (⛔, ↩ to show it again).
* The keyboard keeps its shape for every story and state (see :mod:`admin.story_card`);
  the text a story is owed (a reason, a correction) is :mod:`admin.story_text`.
* Names: a word the scrubber was not sure about ("❓ Misschien een naam", in the story
  or its "why it matters") gets a ✂️ button: one tap replaces every occurrence with
  ``[naam]`` the same way as a correction (issue 11), before anything is exported.
* Select: after 🏆 the coordinator's next text message is the reason. No reason (empty,
  blank, or a command such as ``/cancel``) → refused politely, nothing stored.

Callback data (``ad:<verb>:<arg>``, the :class:`bot.callback_data.Stories` kind, for verbs
starting with ``st``): ``stp`` page ``<round>.<pos>.<view>``; ``sta`` / ``stw`` /
``str`` review ``<answer>.<view>``; ``stc`` code ``<answer>.<effect index>.<view>``;
``sts`` shortlist ``<answer>.<view>``; ``stx`` select ``<answer>.<c|a>.<view>``;
``ste`` / ``stv`` correct the story / its "why" ``<answer>.<view>``; ``sth`` withhold or
show "why" ``<answer>.<view>``;
``stn`` redact a possible name (✂️) ``<answer>.<word key>.<view>``;
``stf`` make the selection final ``<round>.<n|h|x|s>``; ``sto`` / ``stk`` / ``stj`` the
teller's other answers. ``view`` is ``a`` (all stories) or ``s`` (centre-level
selections). ``stfb`` (a resident's feedback opt-in) is :mod:`admin.opt_in`.
"""


from __future__ import annotations

import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatType

from admin import round_views
from admin.auth import staff_only, staff_tr
from admin.progress import shown
from admin.story_card import (
    MESSAGE_MAX,
    TEXT_MAX,
    VIEWS,
    cut_word,
    may_see,
    possible_names,
    refresh,
    render,
    scope,
    stale,
    stories_in_view,
    word_key,
)
from admin.story_text import ask_correction, ask_reason
from bot import callback_data as cd
from bot import msc
from bot.context import BuurtContext
from bot.i18n import Translator, language_in
from bot.privacy.disclosure import audience_of, grant
from bot.privacy.scrub import cap
from bot.roles import Role
from bot.storage import Round

log = logging.getLogger(__name__)

#: Words after the round number that make the selection final / show the pool.
FINAL_WORDS = frozenset({"final", "definitief"})
POOL_WORDS = frozenset({"gekozen", "selected", "chosen", "pool"})


@staff_only()
async def stories(update: Update, context: BuurtContext, role: Role) -> None:
    """``/stories ROUND [gekozen|final]``: page through, review and select stories."""
    svc = context.svc
    tr = staff_tr(update)
    grant("chat.stories_review", audience_of(role.admin), svc.settings.min_cell_size)
    message = context.message
    args = context.arguments
    if not args:
        usage = tr._("Gebruik: /stories RONDE. Daarna: /stories RONDE gekozen (de gekozen verhalen), /stories RONDE final (keuze definitief maken).")
        picked = await round_views.pick_round(update, context, role, tr, "stories", view=True, intro=usage)
        if picked is None:
            return
        args = [str(picked.id)]
    round_id = cd.parse_id(args[0])
    round_ = await svc.storage.round(round_id) if round_id is not None else None
    if round_ is None or not scope(role, round_):
        await message.reply_text(tr._("Die ronde bestaat niet, of is niet van jouw centrum."))
        return
    word = args[1].lower() if len(args) > 1 else ""
    if word in FINAL_WORDS:
        await _finalise(update, context, role, round_, tr)
        return
    view = "s" if word in POOL_WORDS else "a"
    listing = await stories_in_view(context, round_, role, view)
    if not listing:
        await message.reply_text(
            tr._("Er zijn nog geen gekozen verhalen in ronde {round}.", round=round_.id) if view == "s"
            else tr._("Er zijn nog geen verhalen in ronde {round}.", round=round_.id)
        )
        return
    text, markup = await render(context, tr, role, round_, listing, 0, view)
    await message.reply_text(text, reply_markup=markup)


async def _finalise(update: Update, context: BuurtContext, role: Role, round_: Round,
                    tr: Translator) -> None:
    """``/stories N final``: show exactly what each storyteller will receive (per centre
    and language, and to how many), then ask: make final and send now, or (round still
    open) send when the round closes."""
    svc = context.svc
    message = context.message
    if not _may_finalise(role, round_):
        await message.reply_text(tr._("Alleen een beheerder kan de keuze van een ronde met meer centra definitief maken."))
        return
    if not await msc.selections(svc.storage, round_.id):
        await message.reply_text(tr._("Er is nog geen verhaal gekozen in ronde {round}. Kies eerst per domein een verhaal, met een reden.", round=round_.id))
        return
    if await msc.final_at(svc.storage, round_.id) is not None:
        held = round_.is_open and not await msc.feedback_queued(svc.storage, round_.id)
        await message.reply_text("🔒 " + tr._("De keuze van ronde {round} was al definitief.", round=round_.id),
                                 reply_markup=_send_now(tr, round_.id) if held else None)
        return
    k = svc.settings.min_cell_size
    plan = await msc.feedback_plan(svc.storage, svc.catalogue, round_.id, svc.respondent)
    centres = dict(await svc.storage.centres())
    for group in plan:
        head = "👁 " + tr._("Zo krijgen vertellers van {centre} in het {language} het bericht ({n}):",
                           centre=centres.get(group.centre, group.centre),
                           language=language_in(group.language, tr.language),
                           n=shown(len(group.chats), k))
        await message.reply_text(cap(head + "\n\n" + group.text, MESSAGE_MAX)[0])
    total = sum(len(g.chats) for g in plan)
    lines = [tr._("Keuze van ronde {round} definitief maken?", round=round_.id),
             tr._("Aantal vertellers dat een bericht krijgt: {n}", n=shown(total, k)),
             tr._("Daarna kun je de keuze niet meer veranderen.")]
    rows = []
    if round_.is_open:
        lines.append(tr._("De ronde is nog open. Je kunt de berichten laten wachten tot de ronde sluit."))
        rows.append([InlineKeyboardButton("🔒 " + tr._("Definitief, versturen als de ronde sluit"),
                                          callback_data=cd.admin("stf", f"{round_.id}.h"))])
    rows.append([InlineKeyboardButton("📨 " + tr._("Definitief en nu versturen"),
                                      callback_data=cd.admin("stf", f"{round_.id}.n"))])
    rows.append([InlineKeyboardButton("✖️ " + tr._("Nog niet"), callback_data=cd.admin("stf", f"{round_.id}.x"))])
    await message.reply_text("\n".join(lines), reply_markup=InlineKeyboardMarkup(rows))


def _send_now(tr: Translator, round_id: int) -> InlineKeyboardMarkup:
    """The button that sends held feedback before the round closes."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        "📨 " + tr._("Toch nu versturen"), callback_data=cd.admin("stf", f"{round_id}.s"))]])


def _may_finalise(role: Role, round_: Round) -> bool:
    return role.admin or (len(round_.centres) == 1 and round_.centres[0] in role.centres)


async def _on_final_choice(update: Update, context: BuurtContext, arg: str) -> None:
    """``ad:stf:<round>.<n|h|x|s>``: make final and send now / when the round closes / not
    yet; ``s``: a final selection held until the round closes is sent now after all."""
    query = context.query
    svc = context.svc
    tr = staff_tr(update)
    role = await context.role()
    raw, _, choice = arg.partition(".")
    round_id = cd.parse_id(raw)
    round_ = await svc.storage.round(round_id) if round_id is not None else None
    if round_ is None or not role.is_staff or not _may_finalise(role, round_) or choice not in ("n", "h", "x", "s"):
        await query.answer(stale(tr))
        return
    await query.answer()
    if choice == "x":
        await query.edit_message_text(tr._("Goed, er is niets veranderd."))
        return
    newly = choice == "s" or await msc.finalise(svc.storage, round_.id)
    round_ = await svc.storage.round(round_.id) or round_  # as finalising left it
    if choice == "s" and await msc.final_at(svc.storage, round_.id) is None:
        await query.edit_message_text(stale(tr))
        return
    if not newly:
        await query.edit_message_text("🔒 " + tr._("De keuze van ronde {round} was al definitief.", round=round_.id))
        return
    if choice == "h" and round_.is_open:
        log.info("Round %s selection final; feedback held until the round closes", round_.id)
        if round_.closes_at:
            when = tr._("De berichten gaan weg als de ronde sluit ({date}).",
                        date=tr.datetime(round_.closes_at, svc.settings.tz, "short"))
        else:  # no closing time: the coordinator closes it
            when = tr._("De berichten gaan weg als je de ronde sluit met /close {round}.", round=round_.id)
        await query.edit_message_text("🔒 " + tr._("De keuze van ronde {round} is nu definitief.", round=round_.id) + "\n"
                                      + when, reply_markup=_send_now(tr, round_.id))
        return
    queued = await msc.queue_feedback(svc.storage, svc.catalogue, round_.id, svc.respondent)
    sender = context.application.bot_data.get("outbox")
    if sender is not None and queued:
        sender.wake()
    log.info("Round %s selection final; %s feedback messages queued", round_.id, queued)
    head = "" if choice == "s" else "🔒 " + tr._("De keuze van ronde {round} is nu definitief.", round=round_.id) + "\n"
    await query.edit_message_text(head + "📨 " + tr.ngettext(
        "{n} verteller krijgt een bericht over wat er gekozen is, en waarom.",
        "{n} vertellers krijgen een bericht over wat er gekozen is, en waarom.", queued))


async def on_stories(update: Update, context: BuurtContext, cb: cd.Stories) -> None:
    """Every ``ad:st…`` button: paging, review, codes, shortlist, select, make final."""
    query = context.query
    if cb.verb == "stf":
        await _on_final_choice(update, context, cb.arg)
        return
    svc = context.svc
    tr = staff_tr(update)
    role = await context.role()
    chat = update.effective_chat
    if not role.is_staff or chat is None or chat.type != ChatType.PRIVATE:
        await query.answer(stale(tr))
        return
    parts = cb.arg.split(".")
    view = parts[-1]
    story = None
    try:
        number = cd.parse_id(parts[0])
        if number is None:
            raise ValueError("not an id")
        if cb.verb == "stp":
            round_id, pos = number, int(parts[1])
        else:
            story = await msc.story(svc.storage, svc.catalogue, number)
            if story is None or not may_see(role, story.centre_code):
                raise ValueError("not visible")
            round_id, pos = story.round_id, 0
    except (ValueError, IndexError):
        await query.answer(stale(tr))
        return
    round_ = await svc.storage.round(round_id)
    if round_ is None or view not in VIEWS or not scope(role, round_):
        await query.answer(stale(tr))
        return
    if story is None:  # ``stp`` pages; every other verb names a story
        await query.answer()
        await refresh(context, chat.id, context.pressed_message_id, tr, role, round_, view, None, pos)
        return
    user_id = context.user_id
    notice = None
    if story.state == "withheld" and cb.verb != "str":
        await query.answer(tr._("Dit verhaal is achtergehouden. Zet het eerst terug met ↩."))
        return
    if cb.verb in ("sta", "stw", "str"):
        state = {"sta": "approved", "stw": "withheld", "str": "to_review"}[cb.verb]
        removed = await msc.set_state(svc.storage, story.answer_id, state, user_id)
        notice = {"approved": tr._("Goedgekeurd."), "withheld": tr._("Achtergehouden: dit verhaal komt nergens in."),
                  "to_review": tr._("Terug naar te beoordelen.")}[state]
        if removed:
            notice += " " + tr._("De keuze van dit verhaal is ingetrokken.")
    elif cb.verb == "stc":
        try:
            index = int(parts[1])
            if index < 0:
                raise IndexError(index)
            effect = svc.catalogue.effects[index]
        except (ValueError, IndexError):
            await query.answer(stale(tr))
            return
        await msc.toggle_code(svc.storage, story.answer_id, effect.id, user_id)
    elif cb.verb == "sts":
        await msc.toggle_shortlist(svc.storage, story.answer_id, user_id)
    elif cb.verb == "stn":
        key = parts[1] if len(parts) > 2 else ""
        word = next((w for w in possible_names(story.text, story.why) if word_key(w) == key), None)
        if word is None:  # a second tap, or the text changed since the button was drawn
            await query.answer(stale(tr))
            return
        for answer_id, text in ((story.answer_id, story.text), (story.why_answer_id, story.why)):
            cut = cut_word(text or "", word)
            if answer_id is not None and cut != (text or ""):
                await msc.set_redaction(svc.storage, answer_id, cut, user_id, limit=max(len(cut), 2000))
        notice = tr._("Weggehaald.")
    elif cb.verb == "stx":
        await ask_reason(update, context, role, round_, story, parts, view, tr)
        return
    elif cb.verb in ("ste", "stv"):
        await ask_correction(update, context, story, "story" if cb.verb == "ste" else "why", view, tr)
        return
    elif cb.verb in ("sto", "stk", "stj"):
        await _on_other(update, context, story, cb.verb, parts, view, tr)
        return
    elif cb.verb == "sth":
        if story.why_answer_id is None:
            await query.answer(tr._("Bij dit verhaal is geen antwoord op 'waarom belangrijk'."))
            return
        hide = story.why_state != "withheld"
        await msc.set_state(svc.storage, story.why_answer_id, "withheld" if hide else "to_review", user_id)
        notice = (tr._("Achtergehouden: dit antwoord komt nergens in.") if hide
                  else tr._("Het antwoord wordt weer getoond."))
    else:
        await query.answer(stale(tr))
        return
    await query.answer(notice)
    await refresh(context, chat.id, context.pressed_message_id, tr, role, round_, view,
                  story.answer_id, pos)


def _other_text(cat, tr: Translator, other: msc.OtherAnswer) -> str:
    """One other answer as its own message: the question, then the text (or that it is
    withheld)."""
    item = cat.items.get(other.item_id)
    question = (item.prompt.get(tr.language) or item.prompt["nl"]) if item else other.item_id
    head = "📝 " + cap(question.split("\n", 1)[0], 120)[0]
    if other.withheld:
        return head + "\n⛔ " + tr._("Achtergehouden: dit antwoord komt nergens in.")
    return head + "\n" + tr.quote(cap(other.text, TEXT_MAX)[0])


def _other_keyboard(tr: Translator, story: msc.Story, other: msc.OtherAnswer, view: str) -> InlineKeyboardMarkup:
    arg = f"{story.answer_id}.{other.answer_id}.{view}"
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("✏️ " + tr._("Verbeteren"), callback_data=cd.admin("stk", arg)),
        InlineKeyboardButton(("↩ " + tr._("Weer tonen")) if other.withheld else ("⛔ " + tr._("Achterhouden")),
                             callback_data=cd.admin("stj", arg)),
    ]])


async def _on_other(update: Update, context: BuurtContext, story: msc.Story, action: str,
                    parts: list[str], view: str, tr: Translator) -> None:
    """📝 the teller's other free-text answers (``sto``: one message each), ✏️ correct one
    (``stk``: the next message replaces it) or ⛔/↩ withhold it or show it again (``stj``)."""
    query = context.query
    svc = context.svc
    others = await msc.other_answers(svc.storage, story.answer_id)
    if action == "sto":
        if not others:
            await query.answer(tr._("Deze verteller schreef verder niets in eigen woorden."))
            return
        await query.answer()
        for other in others:
            await context.bot.send_message(context.chat_id, _other_text(svc.catalogue, tr, other),
                                           reply_markup=_other_keyboard(tr, story, other, view))
        return
    picked = next((o for o in others if len(parts) > 2 and str(o.answer_id) == parts[1]), None)
    if picked is None:
        await query.answer(stale(tr))
        return
    other = picked
    if action == "stk":
        await ask_correction(update, context, story, "other", view, tr, other=other)
        return
    hide = not other.withheld
    await msc.set_state(svc.storage, other.answer_id, "withheld" if hide else "to_review", context.user_id)
    await query.answer(tr._("Achtergehouden: dit antwoord komt nergens in.") if hide
                       else tr._("Het antwoord wordt weer getoond."))
    other = next(o for o in await msc.other_answers(svc.storage, story.answer_id) if o.answer_id == other.answer_id)
    await query.edit_message_text(_other_text(svc.catalogue, tr, other),
                                  reply_markup=_other_keyboard(tr, story, other, view))
