"""Row shapes shared by the export writers (CSV, XLSX, codebook, summary, charts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: Column order of the long-format answers export (one row per answer; a meaning-card
#: pick is one row per picked card, with ``value`` = the card id).
ANSWER_COLUMNS: tuple[str, ...] = (
    "round",
    "centre",
    "respondent",
    "language",
    "item_id",
    "item_type",
    "main_goal",
    "sub_goal",
    "status",
    "value",
    "value_label_nl",
    "text",
    "mode",
    "answered_on",
)


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One exported answer, already anonymised.

    Attributes:
        round: Round id.
        centre: Centre code.
        respondent: Per-export label (``R0001`` …) or, with ``--panel``, an HMAC panel key.
            Never the stored pseudonym.
        language: Language the resident answered in (``nl``, ``en``, ``tr``, ``ar``,
            ``pl``, ``uk``).
        item_id: Stable item id, e.g. ``ind.cohesion.less_lonely``.
        item_type: ``text``, ``scale``, ``choice`` or ``cards``.
        main_goal: Main goal id or ``""``.
        sub_goal: Sub-goal id or ``""``.
        status: ``answered``, ``skipped`` or ``dont_know``.
        value: Scale value (``"1"``–``"5"`` on a 5-point scale), an option/card id, or ``""``.
        value_label_nl: Dutch label of ``value`` or ``""``.
        text: Scrubbed free text or ``""``.
        mode: ``self`` (resident on own phone) or ``assisted`` (entered by a coordinator).
        answered_on: Date only (Europe/Amsterdam), never a time; in the analyst's
            k-anonymous row file possibly generalised to ``YYYY-MM`` or ``""`` (text).
    """

    round: int
    centre: str
    respondent: str
    language: str
    item_id: str
    item_type: str
    main_goal: str
    sub_goal: str
    status: str
    value: str
    value_label_nl: str
    text: str
    mode: str
    answered_on: date | str

    def as_tuple(self) -> tuple:
        """Values in :data:`ANSWER_COLUMNS` order (date as ISO ``YYYY-MM-DD``)."""
        return (
            self.round, self.centre, self.respondent, self.language, self.item_id,
            self.item_type, self.main_goal, self.sub_goal, self.status, self.value,
            self.value_label_nl, self.text, self.mode,
            self.answered_on if isinstance(self.answered_on, str) else self.answered_on.isoformat(),
        )


_new = object.__new__
(_round, _centre, _respondent, _language, _item_id, _item_type, _main_goal, _sub_goal, _status,
 _value, _value_label_nl, _text, _mode, _answered_on) = (
    AnswerRow.__dict__[name].__set__ for name in ANSWER_COLUMNS)


def new_answer_row(round: int, centre: str, respondent: str, language: str, item_id: str,
                   item_type: str, main_goal: str, sub_goal: str, status: str, value: str,
                   value_label_nl: str, text: str, mode: str, answered_on: date | str) -> AnswerRow:
    """``AnswerRow(...)`` with every field given, about 2.5 times faster (an export makes
    one per answer).

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``
    (~150 ns a field, 14 fields); this sets the slots through their descriptors, as that
    call does in the end. The row is the same: same class, same values, still frozen
    (:class:`AnswerRow` has no defaults and no ``__post_init__`` to skip).

    Args:
        round, centre, respondent, language, item_id, item_type, main_goal, sub_goal,
            status, value, value_label_nl, text, mode, answered_on: The fields of
            :class:`AnswerRow`, in :data:`ANSWER_COLUMNS` order.

    Returns:
        The :class:`AnswerRow`, equal to ``AnswerRow(...)`` of the same values.
    """
    row = _new(AnswerRow)
    _round(row, round)
    _centre(row, centre)
    _respondent(row, respondent)
    _language(row, language)
    _item_id(row, item_id)
    _item_type(row, item_type)
    _main_goal(row, main_goal)
    _sub_goal(row, sub_goal)
    _status(row, status)
    _value(row, value)
    _value_label_nl(row, value_label_nl)
    _text(row, text)
    _mode(row, mode)
    _answered_on(row, answered_on)
    return row
