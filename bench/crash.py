"""Benchmark: kill the bot (SIGKILL) at random moments and count what residents lost.

    .venv/bin/python bench/crash.py [--residents 50] [--kills 20] [--seed 1] [--faults]

The real bot runs as its own process (``python -m bot run``'s entry, forked from a server
that has loaded it: :mod:`tests.support.bot_process`) against the local Bot API
simulator, which keeps every update until the bot confirms it (as Telegram does).

* **burst**: sends are held, 30 residents send ``/start`` at once, the bot fetches and
  confirms them, and is killed before it can answer any; after the restart every one of
  them must be answered (before the inbox, 29 of 30 were never answered).
* **answers**: ``--kills`` rounds; in each, ``--residents`` residents start the ``short``
  round at once (closed loop, as in ``bench/load.py``; a resident asked the same question
  twice gives the same answer), the bot is killed at a random point of the burst (after
  2–95 % of the residents' updates) and restarted at once, and the residents finish. A
  resident who hears nothing for :data:`NUDGE_S` seconds taps the same button again (or
  sends the same text), as a person does; one still without an answer after
  :data:`MAX_NUDGES` taps is **stuck**. A resident whose reply is known lost taps again at
  once instead of after the silence (the same tap, sooner: :meth:`CrashSimulator.reply_lost`):
  at the kill, when the killed bot had marked the resident's latest update handled (the
  restarted bot does not handle it again); else once the restarted bot is idle (every
  update confirmed, no call in flight: :meth:`CrashSimulator.catch_up`; if it only looked
  idle, a tap more, never one less).
* **faults** (``--faults``): the same round, no kills, but single Bot API calls fail: a
  429 with ``retry_after``, a 502, a call that hangs past the bot's time-out, a 403, an
  old keyboard whose edit fails every try (no apology: the next question went out). A
  resident whose reply failed its last try (one the bot does not try again: a 403, the
  third 5xx) taps again at once, not after the silence.

Counted at the end (once the bot is idle after the last resident finished, and after a
clean stop, so every handled update is marked):

* **lost**: an update a resident sent that the bot never handled (not marked processed);
* **doubled**: answers stored twice (a revision above 1: these residents never change
  an answer, and give the same answer when asked again);
* **stuck**: residents who did not finish;
* also shown: **nudges** (taps a resident repeated because a reply was missing) and
  **repeated** (a question sent again to the same chat: after a kill a reply may go out
  twice — at least once, never lost).

Exit status 1 on any loss, doubling or stuck resident.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import importlib.util
import os
import random
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.simulator.server import ApiError  # noqa: E402
from bot.telegram_bot import REPLY_ATTEMPTS, REPLY_MAX_WAIT  # noqa: E402
from tests.support import bot_process  # noqa: E402


def _load_bench():
    """``bench/load.py`` (its simulator, residents and process helpers)."""
    name = "bench_load"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


load = _load_bench()

#: Seconds a resident waits for the bot's next question before tapping again.
NUDGE_S = 20.0
#: Updates a resident sends in the short round (about; for placing the kill points).
UPDATES_PER_RESIDENT = 16
#: Repeated taps after which a resident counts as stuck.
MAX_NUDGES = 3
#: Bot API methods a held simulator does not answer (see :meth:`CrashSimulator.hold`).
_HELD = frozenset({"sendMessage", "sendPhoto", "editMessageText", "editMessageReplyMarkup",
                   "answerCallbackQuery"})
#: Bot API methods that carry a resident's reply (the next question, the thanks); a
#: failed keyboard edit or spinner loses none (the next question goes out all the same).
_REPLIES = frozenset({"sendMessage", "sendPhoto", "editMessageText"})
#: Statuses python-telegram-bot raises as errors no retry can fix (BadRequest, Forbidden,
#: InvalidToken, Conflict): the bot does not try them again (bot/telegram_bot.py).
_NOT_RETRIED = frozenset({400, 401, 403, 404, 409})


def _tried_again(failure, tries: int) -> bool:
    """Whether the bot tries a reply again after ``failure`` failed its ``tries``-th try
    in a row (its policy inside an update, :meth:`bot.telegram_bot.RobustBot._do_post`:
    429 and 5xx again, at most :data:`~bot.telegram_bot.REPLY_ATTEMPTS` tries and
    :data:`~bot.telegram_bot.REPLY_MAX_WAIT` seconds of ``retry_after``)."""
    if failure.status in _NOT_RETRIED or tries >= REPLY_ATTEMPTS:
        return False
    return not (failure.status == 429 and (failure.retry_after or 0) > REPLY_MAX_WAIT)


class CrashSimulator(load.LoadSimulator):
    """The load simulator that can hold the bot's sends (to kill the bot mid-update)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._gate: asyncio.Event | None = None
        self._discard = False
        #: Ids of the updates the residents sent.
        self.update_ids: list[int] = []
        #: Per chat, the text or caption of each question as it was sent (with answer
        #: buttons; an answered question's buttons are edited away later).
        self.questions: dict[int, list[str]] = {}
        #: Per chat, the event that ends its resident's current wait for a reply
        #: (:meth:`reply_lost`); replaced once set.
        self._lost: dict[int, asyncio.Event] = {}
        #: Per (method, chat), the tries of one call failed in a row so far.
        self._failed_tries: dict[tuple[str, int], int] = {}
        #: Per chat, the id of the latest update its resident sent.
        self._latest: dict[int, int] = {}

    def inject_update(self, update: dict) -> int:  # noqa: D102 - remembers the ids
        update_id = super().inject_update(update)
        self.update_ids.append(update_id)
        chat_id = load._chat_of(update)
        if chat_id is not None:
            self._latest[chat_id] = update_id
        return update_id

    def _record(self, chat, method, **fields):  # noqa: D102 - remembers the questions sent
        message = super()._record(chat, method, **fields)
        sent = self.sent[-1]
        if load._actionable(sent):
            self.questions.setdefault(sent.chat_id, []).append(sent.text_or_caption)
        return message

    def repeated_questions(self) -> int:
        """Questions sent again to the same chat (as sent: a copy answered since counts)."""
        return sum(len(asked) - len(set(asked)) for asked in self.questions.values())

    def hold(self) -> None:
        """From now on, sends wait (:meth:`release`)."""
        self._gate = asyncio.Event()
        self._discard = False

    def release(self, *, discard: bool) -> None:
        """Let held sends go on; ``discard``: they fail with 502 and take no effect (their
        bot was killed meanwhile)."""
        gate, self._gate = self._gate, None
        self._discard = discard
        if gate is not None:
            gate.set()

    async def _dispatch(self, request, method):  # noqa: D102 - holds sends
        gate = self._gate
        if gate is not None and method in _HELD:
            await gate.wait()
            if self._discard:
                raise ApiError(502, "Bad Gateway")
        return await super()._dispatch(request, method)

    def reply_lost(self, chat_id: int) -> asyncio.Event:
        """The event that ends the current wait of ``chat_id``'s resident for a reply: set
        when a reply to that chat is known lost, by a kill (:meth:`catch_up`) or by a Bot
        API call of it that failed its last try (:meth:`_take_failure`). A wait takes it
        when it begins; once set, later waits get a fresh one."""
        return self._lost.setdefault(chat_id, asyncio.Event())

    def _lose(self, chat_ids) -> None:
        for chat_id in list(chat_ids):
            event = self._lost.pop(chat_id, None)
            if event is not None:
                event.set()

    def _take_failure(self, method, params):  # noqa: D102 - sees a reply's last failed try
        failure = super()._take_failure(method, params)
        if method not in _REPLIES:
            return failure  # a keyboard edit or a spinner: the next question still comes
        try:
            chat_id = int(params.get("chat_id"))
        except (TypeError, ValueError):
            return failure
        key = (method, chat_id)
        if failure is None or failure.status == 200:  # this try goes through
            self._failed_tries.pop(key, None)
            return failure
        tries = self._failed_tries.pop(key, 0) + 1
        if _tried_again(failure, tries):
            self._failed_tries[key] = tries
        else:  # the bot gives the reply up: its resident need not wait out any silence
            self._lose([chat_id])
        return failure

    def lost_at_kill(self, handled: set[int]) -> None:
        """After a kill: end the waits (:meth:`reply_lost`) of the residents whose latest
        update the killed bot had marked ``handled`` (its ids in the database): the
        restarted bot does not handle such an update again, so a reply to it not sent by
        now never comes. (An update not marked is handled again from the inbox, or sent
        again by Telegram, and its reply comes: that wait goes on, up to
        :meth:`catch_up`.)"""
        self._lose([chat for chat, update_id in self._latest.items() if update_id in handled])

    async def catch_up(self, timeout: float = 60.0) -> None:
        """After a restart: wait until the bot is idle (every update confirmed, no Bot API
        call in flight, 50 ms quiet: :meth:`wait_idle`), then end the waits that began
        before (:meth:`reply_lost`): a reply the bot has not sent by then was lost at the
        kill (one :meth:`lost_at_kill` did not see: a tap more, never one less)."""
        try:
            await self.wait_idle(timeout)
        except TimeoutError:
            pass  # never idle: the waits end anyway (a tap too many, never one too few)
        self._lose(self._lost)

    async def settle(self, timeout: float = 30.0) -> None:
        """Once every resident has finished: wait until the bot is idle (:meth:`wait_idle`:
        every update confirmed, so none left to arrive) before it is stopped. A tap repeated
        just before the reply it was missing came (a reply in flight at a kill, or only
        slow) may still be queued; at a clean stop it is either never fetched (Telegram
        keeps it) or fetched by python-telegram-bot's last ``getUpdates`` (the one that
        confirms the batch before; its updates are kept in the inbox for the next start
        and dropped from memory). Either way it is not marked handled when the round is
        counted, and counts as lost, though nothing was (a tap sent as the bot received
        SIGTERM: 12 of 12 unmarked, 3 of them in the inbox). Not idle within ``timeout``:
        goes on (the count then shows it)."""
        try:
            await self.wait_idle(timeout)
        except TimeoutError:
            pass

    async def confirmed(self, update_id: int, timeout: float = 60.0) -> None:
        """Wait until the bot has confirmed ``update_id`` (a getUpdates offset past it)."""
        deadline = time.monotonic() + timeout
        while self._max_offset <= update_id:
            if time.monotonic() > deadline:
                raise TimeoutError(f"update {update_id} not confirmed")
            await self.wait_change(max(deadline - time.monotonic(), 0.001))


