"""Onboarding: ``/start`` → language → consent → centre → the open round.

Nothing is stored before the resident says yes to the consent text (GDPR art. 6(1)(a)
and art. 7: consent must be given before processing, and be provable — hence the
stored consent version). Until then the flow is carried entirely by the buttons'
callback data, so it also survives a restart of the bot.
"""

from __future__ import annotations

import logging
import unicodedata

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import callback_data as cd
from bot.chat import lang_of
from bot.context import BuurtContext
from bot.i18n import Translator, language_name, offered_languages
from bot.services import CONSENT_VERSION, services
from bot.session import current_round, session_for
from bot.telegram_bot import answer_alongside
from conversations import answering, keyboards
from conversations.render import edit_markup

log = logging.getLogger(__name__)


def consent_text(tr: Translator, k: int = 5) -> str:
    """The consent text of :data:`bot.services.CONSENT_VERSION`, in the resident's language.

    The 📊 paragraph says what the disclosure policy does (``docs/privacy.md``): the
    centre sees figures of groups of at least ``k`` (``MIN_CELL_SIZE``) and the stories
    the teller allows; the municipality gets answers without names, mixed so that no
    one can be picked out.
    """
    return "\n\n".join(
        [
            tr._("Buurtstem vraagt je naar je ervaringen met het ontmoetingscentrum in je buurt."),
            "🔒 " + tr._("Wij bewaren je antwoorden zonder je naam, gebruikersnaam of telefoonnummer. Telefoonnummers, adressen en e-mailadressen in je tekst halen we weg. Schrijf geen namen of persoonlijke informatie op, ook niet van anderen."),
            "📊 " + tr._("Het ontmoetingscentrum ziet alleen cijfers over groepen van minstens {k} mensen, en alleen de verhalen die je ons laat gebruiken. De gemeente krijgt de antwoorden zonder namen en zo gemengd dat niemand eruit te herkennen is. Zo leren ze wat het centrum voor bewoners betekent.", k=k),
            "✋ " + tr._("Meedoen is vrijwillig. Je kunt elke vraag overslaan. Met /stop krijg je geen berichten meer. Met /forget verwijder je alles."),
            tr._("Doe je mee?"),
        ]
    )


def _centre_arg(context: ContextTypes.DEFAULT_TYPE) -> str | None:
    if not context.args:
        return None
    code = context.args[0].strip().lower()
    if not code.isascii():  # centre codes are ASCII; emoji would overflow the 64-byte button
        return None
    try:
        return code if cd.Centre.decode(cd.centre(code[:32], "nl")) else None
    except ValueError:
        return None


async def start(update: Update, context: BuurtContext) -> None:
    """Greets the resident and asks for a language (or resumes a known resident's round)."""
    svc = services(context)
    chat_id = context.chat_id
    payload = _centre_arg(context)
    centre = payload if payload and await svc.storage.centre_name(payload) else None
    contact = await svc.storage.contact(chat_id)
    if contact is not None:
        moved = centre is not None and centre != contact.centre_code
        if moved:
            await svc.storage.update_contact(chat_id, centre_code=centre)
        if not contact.opted_in:
            await svc.storage.update_contact(chat_id, opted_in=True)
        contact = await svc.storage.contact(chat_id)
        if contact is None:  # erased meanwhile (/forget handled at the same time): no one to welcome
            return
        tr = Translator(contact.language)
        welcome = tr._("Welkom terug bij Buurtstem!")
        if moved and centre is not None:  # a QR code of another centre: say so, the questions may change with it
            welcome += "\n" + tr._("Je centrum is nu: {centre}.", centre=await svc.storage.centre_name(centre))
        await context.message.reply_text(welcome)
        await _continue(update, context, chat_id)
        return
    lang = lang_of(update)
    context.sender_data["centre"] = centre
    tr = Translator(lang)
    await context.message.reply_text(
        "👋 " + tr._("Hallo! Ik ben Buurtstem.") + "\n\n"
        + tr._("Ik heb {language} voor je gekozen. Kies hieronder een andere taal als je wilt.",
               language=language_name(lang)),
        reply_markup=keyboards.languages(lang),
    )
    await _show_consent(context, chat_id, tr, centre)


