"""Where a respondent is in a round, derived from stored answers (pure logic).

The position is never kept in memory: it is the first item of the survey that has no
answer and whose condition holds (DESIGN.md, "State"), so a restart resumes there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.storage import Answer
from bot.survey.models import Item


def is_asked(item: Item, answers: Mapping[str, Answer]) -> bool:
    """True if ``item`` applies given earlier answers (its ``shown_if`` holds)."""
    if item.shown_if is None:
        return True
    earlier = answers.get(item.shown_if.item)
    return earlier is not None and item.shown_if.includes in earlier.choices


def next_position(items: Sequence[Item], answers: Mapping[str, Answer]) -> int | None:
    """Index of the next item to ask, or None when the round is complete."""
    for pos, item in enumerate(items):
        if item.id not in answers and is_asked(item, answers):
            return pos
    return None


def progress(items: Sequence[Item], answers: Mapping[str, Answer]) -> tuple[int, int]:
    """``(answered, total)`` over the items that apply, for "question 3 of 9"."""
    applicable = [item for item in items if is_asked(item, answers)]
    answered = sum(1 for item in applicable if item.id in answers)
    return answered, len(applicable)


def choices_to_mask(item: Item, choices) -> int:
    """The bit mask of picked option ids (the inverse of :func:`mask_to_choices`)."""
    return sum(1 << k for k, opt in enumerate(item.options) if opt.id in set(choices))


def mask_to_choices(item: Item, mask: int) -> list[str]:
    """Option ids selected in a bit ``mask`` (bit k = option k), in option order."""
    return [opt.id for k, opt in enumerate(item.options) if mask >> k & 1]
