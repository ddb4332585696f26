"""The resident flow as a pure function (bot.survey.flow.decide): every mode against the
events that reach it, table-driven; the expected step (and the state it leads to) is
spelled out in full."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.survey import flow
from bot.survey.flow import (
    Ask,
    AskOptIn,
    AskQuote,
    Back,
    Change,
    Choice,
    Confirmed,
    Dead,
    Facts,
    Finish,
    FirstQuestion,
    NeedText,
    Next,
    NumberHint,
    PressButton,
    Pressed,
    Question,
    Reopen,
    Resend,
    Resume,
    ShowReadBack,
    StoreNumber,
    StoreText,
    Typed,
)
from bot.survey.models import Item, Option
from bot.survey.state import EMPTY, Assisted, Mode

TEXTS = {lang: f"t-{lang}" for lang in ("nl", "en", "tr", "ar", "pl", "uk")}
R = 7  # the round


def _item(item_id: str, type_: str = "text", **kw) -> Item:
    options = [Option(id=o, label=TEXTS) for o in kw.pop("options", ())]
    return Item(id=item_id, type=type_, prompt=TEXTS, options=options, **kw)


ITEMS = [
    _item("msc.change_self"),                                  # 0: a story (read back)
    _item("msc.why"),                                          # 1: why it matters (read back)
    _item("q.mood", "single", options=["a", "b", "c"]),        # 2: a button item
    _item("q.count", "number", min_value=0, max_value=31),     # 3: a number
    _item("q.other"),                                          # 4: plain text
]


@dataclass(frozen=True)
class A:
    status: str = "answered"
    choices: tuple[str, ...] = ()
    text: str | None = None


STORY = {"msc.change_self": A(text="De buurvrouw hielp.")}
TOLD = {**STORY, "msc.why": A(text="Ik was alleen.")}
ALL = {**TOLD, "q.mood": A(choices=("b",)), "q.count": A(), "q.other": A(text="x")}
SKIPPED_STORY = {"msc.change_self": A(status="skipped"), "msc.why": A(status="skipped")}

SELF = Facts(R, ITEMS, may_ask_opt_in=True)
QUOTED = Facts(R, ITEMS, quote_answered=True, may_ask_opt_in=True)
QUOTED_NO_OPT_IN = Facts(R, ITEMS, quote_answered=True)
ASSISTED = Facts(R, ITEMS, assisted=True, quote_answered=True)

READ_BACK_0 = EMPTY.at(Mode.READ_BACK, R, 0)
READ_BACK_1 = EMPTY.at(Mode.READ_BACK, R, 1)
REVISIT_0 = EMPTY.at(Mode.REVISIT, R, 0)
QUOTE = EMPTY.at(Mode.QUOTE, R, 1)
OPT_IN = EMPTY.at(Mode.OPT_IN, R, 1)
ANSWERED_OPT_IN = EMPTY.with_opt_in_answered()
IN_INTERVIEW = EMPTY.with_assisted(Assisted(respondent="r", round_id=R, centre="c", language="nl"))


def typed(text: str, language: str = "nl") -> Typed:
    return Typed(text, text, language)


CASES = [
    # -- resume (Start, /start, /language, a button answered already) ---------------
    ("fresh start asks the first item", EMPTY, {}, SELF, Resume(), Ask(EMPTY, Question(0, 1, 5))),
    ("an open read-back is shown again", READ_BACK_0, STORY, SELF, Resume(), ShowReadBack(READ_BACK_0, 0)),
    ("the quote question is asked again", QUOTE, TOLD, SELF, Resume(), AskQuote(QUOTE, 1)),
    ("the feedback question is asked again", OPT_IN, TOLD, QUOTED, Resume(), AskOptIn(OPT_IN, 1)),
    ("an interview never resumes the feedback question", OPT_IN, TOLD, ASSISTED, Resume(),
     Ask(EMPTY, Question(2, 3, 5))),
    ("another round's read-back is not this round's", EMPTY.at(Mode.READ_BACK, R + 1, 0), STORY, SELF,
     Resume(), Ask(EMPTY, Question(1, 2, 5))),
    ("a read-back past the survey's end is not shown", EMPTY.at(Mode.READ_BACK, R, 9), {}, SELF, Resume(),
     Ask(EMPTY, Question(0, 1, 5))),
    # -- next (after an answer) --------------------------------------------------------
    ("after the story: why it matters", EMPTY, STORY, SELF, Next(), Ask(EMPTY, Question(1, 2, 5))),
    ("story and why told: the quote question", EMPTY, TOLD, SELF, Next(), AskQuote(QUOTE, 1)),
    ("quote answered: the feedback question", EMPTY, TOLD, QUOTED, Next(), AskOptIn(OPT_IN, 1)),
    ("feedback asked once per resident", ANSWERED_OPT_IN, TOLD, QUOTED, Next(),
     Ask(ANSWERED_OPT_IN, Question(2, 3, 5))),
    ("a resident who opted in already is not asked", EMPTY, TOLD, QUOTED_NO_OPT_IN, Next(),
     Ask(EMPTY, Question(2, 3, 5))),
    ("an interview gets the quote question", IN_INTERVIEW, TOLD,
     Facts(R, ITEMS, assisted=True), Next(), AskQuote(IN_INTERVIEW.at(Mode.QUOTE, R, 1), 1)),
    ("an interview never gets the feedback question", IN_INTERVIEW, TOLD, ASSISTED, Next(),
     Ask(IN_INTERVIEW, Question(2, 3, 5))),
    ("no story told: no quote, no feedback", EMPTY, SKIPPED_STORY, SELF, Next(), Ask(EMPTY, Question(2, 3, 5))),
    ("next closes an open revisit", REVISIT_0, TOLD, QUOTED_NO_OPT_IN, Next(), Ask(EMPTY, Question(2, 3, 5))),
    ("all answered: finish", READ_BACK_1, ALL, QUOTED_NO_OPT_IN, Next(), Finish(EMPTY)),
    # -- typed text, by mode ------------------------------------------------------------
    ("a story is stored and read back", EMPTY, {}, SELF, typed("Mijn buurman hielp."),
     StoreText(READ_BACK_0, 0, "Mijn buurman hielp.", 0, True)),
    ("plain text is stored, then the next item", EMPTY, {**TOLD, "q.mood": A(), "q.count": A()}, QUOTED,
     typed("Meer bankjes."), StoreText(EMPTY, 4, "Meer bankjes.", 0, False)),
    ("under a read-back more text is added", READ_BACK_0, STORY, SELF, typed("En zijn zoon."),
     StoreText(READ_BACK_0, 0, "De buurvrouw hielp.\nEn zijn zoon.", 20, True)),
    ("under a read-back 'ja klopt' means right", READ_BACK_0, STORY, SELF, typed("Ja, klopt!"), Confirmed(EMPTY)),
    ("under a read-back 'tamam' means right in Turkish", READ_BACK_0, STORY, SELF, typed("Tamam", "tr"),
     Confirmed(EMPTY)),
    ("under a read-back a thumbs-up means right", READ_BACK_0, STORY, SELF, typed("👍"), Confirmed(EMPTY)),
    ("under a read-back '…' shows it again", READ_BACK_0, STORY, SELF, typed("…"), ShowReadBack(READ_BACK_0, 0)),
    ("the same story again is not appended to itself", READ_BACK_0, STORY, SELF, typed("De buurvrouw hielp."),
     ShowReadBack(READ_BACK_0, 0)),
    ("a story of punctuation is not stored", EMPTY, {}, SELF, typed("?!"), NeedText(EMPTY)),
    ("invisible text is not stored", EMPTY, {**TOLD, "q.mood": A(), "q.count": A()}, QUOTED,
     typed("\u200b\u2800"), NeedText(EMPTY)),
    ("a revisit replaces the answer", REVISIT_0, TOLD, QUOTED, typed("Nieuw verhaal."),
     StoreText(READ_BACK_0, 0, "Nieuw verhaal.", 0, True)),
    ("typed text under the quote question: press a button", QUOTE, TOLD, SELF, typed("ja"),
     PressButton(QUOTE, AskQuote(QUOTE, 1))),
    ("typed text under the feedback question: press a button", OPT_IN, TOLD, QUOTED, typed("ja"),
     PressButton(OPT_IN, AskOptIn(OPT_IN, 1))),
    ("typed text at a button item: press a button, the item again", EMPTY, TOLD, QUOTED, typed("b"),
     PressButton(EMPTY, Ask(EMPTY, Question(2, 3, 5)))),
    ("a number in range is stored", EMPTY, {**TOLD, "q.mood": A()}, QUOTED, Typed("٣", "٣", "ar"),
     StoreNumber(EMPTY, 3, 3)),
    ("a number out of range gets the hint", EMPTY, {**TOLD, "q.mood": A()}, QUOTED, typed("40"),
     NumberHint(EMPTY, 3)),
    ("a word where a number goes gets the hint", EMPTY, {**TOLD, "q.mood": A()}, QUOTED, typed("drie"),
     NumberHint(EMPTY, 3)),
    # -- read-back, quote and feedback buttons ----------------------------------------
    ("right under the open read-back", READ_BACK_0, STORY, SELF, Pressed("confirm", 0), Confirmed(EMPTY)),
    ("change under the open read-back: revisit", READ_BACK_0, STORY, SELF, Pressed("fix", 0),
     Reopen(REVISIT_0, 0, None)),
    ("right under an older read-back: resend where one is", EMPTY, TOLD, SELF, Pressed("confirm", 0),
     Resend(EMPTY)),
    ("a read-back button of an unanswered item: resend", EMPTY, {}, SELF, Pressed("confirm", 0), Resend(EMPTY)),
    ("a position outside the survey: dead button", READ_BACK_0, STORY, SELF, Pressed("confirm", 12), Dead(READ_BACK_0)),
    ("quote yes", QUOTE, TOLD, SELF, Pressed("quote_yes", 1), Choice(EMPTY, "quote", True)),
    ("quote no when it is not open: resend", EMPTY, TOLD, SELF, Pressed("quote_no", 1), Resend(EMPTY)),
    ("feedback no is remembered", OPT_IN, TOLD, QUOTED, Pressed("feedback_no", 1),
     Choice(ANSWERED_OPT_IN, "feedback", False)),
    ("feedback when it is not open: resend", QUOTE, TOLD, QUOTED, Pressed("feedback_yes", 1), Resend(QUOTE)),
    # -- previous question and change my answers ------------------------------------------
    ("previous question on the first: nothing before", EMPTY, {}, SELF, Back(0), FirstQuestion(EMPTY)),
    ("previous question reopens the last asked item", EMPTY, {**TOLD, "q.mood": A(choices=("b",))}, QUOTED,
     Back(3), Reopen(EMPTY.at(Mode.REVISIT, R, 2), 2, Question(2, 3, 5, keep=True, mask=0b010, reopened=True))),
    ("change after finishing reopens the last item", EMPTY, ALL, QUOTED, Change(finished=True),
     Reopen(EMPTY.at(Mode.REVISIT, R, 4), 4, Question(4, 5, 5, keep=True, reopened=True))),
    ("change before finishing resumes", EMPTY, STORY, SELF, Change(finished=False), Ask(EMPTY, Question(1, 2, 5))),
]


@pytest.mark.parametrize(("state", "answers", "facts", "event", "expected"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_decide(state, answers, facts, event, expected):
    assert flow.decide(state, answers, facts, event) == expected


def test_every_mode_is_reached_by_some_case():
    reached = {case[-1].state.mode for case in CASES} | {case[1].mode for case in CASES}
    assert reached == set(Mode)


def test_a_skipped_item_gone_back_to_is_asked_to_answer_not_to_keep():
    answers = {**TOLD, "q.mood": A(status="skipped")}
    assert flow.question_at(ITEMS, answers, 2, reopened=True) == Question(2, 3, 5, keep=False, reopened=True)
    assert flow.question_at(ITEMS, {**answers, "q.count": A()}, 2) == Question(2, 3, 5)


def test_story_told_waits_for_why_and_needs_an_answered_story():
    assert not flow.story_told(ITEMS, STORY)            # why it matters comes first
    assert flow.story_told(ITEMS, TOLD)
    assert not flow.story_told(ITEMS, SKIPPED_STORY)
    no_why = [i for i in ITEMS if i.id != "msc.why"]
    assert flow.story_told(no_why, STORY)