async def _show_consent(context: BuurtContext, chat_id: int, tr: Translator, centre: str | None) -> None:
    """Send the consent text with its buttons; remember it, so a typed "yes" counts too."""
    text = consent_text(tr, services(context).settings.min_cell_size)
    message = await context.bot.send_message(chat_id, text, reply_markup=keyboards.consent(tr, centre))
    context.sender_data[CONSENT_SHOWN] = {"lang": tr.language, "centre": centre, "message_id": message.message_id}


#: ``user_data`` key: the consent question on screen (language, deep-link centre, message id).
CONSENT_SHOWN = "consent_shown"

#: Whole messages that mean "yes" / "no" to the consent question, in the six languages
#: (lower case, without punctuation): a typed answer counts as the button.
CONSENT_YES = frozenset({
    "ja", "ja graag", "ja ik doe mee", "jazeker", "ok", "oké", "oke", "okay", "yes", "yes please", "sure",
    "evet", "tamam", "evet katılıyorum", "tak", "okej", "tak chcę", "так", "добре", "гаразд",
    "نعم", "اي", "أجل", "موافق",
})
CONSENT_NO = frozenset({"nee", "nee liever niet", "no", "no thanks", "hayır", "nie", "ні", "لا"})


def _words(text: str) -> str:
    """Lower-case words of a message without punctuation or emoji (for yes/no matching)."""
    kept = "".join(ch if unicodedata.category(ch)[0] in ("L", "N") or ch.isspace() else " "
                   for ch in text.casefold())
    return " ".join(kept.split())


async def typed_consent(update: Update, context: BuurtContext) -> bool:
    """Text typed while the consent question is on screen (no contact yet).

    "Evet", "ja", "yes", "tak", "так", "نعم" … count as the Yes button (the centre of the
    QR code is kept), "nee", "no" … as No; anything else shows the question again.
    Returns False if no consent question is waiting in this chat.
    """
    shown = context.sender_data.get(CONSENT_SHOWN)
    if shown is None:
        return False
    chat_id = context.chat_id
    lang, centre = shown["lang"], shown["centre"]
    tr = Translator(lang)
    answer = _words(context.message.text or "")
    if answer in CONSENT_YES or answer in CONSENT_NO:
        yes = answer in CONSENT_YES
        try:
            await context.bot.edit_message_reply_markup(
                chat_id, shown["message_id"],
                reply_markup=keyboards.chosen(tr._("Ja, ik doe mee") if yes else tr._("Nee, liever niet")))
        except TelegramError:
            log.debug("consent keyboard not edited")
        await _consented(update, context, chat_id, lang, centre if yes else None, yes)
        return True
    await context.message.reply_text(
        tr._("Druk alsjeblieft op een van de knoppen."))
    await _show_consent(context, chat_id, tr, centre)
    return True


async def on_language(update: Update, context: BuurtContext, cb: cd.Lang) -> None:
    """Switches language: before consent, shows the consent text again; later, saves it."""
    query = context.query
    svc = services(context)
    chat_id = context.chat_id
    lang = cb.lang if cb.lang in offered_languages() else "nl"
    tr = Translator(lang)
    await query.answer(language_name(lang))
    try:
        await query.edit_message_reply_markup(reply_markup=keyboards.languages(lang))
    except TelegramError:  # "message is not modified" when tapping the marked language
        log.debug("language keyboard unchanged")
    contact = await svc.storage.contact(chat_id)
    if contact is None:
        centre = context.sender_data.get("centre")
        await _show_consent(context, chat_id, tr, centre)
        return
    await svc.storage.update_contact(chat_id, language=lang)
    await context.bot.send_message(chat_id, "✅ " + tr._("Ik praat nu {language} met je.", language=language_name(lang)))
    await _continue(update, context, chat_id, quiet=True)


