"""The real bot against the local Bot API simulator: settings, a restartable harness, and
waiting on "every update handled" (never on silence)."""

from __future__ import annotations

import asyncio
import atexit
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from telegram import Bot, Update
from telegram.ext import Application
from telegram.request import HTTPXRequest

from bot.app import build_application, webhook_options
from bot.clock import SYSTEM_CLOCK, Clock
from bot.demo import report_each_update
from bot.settings import Settings
from bot.storage import Storage
from bot.survey import catalogue
from bot.telegram_bot import tls_context
from tests.support.clock import VirtualClock

TOKEN = "123456:TEST-TOKEN-abcdef"
ADMIN_ID = 900000001
SHARED = Path(__file__).resolve().parents[3] / "shared"


class _GivenSettings(Settings):
    """:class:`~bot.settings.Settings` from the given values only: the same fields and
    checks, but no ``.env`` file and no environment variables (a test bot must not take
    the machine's ``TELEGRAM_BOT_TOKEN`` or ``DATABASE_PATH``). Looking every field up in
    the environment was most of the 1.5 ms of CPU per settings object (0.3 ms without)."""

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):
        """Only the keyword arguments."""
        return (init_settings,)


def make_settings(base_url: str, db_path: Path, **overrides) -> Settings:
    """Settings for a test bot against the simulator."""
    values = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": base_url,
        "database_path": db_path,
        "pseudonym_secret": "test-secret-0123456789",
        "admin_ids": frozenset({ADMIN_ID}),
    }
    values.update(overrides)
    return _GivenSettings(**values)


def ptb_request(**options) -> HTTPXRequest:
    """python-telegram-bot's own HTTP client (``HTTPXRequest``, ``options`` as there) with
    the process's one TLS context (:func:`bot.telegram_bot.tls_context`, httpx's defaults).

    Without it each client reads the whole CA bundle again: 30 ms of CPU per client, 60 ms
    per ``Bot()`` (two clients), in tests that talk plain HTTP to the simulator.
    """
    return HTTPXRequest(httpx_kwargs={"verify": tls_context()}, **options)


def ptb_bot(sim, token: str | None = None, **options) -> Bot:
    """A ``telegram.Bot`` (PTB's own client, default pool sizes) against ``sim``, with
    :func:`ptb_request` clients; ``token`` defaults to the simulator's, ``options`` go to
    the client of the calls other than ``getUpdates``."""
    return Bot(token or sim.token, base_url=sim.base_url, base_file_url=sim.base_file_url,
               request=ptb_request(**options),
               get_updates_request=ptb_request(connection_pool_size=1))


_SCHEMA: Path | None = None


async def migrated_database(path: Path) -> None:
    """Put an empty database with every migration applied at ``path``: a copy of one made
    once per process. ``Storage.open`` on an empty file runs all the migrations (about
    18 ms of CPU each time; every harness did it twice); the copy is the same database
    (``tests/integration/test_support.py`` compares their dumps).
    """
    global _SCHEMA
    if _SCHEMA is None:
        folder = Path(tempfile.mkdtemp(prefix="buurtstem-schema-"))
        atexit.register(shutil.rmtree, folder, True)
        schema = folder / "schema.sqlite3"
        store = await Storage.open(schema)
        await store.close()
        conn = sqlite3.connect(schema)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file
        finally:
            conn.close()
        _SCHEMA = schema
    shutil.copyfile(_SCHEMA, path)


