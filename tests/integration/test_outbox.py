"""The invitation outbox against the local Bot API simulator: at most once, paced, restartable."""

from __future__ import annotations

import asyncio
import collections
import itertools
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.clock import SYSTEM_CLOCK, Clock
from bot.http import AiohttpRequest
from bot.outbox import (
    UNCONFIRMED,
    BroadcastProgress,
    OutboxRow,
    OutboxSender,
    enqueue,
    enqueue_round_invitations,
    progress,
)
from bot.simulator import BotApiSimulator
from bot.storage import Storage
from bot.survey import catalogue
from tests.support.harness import until

TOKEN = "123456:OUTBOX-TEST-token"
FIRST_CHAT = 5_000_001
#: The outbox, the simulator's flood limits and the spy share one virtual clock
#: (:class:`tests.support.clock.VirtualClock`, the ``clock`` fixture): it stands still while
#: code runs and jumps when everything waits, so pacing, flood waits and back-off cost no
#: wall time. Every figure below (rates, gaps, pauses, back-off) is in clock seconds.



def aio_bot(sim: BotApiSimulator) -> Bot:
    """A ``telegram.Bot`` against ``sim`` on the running bot's own HTTP client
    (:class:`bot.http.AiohttpRequest`, as ``bot.app`` gives its outbox), with room for the
    sender's 8 calls in flight. PTB's ``HTTPXRequest`` cost 2-4 ms of CPU per call: most of a
    paced broadcast's CPU in these tests."""
    return Bot(sim.token, base_url=sim.base_url, base_file_url=sim.base_file_url,
               request=AiohttpRequest(connection_pool_size=16),
               get_updates_request=AiohttpRequest(connection_pool_size=1))


def Sender(bot, storage, render, **options) -> OutboxSender:  # noqa: N802 - reads as the class
    """An :class:`OutboxSender` on the spy's clock."""
    return OutboxSender(bot, storage, render, clock=bot.clock, **options)


class SpyBot:
    """Wraps a Bot: counts ``send_message`` calls per chat and logs their timing.

    ``read_timeouts``: the read time-out (seconds) of the first calls, one each, in order;
    later calls use the Bot's own.
    """

    def __init__(self, bot: Bot, clock: Clock, read_timeouts: tuple[float, ...] = ()) -> None:
        self.bot = bot
        self.clock = clock
        self.read_timeouts = collections.deque(read_timeouts)
        self.calls: collections.Counter[int] = collections.Counter()
        self.log: list[tuple[float, float, int, str]] = []  # start, end, chat, outcome
        self._logged = asyncio.Event()

    async def changed(self) -> None:
        """Return when the next call has ended (a line was added to :attr:`log`)."""
        await self._logged.wait()

    def _add(self, entry: tuple[float, float, int, str]) -> None:
        self.log.append(entry)
        self._logged.set()
        self._logged = asyncio.Event()

    async def send_message(self, *, chat_id: int, text: str, reply_markup=None):
        start = self.clock.monotonic()
        self.calls[chat_id] += 1
        timeout = {"read_timeout": self.read_timeouts.popleft()} if self.read_timeouts else {}
        try:
            result = await self.bot.send_message(
                chat_id=chat_id, text=text, reply_markup=reply_markup, **timeout
            )
        except Exception as error:
            self._add((start, self.clock.monotonic(), chat_id, type(error).__name__))
            raise
        self._add((start, self.clock.monotonic(), chat_id, "ok"))
        return result


async def render(row: OutboxRow) -> tuple[str, InlineKeyboardMarkup | None]:
    text = {"nl": "Doe mee aan de nieuwe ronde", "en": "Join the new round"}.get(
        row.language, "Join"
    )
    button = InlineKeyboardButton("▶", callback_data=f"round:{row.round_id}")
    return f"{text} ({row.kind})", InlineKeyboardMarkup([[button]])


@pytest.fixture
async def storage(tmp_path) -> AsyncIterator[Storage]:
    store = await Storage.open(tmp_path / "outbox.sqlite3")
    await store.seed_centres(catalogue().centres)
    yield store
    await store.close()


