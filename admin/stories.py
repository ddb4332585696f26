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
* The keyboard keeps its shape for every story and state (see :func:`_keyboard`).
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
``stfb`` a resident's feedback opt-in ``y`` / ``n``. ``view`` is ``a`` (all stories) or
``s`` (centre-level selections).
"""

from __future__ import annotations

import functools
import logging
import re
import zlib
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CommandHandler, ContextTypes, MessageHandler, filters

from admin import lifecycle
from admin.auth import role_of, staff_only, staff_tr
from admin.progress import shown
from bot import callback_data as cd
from bot import msc
from bot.chat import unknown_command
from bot.i18n import Translator, language_in
from bot.privacy.disclosure import audience_of, grant
from bot.privacy.names import find_names
from bot.privacy.scrub import PLACEHOLDERS, cap
from bot.roles import Role
from bot.services import services
from bot.storage import Round, Storage
from bot.survey.state import StaffPending

log = logging.getLogger(__name__)

#: ``async (update, context)``: a handler of typed text.
TextHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]

#: Views: all stories in scope, or only the centre-level selections.
VIEWS = ("a", "s")

#: Words after the round number that make the selection final / show the pool.
FINAL_WORDS = frozenset({"final", "definitief"})
POOL_WORDS = frozenset({"gekozen", "selected", "chosen", "pool"})

#: First line of a story message: "📖 … #<answer id>" (how a reply finds its story).
_MARK_RE = re.compile(r"^📖 .*#(\d{1,9})\s*$")

#: Shown lengths in a story message (Telegram caps a message at 4096 characters).
_TEXT_MAX, _WHY_MAX, _REASON_SHOWN, _MESSAGE_MAX = 1800, 900, 300, 4096


# -- helpers ---------------------------------------------------------------------------
def _story_reply_target(message: Message) -> int | None:
    """The answer id of the story message ``message`` replies to, or None."""
    reply = message.reply_to_message
    if reply is None or reply.from_user is None or not reply.from_user.is_bot:
        return None
    try:
        if reply.from_user.id != message.get_bot().id:
            return None
    except RuntimeError:
        return None
    match = _MARK_RE.match((reply.text or "").split("\n", 1)[0])
    return int(match.group(1)) if match else None


def _view_of(message: Message | None) -> str:
    """The view a story message was drawn in (from its buttons); ``a`` if unknown."""
    markup = message.reply_markup if message else None
    for row in (markup.inline_keyboard if markup else ()):
        for button in row:
            data = button.callback_data if isinstance(button.callback_data, str) else ""
            if data.startswith("ad:st") and data.rsplit(".", 1)[-1] in VIEWS:
                return data.rsplit(".", 1)[-1]
    return "a"


def _scope(role: Role, round_: Round | None) -> list[str]:
    """The round's centres the user may see stories of (empty: none)."""
    if round_ is None:
        return []
    return [c for c in round_.centres if role.admin or c in role.centres]


def _may_see(role: Role, centre: str) -> bool:
    return role.admin or centre in role.centres


async def _listing(context: ContextTypes.DEFAULT_TYPE, round_: Round, role: Role, view: str) -> list[msc.Story]:
    svc = services(context)
    found = await msc.stories(svc.storage, svc.catalogue, round_.id, _scope(role, round_))
    if view == "s":
        found = [s for s in found if s.state != "withheld" and s.selected_at("centre")]
    return found


async def _edit(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int, text: str,
                markup: InlineKeyboardMarkup | None) -> None:
    try:
        await context.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def _stale(tr: Translator) -> str:
    return tr._("Deze knop werkt niet meer.")


