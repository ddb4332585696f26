"""The resident's way through a round, as pure functions: given the chat's state
(:class:`bot.survey.state.ChatState`), the stored answers and an event, the next step.

The position is never kept: it is the first item of the survey that has no answer and
whose condition holds (DESIGN.md, "State"), so a restart resumes there. On top of it the
chat's mode says what is on screen (a read-back, an item gone back to, the quote or the
feedback question). :func:`decide` maps ``(state, answers, round facts, event)`` to a
:data:`Step`: a plain value saying what to show or store and the state that follows.
``conversations`` parses a Telegram update into an :data:`Event`, calls :func:`decide`,
stores what the step says and renders it; nothing here knows Telegram or the database.
The states and transitions are drawn in ``docs/flows.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.survey.models import Item
from bot.survey.state import ChatState, Mode
from bot.survey.text import has_content, has_words, is_confirmation, told_already, typed_number

#: Story items whose text is shown back for checking (MSC read-back, issue 6).
READBACK_ITEMS = frozenset({"msc.change_self", "msc.change_neighbourhood", "msc.why"})

#: The "why it matters" question, asked after a story.
WHY_ITEM = "msc.why"

#: The two story items that are not tied to a life domain, and their domains.
FIXED_DOMAINS: dict[str, str] = {"msc.change_self": "self", "msc.change_neighbourhood": "neighbourhood"}

#: Prefix of the life-domain story items (``msc.domain.livability`` …).
DOMAIN_ITEM_PREFIX = "msc.domain."


def story_domain(item_id: str) -> str | None:
    """The domain of a story item (``msc.domain.support`` → ``support``), None if no story item."""
    if item_id in FIXED_DOMAINS:
        return FIXED_DOMAINS[item_id]
    if item_id.startswith(DOMAIN_ITEM_PREFIX):
        return item_id[len(DOMAIN_ITEM_PREFIX):]
    return None


class StoredAnswer(Protocol):
    """What the flow reads of a stored answer (``bot.storage.Answer`` is one)."""

    @property
    def status(self) -> str:
        """``answered``, ``skipped`` or ``dont_know``."""
        ...

    @property
    def choices(self) -> Sequence[str]:
        """The option ids picked."""
        ...

    @property
    def text(self) -> str | None:
        """The typed text (scrubbed, capped)."""
        ...


#: A respondent's answers in a round, by item id.
Answers = Mapping[str, StoredAnswer]


# -- the position, derived from the answers -------------------------------------------
def is_asked(item: Item, answers: Answers) -> bool:
    """True if ``item`` applies given earlier answers (its ``shown_if`` holds)."""
    if item.shown_if is None:
        return True
    earlier = answers.get(item.shown_if.item)
    return earlier is not None and item.shown_if.includes in earlier.choices


def next_position(items: Sequence[Item], answers: Answers) -> int | None:
    """Index of the next item to ask, or None when the round is complete."""
    for pos, item in enumerate(items):
        if item.id not in answers and is_asked(item, answers):
            return pos
    return None


def progress(items: Sequence[Item], answers: Answers) -> tuple[int, int]:
    """``(answered, total)`` over the items that apply, for "question 3 of 9"."""
    applicable = [item for item in items if is_asked(item, answers)]
    answered = sum(1 for item in applicable if item.id in answers)
    return answered, len(applicable)


def choices_to_mask(item: Item, choices: Sequence[str]) -> int:
    """The bit mask of picked option ids (the inverse of :func:`mask_to_choices`)."""
    return sum(1 << k for k, opt in enumerate(item.options) if opt.id in set(choices))


def mask_to_choices(item: Item, mask: int) -> list[str]:
    """Option ids selected in a bit ``mask`` (bit k = option k), in option order."""
    return [opt.id for k, opt in enumerate(item.options) if mask >> k & 1]


def position(state: ChatState, round_id: int, items: Sequence[Item], answers: Answers) -> int | None:
    """The item typed text answers now: the one read back or gone back to (the state's
    ``READ_BACK`` or ``REVISIT`` in this round), else the next unanswered one (None: none)."""
    if (state.mode_in(round_id) in (Mode.READ_BACK, Mode.REVISIT) and state.pos is not None
            and state.pos < len(items)):
        return state.pos
    return next_position(items, answers)


def story_told(items: Sequence[Item], answers: Answers) -> bool:
    """True if a story was told in the round and the resident is past "why it matters"
    (or the survey has none) and not at a story item: the quote question may be due,
    if it was not answered yet (only then need its answer be read)."""
    pos = next_position(items, answers)
    if pos is not None and items[pos].id in READBACK_ITEMS:
        return False
    if any(item.id == WHY_ITEM for item in items) and WHY_ITEM not in answers:
        return False
    return _story_answered(answers)


def _story_answered(answers: Answers) -> bool:
    return any(story_domain(item_id) and a.status == "answered" for item_id, a in answers.items())


# -- what the flow knows besides state and answers ------------------------------------
@dataclass(frozen=True, slots=True)
class Facts:
    """The round and what is known of the respondent (read by ``conversations``).

    Attributes:
        round_id: The round answered.
        items: Its survey's items, in order.
        assisted: An assisted interview (no feedback question; nothing kept for edits).
        quote_answered: The quote question was answered this round (needed only where
            :func:`story_told`; False otherwise is fine).
        may_ask_opt_in: The resident has a contact that did not opt in to feedback yet.
    """

    round_id: int
    items: Sequence[Item]
    assisted: bool = False
    quote_answered: bool = False
    may_ask_opt_in: bool = False


# -- events ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Resume:
    """Show what is on screen now: Start, /start, /language, a button answered already."""


@dataclass(frozen=True, slots=True)
class Next:
    """An answer was stored (or kept as it was): what comes after it."""


@dataclass(frozen=True, slots=True)
class Typed:
    """A typed message (or a photo's caption).

    Attributes:
        raw: The text as sent (a number is read from it).
        scrubbed: The text with personal data taken out (what a text answer stores).
        language: The resident's language (for "ok", "tamam" under a read-back).
    """

    raw: str
    scrubbed: str
    language: str


@dataclass(frozen=True, slots=True)
class Pressed:
    """A button of a read-back, the quote or the feedback question, at item ``pos``."""

    action: Literal["confirm", "fix", "quote_yes", "quote_no", "feedback_yes", "feedback_no"]
    pos: int | None


@dataclass(frozen=True, slots=True)
class Back:
    """"Previous question" on item ``pos``."""

    pos: int


@dataclass(frozen=True, slots=True)
class Change:
    """"Change my answers" after the round was finished (``finished``: it was)."""

    finished: bool


#: What :func:`decide` takes.
Event = Resume | Next | Typed | Pressed | Back | Change


# -- steps ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Question:
    """Item ``pos`` as it is asked: "question ``number`` of ``total``".

    Attributes:
        keep: The item has an answer the resident came back to: Skip reads "Keep it".
        mask: Options ticked already (an answer gone back to).
        reopened: Gone back to: what was answered is shown above it first.
    """

    pos: int
    number: int
    total: int
    keep: bool = False
    mask: int = 0
    reopened: bool = False


@dataclass(frozen=True, slots=True)
class Ask:
    """Ask :attr:`question`."""

    state: ChatState
    question: Question


@dataclass(frozen=True, slots=True)
class ShowReadBack:
    """Show the story of item ``pos`` back ("You wrote: …", Right / Change)."""

    state: ChatState
    pos: int


@dataclass(frozen=True, slots=True)
class AskQuote:
    """Ask whether the story may be quoted (once per round)."""

    state: ChatState
    pos: int


@dataclass(frozen=True, slots=True)
class AskOptIn:
    """Ask whether the resident wants one message about what was chosen (once)."""

    state: ChatState
    pos: int


@dataclass(frozen=True, slots=True)
class Finish:
    """No item left: the participation is finished, thank the resident."""

    state: ChatState


@dataclass(frozen=True, slots=True)
class PressButton:
    """Typed text where a button is asked for: say so, then show ``then`` again."""

    state: ChatState
    then: Ask | AskQuote | AskOptIn


@dataclass(frozen=True, slots=True)
class NeedText:
    """Typed text with nothing to store: ask for an answer (or Skip)."""

    state: ChatState


@dataclass(frozen=True, slots=True)
class NumberHint:
    """Not a whole number in the item's range: say what to type."""

    state: ChatState
    pos: int


@dataclass(frozen=True, slots=True)
class StoreText:
    """Store ``text`` (uncapped) as the answer to item ``pos``; ``state`` follows in the
    same transaction. ``start``: where the message's own text starts in it (appended to a
    story). Then: the read-back if ``read_back``, else :class:`Next`."""

    state: ChatState
    pos: int
    text: str
    start: int
    read_back: bool


@dataclass(frozen=True, slots=True)
class StoreNumber:
    """Store ``value`` as the answer to item ``pos``, then :class:`Next`."""

    state: ChatState
    pos: int
    value: int


@dataclass(frozen=True, slots=True)
class Confirmed:
    """The story read back is right: say so, store ``state``, then :class:`Next`."""

    state: ChatState


@dataclass(frozen=True, slots=True)
class Reopen:
    """Item ``pos`` is open again to change its answer: ``question`` is None after "fix"
    (type the new text), else the question (what was answered shown first)."""

    state: ChatState
    pos: int
    question: Question | None


@dataclass(frozen=True, slots=True)
class Choice:
    """The quote (``quote``) or feedback (``feedback``) question answered ``yes`` or not:
    store it with ``state``, then :class:`Next`."""

    state: ChatState
    question: Literal["quote", "feedback"]
    yes: bool


@dataclass(frozen=True, slots=True)
class FirstQuestion:
    """"Previous question" on the first question: nothing before it."""

    state: ChatState


@dataclass(frozen=True, slots=True)
class Resend:
    """A button answered already (a reply that never came): show what is on screen now
    (:class:`Resume`), unless a tap of the chat was just answered."""

    state: ChatState


@dataclass(frozen=True, slots=True)
class Dead:
    """A button that cannot work (a position out of the survey): say so."""

    state: ChatState


#: What :func:`decide` gives.
Step = (Ask | ShowReadBack | AskQuote | AskOptIn | Finish | PressButton | NeedText | NumberHint
        | StoreText | StoreNumber | Confirmed | Reopen | Choice | FirstQuestion | Resend | Dead)


# -- the decision ---------------------------------------------------------------------
def decide(state: ChatState, answers: Answers, facts: Facts, event: Event) -> Step:
    """The next step of a chat answering a round.

    Args:
        state: The chat's state as the update found it.
        answers: The respondent's stored answers in the round (after any answer stored
            in this update).
        facts: The round and what is known of the respondent.
        event: What happened.

    Returns:
        The step; its ``state`` is what the chat's state becomes.
    """
    if isinstance(event, Resume):
        return _resume(state, answers, facts)
    if isinstance(event, Next):
        return _next(state, answers, facts)
    if isinstance(event, Typed):
        return _typed(state, answers, facts, event)
    if isinstance(event, Pressed):
        return _pressed(state, answers, facts, event)
    if isinstance(event, Back):
        asked = [p for p in range(event.pos) if _answered_and_asked(facts.items[p], answers)]
        if not asked:
            return FirstQuestion(state)
        return _reopen(state, answers, facts, asked[-1])
    asked = [p for p, item in enumerate(facts.items) if _answered_and_asked(item, answers)]
    if not asked or not event.finished:
        return _resume(state, answers, facts)
    return _reopen(state, answers, facts, asked[-1])


def _answered_and_asked(item: Item, answers: Answers) -> bool:
    return item.id in answers and is_asked(item, answers)


def question_at(items: Sequence[Item], answers: Answers, pos: int, reopened: bool = False) -> Question:
    """Item ``pos`` as it is asked again (the open item, or one gone back to)."""
    done = sum(1 for p in range(pos) if is_asked(items[p], answers))
    total = progress(items, answers)[1]
    earlier = answers.get(items[pos].id)
    kept = earlier is not None and earlier.status != "skipped"
    if reopened:  # earlier picks ticked: un-ticking is a choice, not a loss
        mask = choices_to_mask(items[pos], earlier.choices) if earlier is not None else 0
        return Question(pos, done + 1, total, keep=kept, mask=mask, reopened=True)
    return Question(pos, done + 1, total, keep=kept and pos != next_position(items, answers))


def _reopen(state: ChatState, answers: Answers, facts: Facts, target: int) -> Reopen:
    return Reopen(state.at(Mode.REVISIT, facts.round_id, target), target,
                  question_at(facts.items, answers, target, reopened=True))


def _resume(state: ChatState, answers: Answers, facts: Facts) -> Step:
    mode = state.mode_in(facts.round_id)
    if mode is Mode.QUOTE and state.pos is not None:
        return AskQuote(state, state.pos)
    if mode is Mode.OPT_IN and state.pos is not None and not facts.assisted:
        return AskOptIn(state, state.pos)
    if mode is Mode.READ_BACK and state.pos is not None and state.pos < len(facts.items):
        # a read-back was open (/language, /start): show it again, in the current language
        return ShowReadBack(state, state.pos)
    return _next(state, answers, facts)


def _next(state: ChatState, answers: Answers, facts: Facts) -> Step:
    items = facts.items
    pos = next_position(items, answers)
    if not facts.quote_answered and story_told(items, answers):
        why = next((i for i, item in enumerate(items) if item.id == WHY_ITEM), None)
        story = max(i for i, item in enumerate(items) if story_domain(item.id) and item.id in answers)
        at = why if why is not None else story
        return AskQuote(state.at(Mode.QUOTE, facts.round_id, at), at)
    if _opt_in_due(state, answers, facts, pos):
        at = next(i for i, item in enumerate(items) if item.id == WHY_ITEM)
        return AskOptIn(state.at(Mode.OPT_IN, facts.round_id, at), at)
    asking = state.asking()  # the question on screen is the next one now
    if pos is None:
        return Finish(asking)
    done, total = progress(items, answers)
    return Ask(asking, Question(pos, done + 1, total))


def _opt_in_due(state: ChatState, answers: Answers, facts: Facts, pos: int | None) -> bool:
    """True when the feedback question should come now: the resident told a story and is
    past "why it matters" (however they got there), and was never asked before."""
    if facts.assisted or WHY_ITEM not in answers:
        return False
    if pos is not None and facts.items[pos].id in READBACK_ITEMS:
        return False
    return _story_answered(answers) and not state.opt_in_answered and facts.may_ask_opt_in


def open_question(state: ChatState, facts: Facts) -> AskQuote | AskOptIn | None:
    """The quote or feedback question open in this round, if one is."""
    if state.open_at(Mode.QUOTE, facts.round_id) and state.pos is not None:
        return AskQuote(state, state.pos)
    if state.open_at(Mode.OPT_IN, facts.round_id) and state.pos is not None and not facts.assisted:
        return AskOptIn(state, state.pos)
    return None


def _typed(state: ChatState, answers: Answers, facts: Facts, event: Typed) -> Step:
    items = facts.items
    pos = position(state, facts.round_id, items, answers)
    assert pos is not None, "typed text is decided only where an item is open"
    question = open_question(state, facts)
    if question is not None:  # typed text under the quote or feedback question
        return PressButton(state, question)
    item = items[pos]
    if item.type == "number":
        value = typed_number(event.raw)
        low, high = item.min_value, item.max_value
        if value is None or (low is not None and value < low) or (high is not None and value > high):
            return NumberHint(state, pos)
        return StoreNumber(state.asking(), pos, value)
    if item.type != "text":
        return PressButton(state, Ask(state, question_at(items, answers, pos)))
    text = event.scrubbed
    appending = state.open_at(Mode.READ_BACK, facts.round_id, pos)
    if appending and is_confirmation(text, event.language):
        # "ok", "ja klopt" or "👍" under a read-back means Right, not more story
        return Confirmed(state.asking())
    if appending and not has_words(text):
        # "…" under a read-back is not more story: show the read-back again
        return ShowReadBack(state, pos)
    if not has_content(text) or (item.id in READBACK_ITEMS and not has_words(text)):
        return NeedText(state)
    combined = text
    if appending:
        earlier = answers.get(item.id)
        if earlier is not None and earlier.text:
            if told_already(earlier.text, text):
                # the same text again (its read-back never came, or the update came
                # twice): not appended to itself, the read-back again instead
                return ShowReadBack(state, pos)
            combined = earlier.text + "\n" + text
    # a story is read back (more text is added to it); any other answer: the next item
    read_back = item.id in READBACK_ITEMS
    after = state.at(Mode.READ_BACK, facts.round_id, pos) if read_back else state.asking()
    return StoreText(after, pos, combined, len(combined) - len(text), read_back)


def _pressed(state: ChatState, answers: Answers, facts: Facts, event: Pressed) -> Step:
    items, round_id = facts.items, facts.round_id
    if event.pos is None or not 0 <= event.pos < len(items):
        return Dead(state)
    if items[event.pos].id not in answers or (event.action in ("fix", "confirm") and not state.open_at(
            Mode.READ_BACK, round_id, event.pos)):
        return Resend(state)  # an older read-back, answered already: where the resident is now
    if event.action == "fix":
        return Reopen(state.at(Mode.REVISIT, round_id, event.pos), event.pos, None)
    if event.action == "confirm":
        return Confirmed(state.asking())
    if event.action in ("quote_yes", "quote_no"):
        if not state.open_at(Mode.QUOTE, round_id):
            return Resend(state)
        return Choice(state.asking(), "quote", event.action == "quote_yes")
    if not state.open_at(Mode.OPT_IN, round_id):
        return Resend(state)
    after = state if facts.assisted else state.with_opt_in_answered()
    return Choice(after.asking(), "feedback", event.action == "feedback_yes")