class BotProcess:
    """The real bot (``bot.__main__.main(["run"])``, as ``python -m bot run``) as its own
    process against ``sim`` on ``db``; killed or stopped on demand.

    Forked from a server that has loaded the bot once (:mod:`tests.support.bot_process`):
    each start costs a fork, not the 1 s of CPU of importing the bot again; the process,
    its SIGKILL and its exit status are as with ``python -m bot run``.
    """

    def __init__(self, sim: CrashSimulator, db: Path, log: Path,
                 virtual_retry_waits: bool = False) -> None:
        self.sim = sim
        #: The bot's waits between the tries of a failed call take no wall time
        #: (:func:`tests.support.bot_process.start`); the tries are the same.
        self.virtual_retry_waits = virtual_retry_waits
        self.env = load._bot_env(sim, db)
        self.env["PSEUDONYM_SECRET"] = "crash-bench-secret-0123456789"  # same over restarts
        self.log = log
        self.process: BaseProcess | None = None
        self.starts = 0

    async def start(self, timeout: float = 90.0) -> None:
        """Start the bot and wait until it polls (its start-up work is done by then)."""
        polls = self.sim.calls["getUpdates"]
        self.process = await bot_process.start_async(
            self.env, cwd=ROOT, log=self.log, virtual_retry_waits=self.virtual_retry_waits)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while self.sim.calls["getUpdates"] == polls:
            if not self.process.is_alive():
                raise RuntimeError(f"bot exited with {self.process.exitcode} at start; its"
                                   f" log ends:\n{bot_process.log_tail(self.log)}")
            if time.monotonic() > deadline:
                raise TimeoutError("bot did not start polling")
            await self.sim.wait_change(min(0.5, max(deadline - time.monotonic(), 0.001)))

    async def kill(self) -> None:
        """SIGKILL: no shutdown, nothing flushed, as when the machine loses power."""
        if self.process is not None and self.process.is_alive():
            self.process.kill()
            await bot_process.wait(self.process)

    async def stop(self) -> int:
        """A clean stop (SIGTERM); returns the exit status."""
        if self.process is None:
            return 0
        code = await bot_process.stop(self.process)
        return code if code is not None else 0

    def errors(self) -> list[str]:
        """Traceback and ERROR lines of the bot's log."""
        if not self.log.exists():
            return []
        return [line for line in self.log.read_text(errors="replace").splitlines()
                if (" ERROR " in line and "graceful shutdown" not in line) or "Traceback" in line]