# -- rendering -------------------------------------------------------------------------
async def render(context: ContextTypes.DEFAULT_TYPE, tr: Translator, role: Role, round_: Round,
                 listing: list[msc.Story], pos: int, view: str) -> tuple[str, InlineKeyboardMarkup]:
    """Text and buttons of story number ``pos`` (0-based) of ``listing``.

    Shows the text, why it matters, domain, centre, date and language; never the
    respondent. A withheld story shows no text.
    """
    svc = services(context)
    cat = svc.catalogue
    story = listing[pos]
    n = len(listing)
    final = await msc.final_at(svc.storage, round_.id) is not None
    centres = dict(await svc.storage.centres())
    domain = msc.domain_label(cat, story.domain, tr)
    language = tr.locale.languages.get(story.language, story.language)
    lines = [
        "📖 " + tr._("Verhaal {k} van {n}", k=pos + 1, n=n) + f" · #{story.answer_id}",
        f"🏷 {domain} · 🏠 {centres.get(story.centre_code, story.centre_code)}",
        f"🗓 {tr.date(story.answered_at, svc.settings.tz)} · 🌐 {language}",
        {
            "to_review": "🕓 " + tr._("Nog te beoordelen"),
            "approved": "✔ " + tr._("Goedgekeurd"),
            "withheld": "⛔ " + tr._("Achtergehouden"),
        }[story.state],
    ]
    withheld = story.state == "withheld"
    if withheld:
        lines += ["", tr._("De tekst wordt niet getoond. Druk op ↩ om het verhaal opnieuw te beoordelen.")]
    else:
        if story.redacted:
            lines.append("✏️ " + tr._("Tekst aangepast door een coördinator"))
        if story.shortlisted:
            lines.append("⭐ " + tr._("Op de shortlist"))
        if story.codes:
            labels = [msc.effect_label(cat, e.id, tr.language) for e in cat.effects if e.id in story.codes]
            lines.append("🔖 " + tr.join(labels))
        for sel in story.selections:
            where = tr._("Gekozen voor het centrum") if sel.level == "centre" else tr._("Gekozen uit alle centra")
            lines.append(f"🏆 {where}: “{cap(sel.reason, _REASON_SHOWN)[0]}”")
        if final:
            lines.append("🔒 " + tr._("De keuze van deze ronde is definitief."))
        lines += ["", tr.quote(cap(story.text, _TEXT_MAX)[0]), ""]
        why = (cap(story.why, _WHY_MAX)[0] if story.why
               else tr._("(achtergehouden)") if story.why_state == "withheld" else tr._("(geen antwoord)"))
        lines.append("💬 " + tr._("Waarom belangrijk:") + " " + tr.quote(why))
        lines += await _machine_translation(svc.translator, story, tr)
        maybe = possible_names(story.text, story.why)
        if maybe:
            lines += ["", "❓ " + tr._("Misschien een naam: {words}. Druk op ✂️ om het weg te halen.",
                                       words=tr.join([tr.quote(w) for w in maybe]))]
    return cap("\n".join(lines), _MESSAGE_MAX)[0], _keyboard(cat, tr, role, round_, story, pos, n, view, final, domain)


async def _machine_translation(translator, story: msc.Story, tr: Translator) -> list[str]:
    """Lines with the story (and why) machine-translated into the reader's language, or none.

    Only with ``TRANSLATE_URL`` set and a story in another language than the reader's; a
    failing service gives no lines and the review goes on (:mod:`bot.translation`).
    """
    if translator is None or not story.language or story.language == tr.language:
        return []
    text = await translator.atranslate(story.text, story.language, tr.language)
    if not text:
        return []
    target = tr.locale.languages.get(tr.language, tr.language)
    lines = ["", "🤖 " + tr._("Machinevertaling naar het {language}, niet gecontroleerd:", language=target),
             tr.quote(cap(text, _TEXT_MAX)[0])]
    if story.why and story.why_state != "withheld":
        why = await translator.atranslate(story.why, story.language, tr.language)
        if why:
            lines.append("💬 " + tr._("Waarom belangrijk:") + " " + tr.quote(cap(why, _WHY_MAX)[0]))
    return lines


def _keyboard(cat, tr: Translator, role: Role, round_: Round, story: msc.Story, pos: int, n: int, view: str,
              final: bool, domain: str) -> InlineKeyboardMarkup:
    """The review keyboard. Its shape (rows, buttons per row, what each position does)
    is the same for every story and state of one round, so a button never moves under
    the thumb after a tap: marks (•, ✅) change labels only, a withheld story keeps its
    buttons (they answer "put it back first"), a final selection keeps its row (🔒), and
    the effect buttons are paired by their unmarked labels."""
    aid = story.answer_id
    rows = [_nav_row(round_.id, pos, n, view)]
    review = []
    for verb, state, label in (("sta", "approved", "✔ " + tr._("Goedkeuren")),
                               ("stw", "withheld", "⛔ " + tr._("Achterhouden")),
                               ("str", "to_review", "↩ " + tr._("Te beoordelen"))):
        mark = "• " if story.state == state else ""
        review.append(InlineKeyboardButton(mark + label, callback_data=cd.admin(verb, f"{aid}.{view}")))
    rows.append(review)
    return _rest_of_keyboard(cat, rows, tr, role, round_, story, view, final, domain)


