"""One read and one write per resident update: the chat's state is read once, and an
answer, the chat state it leads to and the update's handled mark commit together (issue
12); a step that changes nothing writes nothing. Before the typed state the same seven
steps took 3, 0, 1, 3, 2, 3 and 3 transactions."""

from __future__ import annotations

from tests.support.chat import data_of, onboard
from tests.support.harness import db_rows, settle


async def test_each_step_of_a_story_is_one_transaction(sim, harness):
    await harness.prepare("short", ["shalom"])
    await harness.start()
    user = sim.user(131)
    await onboard(sim, user)
    storage = harness.storage
    writes: list[str] = []
    run = storage._run

    async def counted(forget, body):
        name = getattr(body, "__qualname__", "?")
        # not per update: the fetched batch's own write, a picture's first upload
        if not name.startswith(("Storage.inbox_put", "Storage.cache_file_id")):
            writes.append(name)
        return await run(forget, body)

    storage._run = counted
    reads: list[int] = []
    load = storage._chat_state

    async def read(chat_id):
        reads.append(chat_id)
        return await load(chat_id)

    storage._chat_state = read

    async def step(send) -> int:
        writes.clear()
        reads.clear()
        send()
        await settle(sim)
        assert reads == [user.id]  # the chat's state: one read per update
        return len(writes)

    def press(suffix: str):
        message = user.last
        return lambda: user.press(message, next(d for d in data_of(message) if d.endswith(suffix)))

    assert await step(lambda: user.send_text("De buurvrouw hielp mij.")) == 1   # answer + read-back + typed
    assert "De buurvrouw hielp mij." in user.last.text
    assert await step(lambda: user.send_text("De buurvrouw hielp mij.")) == 0   # the same again: read-back only
    assert await step(press(":ok")) == 1                                       # Right: the next question
    assert await step(lambda: user.send_text("Ik was minder alleen.")) == 1
    assert await step(lambda: user.send_text("ja klopt")) == 1                 # Right, typed: the quote question
    assert await step(press(":qy")) == 1                                        # quote yes + the feedback question
    assert await step(press(":fn")) == 1                                        # feedback no + the next question
    assert await step(lambda: user.send_text("hallo")) == 0                    # a button item: nothing to store
    assert db_rows(harness, "SELECT quote_ok FROM participations") == [(1,)]
    assert db_rows(harness, "SELECT feedback_opt_in FROM contacts") == [(0,)]
    state = db_rows(harness, "SELECT state FROM chat_state")
    assert len(state) == 1 and '"opt_in_answered":true' in state[0][0] and '"mode"' not in state[0][0]