class BotHarness:
    """Runs the real bot (long polling) against a simulator, restartable."""

    def __init__(self, sim, db_path: Path, **overrides) -> None:
        self.sim = sim
        self.db_path = db_path
        self.settings = make_settings(sim.base_url, db_path, **overrides)
        self.application = None
        self.storage: Storage | None = None
        self.clock: Clock = SYSTEM_CLOCK  # the bot's outbox and services (build_application)
        self._retry_clock = VirtualClock()
        self._peek: sqlite3.Connection | None = None  # db_rows's, while the storage is open
        sim.track_handling()
        sim.add_idle_probe(self._outbox_idle)

    async def prepare(self, survey: str | None = "praatplaat", centres: list[str] | None = None):
        """Seed centres and open a round before the bot starts; returns the round."""
        store = await self._open_storage()
        await store.seed_centres(catalogue().centres)  # the installation's centres
        await store.seed_centres(self.settings.catalogue().centres)  # and the pack's
        return await store.create_round(survey, centres or []) if survey else None

    async def _open_storage(self) -> Storage:
        """The harness's storage: the one :meth:`prepare` left open for :meth:`start` (one
        ``Storage.open`` and ``close`` per harness, not two), else a new one (on a copy of
        the migrated schema if the file is new)."""
        if self.storage is None:
            if not self.db_path.exists():
                await migrated_database(self.db_path)
            self.storage = await Storage.open(self.db_path)
        return self.storage

    async def start(self) -> None:
        """Start the bot as ``run`` does: long polling, or the webhook server when the
        settings name a ``webhook_url``."""
        self.application = build_application(
            self.settings, storage=await self._open_storage(), clock=self.clock
        )
        # the bot's waits between the tries of a Bot API call (back-off 0.5 s and 1 s, a
        # 429's retry_after) on a virtual clock: the same tries in the same order, with no
        # wall time waited (``bot.telegram_bot.RobustBot.use_clock``)
        self._retry_clock = VirtualClock()
        self._retry_clock.attach()
        self.application.bot.use_clock(self._retry_clock)
        report_handled(self.application, self.sim)
        await self.application.initialize()
        await self.application.post_init(self.application)  # run_polling() would call it
        await self.application.start()
        if self.settings.webhook_url:
            await self.application.updater.start_webhook(
                allowed_updates=Update.ALL_TYPES, **webhook_options(self.settings)
            )
        else:
            await self.application.updater.start_polling(
                poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
            )

    async def stop(self) -> None:
        """Stop the bot as ``run`` does and close the storage (also one :meth:`prepare`
        left open for a bot never started)."""
        if self._peek is not None:  # before the storage: its close stays the last one
            self._peek.close()
            self._peek = None
        if self.application is not None:
            await self.application.updater.stop()
            await self.application.stop()
            await self.application.post_shutdown(self.application)  # run_polling() would
            await self.application.shutdown()
            self.application = None
            self._retry_clock.detach()
            self.sim.forget_unhandled()  # fetched but dropped at stop: redelivered, not awaited
        if self.storage is not None:
            await self.storage.close()
            self.storage = None

    async def _outbox_idle(self) -> None:
        """Idle probe for :meth:`BotApiSimulator.wait_idle`: no update waits in the bot or
        is being handled (one the simulator did not deliver, e.g. a test's own POST to the
        webhook, is known only here), and the outbox sent what is due."""
        application = self.application
        if application is None:
            return
        while (application.update_queue.qsize()
               or application.update_processor.current_concurrent_updates):
            await asyncio.sleep(0.005)  # bounded by wait_idle's time-out
        sender = application.bot_data.get("outbox")
        if sender is not None:
            await sender.drain(timeout=10)

    async def restart(self) -> None:
        await self.stop()
        await self.start()


def report_handled(application: Application, sim) -> None:
    """Make ``application`` tell ``sim`` when it has finished handling each update, so
    :func:`settle` waits for exactly that instead of for silence
    (:func:`bot.demo.report_each_update`, which the terminal chat uses too)."""
    report_each_update(application, sim)


def db_rows(harness, sql: str, params=()) -> list[tuple]:
    """Run a query on the harness's database (a separate sqlite3 connection).

    While the harness's storage is open the connection is kept for the next query and
    closed by :meth:`BotHarness.stop` before the storage (whose close, the last one, still
    checkpoints the file): a new connection read the whole schema again, ~0.6 ms of CPU
    per query. Otherwise (a stopped harness, another object with a ``db_path``) a new
    connection each time, as before. Queries only: nothing here commits.
    """
    if isinstance(harness, BotHarness) and harness.storage is not None:
        if harness._peek is None:
            harness._peek = sqlite3.connect(harness.db_path)
        return harness._peek.execute(sql, params).fetchall()
    conn = sqlite3.connect(harness.db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


async def settle(sim, seconds: float = 0.05) -> None:
    """Let the bot handle everything queued: every update handled (the harness reports it),
    no Bot API call in flight, nothing due in the outbox.

    ``seconds`` is kept for existing callers and ignored: waiting is on events, not time
    (a simulator without a tracked bot falls back to 50 ms of silence).
    """
    del seconds
    await sim.wait_idle(timeout=10)


async def until(condition, timeout: float = 10.0) -> None:
    """Wait until ``condition()`` is true (work in a thread, e.g. a poster or an export,
    can outlast :func:`settle`); fails the test after ``timeout`` seconds.

    Looks again after 1 ms, then after twice as long each time up to every 10 ms: a
    reply the bot is about to send (a few ms of work) is seen without waiting out a whole
    10 ms step, and a long wait still looks only every 10 ms."""
    deadline = time.monotonic() + timeout
    pause = 0.001
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(pause)
        pause = min(2 * pause, 0.01)