async def on_consent(update: Update, context: BuurtContext, cb: cd.Consent) -> None:
    """Records nothing on "no"; on "yes" asks for the centre (or saves the deep-link one)."""
    query = context.query
    svc = services(context)
    chat_id = context.chat_id
    lang = cb.lang if cb.lang in offered_languages() else "nl"
    tr = Translator(lang)
    async with answer_alongside(query):
        if await svc.storage.contact(chat_id) is not None:
            await edit_markup(query, None)
            await _continue(update, context, chat_id)
            return
        await query.edit_message_reply_markup(
            reply_markup=keyboards.chosen(tr._("Ja, ik doe mee") if cb.yes else tr._("Nee, liever niet")))
        await _consented(update, context, chat_id, lang, cb.centre, bool(cb.yes))


async def _consented(update: Update, context: BuurtContext, chat_id: int, lang: str,
                     centre: str | None, yes: bool) -> None:
    """The answer to the consent question (button or typed): nothing stored on "no"; on
    "yes" the deep-link centre is saved, or the resident is asked for one."""
    svc = services(context)
    tr = Translator(lang)
    context.sender_data.pop(CONSENT_SHOWN, None)
    if not yes:
        await context.bot.send_message(
            chat_id, tr._("Dat is goed. Ik heb niets van je bewaard. Wil je later toch meedoen? Stuur /start.")
        )
        return
    context.sender_data["consented"] = True
    centre = centre if centre and await svc.storage.centre_name(centre) else None
    if centre:
        await _save(update, context, chat_id, lang, centre)
        return
    if await _ask_districts(context, svc, chat_id, tr):
        return
    await context.bot.send_message(
        chat_id,
        tr._("Bij welk ontmoetingscentrum kom je?"),
        reply_markup=keyboards.centres(await svc.storage.centres(), lang),
    )


#: More active centres than this ("a handful"), in two or more districts: pick the district first.
MANY_CENTRES = 6


async def _ask_districts(context: ContextTypes.DEFAULT_TYPE, svc, chat_id: int, tr: Translator) -> bool:
    """Ask for the district (first step of picking a centre) if the pack has many centres
    in two or more districts; False if one list of centres fits."""
    names = await _districts(svc)
    if not names:
        return False
    places = await svc.storage.centre_places()
    loose = [(code, name) for code, name in await svc.storage.centres()
             if not places.get(code, (None, None))[1]]
    await context.bot.send_message(chat_id, tr._("In welk deel van de stad is je centrum?"),
                                   reply_markup=keyboards.districts(names, tr.language, loose))
    return True


def _neighbourhoods(places: dict, centres: list[tuple[str, str]]) -> list[str]:
    """Sorted neighbourhoods of a district's ``centres`` to choose from first, or [] when
    their list fits: more than a handful of centres in two or more neighbourhoods, as for
    districts."""
    hoods = sorted({places[code][0] for code, _name in centres if places.get(code, (None,))[0]})
    return hoods if len(centres) > MANY_CENTRES and len(hoods) > 1 else []


async def _districts(svc) -> list[str]:
    """Sorted district names to choose from first, or [] when one list of centres fits."""
    places = await svc.storage.centre_places()
    names = sorted({district for _hood, district in places.values() if district})
    return names if len(places) > MANY_CENTRES and len(names) > 1 else []