def _rest_of_keyboard(cat, rows: list[list[InlineKeyboardButton]], tr: Translator, role: Role, round_: Round,
                      story: msc.Story, view: str, final: bool, domain: str) -> InlineKeyboardMarkup:
    """Correction, effect, shortlist and selection rows under the review row."""
    aid = story.answer_id
    why_withheld = story.why_state == "withheld"
    rows.append([
        InlineKeyboardButton("✏️ " + tr._("Verhaal verbeteren"), callback_data=cd.admin("ste", f"{aid}.{view}")),
        InlineKeyboardButton("✏️ " + tr._("Waarom verbeteren"), callback_data=cd.admin("stv", f"{aid}.{view}")),
    ])
    rows.append([InlineKeyboardButton(
        ("↩ " + tr._("Waarom weer tonen")) if why_withheld else ("⛔ " + tr._("Waarom achterhouden")),
        callback_data=cd.admin("sth", f"{aid}.{view}")),
        InlineKeyboardButton("📝 " + tr._("Andere antwoorden"), callback_data=cd.admin("sto", f"{aid}.{view}"))])
    if story.state != "withheld":  # ✂️ for each possible name (not shown while withheld)
        rows += _pairs([(f"✂️ {cap(w, 20)[0]}", InlineKeyboardButton(
            f"✂️ {cap(w, 20)[0]}", callback_data=cd.admin("stn", f"{aid}.{_word_key(w)}.{view}")))
            for w in possible_names(story.text, story.why)])
    effects = [
        (msc.effect_label(cat, e.id, tr.language),
         InlineKeyboardButton(("✅ " if e.id in story.codes else "") + msc.effect_label(cat, e.id, tr.language),
                              callback_data=cd.admin("stc", f"{aid}.{i}.{view}")))
        for i, e in enumerate(cat.effects)
    ]
    rows += _pairs(effects)
    rows.append([InlineKeyboardButton(("✅ " if story.shortlisted else "") + "⭐ " + tr._("Shortlist"),
                                      callback_data=cd.admin("sts", f"{aid}.{view}"))])
    chosen = story.selected_at("centre") is not None
    if final:
        rows.append([InlineKeyboardButton("🔒 " + tr._("De keuze is definitief"), callback_data=cd.NOOP)])
    else:
        rows.append([InlineKeyboardButton(
            ("🏆 ✅ " + tr._("Gekozen: {domain} (andere reden?)", domain=domain)) if chosen
            else ("🏆 " + tr._("Kies als belangrijkste: {domain}", domain=domain)),
            callback_data=cd.admin("stx", f"{aid}.c.{view}"))])
    if role.admin and len(round_.centres) > 1:
        top = story.selected_at("all") is not None
        rows.append([InlineKeyboardButton(
            "🏆🏆 " + ("✅ " if top else "") + tr._("Kies uit alle centra: {domain}", domain=domain),
            callback_data=cd.NOOP if final else cd.admin("stx", f"{aid}.a.{view}"))])
    return InlineKeyboardMarkup(rows)


def _pairs(buttons: list[tuple[str, InlineKeyboardButton]], short: int = 22) -> list[list[InlineKeyboardButton]]:
    """Two short buttons per row; a long label gets a row of its own (phones cut labels).

    Args:
        buttons: (unmarked label, button): the layout follows the unmarked labels, so
            ticking a button (✅) never re-pairs the rows.
    """
    rows: list[list[tuple[str, InlineKeyboardButton]]] = []
    for label, button in buttons:
        if len(label) <= short and rows and len(rows[-1]) == 1 and len(rows[-1][0][0]) <= short:
            rows[-1].append((label, button))
        else:
            rows.append([(label, button)])
    return [[button for _label, button in row] for row in rows]


#: At most this many possible names get a ✂️ button (two to a row).
_MAYBE_MAX = 4


def possible_names(*texts: str | None) -> list[str]:
    """Words the scrubber left in ``texts`` because they may be a person's name.

    Args:
        *texts: The story and its "why it matters" (None or empty is skipped).

    Returns:
        Up to ``_MAYBE_MAX`` distinct words, in order of first appearance (a name that
        occurs twice is one word: one ✂️ removes it everywhere). Rule source:
        :func:`bot.privacy.names.find_names` (its ``possible`` spans).
    """
    words: list[str] = []
    for text in texts:
        for start, end in find_names(text or "")[1]:
            word = text[start:end]
            if word not in words:
                words.append(word)
    return words[:_MAYBE_MAX]