@pytest.fixture
async def round_id(storage: Storage) -> int:
    return (await storage.create_round("praatplaat", [])).id


@pytest.fixture
async def api() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator(token=TOKEN) as sim:
        yield sim


@pytest.fixture
async def limited_api(clock) -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator(token=TOKEN, enforce_limits=True, clock=clock) as sim:
        yield sim


async def residents(
    storage: Storage,
    sim: BotApiSimulator,
    count: int,
    *,
    centre: str = "shalom",
    first: int = FIRST_CHAT,
    known: bool = True,
) -> list[int]:
    """Insert ``count`` opted-in contacts (and let the simulator know their chats)."""
    chats = list(range(first, first + count))
    async with storage.transaction() as db:
        await db.executemany(
            "INSERT INTO contacts (chat_id, language, centre_code, opted_in, reachable,"
            " consent_version, consented_on) VALUES (?, ?, ?, 1, 1, 'v1', '2025-01-01')",
            [(c, "nl" if c % 2 else "en", centre) for c in chats],
        )
    if known:
        for chat in chats:
            sim.user(chat)
    return chats


async def statuses(
    storage: Storage, kind: str = "invite"
) -> dict[int, tuple[str, int, str | None]]:
    """chat id -> (status, attempts, last_error) of the ``kind`` rows."""
    async with storage.db.execute(
        "SELECT chat_id, status, attempts, last_error FROM outbox WHERE kind = ? ORDER BY id",
        (kind,),
    ) as cur:
        return {r[0]: (r[1], r[2], r[3]) for r in await cur.fetchall()}


async def reachable(storage: Storage, chat_id: int) -> bool:
    contact = await storage.contact(chat_id)
    assert contact is not None
    return contact.reachable


def per_chat(sim: BotApiSimulator) -> collections.Counter[int]:
    return collections.Counter(m.chat_id for m in sim.sent)


async def until_settled(storage: Storage, round_id: int, kind: str = "invite", timeout=10.0):
    """Wait until the broadcast has no pending row (retries included)."""
    deadline = time.monotonic() + timeout
    while (await progress(storage, round_id, kind)).pending:
        assert time.monotonic() < deadline, "broadcast did not settle"
        await asyncio.sleep(0.02)


@pytest.fixture
async def bot(api: BotApiSimulator, clock) -> AsyncIterator[SpyBot]:
    async with aio_bot(api) as client:
        yield SpyBot(client, clock)


@pytest.fixture
async def limited_bot(limited_api: BotApiSimulator, clock) -> AsyncIterator[SpyBot]:
    async with aio_bot(limited_api) as client:
        yield SpyBot(client, clock)


# ------------------------------------------------------------------------ enqueueing


async def test_enqueue_twice_adds_nothing_the_second_time(storage, round_id, api):
    chats = await residents(storage, api, 5)
    assert await enqueue(storage, round_id, chats, "invite", {"deadline": "2025-06-01"}) == 5
    assert await enqueue(storage, round_id, chats, "invite") == 0
    assert await enqueue(storage, round_id, chats[:2], "reminder") == 2
    assert await enqueue(storage, round_id, [], "invite") == 0
    assert await progress(storage, round_id, "invite") == BroadcastProgress(5, 0, 0, 0, 5)


async def test_enqueue_round_invitations_takes_opted_in_reachable_contacts_of_centres(
    storage, round_id, api
):
    shalom = await residents(storage, api, 4, centre="shalom")
    vierhuis = await residents(storage, api, 3, centre="vierhuis", first=6_000_001)
    await residents(storage, api, 2, centre="deluyk", first=7_000_001)
    await storage.update_contact(shalom[0], opted_in=False)
    await storage.update_contact(vierhuis[0], reachable=False)
    added = await enqueue_round_invitations(storage, round_id, ["shalom", "vierhuis"])
    assert added == 3 + 2
    assert await enqueue_round_invitations(storage, round_id, ["shalom", "vierhuis"]) == 0
    assert set(await statuses(storage)) == set(shalom[1:] + vierhuis[1:])
    assert await enqueue_round_invitations(storage, round_id, []) == 0