async def _on_district(update: Update, context: BuurtContext, cb: cd.Centre, tr: Translator) -> None:
    """Shows the centres of the chosen district (the second step of picking a centre)."""
    query = context.query
    svc = services(context)
    chat_id = context.chat_id
    names = await _districts(svc)
    step = cb.centre or "_d99"
    if step == "_b":  # back to the districts
        async with answer_alongside(query):
            await edit_markup(query, keyboards.chosen("↩️"))
            await _ask_districts(context, svc, chat_id, tr)
            return
    index, _, hood = step[2:].partition(".")
    if int(index) >= len(names):
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    district = names[int(index)]
    places = await svc.storage.centre_places()
    centres = [(code, name) for code, name in await svc.storage.centres()
               if places.get(code, (None, None))[1] == district]
    hoods = _neighbourhoods(places, centres)
    if step.startswith("_n"):  # a neighbourhood: its centres, back to the neighbourhoods
        if int(hood) >= len(hoods):
            await query.answer(tr._("Deze knop werkt niet meer."))
            return
        async with answer_alongside(query):
            await edit_markup(query, keyboards.chosen(hoods[int(hood)]))
            here = [(code, name) for code, name in centres if places[code][0] == hoods[int(hood)]]
            await context.bot.send_message(chat_id, tr._("Bij welk ontmoetingscentrum kom je?"),
                                           reply_markup=keyboards.centres(here, tr.language,
                                                                          back=cd.district(int(index), tr.language)))
            return
    async with answer_alongside(query):
        await edit_markup(query, keyboards.chosen(district))
        if hoods:
            loose = [(code, name) for code, name in centres if not places[code][0]]
            await context.bot.send_message(chat_id, tr._("In welke buurt is je centrum?"),
                                           reply_markup=keyboards.neighbourhoods(int(index), hoods, tr.language, loose))
            return
        await context.bot.send_message(chat_id, tr._("Bij welk ontmoetingscentrum kom je?"),
                                       reply_markup=keyboards.centres(centres, tr.language,
                                                                      back=cd.back_to_districts(tr.language)))


async def on_centre(update: Update, context: BuurtContext, cb: cd.Centre) -> None:
    """Saves the contact with the chosen centre (consent was given to get this button)."""
    query = context.query
    svc = services(context)
    chat_id = context.chat_id
    lang = cb.lang if cb.lang in offered_languages() else "nl"
    tr = Translator(lang)
    if (cb.centre or "").startswith(("_d", "_n", "_b")):
        await _on_district(update, context, cb, tr)
        return
    name = await svc.storage.centre_name(cb.centre or "")
    if name is None:
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    async with answer_alongside(query):
        await edit_markup(query, keyboards.chosen(name))
        contact = await svc.storage.contact(chat_id)
        if contact is not None:
            await svc.storage.update_contact(chat_id, centre_code=cb.centre)
            await _continue(update, context, chat_id)
            return
        if not context.sender_data.get("consented"):
            # No consent seen in this chat (a forged button, or the bot restarted in between):
            # ask again rather than store anything.
            await context.bot.send_message(chat_id, consent_text(tr, services(context).settings.min_cell_size), reply_markup=keyboards.consent(tr, cb.centre))
            return
        await _save(update, context, chat_id, lang, cb.centre)


async def _save(update: Update, context: BuurtContext, chat_id: int, lang: str, centre: str) -> None:
    svc = services(context)
    await svc.storage.save_contact(chat_id, language=lang, centre_code=centre, consent_version=CONSENT_VERSION)
    context.sender_data.pop("centre", None)
    context.sender_data.pop("consented", None)
    if not context.sender_data and update.effective_user is not None:
        # nothing left to remember: no empty dict kept per resident (memory flat in residents)
        context.application.drop_user_data(update.effective_user.id)
    tr = Translator(lang)
    name = await svc.storage.centre_name(centre)
    await context.bot.send_message(chat_id, "✅ " + tr._("Dank je wel! Je centrum: {centre}.", centre=name))
    await _continue(update, context, chat_id)


async def _continue(update: Update, context: BuurtContext, chat_id: int, quiet: bool = False) -> None:
    """Start or resume the open round of the resident's centre, or say there is none."""
    svc = services(context)
    contact = await svc.storage.contact(chat_id)
    if contact is None:
        return
    session = await session_for(context, chat_id)
    if session is None:  # the contact was just read, so a session exists; erased meanwhile: nothing to start
        return
    round_ = await current_round(context, session)
    tr = Translator(contact.language)
    if round_ is None:
        if not quiet:
            await context.bot.send_message(
                chat_id, tr._("Er is nu geen vragenronde. Je krijgt een bericht als er een nieuwe ronde is.")
            )
        return
    participation = await svc.storage.participation(round_.id, svc.respondent(chat_id))
    if participation is not None and participation.finished:
        if not quiet:
            await context.bot.send_message(chat_id, tr._("Je hebt alle vragen van deze ronde beantwoord. Dank je wel!"),
                                           reply_markup=keyboards.change_answers(tr, round_.id))
        return
    await answering.begin(context, session, round_)
