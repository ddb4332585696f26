"""Benchmark: one round's invitations to N residents through the outbox, against the
simulator with Telegram's flood limits on.

    .venv/bin/python bench/broadcast.py [--residents 2000]

Residents are inserted directly as contacts (languages cycling nl, en, tr, ar, pl, uk; centres
cycling over the round's centres); 1 % of them have blocked the bot. The
:class:`bot.simulator.BotApiSimulator` runs with ``enforce_limits=True`` (429 above 30
messages/s overall or 1/s per chat, Bot API FAQ). Prints residents, sent, blocked, seconds,
messages/s (sent / seconds), ratio to the 25/s target, 429s received, duplicates (chats with
more than one message) and losses (unblocked residents without a message).

Exit status 1 if the ratio is below 0.9 or there is any 429, duplicate or loss.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.outbox import (
    BroadcastProgress,
    OutboxRow,
    OutboxSender,
    enqueue_round_invitations,
    progress,
)
from bot.simulator import BotApiSimulator
from bot.storage import Storage
from bot.survey import catalogue

TARGET = 25.0
LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")
TEXTS = {
    "nl": "Een nieuwe ronde is begonnen. Doe je mee?",
    "en": "A new round has started. Will you take part?",
    "tr": "Yeni bir tur başladı. Katılır mısınız?",
    "ar": "بدأت جولة جديدة. هل تشارك؟",
    "pl": "Rozpoczęła się nowa runda. Weźmiesz udział?",
    "uk": "Розпочався новий раунд. Візьмете участь?",
}
FIRST_CHAT = 100_000_001


async def render(row: OutboxRow) -> tuple[str, InlineKeyboardMarkup | None]:
    """Invitation text in the contact's language with one ``round:<id>`` button."""
    button = InlineKeyboardButton("▶", callback_data=f"round:{row.round_id}")
    return TEXTS.get(row.language, TEXTS["nl"]), InlineKeyboardMarkup([[button]])


async def run(residents: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        storage = await Storage.open(Path(folder) / "bench.sqlite3")
        try:
            return await _broadcast(storage, residents)
        finally:
            await storage.close()


async def _broadcast(storage: Storage, residents: int) -> int:
    await storage.seed_centres(catalogue().centres)
    round_ = await storage.create_round("praatplaat", [])
    chats = list(range(FIRST_CHAT, FIRST_CHAT + residents))
    async with storage.transaction() as db:
        await db.executemany(
            "INSERT INTO contacts (chat_id, language, centre_code, opted_in, reachable,"
            " consent_version, consented_on) VALUES (?, ?, ?, 1, 1, 'v1', '2025-01-01')",
            [
                (chat, LANGUAGES[i % len(LANGUAGES)], round_.centres[i % len(round_.centres)])
                for i, chat in enumerate(chats)
            ],
        )
    async with BotApiSimulator(enforce_limits=True) as sim:
        for chat in chats:
            sim.user(chat)
        blocked = set(chats[::100])  # 1 %
        for chat in blocked:
            sim.block(chat)
        async with Bot(sim.token, base_url=sim.base_url, base_file_url=sim.base_file_url) as bot:
            queued = await enqueue_round_invitations(storage, round_.id, round_.centres)

            async def report(round_id: int, kind: str, state: BroadcastProgress) -> None:
                print(
                    f"  progress: sent {state.sent} of {state.total}, "
                    f"{state.blocked} unreachable, {state.failed} failed",
                    flush=True,
                )

            sender = OutboxSender(bot, storage, render, on_progress=report, progress_every=10)
            started = time.perf_counter()
            sender.start()
            await sender.drain(timeout=residents / TARGET * 1.5 + 30)
            seconds = time.perf_counter() - started
            await sender.stop()
        final = await progress(storage, round_.id, "invite")
        received = collections.Counter(message.chat_id for message in sim.sent)
        rate_limited = sim.rate_limited

    duplicates = sum(1 for n in received.values() if n > 1)
    losses = sum(1 for chat in chats if chat not in blocked and received[chat] == 0)
    per_second = final.sent / seconds
    ratio = per_second / TARGET
    print(f"residents    {residents}")
    print(f"queued       {queued}")
    print(f"sent         {final.sent}")
    print(f"blocked      {final.blocked}")
    print(f"failed       {final.failed}")
    print(f"seconds      {seconds:.2f}")
    print(f"messages/s   {per_second:.2f}")
    print(f"ratio        {ratio:.3f}  (target {TARGET:g}/s, need >= 0.9)")
    print(f"429s         {rate_limited}")
    print(f"duplicates   {duplicates}")
    print(f"losses       {losses}")
    ok = ratio >= 0.9 and rate_limited == 0 and duplicates == 0 and losses == 0
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=2000, help="number of residents")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(asyncio.run(run(args.residents)))


if __name__ == "__main__":
    main()