# ------------------------------------------------------------------------ sending


async def test_each_pending_row_is_sent_exactly_once(storage, round_id, api, bot):
    chats = await residents(storage, api, 30)
    await enqueue(storage, round_id, chats, "invite", {"n": 1})
    seen: list[OutboxRow] = []

    async def spying_render(row: OutboxRow):
        seen.append(row)
        return await render(row)

    sender = Sender(bot, storage, spying_render, rate=200)
    sender.start()
    await sender.drain(timeout=10)
    await sender.stop()
    assert per_chat(api) == {chat: 1 for chat in chats}
    assert bot.calls == {chat: 1 for chat in chats}
    assert {s for s, _, _ in (await statuses(storage)).values()} == {"sent"}
    assert sender.stats["sent"] == 30 and sender.stats["rate_limited"] == 0
    assert seen[0].payload == {"n": 1} and seen[0].language in ("nl", "en")
    assert api.sent[0].text.startswith(("Doe mee", "Join"))
    assert api.sent[0].inline_keyboard[0][0]["callback_data"] == f"round:{round_id}"
    assert await progress(storage, round_id, "invite") == BroadcastProgress(30, 30, 0, 0, 0)


async def test_blocked_resident_is_marked_unreachable_and_never_retried(
    storage, round_id, api, bot
):
    chats = await residents(storage, api, 5)
    api.block(chats[2])
    await enqueue(storage, round_id, chats, "invite")
    sender = Sender(bot, storage, render, rate=200, backoff=0.01)
    sender.start()
    await sender.drain(timeout=10)
    # a later broadcast for the same chat is skipped, not attempted
    await enqueue(storage, round_id, [chats[2]], "reminder")
    await sender.drain(timeout=10)
    await bot.clock.sleep(0.1)  # a (wrong) retry after the 0.01 s back-off would come by now
    await sender.stop()
    rows = await statuses(storage)
    assert rows[chats[2]][0] == "blocked" and rows[chats[2]][1] == 1
    assert "blocked by the user" in rows[chats[2]][2]
    assert not await reachable(storage, chats[2])
    assert (await statuses(storage, "reminder"))[chats[2]] == ("skipped", 0, "unreachable")
    assert bot.calls[chats[2]] == 1
    assert per_chat(api) == {c: 1 for c in chats if c != chats[2]}
    assert sender.stats["blocked"] == 1 and sender.stats["skipped"] == 1
    assert await progress(storage, round_id, "invite") == BroadcastProgress(5, 4, 1, 0, 0)


async def test_chat_not_found_counts_as_unreachable(storage, round_id, api, bot):
    [gone] = await residents(storage, api, 1, known=False)
    await enqueue(storage, round_id, [gone], "invite")
    sender = Sender(bot, storage, render, rate=200, backoff=0.01)
    sender.start()
    await sender.drain(timeout=10)
    await sender.stop()
    assert (await statuses(storage))[gone][:2] == ("blocked", 1)
    assert not await reachable(storage, gone)
    assert bot.calls[gone] == 1


async def test_429_pauses_all_sending_then_everything_is_sent_once(storage, round_id, api, bot):
    chats = await residents(storage, api, 12)
    await enqueue(storage, round_id, chats, "invite")
    api.fail("sendMessage", status=429, retry_after=1, times=1)
    sender = Sender(bot, storage, render, rate=200)
    sender.start()
    await sender.drain(timeout=10)
    await sender.stop()
    [(_, flood_at, flooded_chat, _)] = [e for e in bot.log if e[3] == "RetryAfter"]
    later = [start for start, _, _, _ in bot.log if start > flood_at]
    assert later, "nothing was sent after the 429"
    assert min(later) - flood_at >= 1.0
    assert per_chat(api) == {chat: 1 for chat in chats}
    assert sender.stats["rate_limited"] == 1
    # the 429 is not counted as an attempt
    assert (await statuses(storage))[flooded_chat][:2] == ("sent", 1)


