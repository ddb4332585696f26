"""Local Telegram Bot API simulator: run the real bot over real HTTP without Telegram.

See :mod:`bot.simulator.server` for the server and :mod:`bot.simulator.terminal` for the
terminal chat client used by ``python -m bot chat``.
"""

from bot.simulator.server import BotApiSimulator, SentMessage, SimUser
from bot.simulator.terminal import run_terminal_chat

__all__ = ["BotApiSimulator", "SentMessage", "SimUser", "run_terminal_chat"]
