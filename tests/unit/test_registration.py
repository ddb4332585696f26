"""How the handlers are composed (bot.app.register_handlers): who registers what, in which
group and order, one handler per button kind."""

from __future__ import annotations

from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    TypeHandler,
)

from admin.commands.menu import STAFF_COMMANDS
from bot import app as bot_app
from bot import callback_data as cd
from bot.chat import RESIDENT_COMMANDS
from bot.context import BuurtContext, PayloadHandler
from tests.support.harness import ptb_request


def _application():
    application = (ApplicationBuilder().token("123456:TEST-TOKEN-abcdef")
                   .request(ptb_request()).get_updates_request(ptb_request())  # never used
                   .context_types(ContextTypes(context=BuurtContext)).build())
    bot_app.register_handlers(application)
    return application


def test_every_menu_command_has_its_handler_and_no_more():
    group = _application().handlers[0]
    commands = [name for h in group if isinstance(h, CommandHandler) for name in h.commands]
    # /coordinator CODE is in no menu: whoever holds a code is not staff yet
    assert sorted(commands) == sorted(
        [name for name, _desc in RESIDENT_COMMANDS] + [name for name, _d, _a in STAFF_COMMANDS]
        + ["coordinator"])


def test_one_button_handler_per_kind_then_the_fallbacks():
    group = _application().handlers[0]
    kinds = [h.kind for h in group if isinstance(h, PayloadHandler)]
    assert len(kinds) == len(set(kinds))
    assert set(kinds) == {cd.Lang, cd.Consent, cd.Centre, cd.Go, cd.Change, cd.Answer, cd.Forget,
                          cd.Export, cd.Wizard, cd.Interview, cd.Pick, cd.Confirm, cd.Stories,
                          cd.FeedbackOptIn, cd.Staff, cd.Noop}
    buttons = [h for h in group if isinstance(h, CallbackQueryHandler)]
    # the catch-all of staff verbs after every staff kind; the stale-button reply last
    assert buttons.index(next(h for h in buttons if getattr(h, "kind", None) is cd.Staff)) > max(
        buttons.index(h) for h in buttons if getattr(h, "kind", None) in (cd.Stories, cd.Wizard))
    assert not isinstance(buttons[-1], PayloadHandler) and buttons[-1].pattern is None


def test_cross_cutting_groups_around_group_zero():
    handlers = _application().handlers
    assert sorted(handlers) == [-2, -1, 0, 1]
    callbacks = {g: [h.callback.__name__ for h in handlers[g]] for g in (-2, -1, 1)}
    assert callbacks == {-2: ["drop_duplicates"], -1: ["ignore_out_of_scope"], 1: ["mark_processed"]}
    assert all(isinstance(h, TypeHandler) for g in (-2, -1, 1) for h in handlers[g])


def test_the_story_review_text_comes_before_every_command_and_resident_text():
    from admin import story_text

    group = _application().handlers[0]
    assert getattr(group[0].callback, "__wrapped__", None) is story_text.on_message