def handled(db: Path) -> set[int]:
    """The update ids the bot has marked handled in ``db`` (read only: after a kill, the
    database is left as the killed bot left it for the restarted one)."""
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT update_id FROM processed_updates")}
    finally:
        conn.close()


def unhandled(db: Path, update_ids: list[int]) -> list[int]:
    """The ids among ``update_ids`` the bot never marked handled."""
    done = handled(db)
    return [u for u in update_ids if u not in done]


@dataclass
class BurstResult:
    """What the burst scenario saw."""

    residents: int
    answered: int
    lost: int
    inbox_left: int
    errors: list[str]


async def burst(folder: Path, residents: int = 30) -> BurstResult:
    """``residents`` ``/start`` fetched together, the bot killed before answering, restarted."""
    db = folder / "burst.sqlite3"
    centres = await load._prepare_database(db)
    async with CrashSimulator() as sim:
        bot = BotProcess(sim, db, folder / "burst.log")
        try:
            await bot.start()
            sim.hold()
            ids = []
            for i in range(residents):
                user = sim.user(load.FIRST_USER + i, language_code="nl")
                ids.append(user.send_text(f"/start {centres[i % len(centres)]}"))
            await sim.confirmed(ids[-1])
            await bot.kill()
            sim.release(discard=True)
            await bot.start()
            deadline = time.monotonic() + 60
            while sum(1 for u in sim.users.values() if u.messages) < residents:
                if time.monotonic() > deadline:
                    break
                await sim.wait_change(max(deadline - time.monotonic(), 0.001))
        finally:
            await bot.stop()
            await bot.kill()
        answered = sum(1 for u in sim.users.values() if u.messages)
        with sqlite3.connect(db) as conn:
            try:
                left = conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
            except sqlite3.OperationalError:  # a bot without an inbox
                left = -1
        return BurstResult(residents, answered, len(unhandled(db, ids)), left, bot.errors())


