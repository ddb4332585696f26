"""One chat's state between updates, typed: where its next typed text or button goes.

The position in a round is never kept: it is derived from the stored answers
(:mod:`bot.survey.flow`). What is kept is what the answers cannot tell: a read-back or a
question gone back to that is open, the quote or feedback question on screen, an assisted
interview a coordinator runs in the chat, a story selection waiting for its reason. All
of it is one :class:`ChatState` per chat, one row in the database (table ``chat_state``,
read once per update with the chat's other rows, written in the same transaction as the
answer it belongs to: :meth:`bot.storage.Storage.record_answer`), so a restart,
``/language`` or ``/start`` comes back to the same place and the next text never lands
somewhere else (e.g. as the coordinator's own answer). ``docs/flows.md`` draws the modes
and their transitions.

A staff chat keeps here too what its next text or button belongs to: the story reason or
correction owed (:class:`StaffPending`) and the ``/newround`` wizard's answers so far
(:class:`NewRound`).

Not here, on purpose: the consent question on screen before a resident consented
(``conversations.onboarding`` keeps it in memory: nothing about a chat is stored before
consent, DESIGN.md "Privacy"), and the double-tap and photo-album memories
(:mod:`bot.taps`, process-wide, seconds long).

Pure data: no Telegram, no I/O.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator


class Mode(StrEnum):
    """What the message on screen asks of a resident answering a round.

    ``ASKING`` is the default: the next unanswered item (derived from the answers) is
    on screen, and a typed text answers it. The other modes belong to one round and item
    position (:attr:`ChatState.round_id`, :attr:`ChatState.pos`).
    """

    #: The next unanswered item; typed text answers it.
    ASKING = "asking"
    #: A story shown back ("You wrote: …", Right / Change); more typed text is added to
    #: it (people tell a story in several messages), "ok" or 👍 means Right.
    READ_BACK = "read_back"
    #: An item gone back to ("Previous question", "Change", "Change my answers"); the
    #: next answer replaces the old one (revision + 1), Skip keeps it.
    REVISIT = "revisit"
    #: "May we quote your story in reports, without your name?" (once per round, issue 11);
    #: typed text is not stored, the question is shown again.
    QUOTE = "quote"
    #: "One message later about what was chosen?" (once per resident); typed text is not
    #: stored, the question is shown again.
    OPT_IN = "opt_in"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Assisted(_Frozen):
    """An assisted interview a coordinator runs in their own chat (issue 7).

    Attributes:
        respondent: The interview's pseudonym (derived from ``code``).
        code: The deletion code the resident gets on paper; dropped when the interview ends.
        round_id: The round being entered.
        centre: The centre the answers belong to.
        language: The interview's language.
    """

    respondent: str
    code: str | None = None
    round_id: int
    centre: str
    language: str


class StaffPending(_Frozen):
    """A coordinator's next message is owed to a story (``admin.story_text``).

    Attributes:
        kind: ``reason``: the reason for a selection (🏆); ``correct``: the corrected text
            of a story, its "why it matters" or another answer of the teller (✏️).
        answer_id: The story's answer id.
        round_id: The story's round.
        chat_id: The chat of the story message to redraw afterwards.
        message_id: That story message.
        view: The story list's view (``a`` all, ``s`` selected).
        level: For a reason: ``centre`` or ``all``.
        target: For a correction: the answer id the text replaces.
    """

    kind: Literal["reason", "correct"] = "reason"
    answer_id: int
    round_id: int
    chat_id: int
    message_id: int
    view: str
    level: str | None = None
    target: int | None = None


class TypedAnswer(_Frozen):
    """A message a resident sent as (part of) a typed answer, so that editing the message
    can replace that part (no text is kept here).

    Attributes:
        message_id: The resident's message.
        round_id: The round of the answer.
        item_id: The item answered.
        revision: The answer's revision right after the message.
        start: Where the message's text starts in the answer (a story told in parts).
    """

    message_id: int
    round_id: int
    item_id: str
    revision: int
    start: int


class NewRound(_Frozen):
    """The ``/newround`` wizard's answers so far (``admin.wizard``); no round exists yet.

    Attributes:
        token: Binds the wizard's buttons to this run (an older wizard's buttons do nothing).
        survey: The survey chosen.
        centres: The centres chosen.
        opens: When the round opens (ISO 8601, UTC).
        days: How many days it stays open.
        remind: Days before closing a reminder goes (0: none).
    """

    token: str
    survey: str | None = None
    centres: tuple[str, ...] = ()
    opens: str | None = None
    days: int | None = None
    remind: int | None = None


#: How many typed messages a chat remembers for edits.
TYPED_KEPT = 20


class ChatState(_Frozen):
    """The state of one chat; the default (:data:`EMPTY`) is not stored at all.

    Attributes:
        mode: What the message on screen asks (:class:`Mode`).
        round_id: The round ``mode`` belongs to (None with ``ASKING``).
        pos: The item position ``mode`` belongs to (the story read back, the item gone
            back to, the item after which the quote or feedback question came).
        opt_in_answered: The resident answered the feedback question (yes or no): it is
            asked once per resident, not after every "why it matters".
        typed: The latest typed answers (:class:`TypedAnswer`), newest last.
        assisted: The assisted interview running in this chat, or None.
        pending: A story selection reason or correction owed by staff, or None.
        wizard: The ``/newround`` wizard running in this chat, or None.
    """

    mode: Mode = Mode.ASKING
    round_id: int | None = None
    pos: int | None = None
    opt_in_answered: bool = False
    typed: tuple[TypedAnswer, ...] = ()
    assisted: Assisted | None = None
    pending: StaffPending | None = None
    wizard: NewRound | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_keys(cls, data: Any) -> Any:
        """Read the key/value rows of migration 0005 (grouped into one object by 0014)."""
        if not isinstance(data, dict) or not _LEGACY_KEYS.intersection(data):
            return data
        state: dict[str, Any] = {}
        revisit = data.get("revisit")
        for key, mode in (("pending_quote_consent", Mode.QUOTE),
                          ("pending_feedback_opt_in", Mode.OPT_IN)):
            if data.get(key):  # the precedence resuming had: quote, feedback, read-back
                state.update(mode=mode, round_id=data[key]["round"], pos=data[key]["pos"])
                break
        else:
            if revisit:
                state.update(mode=Mode.READ_BACK if revisit["mode"] == "append" else Mode.REVISIT,
                             round_id=revisit["round"], pos=revisit["pos"])
        state["opt_in_answered"] = "feedback_opt_in_answered" in data
        state["typed"] = [
            {"message_id": e["m"], "round_id": e["r"], "item_id": e["i"], "revision": e["v"],
             "start": e["s"]}
            for e in (data.get("typed_answers") or {}).get("list", [])
        ]
        state["assisted"] = data.get("assisted")
        pending = data.get("msc_pending_selection")
        if pending:
            state["pending"] = {**pending, "kind": pending.get("kind", "reason")}
        return state

    # -- reading -----------------------------------------------------------------------
    def mode_in(self, round_id: int) -> Mode:
        """The mode for ``round_id``: a mode left over from another round is ``ASKING``."""
        return self.mode if self.round_id == round_id else Mode.ASKING

    def open_at(self, mode: Mode, round_id: int, pos: int | None = None) -> bool:
        """True if ``mode`` is open in ``round_id`` (at ``pos``, when given)."""
        return self.mode_in(round_id) is mode and (pos is None or self.pos == pos)

    def typed_message(self, message_id: int) -> TypedAnswer | None:
        """The typed answer sent as message ``message_id``, or None."""
        return next((t for t in self.typed if t.message_id == message_id), None)

    @property
    def is_empty(self) -> bool:
        """True if nothing is kept for this chat (its row is deleted)."""
        return self == EMPTY

    # -- changing (a new state; states are immutable) --------------------------------
    def at(self, mode: Mode, round_id: int | None = None, pos: int | None = None) -> ChatState:
        """The state with ``mode`` open at ``round_id``/``pos`` (``ASKING``: neither)."""
        if mode is Mode.ASKING:
            round_id = pos = None
        return self.model_copy(update={"mode": mode, "round_id": round_id, "pos": pos})

    def asking(self) -> ChatState:
        """The state with the next unanswered item on screen (any open mode closed)."""
        return self.at(Mode.ASKING)

    def with_typed(self, entry: TypedAnswer) -> ChatState:
        """The state remembering ``entry`` (a message edited again replaces its entry);
        the last :data:`TYPED_KEPT` are kept."""
        kept = [t for t in self.typed if t.message_id != entry.message_id][-(TYPED_KEPT - 1):]
        return self.model_copy(update={"typed": (*kept, entry)})

    def with_opt_in_answered(self) -> ChatState:
        """The state after the feedback question was answered (yes or no)."""
        return self.model_copy(update={"opt_in_answered": True})

    def with_assisted(self, assisted: Assisted | None) -> ChatState:
        """The state with an assisted interview started (or ended: None); any open mode
        is closed either way (the coordinator's own read-back is not the interview's)."""
        return self.asking().model_copy(update={"assisted": assisted})

    def with_pending(self, pending: StaffPending | None) -> ChatState:
        """The state owing ``pending`` (or nothing: None)."""
        return self.model_copy(update={"pending": pending})

    def with_wizard(self, wizard: NewRound | None) -> ChatState:
        """The state with the ``/newround`` wizard at ``wizard`` (None: ended)."""
        return self.model_copy(update={"wizard": wizard})

    # -- storing ---------------------------------------------------------------------
    def to_json(self) -> str:
        """The stored form (JSON without the defaults)."""
        return self.model_dump_json(exclude_defaults=True)

    @classmethod
    def from_json(cls, text: str | None) -> ChatState:
        """A stored state (None or empty: :data:`EMPTY`).

        Raises:
            pydantic.ValidationError: If ``text`` is not a stored state.
        """
        return cls.model_validate_json(text) if text else EMPTY


#: The keys of the key/value rows before migration 0014 (but ``assisted``, whose value
#: has the form of :class:`Assisted` in both).
_LEGACY_KEYS = frozenset({
    "revisit", "pending_feedback_opt_in", "pending_quote_consent", "feedback_opt_in_answered",
    "typed_answers", "msc_pending_selection",
})

#: The state of a chat with nothing kept.
EMPTY = ChatState()