def _word_key(word: str) -> str:
    """A short fixed key for a word in callback data (64 bytes at most): a tap on a
    stale button (the word already gone) matches nothing instead of another word."""
    return format(zlib.crc32(word.encode()), "08x")


def cut_word(text: str, word: str) -> str:
    """``text`` with every whole-word occurrence of ``word`` replaced by ``[naam]`` (every
    occurrence at all if none stands alone, e.g. a name glued to an Arabic prefix)."""
    cut = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", PLACEHOLDERS["name"], text)
    return cut if cut != text else text.replace(word, PLACEHOLDERS["name"])


def _nav_row(round_id: int, pos: int, n: int, view: str) -> list[InlineKeyboardButton]:
    """◀ k/n ▶, always three buttons (a blank one at either end does nothing), so the
    counter and the arrows stay in place on the first and the last story."""
    back = cd.admin("stp", f"{round_id}.{pos - 1}.{view}") if pos > 0 else cd.NOOP
    forward = cd.admin("stp", f"{round_id}.{pos + 1}.{view}") if pos < n - 1 else cd.NOOP
    return [InlineKeyboardButton("◀" if pos > 0 else " ", callback_data=back),
            InlineKeyboardButton(f"{pos + 1}/{n}", callback_data=cd.NOOP),
            InlineKeyboardButton("▶" if pos < n - 1 else " ", callback_data=forward)]


async def _refresh(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int, tr: Translator,
                   role: Role, round_: Round, view: str, answer_id: int | None, pos: int = 0) -> None:
    """Redraw a story message at ``answer_id`` (or at ``pos`` if it left the view)."""
    listing = await _listing(context, round_, role, view)
    if not listing:
        await _edit(context, chat_id, message_id, tr._("Er zijn geen verhalen (meer) om te tonen."), None)
        return
    ids = [s.answer_id for s in listing]
    pos = ids.index(answer_id) if answer_id in ids else min(max(pos, 0), len(listing) - 1)
    text, markup = await render(context, tr, role, round_, listing, pos, view)
    await _edit(context, chat_id, message_id, text, markup)


# -- /stories --------------------------------------------------------------------------
@staff_only()
async def stories(update: Update, context: ContextTypes.DEFAULT_TYPE, role: Role) -> None:
    """``/stories ROUND [gekozen|final]``: page through, review and select stories."""
    svc = services(context)
    tr = staff_tr(update)
    grant("chat.stories_review", audience_of(role.admin), svc.settings.min_cell_size)
    message = update.effective_message
    args = context.args or []
    if not args:
        usage = tr._("Gebruik: /stories RONDE. Daarna: /stories RONDE gekozen (de gekozen verhalen), /stories RONDE final (keuze definitief maken).")
        picked = await lifecycle.pick_round(update, context, role, tr, "stories", view=True, intro=usage)
        if picked is None:
            return
        args = [str(picked.id)]
    round_id = cd.parse_id(args[0])
    round_ = await svc.storage.round(round_id) if round_id is not None else None
    if not _scope(role, round_):
        await message.reply_text(tr._("Die ronde bestaat niet, of is niet van jouw centrum."))
        return
    word = args[1].lower() if len(args) > 1 else ""
    if word in FINAL_WORDS:
        await _finalise(update, context, role, round_, tr)
        return
    view = "s" if word in POOL_WORDS else "a"
    listing = await _listing(context, round_, role, view)
    if not listing:
        await message.reply_text(
            tr._("Er zijn nog geen gekozen verhalen in ronde {round}.", round=round_.id) if view == "s"
            else tr._("Er zijn nog geen verhalen in ronde {round}.", round=round_.id)
        )
        return
    text, markup = await render(context, tr, role, round_, listing, 0, view)
    await message.reply_text(text, reply_markup=markup)


async def _finalise(update: Update, context: ContextTypes.DEFAULT_TYPE, role: Role, round_: Round,
                    tr: Translator) -> None:
    """``/stories N final``: show exactly what each storyteller will receive (per centre
    and language, and to how many), then ask: make final and send now, or (round still
    open) send when the round closes."""
    svc = services(context)
    message = update.effective_message
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
        await message.reply_text(cap(head + "\n\n" + group.text, _MESSAGE_MAX)[0])
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