@dataclass
class RoundResult:
    """What a round under kills or faults saw."""

    residents: int
    kills: int = 0
    faults: int = 0
    updates: int = 0
    lost: int = 0
    doubled: int = 0
    stuck: int = 0
    nudges: int = 0
    repeated: int = 0
    apologies: int = 0
    seconds: float = 0.0
    errors: list[str] | None = None

    def line(self, name: str) -> str:
        """One printed line of figures."""
        return (f"{name}: {self.residents} residents, {self.kills} SIGKILLs, {self.faults} faults,"
                f" {self.updates} updates: lost {self.lost}, doubled {self.doubled},"
                f" stuck {self.stuck} | nudges {self.nudges}, repeated questions"
                f" {self.repeated}, apologies {self.apologies}, bot log errors"
                f" {len(self.errors or [])} ({self.seconds:.0f} s)")


async def _prompt(sim, uid: int, ready, nudge, result: RoundResult, nudge_s: float,
                  max_nudges: int = MAX_NUDGES):
    """Wait for the bot's next prompt; tap or send the same again after ``nudge_s`` of
    silence (a person does), at most ``max_nudges`` times."""
    for attempt in range(max_nudges + 1):
        try:
            # a wait ends as soon as its reply is known lost (CrashSimulator.reply_lost: a
            # kill, or the last try of a send the bot gives up): silence would only add
            # time (a person would tap again, later)
            return await load._until(sim, uid, ready, nudge_s, give_up=sim.reply_lost(uid))
        except TimeoutError:
            if attempt == max_nudges:
                raise
            result.nudges += 1
            nudge()
    raise AssertionError("unreachable")