async def test_transient_errors_are_retried_with_backoff(storage, round_id, api, bot):
    [chat] = await residents(storage, api, 1)
    await enqueue(storage, round_id, [chat], "invite")
    api.fail("sendMessage", status=500, times=2)
    sender = Sender(bot, storage, render, rate=200, backoff=0.1)
    sender.start()
    await until_settled(storage, round_id)
    await sender.stop()
    assert (await statuses(storage))[chat] == ("sent", 3, None)
    assert per_chat(api) == {chat: 1} and bot.calls[chat] == 3
    starts = [start for start, _, _, _ in bot.log]
    assert starts[1] - starts[0] >= 0.1 and starts[2] - starts[1] >= 0.2  # 0.1 s, then 0.2 s
    assert sender.stats["retried"] == 2 and sender.stats["sent"] == 1


async def test_gives_up_after_three_attempts(storage, round_id, api, bot):
    [chat, _other] = await residents(storage, api, 2)
    await enqueue(storage, round_id, [chat], "invite")
    api.fail("sendMessage", status=502, times=4, chat_id=chat)
    sender = Sender(bot, storage, render, rate=200, backoff=0.05)
    sender.start()
    await until_settled(storage, round_id)
    await bot.clock.sleep(0.3)  # a fourth attempt would come after 0.2 s
    await sender.stop()
    status, attempts, error = (await statuses(storage))[chat]
    assert (status, attempts) == ("failed", 3) and error.startswith("NetworkError")
    assert bot.calls[chat] == 3 and per_chat(api) == {}
    assert sender.stats["failed"] == 1
    assert await progress(storage, round_id, "invite") == BroadcastProgress(1, 0, 0, 1, 0)


async def test_opted_out_contact_gets_nothing(storage, round_id, api, bot):
    chats = await residents(storage, api, 3)
    await enqueue(storage, round_id, chats + [9_999_999], "invite")  # last: no contact
    await storage.update_contact(chats[1], opted_in=False)
    sender = Sender(bot, storage, render, rate=200)
    sender.start()
    await sender.drain(timeout=10)
    await sender.stop()
    rows = await statuses(storage)
    assert rows[chats[1]] == ("skipped", 0, "opted out")
    assert rows[9_999_999] == ("skipped", 0, "no contact")
    assert bot.calls[chats[1]] == 0 and per_chat(api) == {chats[0]: 1, chats[2]: 1}
    assert await progress(storage, round_id, "invite") == BroadcastProgress(2, 2, 0, 0, 0)


async def test_failing_render_is_retried_then_failed(storage, round_id, api, bot):
    [chat] = await residents(storage, api, 1)
    await enqueue(storage, round_id, [chat], "invite")

    async def broken(row: OutboxRow):
        raise KeyError("missing translation")

    sender = Sender(bot, storage, broken, backoff=0.01)
    sender.start()
    await until_settled(storage, round_id)
    await sender.stop()
    assert (await statuses(storage))[chat][:2] == ("failed", 3)
    assert bot.calls[chat] == 0


# ------------------------------------------------------------------------ restarts


async def test_killed_mid_broadcast_and_restarted_sends_each_invitation_once(
    storage, round_id, limited_api, limited_bot
):
    chats = await residents(storage, limited_api, 60)
    await enqueue(storage, round_id, chats, "invite")
    first = Sender(limited_bot, storage, render)
    first.start()
    while len(limited_api.sent) < 20:  # killed once 20 have arrived
        assert await limited_api.wait_change(timeout=10), "the broadcast stalled"
    await first.stop()
    stopped_at = len(limited_api.sent)
    assert 20 <= stopped_at < 60
    assert "sending" not in {s for s, _, _ in (await statuses(storage)).values()}
    assert (await progress(storage, round_id, "invite")).sent == stopped_at

    second = Sender(limited_bot, storage, render)  # as after a restart: same database
    second.start()
    await second.drain(timeout=20)
    await second.stop()
    assert per_chat(limited_api) == {chat: 1 for chat in chats}
    assert limited_bot.calls == {chat: 1 for chat in chats}
    assert first.stats["sent"] + second.stats["sent"] == 60
    assert limited_api.rate_limited == 0