async def _on_final_choice(update: Update, context: ContextTypes.DEFAULT_TYPE, arg: str) -> None:
    """``ad:stf:<round>.<n|h|x|s>``: make final and send now / when the round closes / not
    yet; ``s``: a final selection held until the round closes is sent now after all."""
    query = update.callback_query
    svc = services(context)
    tr = staff_tr(update)
    role = await role_of(update, context)
    raw, _, choice = arg.partition(".")
    round_id = cd.parse_id(raw)
    round_ = await svc.storage.round(round_id) if round_id is not None else None
    if round_ is None or not role.is_staff or not _may_finalise(role, round_) or choice not in ("n", "h", "x", "s"):
        await query.answer(_stale(tr))
        return
    await query.answer()
    if choice == "x":
        await query.edit_message_text(tr._("Goed, er is niets veranderd."))
        return
    newly = choice == "s" or await msc.finalise(svc.storage, round_.id)
    round_ = await svc.storage.round(round_.id)
    if choice == "s" and await msc.final_at(svc.storage, round_.id) is None:
        await query.edit_message_text(_stale(tr))
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


# -- buttons ---------------------------------------------------------------------------
async def on_stories(update: Update, context: ContextTypes.DEFAULT_TYPE, cb: cd.Stories) -> None:
    """Every ``ad:st…`` button: paging, review, codes, shortlist, select, feedback opt-in."""
    query = update.callback_query
    if cb.verb == "stfb":
        await _on_feedback_choice(update, context, cb.arg)
        return
    if cb.verb == "stf":
        await _on_final_choice(update, context, cb.arg)
        return
    svc = services(context)
    tr = staff_tr(update)
    role = await role_of(update, context)
    chat = query.message.chat
    if not role.is_staff or chat.type != ChatType.PRIVATE:
        await query.answer(_stale(tr))
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
            if story is None or not _may_see(role, story.centre_code):
                raise ValueError("not visible")
            round_id, pos = story.round_id, 0
    except (ValueError, IndexError):
        await query.answer(_stale(tr))
        return
    round_ = await svc.storage.round(round_id)
    if view not in VIEWS or not _scope(role, round_):
        await query.answer(_stale(tr))
        return
    user_id = update.effective_user.id
    notice = None
    if story is not None and story.state == "withheld" and cb.verb != "str":
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
            await query.answer(_stale(tr))
            return
        await msc.toggle_code(svc.storage, story.answer_id, effect.id, user_id)
    elif cb.verb == "sts":
        await msc.toggle_shortlist(svc.storage, story.answer_id, user_id)
    elif cb.verb == "stn":
        key = parts[1] if len(parts) > 2 else ""
        word = next((w for w in possible_names(story.text, story.why) if _word_key(w) == key), None)
        if word is None:  # a second tap, or the text changed since the button was drawn
            await query.answer(_stale(tr))
            return
        for answer_id, text in ((story.answer_id, story.text), (story.why_answer_id, story.why)):
            cut = cut_word(text or "", word)
            if answer_id is not None and cut != (text or ""):
                await msc.set_redaction(svc.storage, answer_id, cut, user_id, limit=max(len(cut), 2000))
        notice = tr._("Weggehaald.")
    elif cb.verb == "stx":
        await _ask_reason(update, context, role, round_, story, parts, view, tr)
        return
    elif cb.verb in ("ste", "stv"):
        await _ask_correction(update, context, story, "story" if cb.verb == "ste" else "why", view, tr)
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
    elif cb.verb != "stp":
        await query.answer(_stale(tr))
        return
    await query.answer(notice)
    await _refresh(context, chat.id, query.message.message_id, tr, role, round_, view,
                   story.answer_id if story else None, pos)