async def crash_resident(sim, uid: int, lang: str, centre: str, result: RoundResult,
                         nudge_s: float, max_nudges: int = MAX_NUDGES) -> None:
    """One resident completes the short round (as in ``bench/load.py``), tapping or
    typing again when a reply does not come.

    Raises:
        TimeoutError: Stuck: no reply after ``max_nudges`` repeats.
    """
    rng = random.Random(uid)
    user = sim.user(uid, first_name="Resident", language_code=load.LANGUAGE_CODES[lang])
    stories = load.STORIES[lang]

    def finished(message) -> bool:  # the thanks, or "you have answered all questions"
        return (message.text or "").startswith("🙏") or any(
            d.startswith("ch:") for d in load._data(message))

    def prompt_after(start: int):
        def ready():
            for message in reversed(user.messages[start:]):
                if load._actionable(message) or finished(message):
                    return message
            return None
        return ready

    start = len(user.messages)
    first = f"/start {centre}"
    user.send_text(first)
    prompt = await _prompt(sim, uid, prompt_after(start), lambda: user.send_text(first), result,
                           nudge_s, max_nudges)
    for _ in range(40):
        if finished(prompt):
            return
        data = load._data(prompt)
        if not data:
            raise RuntimeError(f"resident {uid}: a prompt without buttons: {prompt.text_or_caption[:60]!r}")
        start = len(user.messages)
        pick = load.flow_button(data, centre, rng)
        if pick is not None:
            pass  # a step every round has (consent, centre, Start, Klopt, yes/no)
        elif any(":v" in d for d in data):  # one opinion per question, however often asked
            pick = random.Random(f"{uid}:{prompt.text_or_caption}").choice([d for d in data if ":v" in d])
        elif any(":d." in d for d in data):
            pick = next(d for d in data if ":d." in d)  # the cards: Done as they are
        if pick is not None:
            nudge = functools.partial(user.press, prompt, pick)
        else:  # the same question asked again gets the same story
            told = random.Random(f"{uid}:{prompt.text_or_caption}").choice(stories["story"])
            nudge = functools.partial(user.send_text, told)
        nudge()
        prompt = await _prompt(sim, uid, prompt_after(start), nudge, result, nudge_s, max_nudges)
    raise RuntimeError(f"resident {uid} did not finish")


