"""The application factory: builds the python-telegram-bot ``Application`` and wires handlers.

Note: order matters. Handler groups run from low to high, one handler per group:

* group -2: drop updates already processed (dedup by ``update_id``);
* group -1: ignore what a private survey bot must not act on (groups, channels, edits,
  inline queries, callbacks from inline messages, Telegram Business and payments); fill
  the update's context (:class:`bot.context.BuurtContext`: contact, translator);
* group 0: ``admin.register``'s and ``conversations.register``'s handlers (commands, one
  handler per button payload kind, typed answers, other messages, chat-member changes),
  then the reply to a finished or a stale button;
* group 1: remember the update id as processed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    JobQueue,
    TypeHandler,
)

import admin
import conversations
from admin import round_views, scheduling, story_text
from admin.commands import menu as staff_menu
from bot import callback_data as cd
from bot.chat import RESIDENT_COMMANDS, lang_of
from bot.clock import SYSTEM_CLOCK, Clock
from bot.context import BuurtContext, PayloadHandler
from bot.http import AiohttpRequest
from bot.i18n import (
    DEFAULT_LANGUAGE,
    CatalogueError,
    Translator,
    check_catalogues,
    use_pack_languages,
)
from bot.inbox import Inbox, InboxQueue, replay
from bot.outbox import OutboxRow, OutboxSender
from bot.services import Services, services
from bot.settings import Settings, SettingsError
from bot.storage import Storage, begin_update
from bot.survey import Catalogue
from bot.telegram_bot import RobustBot, tls_context
from bot.translation import from_settings as translation_from_settings
from bot.updates import ChatOrderedProcessor
from conversations import answering, edits, invitations

__all__ = ["RESIDENT_COMMANDS", "build_application", "register_handlers", "webhook_options"]

log = logging.getLogger(__name__)


#: Updates handled at once (:mod:`bot.updates`: one chat in order, chats concurrently).
UPDATE_SLOTS = 64
#: HTTP connections to the Bot API: each update in a slot makes at most two calls at a time
#: (a button's answer next to its edit or send, ``bot.telegram_bot.answer_alongside``); the
#: outbox sender and the scheduler need a few more.
HTTP_POOL_SIZE = 2 * UPDATE_SLOTS + 16
#: Seconds a call may wait for a free connection before it fails.
HTTP_POOL_TIMEOUT = 30.0


def file_base_url(base_url: str) -> str:
    """The file download base for a Bot API base url (``…/bot`` → ``…/file/bot``)."""
    stem = base_url.rstrip("/")
    if stem.endswith("/bot"):
        return stem[: -len("/bot")] + "/file/bot"
    return stem + "/file/bot"


# -- cross-cutting handlers ------------------------------------------------------------
async def drop_duplicates(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stops an update that was handled before (a redelivery after a crash); starts the
    update's read cache (:func:`bot.storage.begin_update`) and reads a private chat's
    state into it, the one read of it this update makes (handler filters see it:
    ``admin.story_text``)."""
    begin_update()
    storage = services(context).storage
    if await storage.is_processed(update.update_id):
        log.info("Skipped duplicate update %s", update.update_id)
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await storage.chat_state(chat.id)


async def ignore_out_of_scope(update: Update, context: BuurtContext) -> None:
    """Stops updates a private survey bot must not act on, answering stray callbacks; fills
    the context of the others (:meth:`bot.context.BuurtContext.load`), once per update.

    A stopped update is marked handled here: the stop skips every later group, the
    mark's too, and an unmarked update keeps its inbox row (its text) and is handled
    again at every start-up (:mod:`bot.inbox`).
    """
    try:
        await _out_of_scope(update, context)
    except ApplicationHandlerStop:
        await mark_processed(update, context)
        raise
    await context.load(update)


