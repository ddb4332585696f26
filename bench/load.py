"""Benchmark: a whole neighbourhood answers at once.

    .venv/bin/python bench/load.py [--residents 50,200,1000] [--api-delay-ms 50] [--no-echo]

For each size N, N simulated residents (languages cycling nl, en, tr, ar, pl, uk; each
with a fixed random stream) each complete the ``short`` round over the local Bot API
simulator: ``/start <centre>``, consent, two stories with their read-backs, the
quote and feedback questions, six picture questions, the meaning cards (one toggle, Done) and the
missing-card text — 17 updates a resident, each sent when the bot has asked the next
thing (closed loop, as a person does). The real bot runs as its own process
(``python -m bot run`` against the simulator), so its CPU time and peak memory are read
from ``/proc`` without the simulator's share.

Then, in the same run, a bare python-telegram-bot echo bot (``Application`` with default
settings, one reply per update: ``reply_text`` for a message, ``answerCallbackQuery`` for
a button) gets exactly the same updates, resident by resident in the same order, each
sent when the previous one was answered. That is the floor a bot on this library and
machine cannot beat.

``--api-delay-ms`` makes the simulator wait that long before answering every Bot API call
(a real round trip to Telegram's servers).

Printed per size and bot: updates/s, first-reply latency p50/p95/p99 (from the moment an
update is queued to the bot's first Bot API call about that chat), CPU ms per update
(user + system time of the bot process during the round), peak RSS of the bot process,
residents stuck, answers lost and doubled; then the product's ratios to the echo floor.
Lost: an answer a resident gave that is not in the database. Doubled: an answer stored
with a revision above 1 (the residents never change an answer), or a question or reply
sent twice for one update.

The simulator and the residents run in this process (one event loop), the bots in child
processes; on a shared machine run it when little else runs and compare ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import random
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.demo_stories import STORIES  # noqa: E402
from bot.simulator import BotApiSimulator  # noqa: E402
from bot.simulator.server import SentMessage  # noqa: E402

LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")
LANGUAGE_CODES = {"nl": "nl", "en": "en-GB", "tr": "tr", "ar": "ar", "pl": "pl", "uk": "uk"}
FIRST_USER = 300_000_001
SURVEY = "short"
ITEMS_PER_RESIDENT = 10  # items of the short survey; each gets one answer (or skip)
WAIT_S = 180.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


class LoadSimulator(BotApiSimulator):
    """The simulator with a per-chat wake-up (no resident polls) and an optional delay.

    Args:
        api_delay: Seconds to wait before answering every Bot API call.
    """

    def __init__(self, *args, api_delay: float = 0.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.api_delay = api_delay
        self.events: dict[int, asyncio.Event] = {}
        self.pending: dict[int, float] = {}  # chat -> when its latest update was queued
        self.first_replies: list[float] = []
        self.recorded: dict[int, list[dict]] = {}
        self.record = True

    async def _dispatch(self, request, method):  # noqa: D102 - adds the round trip
        if self.api_delay:
            await asyncio.sleep(self.api_delay)
        return await super()._dispatch(request, method)

    def inject_update(self, update: dict) -> int:  # noqa: D102 - remembers who sent what
        chat = _chat_of(update)
        if self.record and chat is not None:
            self.recorded.setdefault(chat, []).append(copy.deepcopy(update))
        if chat is not None:
            self.pending[chat] = time.perf_counter()
        return super().inject_update(update)

    def poke(self, chat_id: int) -> None:
        """Something about ``chat_id`` happened: time a first reply and wake its resident."""
        queued = self.pending.pop(chat_id, None)
        if queued is not None:
            self.first_replies.append(time.perf_counter() - queued)
        event = self.events.get(chat_id)
        if event is not None:
            event.set()

    def _record(self, chat, method, **fields):  # noqa: D102
        message = super()._record(chat, method, **fields)
        self.poke(chat["id"])
        return message

    def _apply_edit(self, sent, **changes):  # noqa: D102
        result = super()._apply_edit(sent, **changes)
        self.poke(sent.chat_id)
        return result

    async def _answer_callback_query(self, params):  # noqa: D102
        result = await super()._answer_callback_query(params)
        try:
            self.poke(int(params.get("callback_query_id")) >> 32)
        except (TypeError, ValueError):
            pass
        return result


def _chat_of(update: dict) -> int | None:
    for value in update.values():
        if isinstance(value, dict):
            if isinstance(value.get("chat"), dict):
                return value["chat"]["id"]
            if "chat_instance" in value:
                return value["from"]["id"]
    return None


async def _until(sim: LoadSimulator, chat_id: int, ready, timeout: float = WAIT_S,
                 give_up: asyncio.Event | None = None):
    """Wait until ``ready()`` gives something true (re-checked whenever the chat changes).

    Raises:
        TimeoutError: Not within ``timeout`` seconds, or ``give_up`` was set first
            (``bench/crash.py``: the restarted bot caught up without the reply).
    """
    event = sim.events.setdefault(chat_id, asyncio.Event())
    deadline = time.perf_counter() + timeout
    while True:
        found = ready()
        if found:
            return found
        if give_up is not None and give_up.is_set():
            raise TimeoutError(chat_id)
        event.clear()
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            raise TimeoutError(chat_id)
        if give_up is None:
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass
            continue
        waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(give_up.wait())]
        try:
            await asyncio.wait(waits, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()


def _data(message: SentMessage | None) -> list[str]:
    rows = message.inline_keyboard or [] if message else []
    return [b.get("callback_data", "") for row in rows for b in row]


def _actionable(message: SentMessage) -> bool:
    return any(d.startswith(("a:", "c:", "ce:", "go:")) for d in _data(message))


@dataclass
class Outcome:
    """What one bot run did."""

    updates: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    cpu_ms: float = 0.0
    rss_start_mb: float = 0.0
    rss_peak_mb: float = 0.0
    stuck: int = 0
    lost: int = 0
    doubled: int = 0
    calls: int = 0

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        """Latency percentile ``q`` (0–100) in milliseconds."""
        if not self.latencies:
            return float("nan")
        values = sorted(self.latencies)
        return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))] * 1000


def flow_button(data: list[str], centre: str, rng: random.Random) -> str | None:
    """The button a simulated resident presses on the steps every round has: Yes to
    consent, their centre, Start, "Klopt" under a read-back, and the feedback and quote
    questions (yes 60 % and 70 % of the time). None on any other step (a scale, cards,
    free text: the caller decides).

    Raises:
        RuntimeError: The centre picker does not offer ``centre``.
    """
    if any(d.startswith("c:y") for d in data):
        return next(d for d in data if d.startswith("c:y"))
    if any(d.startswith("ce:") for d in data):
        pick = next((d for d in data if d.startswith(f"ce:{centre}:")), None)
        if pick is None:
            raise RuntimeError(f"centre {centre} not offered: {data}")
        return pick
    if any(d.startswith("go:") for d in data):
        return data[0]
    if any(d.endswith(":ok") for d in data):
        return next(d for d in data if d.endswith(":ok"))
    if any(d.endswith(":fy") for d in data):
        flag = ":fy" if rng.random() < 0.6 else ":fn"
        return next(d for d in data if d.endswith(flag))
    if any(d.endswith(":qy") for d in data):
        flag = ":qy" if rng.random() < 0.7 else ":qn"
        return next(d for d in data if d.endswith(flag))
    return None


async def product_resident(sim: LoadSimulator, uid: int, lang: str, centre: str) -> None:
    """One resident completes the short round, waiting for each next question.

    Raises:
        TimeoutError: The bot did not ask the next thing in time (says what was last seen).
    """
    try:
        await _answer_round(sim, uid, lang, centre)
    except TimeoutError:
        last = sim.users[uid].messages[-2:]
        toasts = [a.get("text") for a in sim.callback_answers
                  if int(a.get("callback_query_id", 0)) >> 32 == uid][-2:]
        raise TimeoutError(f"resident {uid} stuck after {[m.text_or_caption[:40] for m in last]}"
                           f" {[_data(m) for m in last]}, toasts {toasts}") from None


async def _answer_round(sim: LoadSimulator, uid: int, lang: str, centre: str) -> None:
    rng = random.Random(uid)
    user = sim.user(uid, first_name="Resident", language_code=LANGUAGE_CODES[lang])
    stories = STORIES[lang]

    def prompt_after(start: int):
        def ready():
            for message in reversed(user.messages[start:]):
                if _actionable(message) or (message.text or "").startswith("🙏"):
                    return message
            return None
        return ready

    start = len(user.messages)
    user.send_text(f"/start {centre}")
    prompt = await _until(sim, uid, prompt_after(start))
    for _ in range(40):
        if (prompt.text or "").startswith("🙏"):
            return
        data = _data(prompt)
        start = len(user.messages)
        pick = flow_button(data, centre, rng)
        if pick is not None:
            pass  # a step every round has (consent, centre, Start, Klopt, yes/no)
        elif any(":v" in d for d in data):
            pick = rng.choice([d for d in data if ":v" in d])
        elif any(":t" in d for d in data):
            before = prompt.reply_markup
            user.press(prompt, rng.choice([d for d in data if ":t" in d]))
            await _until(sim, uid, lambda: prompt.reply_markup != before)
            pick = next(d for d in _data(prompt) if ":d." in d)
        if pick is not None:
            user.press(prompt, pick)
        else:
            user.send_text(rng.choice(stories["story"]))
        prompt = await _until(sim, uid, prompt_after(start))
    raise RuntimeError(f"resident {uid} did not finish")


async def echo_resident(sim: LoadSimulator, uid: int, updates: list[dict]) -> None:
    """Replay one resident's updates to the echo bot, each after the previous reply."""
    sim.user(uid, first_name="Resident")
    for update in updates:
        before = sim.calls_for.get(uid, 0)
        sim.inject_update(copy.deepcopy(update))
        await _until(sim, uid, lambda: sim.calls_for.get(uid, 0) > before)


