"""``python -m bot run`` whose first Bot API call fails: one line, no traceback, no token."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from bot.logs import RedactingFilter

WRONG = "999000:WRONG-token-SECRET"


async def test_a_refused_token_stops_run_in_one_line_without_the_token(sim, tmp_path):
    """The simulator, like Telegram, answers 401 to a token it does not know. python-telegram-bot
    logs a traceback and raises ``InvalidToken("The token `…` was rejected")``: both showed the
    token, over 100 lines, exit 1."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": WRONG, "TELEGRAM_API_BASE_URL": sim.base_url,
           "PSEUDONYM_SECRET": "cli-secret-0123456789", "DATABASE_PATH": str(tmp_path / "b.sqlite3")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = out.decode() + err.decode()
    assert proc.returncode == 2, text
    assert text.strip().splitlines() == [
        "buurtstem: TELEGRAM_BOT_TOKEN was refused by the Bot API server "
        "(copy the bot's token from @BotFather again)"]
    assert "SECRET" not in text and "WRONG" not in text
    assert sim.calls["getMe"] == 1


def test_a_logged_traceback_is_redacted_too():
    """An exception's message inside a logged traceback is redacted like the message."""
    try:
        raise ValueError("the token `999000:WRONG-token-SECRET` was rejected")
    except ValueError:
        record = logging.LogRecord("telegram.ext", logging.ERROR, __file__, 1, "Aborting %s",
                                   ("loop",), sys.exc_info())
    assert RedactingFilter([WRONG]).filter(record)
    text = logging.Formatter().format(record)
    assert "Aborting loop" in text and "ValueError: the token `[token]` was rejected" in text
    assert "SECRET" not in text
