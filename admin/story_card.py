"""A story message of ``/stories``: what it shows and its buttons, drawn again after every
change (:func:`refresh`). The keyboard keeps its shape for every story and state
(:func:`_keyboard`); the view (``a`` all stories, ``s`` the centre-level selections)
rides in every button, and the first line names the story (``📖 … #<answer id>``), so a
reply to the message finds it (:func:`reply_target`)."""

from __future__ import annotations

import logging
import re
import zlib

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from telegram.error import BadRequest

from bot import callback_data as cd
from bot import msc
from bot.context import BuurtContext
from bot.i18n import Translator
from bot.privacy.names import find_names
from bot.privacy.scrub import PLACEHOLDERS, cap
from bot.roles import Role
from bot.storage import Round

log = logging.getLogger(__name__)

#: Views: all stories in scope, or only the centre-level selections.
VIEWS = ("a", "s")

#: First line of a story message: "📖 … #<answer id>" (how a reply finds its story).
_MARK_RE = re.compile(r"^📖 .*#(\d{1,9})\s*$")

#: Shown lengths in a story message (Telegram caps a message at 4096 characters).
TEXT_MAX, _WHY_MAX, _REASON_SHOWN, MESSAGE_MAX = 1800, 900, 300, 4096


def reply_target(message: Message) -> int | None:
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


def view_of(message: Message | None) -> str:
    """The view a story message was drawn in (from its buttons); ``a`` if unknown."""
    markup = message.reply_markup if message else None
    for row in (markup.inline_keyboard if markup else ()):
        for button in row:
            data = button.callback_data if isinstance(button.callback_data, str) else ""
            if data.startswith("ad:st") and data.rsplit(".", 1)[-1] in VIEWS:
                return data.rsplit(".", 1)[-1]
    return "a"


def scope(role: Role, round_: Round | None) -> list[str]:
    """The round's centres the user may see stories of (empty: none)."""
    if round_ is None:
        return []
    return [c for c in round_.centres if role.admin or c in role.centres]


def may_see(role: Role, centre: str) -> bool:
    """True if the user may see the stories of ``centre``."""
    return role.admin or centre in role.centres


async def stories_in_view(context: BuurtContext, round_: Round, role: Role, view: str) -> list[msc.Story]:
    """The round's stories the user sees in ``view`` (``s``: centre-level selections only)."""
    svc = context.svc
    found = await msc.stories(svc.storage, svc.catalogue, round_.id, scope(role, round_))
    if view == "s":
        found = [s for s in found if s.state != "withheld" and s.selected_at("centre")]
    return found


async def _edit(context: BuurtContext, chat_id: int, message_id: int, text: str,
                markup: InlineKeyboardMarkup | None) -> None:
    try:
        await context.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def stale(tr: Translator) -> str:
    """The answer to a button that no longer works."""
    return tr._("Deze knop werkt niet meer.")


async def render(context: BuurtContext, tr: Translator, role: Role, round_: Round,
                 listing: list[msc.Story], pos: int, view: str) -> tuple[str, InlineKeyboardMarkup]:
    """Text and buttons of story number ``pos`` (0-based) of ``listing``.

    Shows the text, why it matters, domain, centre, date and language; never the
    respondent. A withheld story shows no text.
    """
    svc = context.svc
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
        lines += ["", tr.quote(cap(story.text, TEXT_MAX)[0]), ""]
        why = (cap(story.why, _WHY_MAX)[0] if story.why
               else tr._("(achtergehouden)") if story.why_state == "withheld" else tr._("(geen antwoord)"))
        lines.append("💬 " + tr._("Waarom belangrijk:") + " " + tr.quote(why))
        lines += await _machine_translation(svc.translator, story, tr)
        maybe = possible_names(story.text, story.why)
        if maybe:
            lines += ["", "❓ " + tr._("Misschien een naam: {words}. Druk op ✂️ om het weg te halen.",
                                       words=tr.join([tr.quote(w) for w in maybe]))]
    return cap("\n".join(lines), MESSAGE_MAX)[0], _keyboard(cat, tr, role, round_, story, pos, n, view, final, domain)


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
             tr.quote(cap(text, TEXT_MAX)[0])]
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
            f"✂️ {cap(w, 20)[0]}", callback_data=cd.admin("stn", f"{aid}.{word_key(w)}.{view}")))
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
        if not text:
            continue
        for start, end in find_names(text)[1]:
            word = text[start:end]
            if word not in words:
                words.append(word)
    return words[:_MAYBE_MAX]


def word_key(word: str) -> str:
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


async def refresh(context: BuurtContext, chat_id: int, message_id: int, tr: Translator,
                  role: Role, round_: Round, view: str, answer_id: int | None, pos: int = 0) -> None:
    """Redraw a story message at ``answer_id`` (or at ``pos`` if it left the view)."""
    listing = await stories_in_view(context, round_, role, view)
    if not listing:
        await _edit(context, chat_id, message_id, tr._("Er zijn geen verhalen (meer) om te tonen."), None)
        return
    ids = [s.answer_id for s in listing]
    pos = ids.index(answer_id) if answer_id in ids else min(max(pos, 0), len(listing) - 1)
    text, markup = await render(context, tr, role, round_, listing, pos, view)
    await _edit(context, chat_id, message_id, text, markup)