def _count(db: Path, sim, result: RoundResult, bot: BotProcess) -> None:
    """Add one run's lost, doubled, repeated and errors to ``result``."""
    ids = list(sim.update_ids)
    result.updates += len(ids)
    result.lost += len(unhandled(db, ids))
    with sqlite3.connect(db) as conn:
        result.doubled += conn.execute(
            "SELECT COALESCE(SUM(revision - 1), 0) FROM answers").fetchone()[0]
        doubled_items = [row[0] for row in conn.execute(
            "SELECT item_id FROM answers WHERE revision > 1 ORDER BY item_id")]
    if doubled_items:
        print(f"  answers stored twice: {doubled_items}", file=sys.stderr)
    result.repeated += sim.repeated_questions()
    for messages in sim._by_chat.values():
        result.apologies += sum(1 for m in messages if "Sorry, er ging iets mis" in (m.text or ""))
    result.errors = (result.errors or []) + bot.errors()


async def answers_under_kills(folder: Path, residents: int, kills: int, seed: int,
                              nudge_s: float = NUDGE_S, max_nudges: int = MAX_NUDGES) -> RoundResult:
    """``kills`` rounds: in each, ``residents`` residents start the short round at once
    and the bot is SIGKILLed at a random point of their burst (after 2–95 % of their
    updates were sent), restarted at once, and the residents finish (a fresh database and
    simulator each). A resident taps again after ``nudge_s`` without a reply and is stuck
    after ``max_nudges`` such taps (the suite: short waits, more of them)."""
    rng = random.Random(seed)
    result = RoundResult(residents * kills)
    started = time.perf_counter()
    for number in range(kills):
        point = int(rng.uniform(0.02, 0.95) * residents * UPDATES_PER_RESIDENT)
        await _one_killed_round(folder / f"round-{number}", residents, point, result, nudge_s,
                                max_nudges)
    result.seconds = time.perf_counter() - started
    return result


