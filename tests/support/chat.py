"""What people do in the chat, as the end-to-end tests need it again and again: a resident
onboards and answers, a coordinator is made and interviews, a reviewer pages through stories.

Each helper waits on "every update handled" (:func:`tests.support.harness.settle`), never on
silence.
"""

from __future__ import annotations

import re

from bot.privacy.pseudonym import respondent_pseudonym
from bot.roles import Roles
from tests.support.harness import db_rows, settle, until

#: The harness's ``PSEUDONYM_SECRET`` (:func:`tests.support.harness.make_settings`).
SECRET = b"test-secret-0123456789"


# -- residents ---------------------------------------------------------------------------
def data_of(message) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", []) if message else []
    return [b.get("callback_data", "") for row in rows for b in row]


def last_with(user, prefix: str):
    for message in reversed(user.messages):
        if any(d.startswith(prefix) for d in data_of(message)):
            return message
    raise AssertionError(f"no message with a {prefix!r} button")


async def onboard(sim, user, centre: str = "shalom", lang_button: str | None = None) -> None:
    """/start with a deep link, consent yes."""
    user.send_text(f"/start {centre}")
    await settle(sim)
    if lang_button:
        user.press_button(lang_button)
        await settle(sim)
    await consent_yes(sim, user)


async def consent_yes(sim, user) -> None:
    """Press "yes" under the last consent question the user got."""
    consent = last_with(user, "c:y")
    user.press(consent, next(d for d in data_of(consent) if d.startswith("c:y")))
    await settle(sim)



def current_question(user):
    """The newest question message (one with an answer button)."""
    return last_with(user, "a:")


async def confirm_readbacks(sim, user) -> None:
    """Press "right" on a story read-back, "yes" on the quote question and "no" on the
    feedback question, if shown."""
    for _ in range(4):
        data = data_of(user.last)
        flag = next((d for d in data if d.endswith((":ok", ":qy", ":fn"))), None)
        if flag is None:
            return
        pressed = user.last
        user.press(pressed, flag)
        await settle(sim)                                 # the press handled, then:
        await until(lambda: user.last is not pressed)     # every press brings a new message


async def answer_all_text(sim, user, texts: list[str]) -> None:
    """Answer text questions with ``texts`` in turn, skipping button questions' choices."""
    for text in texts:
        q = current_question(user)
        data = data_of(q)
        if any(":t" in d for d in data):
            user.press(q, next(d for d in data if ":t" in d))
            await settle(sim)
            q = current_question(user)
            user.press(q, next(d for d in data_of(q) if ":d." in d))
        elif any(":v" in d for d in data):
            user.press(q, next(d for d in data if ":v" in d))
        else:
            user.send_text(text)
        await settle(sim)
        await confirm_readbacks(sim, user)


# -- coordinators ------------------------------------------------------------------------
COORD_A = 910000001  # coordinator of shalom
COORD_B = 910000002  # coordinator of bijbetje


async def make_coordinator(harness, user_id: int, centre: str) -> None:
    store = harness.storage
    code = await Roles(store, frozenset()).create_invite(centre)
    user = harness.sim.user(user_id, language_code="nl")
    user.send_text(f"/coordinator {code}")
    await settle(harness.sim)
    assert "coördinator" in user.last.text



async def start_interview(sim, coord, language: str) -> None:
    """``/interview`` for round 1 in ``language`` (a language button's label)."""
    coord.send_text("/interview")
    await settle(sim)
    coord.press_button("#1")
    await settle(sim)
    coord.press_button(language)
    await settle(sim)


# -- stories (MSC review) ------------------------------------------------------------------
def pseudonym(chat_id: int) -> str:
    return respondent_pseudonym(SECRET, chat_id)


async def teller(storage, round_id: int, chat_id: int, centre: str, text: str, why: str, *,
                 lang: str = "nl", feedback: bool = True, item: str = "msc.change_self",
                 quote: bool | None = True) -> None:
    """A resident who consented and told a story (and why it matters), and said yes (``quote``)
    to having it quoted without their name."""
    await storage.save_contact(chat_id, language=lang, centre_code=centre, consent_version="test")
    await storage.start_participation(round_id, pseudonym(chat_id), centre_code=centre, language=lang)
    if quote is not None:
        await storage.set_quote_consent(round_id, pseudonym(chat_id), quote)
    if feedback:
        await storage.update_contact(chat_id, feedback_opt_in=True)
    for item_id, value in ((item, text), ("msc.why", why)):
        await storage.record_answer(round_id=round_id, respondent=pseudonym(chat_id), item_id=item_id,
                                    status="answered", language=lang, centre_code=centre, text=value)



def buttons(message) -> list[tuple[str, str]]:
    return [(b.get("text", ""), b.get("callback_data", ""))
            for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]


def data(message, prefix: str, infix: str = "") -> str:
    return next(d for _t, d in buttons(message) if d.startswith(prefix) and infix in d)


def answer_id(message) -> int:
    return int(re.search(r"#(\d+)\s*$", message.text.split("\n", 1)[0]).group(1))


async def press(sim, user, message, payload: str, *, redraws: bool = True) -> None:
    """Press a button; wait until the message is redrawn (or, if not, the press answered)."""
    before, answered = message.edits, len(sim.callback_answers)
    user.press(message, payload)
    await settle(sim)
    if redraws:
        await until(lambda: message.edits > before)
    else:
        await until(lambda: len(sim.callback_answers) > answered)


async def open_stories(sim, user, round_id: int, extra: str = ""):
    start = len(user.messages)
    user.send_text(f"/stories {round_id}{extra}")
    await settle(sim)
    await until(lambda: len(user.messages) > start)
    return user.messages[start]


async def visit_all(sim, user, message) -> list[tuple[int, str]]:
    """Page forward through every story; (answer id, text) of each."""
    seen = []
    while True:
        seen.append((answer_id(message), message.text))
        nxt = [d for t, d in buttons(message) if t == "▶"]
        if not nxt:
            return seen
        await press(sim, user, message, nxt[0])


async def show(sim, user, message, wanted: int) -> None:
    """Page until the story with answer id ``wanted`` is shown."""
    for _ in range(50):
        if answer_id(message) == wanted:
            return
        await press(sim, user, message, next(d for t, d in buttons(message) if t == "▶"))
    raise AssertionError(f"story {wanted} not found")


async def select_with_reason(sim, user, message, reason: str, level: str = "c") -> None:
    user.press(message, data(message, "ad:stx:", f".{level}."))
    await settle(sim)
    user.send_text(reason)
    await settle(sim)


async def story_ids(harness) -> dict[str, int]:
    return {text: aid for aid, text in db_rows(
        harness, "SELECT id, text FROM answers WHERE item_id LIKE 'msc.change%'")}


# -- exports ---------------------------------------------------------------------------
async def export_file(sim, user, round_id: int, button: str):
    """/export → round → ``button``; the document sent (None if none)."""
    start = len(user.messages)
    user.send_text("/export")
    await settle(sim)
    user.press_button(f"#{round_id}")
    await settle(sim)
    user.press_button(button)
    await settle(sim)
    docs = [m for m in user.messages[start:] if m.document]
    return docs[-1] if docs else None