async def _ask_reason(update: Update, context: ContextTypes.DEFAULT_TYPE, role: Role, round_: Round,
                      story: msc.Story, parts: list[str], view: str, tr: Translator) -> None:
    """🏆 pressed: remember the pending selection and ask for the reason."""
    query = update.callback_query
    svc = services(context)
    level = {"c": "centre", "a": "all"}.get(parts[1] if len(parts) > 2 else "")
    if level is None or (level == "all" and not (role.admin and len(round_.centres) > 1
                                                 and story.selected_at("centre"))):
        await query.answer(_stale(tr))
        return
    if await msc.final_at(svc.storage, round_.id) is not None:
        await query.answer(tr._("De keuze van deze ronde is definitief."))
        return
    await _owe(svc.storage, query.message.chat.id, StaffPending(
        kind="reason", answer_id=story.answer_id, level=level, round_id=round_.id,
        chat_id=query.message.chat.id, message_id=query.message.message_id, view=view))
    await query.answer()
    domain = msc.domain_label(svc.catalogue, story.domain, tr)
    where = tr._("voor alle centra") if level == "all" else tr._("voor dit centrum")
    await context.bot.send_message(
        query.message.chat.id,
        "🏆 " + tr._("Waarom is dit {where} het belangrijkste verhaal over «{domain}»? Typ de reden in je eigen woorden.", where=where, domain=domain)
        + "\n" + tr._("De reden gaat ook naar de bewoners die om terugkoppeling vroegen: noem geen namen en citeer het verhaal niet. Zonder reden sla ik niets op."),
    )


def _other_text(cat, tr: Translator, other: msc.OtherAnswer) -> str:
    """One other answer as its own message: the question, then the text (or that it is
    withheld)."""
    item = cat.items.get(other.item_id)
    question = (item.prompt.get(tr.language) or item.prompt["nl"]) if item else other.item_id
    head = "📝 " + cap(question.split("\n", 1)[0], 120)[0]
    if other.withheld:
        return head + "\n⛔ " + tr._("Achtergehouden: dit antwoord komt nergens in.")
    return head + "\n" + tr.quote(cap(other.text, _TEXT_MAX)[0])


def _other_keyboard(tr: Translator, story: msc.Story, other: msc.OtherAnswer, view: str) -> InlineKeyboardMarkup:
    arg = f"{story.answer_id}.{other.answer_id}.{view}"
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("✏️ " + tr._("Verbeteren"), callback_data=cd.admin("stk", arg)),
        InlineKeyboardButton(("↩ " + tr._("Weer tonen")) if other.withheld else ("⛔ " + tr._("Achterhouden")),
                             callback_data=cd.admin("stj", arg)),
    ]])


async def _on_other(update: Update, context: ContextTypes.DEFAULT_TYPE, story: msc.Story, action: str,
                    parts: list[str], view: str, tr: Translator) -> None:
    """📝 the teller's other free-text answers (``sto``: one message each), ✏️ correct one
    (``stk``: the next message replaces it) or ⛔/↩ withhold it or show it again (``stj``)."""
    query = update.callback_query
    svc = services(context)
    others = await msc.other_answers(svc.storage, story.answer_id)
    if action == "sto":
        if not others:
            await query.answer(tr._("Deze verteller schreef verder niets in eigen woorden."))
            return
        await query.answer()
        for other in others:
            await context.bot.send_message(query.message.chat.id, _other_text(svc.catalogue, tr, other),
                                           reply_markup=_other_keyboard(tr, story, other, view))
        return
    other = next((o for o in others if len(parts) > 2 and str(o.answer_id) == parts[1]), None)
    if other is None:
        await query.answer(_stale(tr))
        return
    if action == "stk":
        await _ask_correction(update, context, story, "other", view, tr, other=other)
        return
    hide = not other.withheld
    await msc.set_state(svc.storage, other.answer_id, "withheld" if hide else "to_review", update.effective_user.id)
    await query.answer(tr._("Achtergehouden: dit antwoord komt nergens in.") if hide
                       else tr._("Het antwoord wordt weer getoond."))
    other = next(o for o in await msc.other_answers(svc.storage, story.answer_id) if o.answer_id == other.answer_id)
    await query.edit_message_text(_other_text(svc.catalogue, tr, other),
                                  reply_markup=_other_keyboard(tr, story, other, view))