async def _one_killed_round(folder: Path, residents: int, kill_at: int,
                            result: RoundResult, nudge_s: float, max_nudges: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "answers.sqlite3"
    centres = await load._prepare_database(db)
    async with CrashSimulator() as sim:
        bot = BotProcess(sim, db, folder / "answers.log")
        await bot.start()
        plan = [(load.FIRST_USER + i, load.LANGUAGES[i % len(load.LANGUAGES)], centres[i % len(centres)])
                for i in range(residents)]
        tasks = [asyncio.ensure_future(crash_resident(sim, uid, lang, centre, result, nudge_s,
                                                      max_nudges))
                 for uid, lang, centre in plan]
        try:
            while len(sim.update_ids) < kill_at and not all(t.done() for t in tasks):
                await sim.wait_change(1.0)
            if not all(t.done() for t in tasks):
                await bot.kill()
                result.kills += 1
                sim.lost_at_kill(handled(db))
                await bot.start()
                await sim.catch_up()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            await sim.settle()
        finally:
            for task in tasks:
                task.cancel()
            await bot.stop()  # a clean stop writes the last handled marks
            await bot.kill()
        _report(plan, outcomes, sim, result)
        _count(db, sim, result, bot)


def _report(plan, outcomes, sim, result: RoundResult) -> None:
    failed = [(p, o) for p, o in zip(plan, outcomes) if isinstance(o, BaseException)]
    result.stuck += len(failed)
    for (uid, _l, _c), o in failed[:3]:
        last = sim.users[uid].messages[-3:]
        print(f"  resident error: {type(o).__name__}: {o}; last seen"
              f" {[(m.text_or_caption[:30], load._data(m)) for m in last]}", file=sys.stderr)


#: Faults injected one per resident, in turn: (method, status, retry_after, times, delay).
FAULTS = (
    ("sendPhoto", 429, 1, 1, 0.0),
    ("sendMessage", 502, None, 1, 0.0),
    ("answerCallbackQuery", 500, None, 2, 0.0),
    ("editMessageReplyMarkup", 429, 1, 1, 0.0),
    ("sendPhoto", 200, None, 1, 11.0),   # hangs past the bot's 10 s read time-out, then lands
    ("sendMessage", 403, None, 1, 0.0),  # a single refused call (not a real block)
    ("sendPhoto", 500, None, 3, 0.0),    # fails every try: the resident taps again
    ("editMessageReplyMarkup", 502, None, 3, 0.0),  # the old keyboard stays; no apology
)


async def answers_under_faults(folder: Path, residents: int, nudge_s: float = NUDGE_S,
                               faults: tuple = FAULTS, max_nudges: int = MAX_NUDGES,
                               virtual_retry_waits: bool = False) -> RoundResult:
    """``residents`` complete the short round while single Bot API calls fail (one fault
    per resident, kinds in turn: ``faults``, by default :data:`FAULTS`).
    ``virtual_retry_waits``: the bot's waits between the tries of a failed call (back-off,
    ``retry_after``) take no wall time (the suite; the benchmark waits them out)."""
    db = folder / "faults.sqlite3"
    centres = await load._prepare_database(db)
    result = RoundResult(residents)
    started = time.perf_counter()
    async with CrashSimulator() as sim:
        bot = BotProcess(sim, db, folder / "faults.log", virtual_retry_waits=virtual_retry_waits)
        await bot.start()
        plan = [(load.FIRST_USER + i, load.LANGUAGES[i % len(load.LANGUAGES)], centres[i % len(centres)])
                for i in range(residents)]
        for i, (uid, _lang, _centre) in enumerate(plan):
            method, status, retry_after, times, delay = faults[i % len(faults)]
            chat = None if method == "answerCallbackQuery" else uid
            sim.fail(method, status=status, retry_after=retry_after, times=times, chat_id=chat,
                     delay=delay)
            result.faults += 1
        try:
            outcomes = await asyncio.gather(
                *(crash_resident(sim, uid, lang, centre, result, nudge_s, max_nudges)
                  for uid, lang, centre in plan),
                return_exceptions=True)
            await sim.settle()
        finally:
            await bot.stop()
            await bot.kill()
        _report(plan, outcomes, sim, result)
        _count(db, sim, result, bot)
    result.seconds = time.perf_counter() - started
    return result


#: The admin who opens the round in the broadcast scenario.
ADMIN = 900_000_001
#: First chat id of the broadcast scenario's residents.
FIRST_INVITED = 7_000_001


@dataclass
class BroadcastResult:
    """What the broadcast scenario saw."""

    residents: int
    kills: int = 0
    lost: int = 0
    doubled: int = 0
    stale_progress: int = 0
    seconds: float = 0.0


async def broadcast_under_kills(folder: Path, residents: int, kills: int, seed: int) -> BroadcastResult:
    """``kills`` broadcasts: an admin opens a round for ``residents`` contacts, the bot is
    SIGKILLed after a random number of invitations went out (2–95 %) and restarted.
    Counts residents without an invitation (lost), with two (doubled) and progress
    messages that do not end at "N van N" (stale)."""
    rng = random.Random(seed)
    result = BroadcastResult(residents)
    started = time.perf_counter()
    for number in range(kills):
        sub = folder / f"broadcast-{number}"
        sub.mkdir(parents=True, exist_ok=True)
        db = sub / "broadcast.sqlite3"
        await _prepare_broadcast(db, residents)
        async with CrashSimulator() as sim:
            bot = BotProcess(sim, db, sub / "broadcast.log")
            bot.env["ADMIN_IDS"] = str(ADMIN)
            chats = range(FIRST_INVITED, FIRST_INVITED + residents)
            for chat in chats:
                sim.user(chat)
            admin = sim.user(ADMIN)
            try:
                await bot.start()
                admin.send_text("/open 1")
                await _wait(sim, lambda: any("nu openen" in (m.text or "") for m in admin.messages))
                admin.press_button("Ja, nu openen en uitnodigen")
                point = max(1, int(rng.uniform(0.02, 0.95) * residents))
                await _wait(sim, lambda: _invited(sim, chats) >= point)
                await bot.kill()
                result.kills += 1
                await bot.start()
                await _wait(sim, lambda: _invited(sim, chats) >= residents
                            and _progress_final(admin, residents), timeout=120 + residents / 10)
            except TimeoutError:
                pass  # counted below
            finally:
                await bot.stop()
                await bot.kill()
            counts = [sum(1 for m in sim._by_chat.get(chat, []) if m.reply_markup) for chat in chats]
            result.lost += sum(1 for c in counts if c == 0)
            result.doubled += sum(c - 1 for c in counts if c > 1)
            result.stale_progress += 0 if _progress_final(admin, residents) else 1
    result.seconds = time.perf_counter() - started
    return result


def _invited(sim, chats) -> int:
    return sum(1 for chat in chats if sim._by_chat.get(chat))


def _progress_final(admin, residents: int) -> bool:
    """The admin's progress message (edited in place) ends at "N van N"."""
    return any(f"{residents} van {residents}" in (m.text or "") for m in admin.messages)


async def _wait(sim, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("broadcast did not get there")
        await sim.wait_change(1.0)


async def _prepare_broadcast(db: Path, residents: int) -> None:
    from bot.storage import Storage  # noqa: PLC0415 - after sys.path is set, as in bench/load.py
    from bot.survey import catalogue  # noqa: PLC0415 - same

    storage = await Storage.open(db)
    try:
        await storage.seed_centres(catalogue().centres)
        await storage.create_round("short", ["shalom"], status="scheduled")
        async with storage.transaction() as conn:
            await conn.executemany(
                "INSERT INTO contacts (chat_id, language, centre_code, opted_in, reachable,"
                " consent_version, consented_on) VALUES (?, 'nl', 'shalom', 1, 1, 'v', '2026-01-01')",
                [(chat,) for chat in range(FIRST_INVITED, FIRST_INVITED + residents)],
            )
    finally:
        await storage.close()


async def run(args: argparse.Namespace) -> int:
    """Run the scenarios; print figures. Exit status 1 on any loss, doubling or stuck."""
    bad = 0
    print(f"crash benchmark: python {sys.version.split()[0]}, pid {os.getpid()}, seed {args.seed}")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        result = await burst(Path(tmp), residents=30)
        print(f"burst: {result.residents} /start fetched and confirmed, SIGKILL before any"
              f" reply: answered after restart {result.answered}, lost {result.lost},"
              f" inbox rows left {result.inbox_left}, bot errors {len(result.errors)}"
              f" ({time.perf_counter() - started:.1f} s)", flush=True)
        bad += (result.residents - result.answered) + result.lost
        kills = await answers_under_kills(Path(tmp), args.residents, args.kills, args.seed)
        print(kills.line("answers under SIGKILL"), flush=True)
        bad += kills.lost + kills.doubled + kills.stuck
        sent = await broadcast_under_kills(Path(tmp), args.broadcast, args.broadcast_kills, args.seed)
        print(f"broadcast under SIGKILL: {sent.kills} broadcasts of {sent.residents} invitations,"
              f" each killed once: invitations lost {sent.lost}, doubled {sent.doubled},"
              f" progress messages not final {sent.stale_progress} ({sent.seconds:.0f} s)", flush=True)
        bad += sent.lost + sent.stale_progress
        if args.faults:
            faults = await answers_under_faults(Path(tmp), args.residents)
            print(faults.line("answers under faults"), flush=True)
            bad += faults.lost + faults.doubled + faults.stuck
    print("OK" if bad == 0 else "LOST, DOUBLED OR STUCK")
    return 0 if bad == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=50, help="residents answering (50)")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs during the round (20)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the kill points")
    parser.add_argument("--faults", action="store_true", help="also run the fault-injection round")
    parser.add_argument("--broadcast", type=int, default=300, help="invitations per broadcast (300)")
    parser.add_argument("--broadcast-kills", type=int, default=5,
                        help="broadcasts, each killed once (5)")
    random.seed(0)
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
