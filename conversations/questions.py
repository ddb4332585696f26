"""Send a survey item to a resident: text questions, picture questions, multi-select.

Pictures are uploaded once per bot; Telegram's ``file_id`` is cached in the database and
reused for every later resident (Bot API, "Sending files": a file_id can be resent).
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot import callback_data as cd
from bot.i18n import Translator
from bot.services import Services
from bot.storage import Round
from bot.survey.models import Item
from bot.telegram_bot import unparsed
from conversations import keyboards

log = logging.getLogger(__name__)

#: Bot API caption limit for sendPhoto (https://core.telegram.org/bots/api#sendphoto).
CAPTION_LIMIT = 1024


def number_hint(item: Item, tr: Translator) -> str:
    """What to type for a ``number`` item ("Typ een getal van 0 tot 31.")."""
    if item.min_value is not None and item.max_value is not None:
        return tr._("Typ een getal van {low} tot {high}.", low=item.min_value, high=item.max_value)
    return tr._("Typ een getal.")


def question_text(item: Item, tr: Translator, number: int, total: int, keep: bool = False,
                  part: tuple[int, int] | None = None) -> str:
    """The text of a question with its progress header ("Vraag 2 van 9").

    Args:
        keep: The resident went back to a question they answered: the skip button keeps
            the answer, and is named so ("Zo laten", not "Overslaan").
        part: ``(part number, number of parts)`` when the survey has parts (XLSForm
            groups): the header then says "Deel 2 van 3" and the part's title.
    """
    lang = tr.language
    header = tr._("Vraag {number} van {total}", number=number, total=total)
    if part is not None and item.section is not None:
        header = tr._("Deel {part} van {parts}", part=part[0], parts=part[1]) \
            + f": {item.section[lang]}\n{header}"
    body = item.prompt[lang]
    if item.note is not None:
        body = f"{item.note[lang]}\n\n{body}"
    if item.hint is not None:
        body = f"{body}\n({item.hint[lang]})"
    if item.type == "text":
        hint = tr._("Typ een nieuw antwoord. Of druk op Zo laten.") if keep else tr._("Typ je antwoord. Of druk op Overslaan.")
    elif item.type in ("choice", "cards"):
        hint = tr._("Kies alles wat past. Druk daarna op Klaar.")
    elif item.type == "single":
        hint = tr._("Kies er één.")
    elif item.type == "number":
        hint = number_hint(item, tr)
    else:
        hint = tr._("Kies een gezicht.")
    return f"{header}\n\n{body}\n\n👉 {hint}"


async def send_picture(
    context: ContextTypes.DEFAULT_TYPE, svc: Services, chat_id: int, picture: str, **kwargs
) -> None:
    """Send a picture from the pack's ``pictures/`` by cached ``file_id`` or upload it once.

    Raises:
        telegram.error.TelegramError: From the Bot API, except a stale cached file id,
            which is dropped and replaced by a fresh upload.
    """
    file_id = await svc.storage.cached_file_id(picture)
    if file_id:
        try:
            with unparsed():  # a resent picture: nothing to learn from the answer
                await context.bot.send_photo(chat_id, photo=file_id, **kwargs)
            return
        except BadRequest:
            log.warning("cached file id of %s rejected; uploading again", picture)
            await svc.storage.forget_file_id(picture)
    with svc.catalogue.picture_path(picture).open("rb") as fh:
        message = await context.bot.send_photo(chat_id, photo=fh, **kwargs)
    await svc.storage.cache_file_id(picture, message.photo[-1].file_id)


def audio_of(item: Item, language: str) -> str | None:
    """The voice prompt of ``item`` in ``language`` (a file in the pack's ``audio/``), or
    None: the "🔊" button shows only where the pack gives ``audio::LANG`` for it."""
    return (item.audio or {}).get(language) or None


def with_audio(markup: InlineKeyboardMarkup, item: Item, tr: Translator, round_id: int,
               pos: int) -> InlineKeyboardMarkup:
    """``markup`` with a "🔊" row on top where the item has a voice prompt in the
    resident's language."""
    if audio_of(item, tr.language) is None:
        return markup
    button = InlineKeyboardButton("🔊 " + tr._("Luister"), callback_data=cd.answer_audio(round_id, pos))
    return InlineKeyboardMarkup([[button], *markup.inline_keyboard])


async def send_voice(context: ContextTypes.DEFAULT_TYPE, svc: Services, chat_id: int,
                     audio: str) -> Message:
    """Send a voice prompt from the pack's ``audio/`` (OGG/Opus) by cached ``file_id``, or
    upload it once and keep the ``file_id`` Telegram gives it (table ``media_cache``, key
    ``audio/NAME``).

    Raises:
        telegram.error.TelegramError: From the Bot API, except a stale cached file id,
            which is dropped and replaced by a fresh upload.
    """
    key = f"audio/{audio}"
    file_id = await svc.storage.cached_file_id(key)
    if file_id:
        try:
            return await context.bot.send_voice(chat_id, voice=file_id)
        except BadRequest:
            log.warning("cached file id of %s rejected; uploading again", key)
            await svc.storage.forget_file_id(key)
    with svc.catalogue.audio_path(audio).open("rb") as fh:
        message = await context.bot.send_voice(chat_id, voice=fh, filename=audio)
    if message.voice is not None:  # the Bot API answers a sendVoice with the voice
        await svc.storage.cache_file_id(key, message.voice.file_id)
    return message


async def send_question(
    context: ContextTypes.DEFAULT_TYPE,
    svc: Services,
    chat_id: int,
    tr: Translator,
    round_: Round,
    pos: int,
    item: Item,
    number: int,
    total: int,
    mask: int = 0,
    keep: bool = False,
) -> None:
    """Send item ``pos`` of ``round_`` to a chat with the keyboard that fits its type.

    ``keep``: the item has an answer the resident came back to; its skip button reads
    "Zo laten" (it keeps the answer).
    """
    part = svc.catalogue.section_of(round_.survey, item.id)
    text = question_text(item, tr, number, total, keep, part[:2] if part else None)
    if item.type == "scale":
        markup = keyboards.scale(svc.catalogue.scale, tr, round_.id, pos, keep)
    elif item.type in ("choice", "cards"):
        markup = keyboards.choices(item, tr, round_.id, pos, mask, keep)
    elif item.type == "single":
        markup = keyboards.single(item, tr, round_.id, pos, keep)
    else:
        markup = keyboards.skip(tr, round_.id, pos, keep)
    markup = with_audio(markup, item, tr, round_.id, pos)
    if item.type == "scale" and item.picture is not None:
        await send_picture(context, svc, chat_id, item.picture, caption=text[:CAPTION_LIMIT],
                           reply_markup=markup)
        return
    with unparsed():  # the sent question is not read back
        await context.bot.send_message(chat_id, text, reply_markup=markup)