@pytest.mark.parametrize("kind, again", [("invite", True), ("feedback", True), ("remind-1", False)])
async def test_a_row_left_sending_by_a_crash_is_sent_again_only_if_at_least_once(
    storage, round_id, api, bot, kind, again
):
    """Invitations and feedback: at least once (sent again); reminders: at most once."""
    chats = await residents(storage, api, 3)
    await enqueue(storage, round_id, chats, kind)
    async with storage.transaction() as db:  # the process died during this row's call
        await db.execute(
            "UPDATE outbox SET status = 'sending', attempts = 1 WHERE chat_id = ?", (chats[0],)
        )
    reports: list[BroadcastProgress] = []

    async def on_progress(rid: int, kind: str, state: BroadcastProgress) -> None:
        reports.append(state)

    sender = Sender(bot, storage, render, rate=200, on_progress=on_progress)
    sender.start()
    await sender.drain(timeout=10)
    await sender.stop()
    if again:
        assert (await statuses(storage, kind))[chats[0]] == ("sent", 2, None)
        assert bot.calls[chats[0]] == 1
        assert per_chat(api) == {chat: 1 for chat in chats}
        assert (sender.stats["resent"], sender.stats["recovered"]) == (1, 0)
    else:
        assert (await statuses(storage, kind))[chats[0]] == ("sent", 1, UNCONFIRMED)
        assert bot.calls[chats[0]] == 0
        assert per_chat(api) == {chats[1]: 1, chats[2]: 1}
        assert (sender.stats["resent"], sender.stats["recovered"]) == (0, 1)
    assert reports[-1] == BroadcastProgress(3, 3, 0, 0, 0)


@pytest.mark.parametrize("kind, copies", [("invite", 2), ("remind-1", 1)])
async def test_a_send_that_timed_out_is_retried_only_if_at_least_once(
    storage, round_id, api, bot, kind, copies
):
    """The call reached Telegram but its answer came after the time-out: an invitation is
    sent again (it may show twice), a reminder is not (it may be lost, never doubled).

    Only the first call has the short read time-out, and it is held until released (not
    for a fixed 0.6 s): on a loaded machine the retry, with the same 0.2 s time-out, timed
    out too and was sent a third time (a flaky ``[invite-2]``)."""
    [chat] = await residents(storage, api, 1)
    await enqueue(storage, round_id, [chat], kind)
    api.fail("sendMessage", status=200, delay=60)  # delivered, but late: held until released
    if copies == 2:  # the retry answers slower than the first call's time-out (a loaded
        api.fail("sendMessage", status=200, delay=0.3)  # machine): it must not time out
    bot.read_timeouts.append(0.2)
    # real time, not the virtual clock: this test waits for real time-outs and delays, and
    # while it did, the virtual clock jumped from one of the sender's polls to the next as
    # fast as the CPU allowed (~450 idle passes, 0.4 s of CPU). No 1 s between two calls
    # to the chat (other tests check it): the retry comes after the 0.01 s back-off
    bot.clock = SYSTEM_CLOCK
    sender = Sender(bot, storage, render, rate=200, backoff=0.01, per_chat_interval=0)
    sender.start()
    await until_settled(storage, round_id, kind)  # a retry (invitation) included
    assert [outcome for _, _, _, outcome in bot.log][0] == "TimedOut"
    assert per_chat(api)[chat] == copies - 1  # the retry (an invitation), before the late one
    api.release_delayed()
    await until(lambda: api._inflight == 0 and per_chat(api)[chat] == copies)  # it landed
    await sender.stop()
    assert per_chat(api)[chat] == copies and bot.calls[chat] == copies
    assert (await statuses(storage, kind))[chat][0] == "sent"