async def _out_of_scope(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Raises ApplicationHandlerStop for an update out of scope (see ignore_out_of_scope)."""
    if _business_or_payment(update):
        raise ApplicationHandlerStop
    if update.callback_query and update.callback_query.message is None:
        await update.callback_query.answer()
        raise ApplicationHandlerStop
    if update.edited_message or update.edited_channel_post:
        # not a new answer (shared/real-updates/INDEX.md, file 06); a resident's edit of a
        # typed answer replaces that answer (edits.on_edited), the rest is ignored
        message = update.edited_message
        if (message is not None and message.chat.type == ChatType.PRIVATE and message.from_user
                and (message.text or message.caption) and not (message.text or "").startswith("/")):
            await edits.on_edited(update, context, message)
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        if update.callback_query:
            await update.callback_query.answer()
        elif update.message is not None and _is_our_staff_command(update.message):
            tr = Translator(DEFAULT_LANGUAGE)
            await update.message.reply_text(
                tr._("Beheercommando's werken alleen in een privégesprek met mij, vanaf je eigen account.")
            )
        raise ApplicationHandlerStop
    if update.effective_user is None:
        raise ApplicationHandlerStop


def _business_or_payment(update: Update) -> bool:
    """A Telegram Business update (a message between a business account and its
    customer, not to this bot) or a payment's service message: nothing to answer."""
    if (update.business_message or update.edited_business_message
            or update.deleted_business_messages or update.business_connection):
        return True
    message = update.message
    return message is not None and bool(
        message.successful_payment or message.refunded_payment or message.invoice
    )


def _is_our_staff_command(message: Message) -> bool:
    """A staff command of this bot sent in a group (e.g. by an anonymous group admin)."""
    if not message.text or not message.text.startswith("/"):
        return False
    command, _, target = message.text.split()[0][1:].partition("@")
    if target and target.lower() != (message.get_bot().username or "").lower():
        return False
    return command in {name for name, _desc, _admin in staff_menu.STAFF_COMMANDS}


async def mark_processed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Remembers the update id, so a redelivered update is not handled twice."""
    await services(context).storage.mark_processed(update.update_id)


async def on_noop(update: Update, context: BuurtContext, cb: cd.Noop) -> None:
    """A finished button (``x``): stop the spinner, nothing else."""
    await context.query.answer()


async def on_stale_button(update: Update, context: BuurtContext) -> None:
    """A button no kind knows (another bot's, forged, too old a version): say so politely,
    in the resident's language."""
    await context.query.answer(context.tr._("Deze knop werkt niet meer."))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Logs the error (type and update id only: no message text) and apologises."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("Error %s while handling update %s", type(error).__name__, update_id,
              exc_info=not isinstance(error, TelegramError))
    if isinstance(update, Update) and update.effective_chat and not isinstance(error, Forbidden):
        chat = update.effective_chat
        if chat.type != ChatType.PRIVATE:
            return
        try:
            contact = await services(context).storage.contact(chat.id)
            tr = Translator(contact.language if contact else lang_of(update))
            if update.callback_query:
                try:
                    await update.callback_query.answer()
                except TelegramError:
                    pass  # already answered before the error
            await context.bot.send_message(chat.id, tr._("Sorry, er ging iets mis. Probeer het nog eens."))
        except Exception:  # noqa: BLE001 - the apology itself must never crash the bot
            log.warning("Could not send the error apology")


class PromptJobQueue(JobQueue):
    """python-telegram-bot's :class:`~telegram.ext.JobQueue`, whose ``stop`` returns as
    soon as the scheduler has shut down instead of after a fixed 10 ms pause.

    APScheduler's ``AsyncIOScheduler.shutdown`` only schedules the shutdown in the event
    loop (``call_soon_threadsafe``); PTB's ``JobQueue.stop`` then sleeps 10 ms "to give it
    a tiny bit of time". Here ``stop`` waits for exactly that callback: the scheduler no
    longer running, which it is after one pass of the loop (bounded by 1 s, as a shutdown
    must not hang). Everything else, and the wait for running jobs, is PTB's (v22).
    """

    __slots__ = ()

    async def stop(self, wait: bool = True) -> None:
        """Shut the job queue down (as ``JobQueue.stop``).

        Args:
            wait: Wait until the jobs running now have finished.

        Raises:
            TimeoutError: The scheduler did not shut down within 1 s.
        """
        if wait:  # PTB's own wait: AsyncIOExecutor would just cancel them
            await asyncio.gather(*self._executor._pending_futures, return_exceptions=True)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
            async with asyncio.timeout(1):
                while self.scheduler.running:  # until the scheduled shutdown has run
                    await asyncio.sleep(0)


# -- lifecycle -------------------------------------------------------------------------
async def set_commands(application: Application) -> None:
    """Sets the command menus: residents' per language (``setMyCommands`` with
    ``language_code``) for all private chats, staff commands per staff chat only, so
    residents never see them."""
    bot = application.bot
    for lang in Catalogue.languages:
        tr = Translator(lang)
        commands = [BotCommand(name, tr._(desc)) for name, desc in RESIDENT_COMMANDS]
        await bot.set_my_commands(
            commands, scope=BotCommandScopeAllPrivateChats(),
            language_code=None if lang == DEFAULT_LANGUAGE else lang,
        )
    svc = services_of(application)
    for admin_id in svc.settings.admin_ids:
        await staff_menu.set_staff_commands(
            application, admin_id, Translator(DEFAULT_LANGUAGE), admin=True
        )
    for user_id in await svc.roles.coordinator_ids():
        await staff_menu.set_staff_commands(
            application, user_id, Translator(DEFAULT_LANGUAGE), admin=False
        )


def services_of(application: Application) -> Services:
    """The :class:`Services` stored in an application."""
    return application.bot_data["services"]


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Application.run_webhook`` / ``Updater.start_webhook``.

    The server listens on ``WEBHOOK_LISTEN:WEBHOOK_PORT`` at the path of ``WEBHOOK_URL``
    (so a reverse proxy can pass the path through unchanged), registers ``WEBHOOK_URL``
    with ``setWebhook`` and answers 403 to any request without the secret token header
    (https://core.telegram.org/bots/api#setwebhook, ``secret_token``).

    Raises:
        ValueError: ``WEBHOOK_URL`` is not set.
    """
    if not settings.webhook_url:
        raise ValueError("WEBHOOK_URL is not set")
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlsplit(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret(),
    }


def build_application(
    settings: Settings, *, storage: Storage | None = None, clock: Clock = SYSTEM_CLOCK
) -> Application:
    """Build the bot: handlers, storage opened in ``post_init``, closed in ``post_shutdown``.

    Args:
        settings: Loaded settings (token, Bot API base url, database path, secrets).
        storage: An already open storage to use (tests); else one is opened at start.
        clock: The time of the outbox (pacing, retries, progress reports) and of the
            services (:attr:`bot.services.Services.clock`); tests pass a faster or virtual
            one, the product the system clock.

    Raises:
        SettingsError: ``TELEGRAM_BOT_TOKEN`` or ``PSEUDONYM_SECRET`` is not set, or an
            offered language has no loadable catalogue (one line naming it).
    """
    if settings.telegram_bot_token is None:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set")
    settings.pseudonym_key()
    try:
        check_catalogues()
    except CatalogueError as exc:
        raise SettingsError(str(exc)) from None
    token = settings.telegram_bot_token.get_secret_value()
    base_url = settings.telegram_api_base_url
    # A TLS context reads the whole CA bundle (~50 ms of CPU): only for an https Bot API, not
    # for a local one over http (the simulator; the test suite starts the bot ~15 times).
    tls = tls_context() if urlsplit(base_url).scheme == "https" else None
    bot = RobustBot(
        token,
        base_url=base_url,
        base_file_url=file_base_url(base_url),
        request=AiohttpRequest(connection_pool_size=HTTP_POOL_SIZE, read_timeout=10,
                               write_timeout=20, pool_timeout=HTTP_POOL_TIMEOUT,
                               ssl_context=tls),
        get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=10,
                                           ssl_context=tls),
    )

    async def post_init(application: Application) -> None:
        store = storage or await Storage.open(settings.database_path)
        cat = settings.catalogue()
        use_pack_languages(cat.languages, cat.source_language)  # a pack's own languages too
        await store.seed_centres(cat.centres)
        svc = Services(
            settings=settings, storage=store, catalogue=cat, begin_answering=answering.begin,
            translator=translation_from_settings(settings), clock=clock,
        )
        application.bot_data["services"] = svc
        await set_commands(application)

        async def render(row: OutboxRow) -> tuple[str, InlineKeyboardMarkup | None]:
            return await invitations.render(svc, row)

        async def on_progress(round_id, kind, status):
            await round_views.report_progress(application, round_id, kind, status)

        sender = OutboxSender(application.bot, store, render, on_progress=on_progress, clock=clock)
        application.bot_data["outbox"] = sender
        svc.wake_outbox = sender.wake
        sender.start()
        await scheduling.on_startup(application)
        # updates fetched before the last stop and never handled go first (bot.inbox)
        inbox = Inbox(store)
        bot.use_inbox(inbox)
        bot.use_backlog(queue)  # fetch no more than fits (bot.updates)
        queue.inbox = inbox
        await replay(application, inbox)

    async def post_shutdown(application: Application) -> None:
        sender = application.bot_data.pop("outbox", None)
        if sender is not None:
            await sender.stop()
        bot.use_inbox(None)
        bot.use_backlog(None)
        queue.inbox = None
        svc = application.bot_data.get("services")
        if svc is not None and storage is None:
            await svc.storage.close()

    queue = InboxQueue()
    application = (
        ApplicationBuilder()
        .bot(bot)
        .update_queue(queue)
        .job_queue(PromptJobQueue())
        .concurrent_updates(ChatOrderedProcessor(UPDATE_SLOTS))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .context_types(ContextTypes(context=BuurtContext))
        .build()
    )
    register_handlers(application)
    return application


def register_handlers(application: Application) -> None:
    """Add every handler in its group (see the module docstring).

    Group 0, in this order: the staff's handlers (``admin.register``: the story review's
    typed text must come before any command or resident text, and the staff commands
    before the resident's unknown-command reply), the resident's
    (``conversations.register``), then a finished button's and a stale button's reply.
    Button handlers are one per payload kind and never overlap, so among them the order
    does not matter.
    """
    application.add_handler(TypeHandler(Update, drop_duplicates), group=-2)
    application.add_handler(TypeHandler(Update, ignore_out_of_scope), group=-1)

    admin.register(application, resident_text=answering.on_text)
    conversations.register(application, staff_help=staff_menu.staff_help_for,
                           claim_text=story_text.resume_pending_reason)
    application.add_handler(PayloadHandler(cd.Noop, on_noop))
    application.add_handler(CallbackQueryHandler(on_stale_button))
    application.add_error_handler(on_error)

    application.add_handler(TypeHandler(Update, mark_processed), group=1)
