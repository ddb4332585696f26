"""The typed per-chat state (bot.survey.state): modes, changes, stored form, old rows."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from bot.survey.state import (
    EMPTY,
    TYPED_KEPT,
    Assisted,
    ChatState,
    Mode,
    NewRound,
    StaffPending,
    TypedAnswer,
)

ASSISTED = Assisted(respondent="r1", code="K7MX-3RPA", round_id=3, centre="c1", language="tr")


def typed(message_id: int, revision: int = 1) -> TypedAnswer:
    return TypedAnswer(message_id=message_id, round_id=1, item_id="msc.why", revision=revision, start=0)


@pytest.mark.parametrize(("state", "round_id", "expected"), [
    (EMPTY, 1, Mode.ASKING),
    (EMPTY.at(Mode.READ_BACK, 1, 4), 1, Mode.READ_BACK),
    (EMPTY.at(Mode.READ_BACK, 1, 4), 2, Mode.ASKING),      # another round's read-back
    (EMPTY.at(Mode.QUOTE, 2, 5), 2, Mode.QUOTE),
    (EMPTY.at(Mode.OPT_IN, 2, 5).asking(), 2, Mode.ASKING),
])
def test_a_mode_belongs_to_its_round(state, round_id, expected):
    assert state.mode_in(round_id) is expected


def test_open_at_checks_mode_round_and_position():
    state = EMPTY.at(Mode.READ_BACK, 1, 4)
    assert state.open_at(Mode.READ_BACK, 1) and state.open_at(Mode.READ_BACK, 1, 4)
    assert not state.open_at(Mode.READ_BACK, 1, 5)
    assert not state.open_at(Mode.REVISIT, 1, 4)
    assert not state.open_at(Mode.READ_BACK, 2, 4)


def test_asking_drops_round_and_position_and_keeps_the_rest():
    state = EMPTY.with_opt_in_answered().with_typed(typed(9)).at(Mode.REVISIT, 1, 2).asking()
    assert (state.mode, state.round_id, state.pos) == (Mode.ASKING, None, None)
    assert state.opt_in_answered and state.typed == (typed(9),)


def test_an_assisted_interview_closes_any_open_mode_when_it_starts_and_ends():
    started = EMPTY.at(Mode.READ_BACK, 1, 2).with_assisted(ASSISTED)
    assert started.assisted == ASSISTED and started.mode is Mode.ASKING
    ended = started.at(Mode.REVISIT, 3, 1).with_assisted(None)
    assert ended.is_empty


def test_typed_messages_keep_the_newest_and_an_edit_replaces_its_entry():
    state = EMPTY
    for message_id in range(TYPED_KEPT + 5):
        state = state.with_typed(typed(message_id))
    assert len(state.typed) == TYPED_KEPT
    assert state.typed[0].message_id == 5 and state.typed[-1].message_id == TYPED_KEPT + 4
    state = state.with_typed(typed(10, revision=2))
    assert len(state.typed) == TYPED_KEPT
    assert state.typed_message(10) == typed(10, revision=2) and state.typed[-1].message_id == 10
    assert state.typed_message(999) is None


def test_the_stored_form_round_trips_and_leaves_out_defaults():
    state = (EMPTY.at(Mode.QUOTE, 3, 7).with_opt_in_answered().with_typed(typed(4))
             .with_assisted(ASSISTED).at(Mode.OPT_IN, 3, 8)
             .with_pending(StaffPending(kind="correct", answer_id=1, round_id=3, chat_id=5,
                                        message_id=6, view="a", target=2))
             .with_wizard(NewRound(token="abc", centres=("c1",), days=7)))
    assert ChatState.from_json(state.to_json()) == state
    assert json.loads(EMPTY.at(Mode.READ_BACK, 1, 2).to_json()) == {"mode": "read_back", "round_id": 1, "pos": 2}
    assert EMPTY.to_json() == "{}" and ChatState.from_json(None) is EMPTY and EMPTY.is_empty
    assert not EMPTY.with_opt_in_answered().is_empty


def test_a_stored_state_of_the_wrong_shape_is_an_error_not_a_guess():
    with pytest.raises(ValidationError):
        ChatState.from_json('{"mode": "dancing"}')


# the key/value rows of migration 0005, grouped by key (migration 0014)
@pytest.mark.parametrize(("rows", "expected"), [
    ({"revisit": {"round": 1, "pos": 2, "mode": "append"}}, EMPTY.at(Mode.READ_BACK, 1, 2)),
    ({"revisit": {"round": 1, "pos": 2, "mode": "replace"}}, EMPTY.at(Mode.REVISIT, 1, 2)),
    ({"revisit": {"round": 1, "pos": 2, "mode": "append"},
      "pending_quote_consent": {"round": 1, "pos": 3}}, EMPTY.at(Mode.QUOTE, 1, 3)),
    ({"pending_feedback_opt_in": {"round": 4, "pos": 5}}, EMPTY.at(Mode.OPT_IN, 4, 5)),
    ({"feedback_opt_in_answered": {"yes": False}}, EMPTY.with_opt_in_answered()),
    ({"typed_answers": {"list": [{"m": 9, "r": 1, "i": "msc.why", "v": 2, "s": 0}]}},
     EMPTY.with_typed(typed(9, revision=2))),
    ({"assisted": ASSISTED.model_dump()}, EMPTY.with_assisted(ASSISTED)),
    ({"msc_pending_selection": {"answer_id": 1, "level": "centre", "round_id": 2, "chat_id": 3,
                                "message_id": 4, "view": "a"}},
     EMPTY.with_pending(StaffPending(answer_id=1, level="centre", round_id=2, chat_id=3, message_id=4, view="a"))),
])
def test_the_old_key_value_rows_read_as_the_same_state(rows, expected):
    assert ChatState.model_validate(rows) == expected
    assert ChatState.from_json(json.dumps(rows)) == expected