async def test_stop_waits_for_the_send_in_flight(storage, round_id, api, bot):
    [chat] = await residents(storage, api, 1)
    await enqueue(storage, round_id, [chat], "invite")
    api.fail("sendMessage", status=200, delay=60)  # answered late (once released), delivered
    sender = Sender(bot, storage, render)
    sender.start()
    await until(lambda: api.calls["sendMessage"] == 1)  # the call is held by the simulator
    stopping = asyncio.ensure_future(sender.stop())
    await until(lambda: sender._stopping)
    for _ in range(20):  # stop() is waiting: the call cannot end before the release
        await asyncio.sleep(0)
    assert not stopping.done()
    api.release_delayed()
    await asyncio.wait_for(stopping, 10)
    assert (await statuses(storage))[chat][:2] == ("sent", 1)
    assert per_chat(api) == {chat: 1}


# ------------------------------------------------------------------------ pacing


@pytest.mark.slow
async def test_pacing_stays_under_the_flood_limits(storage, round_id, limited_api, limited_bot):
    # On the virtual clock: the limits hold in clock seconds, and the sender's own pacing
    # sets the rate (25/s). The rate reached in real time is bounded by CPU; it is measured
    # by bench/broadcast.py (ratio to the 25/s target), not asserted here.
    clock = limited_bot.clock
    chats = await residents(storage, limited_api, 200)
    await enqueue(storage, round_id, chats, "invite")
    reports: list[tuple[float, BroadcastProgress]] = []

    async def on_progress(rid: int, kind: str, state: BroadcastProgress) -> None:
        assert (rid, kind) == (round_id, "invite")
        reports.append((clock.monotonic(), state))

    sender = Sender(limited_bot, storage, render, on_progress=on_progress)
    started = clock.monotonic()
    sender.start()
    await sender.drain(timeout=30)
    seconds = clock.monotonic() - started
    await sender.stop()
    assert limited_api.rate_limited == 0 and sender.stats["rate_limited"] == 0
    assert per_chat(limited_api) == {chat: 1 for chat in chats}
    assert 200 / seconds <= 30, f"{200 / seconds:.1f} messages/s"  # never over the limit
    # any 1 s window holds at most 30 calls (client side)
    starts = sorted(start for start, _, _, _ in limited_bot.log)
    assert max(sum(1 for s in starts[i:i + 31] if s - starts[i] < 1.0)
               for i in range(len(starts))) <= 30  # fmt: skip
    # progress: every ~2 s while running, then once at the end
    assert reports[-1][1] == BroadcastProgress(200, 200, 0, 0, 0)
    assert 3 <= len(reports) <= seconds / 2 + 2
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(reports[:-1])]
    assert all(gap >= 2.0 - 0.05 for gap in gaps)
    assert all(0 < state.pending for _, state in reports[:-1])


async def test_two_messages_to_one_chat_are_a_second_apart(
    storage, round_id, limited_api, limited_bot
):
    [chat] = await residents(storage, limited_api, 1)
    await enqueue(storage, round_id, [chat], "invite")
    await enqueue(storage, round_id, [chat], "reminder")
    sender = Sender(limited_bot, storage, render)
    sender.start()
    await sender.drain(timeout=10)
    await sender.stop()
    assert limited_api.rate_limited == 0
    assert [m.text.endswith(("(invite)", "(reminder)")) for m in limited_api.sent] == [True] * 2
    first, second = limited_bot.log
    assert second[0] - first[1] >= 1.0


async def test_wake_sends_new_rows_without_waiting_for_the_poll(storage, round_id, api, bot):
    chats = await residents(storage, api, 2)
    sender = Sender(bot, storage, render, rate=200, poll_interval=30)
    sender.start()
    await sender.drain(timeout=10)  # nothing due: returns after an idle pass (30 s poll next)
    idle_at = bot.clock.monotonic()
    await enqueue(storage, round_id, chats, "invite")
    sender.wake()
    await until(lambda: len(api.sent) >= 2)
    # the calls' own start times: the clock may run on while this test polls in real time
    assert max(start for start, _, _, _ in bot.log) - idle_at < 30, "sent by the poll, not wake()"
    await sender.stop()
    assert per_chat(api) == {chat: 1 for chat in chats}
