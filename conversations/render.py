"""What the resident sees of the flow's steps: read-backs, the quote and feedback
questions, the thanks, an answer shown back (Telegram sends, no state and no storage).

:mod:`conversations.answering` decides with :func:`bot.survey.flow.decide` and stores;
this module only says it.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.i18n import N_, Translator
from bot.privacy.scrub import PLACEHOLDERS
from bot.session import deletion_code_note
from conversations import keyboards

#: Names of the privacy placeholders, translated when a text is shown back.
PLACEHOLDER_NAMES = {
    "phone": N_("telefoon"), "email": N_("e-mail"), "iban": N_("rekeningnummer"),
    "postcode": N_("postcode"), "bsn": N_("BSN"), "url": N_("link"),
    "handle": N_("gebruikersnaam"), "address": N_("adres"), "name": N_("naam"),
    "dob": N_("geboortedatum"), "plate": N_("kenteken"), "social": N_("socialemedia-account"),
}


def shown_text(text: str, tr: Translator) -> str:
    """Stored text with its privacy placeholders in the resident's language (display only)."""
    for kind, placeholder in PLACEHOLDERS.items():
        if placeholder in text:
            name = PLACEHOLDER_NAMES.get(kind)  # a kind without a name: shown as stored
            if name is not None:
                text = text.replace(placeholder, "[" + tr._(name) + "]")
    return text


def stopped_text(tr: Translator) -> str:
    """What a resident who sent /stop hears when they press an old button or type."""
    return tr._("Je hebt /stop gestuurd: je krijgt geen vragen meer. Wil je weer meedoen? Stuur /start.")


def closed_text(tr: Translator) -> str:
    """What a resident hears whose round closed."""
    return tr._("Deze ronde is gesloten. Dank je wel!")


async def edit_markup(query: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Replace a message's keyboard; "message is not modified" is not an error here."""
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def press_a_button(context: ContextTypes.DEFAULT_TYPE, chat_id: int, tr: Translator) -> None:
    """Typed text where a button is asked for."""
    await context.bot.send_message(chat_id, tr._("Druk alsjeblieft op een van de knoppen."))


async def read_back(context: ContextTypes.DEFAULT_TYPE, chat_id: int, tr: Translator, round_id: int,
                    pos: int, text: str) -> None:
    """Show a story back ("You wrote: …") with Right / Change buttons (MSC read-back)."""
    await context.bot.send_message(
        chat_id,
        tr._("Je schreef:") + f"\n\n{tr.quote(shown_text(text, tr))}\n\n"
        + tr._("Klopt dit? Druk op Klopt. Wil je nog iets toevoegen? Typ het gewoon."),
        reply_markup=keyboards.readback(tr, round_id, pos),
    )


async def quote_question(context: ContextTypes.DEFAULT_TYPE, chat_id: int, tr: Translator, round_id: int,
                         pos: int) -> None:
    """Ask (once per round) whether the story may be quoted, without name, in reports."""
    await context.bot.send_message(
        chat_id,
        tr._("Mogen we je verhaal gebruiken in verslagen over het ontmoetingscentrum? Zonder je naam. Als je nee zegt, telt je verhaal wel mee, maar we schrijven het niet over."),
        reply_markup=keyboards.quote_consent(tr, round_id, pos),
    )


async def opt_in_question(context: ContextTypes.DEFAULT_TYPE, chat_id: int, tr: Translator, round_id: int,
                          pos: int) -> None:
    """Ask (once per resident) whether they want to hear which stories were chosen."""
    await context.bot.send_message(
        chat_id,
        tr._("Het ontmoetingscentrum leest de verhalen en kiest de verhalen die het meest laten zien wat er verandert. Wil je daarna één bericht krijgen over wat er gekozen is, en waarom?"),
        reply_markup=keyboards.feedback_opt_in(tr, round_id, pos),
    )


async def current_answer(context: ContextTypes.DEFAULT_TYPE, chat_id: int, tr: Translator, text: str) -> None:
    """Before a question the resident went back to: what they answered (text items)."""
    await context.bot.send_message(chat_id, tr._("Je antwoord nu:") + f"\n\n{tr.quote(shown_text(text, tr))}")


async def thanks(context: ContextTypes.DEFAULT_TYPE, chat_id: int, tr: Translator, round_id: int) -> None:
    """The round is complete (own phone): thanks, and how to change or erase answers."""
    await context.bot.send_message(
        chat_id,
        "🙏 " + tr._("Dank je wel! Je antwoorden zijn opgeslagen, zonder je naam.")
        + "\n\n" + tr._("Wil je een antwoord veranderen? Dat kan zolang de ronde open is.")
        + "\n" + tr._("Wil je al je antwoorden laten verwijderen? Stuur /forget."),
        reply_markup=keyboards.change_answers(tr, round_id),
    )


async def interview_done(context: ContextTypes.DEFAULT_TYPE, chat_id: int, tr: Translator,
                         deletion_code: str | None) -> None:
    """An assisted interview is complete: saved, and the resident's deletion code."""
    text = "🙏 " + tr._("Klaar! Het interview is opgeslagen, zonder naam.")
    if deletion_code:
        text += "\n\n" + deletion_code_note(tr, deletion_code)
    await context.bot.send_message(chat_id, text)


def privacy_notes(tr: Translator, scrubbed: bool, cut_at: int | None) -> str:
    """Notes after a typed answer: personal data taken out, or the answer cut at
    ``cut_at`` characters (empty if neither)."""
    notes = []
    if scrubbed:
        notes.append("🔒 " + tr._("Ik heb persoonlijke gegevens (zoals een telefoonnummer) uit je antwoord gehaald. Schrijf geen namen of persoonlijke informatie op, ook niet van anderen."))
    if cut_at is not None:
        notes.append("✂️ " + tr.ngettext(
            "Je antwoord was erg lang. Ik heb het eerste {n} teken bewaard.",
            "Je antwoord was erg lang. Ik heb de eerste {n} tekens bewaard.",
            cut_at,
        ))
    return "\n\n".join(notes)