async def _ask_correction(update: Update, context: ContextTypes.DEFAULT_TYPE, story: msc.Story, part: str,
                          view: str, tr: Translator, other: msc.OtherAnswer | None = None) -> None:
    """✏️ pressed: the coordinator's next message replaces the story text (``part`` =
    ``story``), its "why it matters" (``why``) or another free-text answer of the teller
    (``other``); a command leaves it as it is."""
    query = update.callback_query
    svc = services(context)
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
    await _owe(svc.storage, query.message.chat.id, StaffPending(
        kind="correct", answer_id=story.answer_id, target=target, round_id=story.round_id,
        chat_id=query.message.chat.id, message_id=query.message.message_id, view=view))
    await query.answer()
    now = story.text if part == "story" else other.text if other is not None else (story.why or "")
    head = (tr._("Typ de verbeterde tekst van het verhaal. Je volgende bericht vervangt de tekst.") if part == "story"
            else tr._("Typ de verbeterde tekst van dit antwoord. Je volgende bericht vervangt de tekst.")
            if other is not None
            else tr._("Typ de verbeterde tekst van 'waarom belangrijk'. Je volgende bericht vervangt de tekst."))
    await context.bot.send_message(
        query.message.chat.id,
        "✏️ " + head + "\n" + tr._("Nu staat er:") + f"\n«{cap(now, _TEXT_MAX)[0]}»\n\n"
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


async def resume_pending_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Treat typed text as a pending selection reason or correction (the stories filter
    takes it first; this catches what reaches the text handler all the same).

    Returns:
        True if the message was a reason (handled here), False otherwise.
    """
    message = update.effective_message
    pending = await _take_pending(services(context).storage, message.chat.id)
    if pending is None:
        return False
    if pending.kind == "correct":
        await _on_correction(update, context, pending)
    else:
        await _on_reason(update, context, pending)
    return True


# -- typed messages: reasons and redactions --------------------------------------------
class _StoriesFilter(filters.MessageFilter):
    """Private text that is a reply to a story message, or from a chat owing a reason or
    correction (its state as this update read it: ``bot.app`` reads it first thing)."""

    def filter(self, message: Message) -> bool:
        if message.chat.type != ChatType.PRIVATE or message.text is None or message.from_user is None:
            return False
        if _story_reply_target(message) is not None and not message.text.startswith("/"):
            return True
        state = Storage.cached_chat_state(message.chat.id)
        return state is not None and state.pending is not None


async def on_message(
    update: Update, context: ContextTypes.DEFAULT_TYPE, resident_text: TextHandler
) -> None:
    """A reason after 🏆, or a reply to a story message with a corrected text.

    Text that turns out not to be either goes to ``resident_text`` (the resident flow's
    typed-answer handler, wired by :mod:`bot.app`), a command to the unknown-command reply.
    """
    message = update.effective_message
    target = _story_reply_target(message)
    if target is not None and not message.text.startswith("/"):
        await _on_redaction(update, context, target, resident_text)
        return
    pending = await _take_pending(services(context).storage, message.chat.id)
    if pending is not None and pending.kind == "correct":
        await _on_correction(update, context, pending, resident_text)
        return
    if pending is None:  # a stale mark: not ours after all
        if message.text.startswith("/"):
            await unknown_command(update, context)
        else:
            await resident_text(update, context)
        return
    await _on_reason(update, context, pending)


async def _on_reason(update: Update, context: ContextTypes.DEFAULT_TYPE, pending: StaffPending) -> None:
    svc = services(context)
    tr = staff_tr(update)
    message = update.effective_message
    role = await role_of(update, context)
    story = await msc.story(svc.storage, svc.catalogue, pending.answer_id)
    round_ = await svc.storage.round(pending.round_id)
    allowed = (story is not None and round_ is not None and _may_see(role, story.centre_code)
               and (pending.level == "centre" or role.admin))
    if not allowed:
        await message.reply_text(tr._("Dit verhaal kan niet (meer) gekozen worden. Er is niets opgeslagen."))
        return
    try:
        await msc.select(svc.storage, svc.catalogue, answer_id=story.answer_id, level=pending.level or "centre",
                         reason=message.text, user_id=update.effective_user.id)
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
    await _refresh(context, pending.chat_id, pending.message_id, tr, role, round_, pending.view,
                   story.answer_id)


async def _on_redaction(update: Update, context: ContextTypes.DEFAULT_TYPE, answer_id: int,
                        resident_text: TextHandler) -> None:
    """A reply to a story message: its text is the corrected story."""
    replied = update.effective_message.reply_to_message
    await _correct(update, context, answer_id, answer_id, replied.chat.id, replied.message_id,
                   _view_of(replied), resident_text)


async def _on_correction(update: Update, context: ContextTypes.DEFAULT_TYPE, pending: StaffPending,
                         resident_text: TextHandler | None = None) -> None:
    """The message after ✏️: the corrected story or "why it matters" (a command: nothing)."""
    tr = staff_tr(update)
    if (update.effective_message.text or "").startswith("/"):
        await update.effective_message.reply_text(tr._("Goed, er is niets veranderd."))
        return
    target = pending.target if pending.target is not None else pending.answer_id
    await _correct(update, context, pending.answer_id, target, pending.chat_id,
                   pending.message_id, pending.view, resident_text)


async def _correct(update: Update, context: ContextTypes.DEFAULT_TYPE, answer_id: int, target: int,
                   chat_id: int, message_id: int, view: str,
                   resident_text: TextHandler | None = None) -> None:
    """Store the message text as the corrected version of answer ``target`` (the story
    ``answer_id`` itself or its "why it matters"), then redraw the story message."""
    svc = services(context)
    tr = staff_tr(update)
    message = update.effective_message
    role = await role_of(update, context)
    if not role.is_staff:
        if resident_text is not None:
            await resident_text(update, context)
        return
    story = await msc.story(svc.storage, svc.catalogue, answer_id)
    others = {o.answer_id: o for o in await msc.other_answers(svc.storage, answer_id)} if story else {}
    if (story is None or not _may_see(role, story.centre_code)
            or target not in (answer_id, story.why_answer_id, *others)):
        await message.reply_text(tr._("Dit verhaal kan ik niet vinden, of het is niet van jouw centrum."))
        return
    if story.state == "withheld":
        await message.reply_text(tr._("Dit verhaal is achtergehouden. Zet het eerst terug met ↩."))
        return
    item = svc.catalogue.items.get(story.item_id if target == answer_id
                                   else others[target].item_id if target in others else "msc.why")
    try:
        await msc.set_redaction(svc.storage, target, message.text, update.effective_user.id,
                                limit=item.max_length if item else 2000)
    except ValueError:
        await message.reply_text(tr._("Een lege tekst kan ik niet gebruiken. Er is niets veranderd."))
        return
    await message.reply_text("✏️ " + tr._("Aangepast. Deze versie wordt voortaan overal getoond in plaats van de oorspronkelijke tekst."))
    round_ = await svc.storage.round(story.round_id)
    await _refresh(context, chat_id, message_id, tr, role, round_, view, answer_id)


# -- residents: feedback opt-in --------------------------------------------------------
async def ask_feedback_opt_in(context: ContextTypes.DEFAULT_TYPE, chat_id: int, tr: Translator) -> None:
    """Ask a resident whether they want one message about what the panel chose, and why.

    The answer is stored in ``contacts.feedback_opt_in`` by the ``ad:stfb:y|n`` buttons.
    """
    await context.bot.send_message(
        chat_id,
        tr._("Het ontmoetingscentrum leest de verhalen en kiest de verhalen die het meest laten zien wat er verandert. Wil je daarna één bericht krijgen over wat er gekozen is, en waarom?"),
        reply_markup=InlineKeyboardMarkup([[
            InlineKeyboardButton("👍 " + tr._("Ja, graag"), callback_data=cd.admin("stfb", "y")),
            InlineKeyboardButton("👋 " + tr._("Nee, dank je"), callback_data=cd.admin("stfb", "n")),
        ]]),
    )


async def _on_feedback_choice(update: Update, context: ContextTypes.DEFAULT_TYPE, arg: str) -> None:
    """``ad:stfb:y|n``: only in the resident's own private chat, only with a contact."""
    query = update.callback_query
    svc = services(context)
    chat = query.message.chat
    user = update.effective_user
    contact = await svc.storage.contact(chat.id)
    tr = Translator(contact.language if contact else "nl")
    if (contact is None or chat.type != ChatType.PRIVATE or user is None or user.id != chat.id
            or arg not in ("y", "n")):
        await query.answer(_stale(tr))
        return
    yes = arg == "y"
    await svc.storage.update_contact(chat.id, feedback_opt_in=yes)
    await query.answer()
    label = "✅ " + (tr._("Ja, graag") if yes else tr._("Nee, dank je"))
    try:
        await query.edit_message_reply_markup(
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=cd.NOOP)]])
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def handlers(resident_text: TextHandler) -> list[BaseHandler]:
    """Handlers to register in group 0 before the command handlers and the resident text
    handler: typed reasons / redactions, and ``/stories``.

    Args:
        resident_text: Where typed text goes that is not a reason or redaction after all
            (the resident flow's handler; ``admin`` does not import ``conversations``).
    """

    @functools.wraps(on_message)
    async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await on_message(update, context, resident_text)

    return [
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & _StoriesFilter(), typed),
        CommandHandler("stories", stories),
    ]
