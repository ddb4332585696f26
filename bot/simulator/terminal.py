r"""Chat with the bot from a terminal, as one simulated resident (``python -m bot chat``).

Output, one block per bot message::

    bot: Hoe tevreden bent u over het ontmoetingscentrum?
      [1] 😄 Heel erg   [2] 🙂 Wel
      [3] ❓ Weet niet

    bot: [photo] Ik voel me minder eenzaam.
    bot: [document: export.csv]
    bot: [voice: 2 s]                   a voice message (an audio prompt)
    bot (edited): ...                   a message the bot changed later
      keyboard: [Ja] [Nee]              a reply keyboard: type the text
      (i) Opgeslagen                    the bot's answer to a button press

Input, one line at a time: a number presses that button under the latest message with an
inline keyboard (with no keyboard, or no button of that number, it is sent as text); a line
starting with ``'`` sends the rest as text (``'2`` types 2 where button 2 is "Back", as a
spreadsheet keeps a typed number as text); anything else (commands too) is sent as a text
message; ``/quit`` or end of input stops. After each line the client waits until the bot is idle, so piped input
(``printf '/start\n1\n' | ...``) does not race ahead of the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from typing import TextIO

from bot.simulator.server import BotApiSimulator, SentMessage, SimUser

__all__ = ["run_terminal_chat"]

_INDENT = "     "


def _button_lines(message: SentMessage) -> list[str]:
    lines, number = [], 0
    for row in message.inline_keyboard or []:
        cells = []
        for button in row:
            number += 1
            label = f"[{number}] {button.get('text', '')}"
            if "url" in button:
                label += f" ({button['url']})"
            cells.append(label)
        lines.append("  " + "   ".join(cells))
    return lines


def _format(message: SentMessage, *, edited: bool = False) -> str:
    """The block printed for one bot message (text, media marker, buttons)."""
    head = "bot (edited): " if edited else "bot: "
    body = message.text_or_caption
    if message.method == "sendPhoto":
        body = f"[photo] {body}".rstrip()
    elif message.method == "sendDocument":
        name = (message.document or {}).get("file_name", "")
        body = f"[document: {name}] {body}".rstrip()
    elif message.method == "sendVoice":
        body = f"[voice: {(message.voice or {}).get('duration', '?')} s] {body}".rstrip()
    first, *rest = body.split("\n") if body else [""]
    lines = [head + first, *(_INDENT + line for line in rest)]
    lines += _button_lines(message)
    markup = message.reply_markup or {}
    if "keyboard" in markup:
        keys = [
            b if isinstance(b, str) else b.get("text", "") for r in markup["keyboard"] for b in r
        ]
        lines.append("  keyboard: " + " ".join(f"[{key}]" for key in keys))
    return "\n".join(lines)


class _View:
    """Prints what changed in the resident's chat since the last call of :meth:`show`."""

    def __init__(self, sim: BotApiSimulator, user: SimUser, out: TextIO) -> None:
        self.sim, self.user, self.out = sim, user, out
        self.seen: dict[int, int] = {}  # message_id -> edits printed
        self.deleted: set[int] = set()
        self.answers = 0

    def show(self) -> None:
        blocks = []
        for message in self.user.messages:
            edits = self.seen.get(message.message_id)
            if message.deleted:
                if edits is not None and message.message_id not in self.deleted:
                    blocks.append("  (the bot deleted a message)")
                self.deleted.add(message.message_id)
                self.seen[message.message_id] = message.edits
            elif edits is None or edits != message.edits:
                blocks.append(_format(message, edited=edits is not None))
                self.seen[message.message_id] = message.edits
        for answer in self.sim.callback_answers[self.answers :]:
            mine = int(answer["callback_query_id"]) >> 32 == self.user.id
            if mine and answer.get("text"):
                blocks.append(f"  (i) {answer['text']}")
        self.answers = len(self.sim.callback_answers)
        if blocks:
            self.out.write("\n".join(blocks) + "\n")
            self.out.flush()

    async def follow(self) -> None:
        while True:
            self.show()
            await self.sim.wait_change()


def _start_reader(stdin: TextIO, lines: asyncio.Queue[str | None]) -> None:
    """Read ``stdin`` in a daemon thread (never blocks the loop, never blocks exit)."""
    loop = asyncio.get_running_loop()

    def put(line: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # loop already closed
            loop.call_soon_threadsafe(lines.put_nowait, line)

    def read() -> None:
        try:
            for line in iter(stdin.readline, ""):
                put(line)
        except (OSError, ValueError):
            pass
        put(None)

    threading.Thread(target=read, name="terminal-chat-stdin", daemon=True).start()


def _latest_keyboard(user: SimUser) -> SentMessage | None:
    return next((m for m in reversed(user.messages) if m.inline_keyboard and not m.deleted), None)


def _press_number(user: SimUser, message: SentMessage, number: int, out: TextIO) -> None:
    buttons = [b for row in message.inline_keyboard or [] for b in row]
    if not 1 <= number <= len(buttons):
        out.write(f"  (no button {number})\n")
    elif "callback_data" in buttons[number - 1]:
        user.press(message, buttons[number - 1]["callback_data"])
    else:
        button = buttons[number - 1]
        out.write(f"  (this button opens {button.get('url') or 'something outside the chat'})\n")


def _count(message: SentMessage) -> int:
    return sum(len(row) for row in message.inline_keyboard or [])


def _send_line(user: SimUser, line: str) -> None:
    for row in user.reply_keyboard or []:
        for button in row:
            if button.get("text") == line and button.get("request_contact"):
                contact = {"phone_number": "+31600000000", "first_name": user.first_name,
                           "user_id": user.id}  # fmt: skip
                user.send_message(contact=contact)
                return
    user.send_text(line)


async def run_terminal_chat(
    sim: BotApiSimulator,
    user: SimUser,
    *,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    idle_timeout: float = 5.0,
) -> None:
    """Let a person chat with the bot as ``user`` until ``/quit`` or end of input.

    Args:
        sim: A started simulator the bot is polling.
        user: The resident to act as.
        stdin: Lines typed by the person.
        stdout: Where the bot's messages are printed.
        idle_timeout: Seconds to wait for the bot after each line before reading on.
    """
    view = _View(sim, user, stdout)
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    _start_reader(stdin, lines)
    printer = asyncio.create_task(view.follow())
    try:
        while (line := await lines.get()) is not None:
            line = line.strip()
            if line == "/quit":
                break
            if not line:
                continue
            keyboard = _latest_keyboard(user) if line.isdigit() else None
            if keyboard is not None and 1 <= int(line) <= _count(keyboard):
                _press_number(user, keyboard, int(line), stdout)
            else:
                _send_line(user, line[1:] if line.startswith("'") and len(line) > 1 else line)
            with contextlib.suppress(TimeoutError):
                await sim.wait_idle(idle_timeout)
            view.show()
    finally:
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer
        view.show()