class EchoSimulator(LoadSimulator):
    """Counts the echo bot's replies per chat."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.calls_for: dict[int, int] = {}
        self.record = False

    def poke(self, chat_id: int) -> None:  # noqa: D102
        self.calls_for[chat_id] = self.calls_for.get(chat_id, 0) + 1
        super().poke(chat_id)


# -- processes ---------------------------------------------------------------------
def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def _memory_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _started(sim: BotApiSimulator, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while sim.calls["getUpdates"] == 0:
        if process.poll() is not None:
            raise RuntimeError(f"bot exited with {process.returncode} before polling")
        if time.perf_counter() > deadline:
            raise TimeoutError("bot did not start polling")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # let start-up work (scheduler, outbox) settle


async def _measure(sim: LoadSimulator, command: list[str], env: dict, cwd: Path,
                   residents) -> Outcome:
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=open(cwd / "bot.log", "ab"))
    outcome = Outcome()
    try:
        await _started(sim, process)
        cpu0 = _cpu_seconds(process.pid)
        outcome.rss_start_mb = _memory_mb(process.pid, "VmRSS")
        calls0 = sum(sim.calls.values())
        sim.first_replies.clear()
        started = time.perf_counter()
        results = await asyncio.gather(*residents, return_exceptions=True)
        outcome.seconds = time.perf_counter() - started
        outcome.cpu_ms = (_cpu_seconds(process.pid) - cpu0) * 1000
        outcome.rss_peak_mb = _memory_mb(process.pid, "VmHWM")
        outcome.latencies = list(sim.first_replies)
        outcome.stuck = sum(1 for r in results if isinstance(r, BaseException))
        outcome.calls = sum(sim.calls.values()) - calls0 - sim.calls["getUpdates"]
        for r in [r for r in results if isinstance(r, BaseException)][:3]:
            print(f"  resident error: {type(r).__name__}: {r}", file=sys.stderr)
    finally:
        await _stop(process)
    errors = [line for line in (cwd / "bot.log").read_text(errors="replace").splitlines()
              if (" ERROR " in line and "graceful shutdown" not in line) or "Traceback" in line]
    if errors:
        print(f"  bot log: {len(errors)} error line(s), first: {errors[0][:200]}", file=sys.stderr)
    (cwd / "bot.log").unlink()
    return outcome


async def _stop(process: subprocess.Popen, timeout: float = 15.0) -> int:
    """Terminate a bot and wait for it without blocking the event loop: the simulator runs
    on this loop, and a bot shutting down makes one last ``getUpdates`` (to confirm what it
    fetched), which a blocked loop cannot answer (the bot then waits out its read timeout
    and logs a traceback). Killed after ``timeout`` seconds. Returns the exit status."""
    process.terminate()
    try:
        return await asyncio.wait_for(asyncio.to_thread(process.wait), timeout)
    except TimeoutError:
        process.kill()
        return await asyncio.to_thread(process.wait)


def _bot_env(sim: BotApiSimulator, db: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=sim.token,
        TELEGRAM_API_BASE_URL=sim.base_url,
        DATABASE_PATH=str(db),
        PSEUDONYM_SECRET=secrets.token_hex(16),
        PYTHONPATH=str(ROOT),
    )
    return env


async def _prepare_database(db: Path) -> list[str]:
    from bot.storage import Storage
    from bot.survey import catalogue

    storage = await Storage.open(db)
    try:
        await storage.seed_centres(catalogue().centres)
        round_ = await storage.create_round(SURVEY, [])
        return list(round_.centres)
    finally:
        await storage.close()


def _product_losses(db: Path, residents: int, sim: LoadSimulator) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        stored, extra = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(revision - 1), 0) FROM answers"
        ).fetchone()
    lost = max(0, residents * ITEMS_PER_RESIDENT - stored)
    doubled = extra
    for messages in sim._by_chat.values():
        questions = [m.text_or_caption for m in messages if _actionable(m)]
        doubled += len(questions) - len(set(questions))
    return lost, doubled


async def run_product(residents: int, api_delay: float, folder: Path) -> tuple[Outcome, dict]:
    """The product under ``residents`` residents; returns its outcome and the updates sent."""
    db = folder / "load.sqlite3"
    centres = await _prepare_database(db)
    async with LoadSimulator(api_delay=api_delay) as sim:
        plan = [(FIRST_USER + i, LANGUAGES[i % len(LANGUAGES)], centres[i % len(centres)])
                for i in range(residents)]
        command = [sys.executable, "-m", "bot", "run"]
        if os.environ.get("LOAD_PROFILE"):  # a cProfile of the bot process, for finding hot spots
            command[1:1] = ["-m", "cProfile", "-o", os.environ["LOAD_PROFILE"]]

        def residents_():
            return [product_resident(sim, uid, lang, centre) for uid, lang, centre in plan]

        outcome = await _measure(sim, command, _bot_env(sim, db), folder, residents_())
        outcome.updates = sum(len(u) for u in sim.recorded.values())
        outcome.lost, outcome.doubled = _product_losses(db, residents, sim)
        return outcome, sim.recorded


async def run_echo(recorded: dict, api_delay: float, folder: Path) -> Outcome:
    """The bare echo bot under the same updates."""
    async with EchoSimulator(api_delay=api_delay) as sim:
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-echo"]
        env = _bot_env(sim, folder / "unused.sqlite3")
        outcome = await _measure(
            sim, command, env, folder,
            [echo_resident(sim, uid, updates) for uid, updates in recorded.items()],
        )
        outcome.updates = sum(len(u) for u in recorded.values())
        replies = sim.calls_for
        outcome.lost = sum(max(0, len(recorded[uid]) - replies.get(uid, 0)) for uid in recorded)
        outcome.doubled = sum(max(0, replies.get(uid, 0) - len(recorded[uid])) for uid in recorded)
        return outcome


def serve_echo() -> None:
    """The echo bot: python-telegram-bot defaults, one reply per update."""
    from telegram import Update
    from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

    async def echo(update: Update, context) -> None:
        await update.message.reply_text(update.message.text or "?")

    async def answer(update: Update, context) -> None:
        await update.callback_query.answer((update.callback_query.data or "")[:200])

    base = os.environ["TELEGRAM_API_BASE_URL"]
    application = (
        Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(base).base_file_url(base.rsplit("/bot", 1)[0] + "/file/bot").build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(answer))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


def _row(name: str, o: Outcome) -> str:
    per_update = o.cpu_ms / o.updates if o.updates else float("nan")
    return (f"  {name:<8} {o.updates:>6} upd {o.per_second:>8.1f}/s  first reply p50 {o.pct(50):>7.1f}"
            f"  p95 {o.pct(95):>7.1f}  p99 {o.pct(99):>7.1f} ms  cpu {per_update:>5.2f} ms/upd"
            f"  rss {o.rss_start_mb:>5.1f}→{o.rss_peak_mb:>5.1f} MB  stuck {o.stuck}"
            f"  lost {o.lost}  doubled {o.doubled}")


async def run(sizes: list[int], api_delay_ms: float, echo: bool) -> int:
    """Run every size; print figures and ratios. Exit status 1 on any loss or doubling."""
    bad = 0
    peaks: dict[int, float] = {}
    print(f"load benchmark: survey {SURVEY}, api delay {api_delay_ms:g} ms, "
          f"python {sys.version.split()[0]}, pid {os.getpid()}")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            product, recorded = await run_product(n, api_delay_ms / 1000, folder)
            print(f"residents {n}")
            print(_row("product", product))
            peaks[n] = product.rss_peak_mb
            bad += product.lost + product.doubled + product.stuck
            if echo:
                floor = await run_echo(recorded, api_delay_ms / 1000, folder)
                print(_row("echo", floor))
                print(f"  ratios   throughput {product.per_second / floor.per_second:.2f} × echo"
                      f" (target ≥ 0.6)   first-reply p99 {product.pct(99) / floor.pct(99):.2f} × echo"
                      f" (target ≤ 2)   cpu {product.cpu_ms / max(floor.cpu_ms, 1e-9):.1f} × echo")
                bad += floor.lost + floor.doubled + floor.stuck
            print(f"  bot api calls per update (product) {product.calls / product.updates:.2f}",
                  flush=True)
    if len(peaks) > 1:
        low, high = min(peaks), max(peaks)
        print(f"peak RSS growth {low} → {high} residents: {peaks[high] - peaks[low]:+.1f} MB"
              " (target < 5)")
    print("OK" if bad == 0 else "LOST, DOUBLED OR STUCK")
    return 0 if bad == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", default="50,200,1000",
                        help="comma-separated sizes (default 50,200,1000)")
    parser.add_argument("--api-delay-ms", type=float, default=0.0,
                        help="delay of every Bot API answer (a real round trip), ms")
    parser.add_argument("--no-echo", action="store_true", help="skip the echo floor")
    parser.add_argument("--serve-echo", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo:
        serve_echo()
        return
    sizes = [int(s) for s in args.residents.split(",") if s.strip()]
    sys.exit(asyncio.run(run(sizes, args.api_delay_ms, not args.no_echo)))


if __name__ == "__main__":
    main()
