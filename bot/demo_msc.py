"""A simulated story panel for the offline demo: the Most Significant Change steps in the
real bot, through the Bot API simulator.

:func:`simulate_panel` plays a coordinator/admin who, with ``/stories ROUND``, reads every
story, codes it with 1–3 effect categories (appendix 3, Movisie 2025), approves most and
withholds one, selects one story per centre and domain with a typed reason, then (for a
round with several centres) one per domain across centres, and finally sends
``/stories ROUND final`` (hierarchical selection with documented reasons and feedback:
Davies & Dart 2005, "The 'Most Significant Change' (MSC) Technique: A Guide to Its Use").
Only buttons the bot drew are pressed; only messages a person could type are sent.
"""

from __future__ import annotations

import random
import re

#: Reasons the simulated panel types (the panel's own words; no story is quoted).
REASONS = (
    "Dit verhaal laat goed zien hoe mensen elkaar vinden in het centrum.",
    "Hier zie je dat iemand weer meedoet in de buurt.",
    "Een duidelijk voorbeeld van hulp die echt verschil maakt.",
    "Dit raakte ons het meest: iemand voelt zich weer thuis in de wijk.",
    "Het laat zien dat kleine activiteiten grote gevolgen hebben.",
)

_FIRST_LINE = re.compile(r"#(\d+)\s*$")


def _buttons(message) -> list[tuple[str, str]]:
    rows = (message.reply_markup or {}).get("inline_keyboard", []) if message else []
    return [(b.get("text", ""), b.get("callback_data", "")) for row in rows for b in row]




async def _press(user, message, data: str) -> None:
    """Press a button and wait until the message was redrawn."""
    before = message.edits
    user.press(message, data)
    await user.wait_until(lambda: message.edits > before, what=f"button {data}")


async def _send(user, text: str, *, contains: str | None = None):
    """Send a text and wait for the bot's next message (optionally containing ``contains``)."""
    start = len(user.messages)
    user.send_text(text)

    def arrived():
        return any(contains is None or contains in (m.text or "") for m in user.messages[start:])

    await user.wait_until(arrived, what=f"reply to {text[:20]!r}")
    return next(m for m in user.messages[start:] if contains is None or contains in (m.text or ""))


def _info(message) -> tuple[int, int, int, str]:
    """(answer id, position 1-based, total, "domain · centre" line) of a story message."""
    lines = (message.text or "").split("\n")
    first = _FIRST_LINE.search(lines[0])
    if first is None:
        raise ValueError("not a story message: its first line ends without #<answer id>")
    answer_id = int(first.group(1))
    counter = next(t for t, d in _buttons(message) if d == "x" and "/" in t)
    k, n = (int(x) for x in counter.split("/"))
    return answer_id, k, n, lines[1]


def _find(message, prefix: str, infix: str = "") -> str | None:
    return next((d for _t, d in _buttons(message) if d.startswith(prefix) and infix in d), None)


def _button(message, prefix: str, infix: str = "") -> str:
    """The data of the message's button to press (:func:`_find`).

    Raises:
        LookupError: The message has no such button (the panel changed under the demo).
    """
    data = _find(message, prefix, infix)
    if data is None:
        raise LookupError(f"no button {prefix}…{infix} under the message")
    return data


async def _select(user, message, data: str, reason: str) -> None:
    """Press 🏆, type the reason, wait for the confirmation and the redrawn story."""
    before = message.edits
    start = len(user.messages)
    user.press(message, data)
    await user.wait_until(lambda: any("🏆" in (m.text or "") for m in user.messages[start:]), what="reason question")
    await _send(user, reason, contains="🏆")
    await user.wait_until(lambda: message.edits > before, what="story after selection")


async def _page_to(user, message, target: int) -> None:
    """Page with ◀ / ▶ until story number ``target`` (1-based) is shown."""
    while True:
        _aid, k, _n, _line = _info(message)
        if k == target:
            return
        arrow = _button(message, "ad:stp:", f".{k - 2 if k > target else k}.")
        await _press(user, message, arrow)


