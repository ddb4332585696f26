"""``python -m bot chat --db FILE`` a second time: the resident goes on where they were
(the bot's state is in the database), and the bot hears them (the new simulator's update
ids follow the ones the bot has marked handled, as Telegram's would)."""

from __future__ import annotations

import sqlite3

from tests.support.chat import onboard
from tests.support.harness import settle


def test_a_second_chat_on_the_same_database_goes_on_in_the_read_back(tmp_path, monkeypatch):
    from bot import demo  # noqa: PLC0415 - the module the test patches
    from bot.__main__ import main  # noqa: PLC0415 - after the patch, as the command runs

    db = tmp_path / "chat.sqlite3"
    seen: list[str] = []

    async def first(sim, user) -> None:
        await onboard(sim, user)
        user.send_text("Ik ben minder alleen.")
        await settle(sim)
        seen.append(user.last.text)

    async def second(sim, user) -> None:
        user.send_text("En ik kook nu vaker.")
        await settle(sim)
        seen.append(user.last.text if user.messages else "(no reply)")

    monkeypatch.setattr(demo, "run_terminal_chat", first)  # bot.demo imports it by name
    assert main(["chat", "--db", str(db)]) == 0
    monkeypatch.setattr(demo, "run_terminal_chat", second)
    assert main(["chat", "--db", str(db)]) == 0
    assert "«Ik ben minder alleen.»" in seen[0]
    assert "Ik ben minder alleen." in seen[1] and "En ik kook nu vaker." in seen[1], seen[1]
    with sqlite3.connect(db) as conn:  # one answer, the story appended to, not doubled
        rows = conn.execute("SELECT item_id, revision FROM answers").fetchall()
    assert rows == [("msc.change_self", 2)], rows