async def simulate_panel(sim, admin_user_id: int, round_id: int, rng: random.Random) -> dict:
    """Drive the real bot as the story panel of one round (see the module docstring).

    Args:
        sim: The running :class:`~bot.simulator.BotApiSimulator` (the bot polls it).
        admin_user_id: Telegram id of an admin (``ADMIN_IDS``) or of a coordinator of every
            centre of the round.
        round_id: The round whose stories to review.
        rng: Randomness (which codes, which story is withheld, which are selected).

    Returns:
        Counts: ``stories``, ``approved``, ``withheld``, ``codes`` (button presses that
        added a code), ``selected_centre``, ``selected_all``, ``final`` (1 if the selection
        was made final) and ``feedback`` (feedback messages queued, as the bot reported).
    """
    user = sim.user(admin_user_id, first_name="Coordinator", language_code="nl")
    counts = {"stories": 0, "approved": 0, "withheld": 0, "codes": 0, "selected_centre": 0,
              "selected_all": 0, "final": 0, "feedback": 0}
    first = await _send(user, f"/stories {round_id}")
    if not (first.text or "").startswith("📖"):
        return counts
    story_msg = first
    _aid, _k, total, _line = _info(story_msg)
    counts["stories"] = total
    withhold_at = rng.randrange(total) + 1 if total >= 3 else None
    groups: dict[str, list[int]] = {}
    # pass 1: read, code, approve or withhold, going forward with ▶
    for position in range(1, total + 1):
        _aid, k, _n, line = _info(story_msg)
        if position == withhold_at:
            await _press(user, story_msg, _button(story_msg, "ad:stw:"))
            counts["withheld"] += 1
        else:
            codes = [d for _t, d in _buttons(story_msg) if d.startswith("ad:stc:")]
            for index in sorted(rng.sample(range(len(codes)), k=rng.randint(1, 3))):
                await _press(user, story_msg, [d for _t, d in _buttons(story_msg) if d.startswith("ad:stc:")][index])
                counts["codes"] += 1
            await _press(user, story_msg, _button(story_msg, "ad:sta:"))
            counts["approved"] += 1
            groups.setdefault(line, []).append(k)
        if position < total:
            await _press(user, story_msg, _button(story_msg, "ad:stp:", f".{k}."))
    # pass 2: one story per centre and domain, with a typed reason
    for line in sorted(groups):
        target = rng.choice(groups[line])
        await _page_to(user, story_msg, target)
        await _select(user, story_msg, _button(story_msg, "ad:stx:", ".c."), rng.choice(REASONS))
        counts["selected_centre"] += 1
    # pass 3 (several centres): the admin selects per domain among the centre selections
    if counts["selected_centre"]:
        pool = await _send(user, f"/stories {round_id} gekozen")
        if (pool.text or "").startswith("📖") and _find(pool, "ad:stx:", ".a."):
            _aid, _k, size, _line = _info(pool)
            by_domain: dict[str, list[int]] = {}
            for position in range(1, size + 1):
                _aid, k, _n, line = _info(pool)
                by_domain.setdefault(line.split(" · ")[0], []).append(k)
                if position < size:
                    await _press(user, pool, _button(pool, "ad:stp:", f".{k}."))
            for domain in sorted(by_domain):
                await _page_to(user, pool, rng.choice(by_domain[domain]))
                await _select(user, pool, _button(pool, "ad:stx:", ".a."), rng.choice(REASONS))
                counts["selected_all"] += 1
    if not counts["selected_centre"]:
        return counts
    start = len(user.messages)
    user.send_text(f"/stories {round_id} final")
    await user.wait_until(lambda: any(_find(m, "ad:stf:") for m in user.messages[start:]), what="final question")
    done = next(m for m in user.messages[start:] if _find(m, "ad:stf:"))
    await _press(user, done, _button(done, "ad:stf:", ".n"))       # preview seen: final, send now
    if "🔒" not in (done.text or ""):
        return counts
    counts["final"] = 1
    numbers = re.findall(r"\d+", (done.text or "").split("\n", 1)[-1])
    counts["feedback"] = int(numbers[0]) if numbers else 0
    return counts
