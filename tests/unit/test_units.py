"""Unit tests of the pure parts: callback data, flow, settings, i18n, pseudonyms, logs."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from bot import callback_data as cd
from bot.i18n import FSI, PDI, Translator, isolate, negotiate_language
from bot.logs import RedactingFilter
from bot.privacy.pseudonym import RespondentLabeller, panel_key, respondent_pseudonym
from bot.settings import SettingsError, load_settings
from bot.storage import Answer
from bot.survey import flow
from bot.survey.models import Condition, Item, Option

TEXTS = {lang: f"t-{lang}" for lang in ("nl", "en", "tr", "ar", "pl", "uk")}


# -- callback data ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "kind", "fields"),
    [
        ("l:tr", "lang", {"lang": "tr"}),
        ("c:y:en", "consent", {"yes": True, "lang": "en", "centre": None}),
        ("c:n:ar:shalom", "consent", {"yes": False, "lang": "ar", "centre": "shalom"}),
        ("ce:bijbetje:pl", "centre", {"centre": "bijbetje", "lang": "pl"}),
        ("go:12", "go", {"round_id": 12}),
        ("a:3:7:v4", "answer", {"round_id": 3, "pos": 7, "action": "value", "value": 4}),
        ("a:3:7:dk", "answer", {"action": "dont_know"}),
        ("a:3:7:sk", "answer", {"action": "skip"}),
        ("a:3:8:t2.5", "answer", {"action": "toggle", "value": 2, "mask": 5}),
        ("a:3:8:d.ff", "answer", {"action": "done", "mask": 255}),
        ("f:y", "forget", {"yes": True}),
        ("ex:all:xlsx", "export", {"round_id": None, "fmt": "xlsx"}),
        ("ad:stp:3.0.a", "admin", {"verb": "stp", "arg": "3.0.a"}),
        ("x", "noop", {}),
    ],
)
def test_callback_data_parses(data, kind, fields):
    parsed = cd.parse(data)
    assert parsed is not None and parsed.kind == kind
    for name, value in fields.items():
        assert getattr(parsed, name) == value


@pytest.mark.parametrize(
    "data", ["33000", "", None, "a:1:2:v", "a:x:2:v1", "l:english", "c:maybe:nl", "a:1:2:v1;DROP", "x" * 65]
)
def test_callback_data_rejects_unknown_and_forged(data):
    assert cd.parse(data) is None


#: One payload of every kind a handler is registered for.
KIND_SAMPLES = {
    cd.Lang: "l:tr", cd.Consent: "c:y:en", cd.Centre: "ce:shalom:nl", cd.Go: "go:1",
    cd.Change: "ch:1", cd.Answer: "a:1:2:v3", cd.Forget: "f:n", cd.Noop: "x", cd.Export: "ex:all",
    cd.Wizard: "ad:nrs:ab.short", cd.Interview: "ad:ivr:3", cd.Pick: "ad:pk:open.3",
    cd.Confirm: "ad:rko:3", cd.Stories: "ad:stp:3.0.a", cd.FeedbackOptIn: "ad:stfb:y",
}


def test_each_payload_kind_decodes_only_its_own_data():
    # one handler per kind (bot.context.PayloadHandler): no press may reach two of them
    for kind in KIND_SAMPLES:
        for other, data in KIND_SAMPLES.items():
            decoded = kind.decode(data)
            assert (type(decoded) is kind) if other is kind else (decoded is None), (kind, data)
    assert cd.Stories.decode("ad:stx:12.c.a") == cd.Stories("stx", "12.c.a")
    assert cd.Staff.decode("ad:zz:1") == cd.Staff("zz", "1")  # the unknown-verb fallback
    assert cd.Pick.decode("ad:pkx:1") is None
    assert cd.Go.decode("go:1" + "0" * 70) is None
    assert cd.Go.decode(None) is None and cd.Go.decode(7) is None


def test_payload_handler_hands_over_the_decoded_payload():
    from telegram import CallbackQuery, Update, User

    from bot.context import PayloadHandler

    async def callback(update, context, payload):
        raise AssertionError("not called here")

    def press(data):
        user = User(1, "a", False)
        return Update(1, callback_query=CallbackQuery("q", user, "c", data=data))

    assert PayloadHandler(cd.Go, callback).check_update(press("go:5")) == cd.Go(5)
    assert PayloadHandler(cd.Answer, callback).check_update(press("go:5")) is None
    assert PayloadHandler(cd.Go, callback).check_update(press("")) is None  # plain CallbackQueryHandler: True
    assert PayloadHandler(cd.Go, callback).check_update(Update(2)) is None


def test_callback_builders_round_trip_and_respect_64_bytes():
    assert cd.parse(cd.answer_toggle(123456789, 999, 13, 0x3FFF)).mask == 0x3FFF
    assert cd.parse(cd.consent(True, "uk", "participatiekeuken")).centre == "participatiekeuken"
    with pytest.raises(ValueError):
        cd.centre("x" * 70, "nl")


# -- flow -------------------------------------------------------------------------------
def _item(item_id, type_="text", shown_if=None, options=()):
    return Item(id=item_id, type=type_, prompt=TEXTS, shown_if=shown_if,
                options=[Option(id=o, label=TEXTS) for o in options])


def _answer(item_id, choices=()):
    return Answer(item_id, "answered", None, tuple(choices), None, 1)


def test_next_position_follows_conditions():
    items = [
        _item("a"),
        _item("dom", "choice", options=["x", "y"]),
        _item("dx", shown_if=Condition(item="dom", includes="x")),
        _item("dy", shown_if=Condition(item="dom", includes="y")),
        _item("z"),
    ]
    assert flow.next_position(items, {}) == 0
    answers = {"a": _answer("a"), "dom": _answer("dom", ["y"])}
    assert flow.next_position(items, answers) == 3          # dx is not asked
    assert flow.progress(items, answers) == (2, 4)
    answers["dy"] = _answer("dy")
    answers["z"] = _answer("z")
    assert flow.next_position(items, answers) is None


def test_mask_to_choices():
    item = _item("c", "cards", options=["a", "b", "c", "d"])
    assert flow.mask_to_choices(item, 0b1010) == ["b", "d"]
    assert flow.mask_to_choices(item, 0) == []


# -- settings ---------------------------------------------------------------------------
def test_missing_token_names_the_setting(monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    with pytest.raises(SettingsError, match="^TELEGRAM_BOT_TOKEN is not set$"):
        load_settings(pseudonym_secret="x" * 20, _env_file=None)


def test_invalid_settings_never_echo_the_value(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:SECRETSECRET")
    monkeypatch.setenv("PSEUDONYM_SECRET", "y" * 20)
    monkeypatch.setenv("ADMIN_IDS", "12, abc")
    with pytest.raises(SettingsError) as exc:
        load_settings(_env_file=None)
    assert str(exc.value).startswith("ADMIN_IDS is invalid")
    monkeypatch.setenv("ADMIN_IDS", "12,34")
    settings = load_settings(_env_file=None)
    assert settings.admin_ids == frozenset({12, 34})
    assert "SECRETSECRET" not in repr(settings)


def test_cli_exits_2_with_one_line_and_no_token(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "not-a-token-SECRET", "PSEUDONYM_SECRET": "z" * 20}
    proc = subprocess.run([sys.executable, "-m", "bot", "run"], check=False, cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60,)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "TELEGRAM_BOT_TOKEN is invalid" in proc.stderr
    assert "SECRET" not in proc.stderr + proc.stdout


# -- i18n -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "expected"),
    [("nl-BE", "nl"), ("en-GB", "en"), ("pt-br", "nl"), (None, "nl"), ("zh-hans", "nl"),
     ("ru", "nl"), ("uk", "uk"), ("ar", "ar"), ("tr-TR", "tr"), ("PL", "pl")],
)
def test_negotiate_language(code, expected):
    assert negotiate_language(code) == expected


def test_isolates_only_for_rtl():
    assert isolate(42, "ar") == f"{FSI}42{PDI}"
    assert isolate(42, "nl") == "42"


# -- pseudonyms -------------------------------------------------------------------------
def test_pseudonym_is_keyed_and_stable():
    a = respondent_pseudonym(b"secret-one-123456", 42)
    assert a == respondent_pseudonym(b"secret-one-123456", 42)
    assert a != respondent_pseudonym(b"secret-two-123456", 42)
    assert len(a) == 64 and "42" not in a[:2]


def test_labels_are_per_export_and_panel_keys_stable():
    one, two = RespondentLabeller(), RespondentLabeller()
    assert [one("p1"), one("p2"), one("p1")] == ["R0001", "R0002", "R0001"]
    assert two("p2") == "R0001"
    assert panel_key(b"k", "p1") == panel_key(b"k", "p1") != panel_key(b"other", "p1")


# -- logs -------------------------------------------------------------------------------
def test_redacting_filter_hides_token_and_payloads():
    filt = RedactingFilter(["123:SECRET"])
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "POST %s", ("https://x/bot123:SECRET/getMe",), None)
    filt.filter(record)
    assert "SECRET" not in record.getMessage()
    record = logging.LogRecord("telegram.ext.ExtBot", logging.CRITICAL, __file__, 1,
                               "Error while parsing updates! Received data was %r", ([{"text": "my story"}],), None)
    filt.filter(record)
    assert "my story" not in record.getMessage()


def test_translator_formats_numbers_per_locale():
    assert Translator("nl").number(1234.5) == "1.234,5"
    assert Translator("en").number(1234.5) == "1,234.5"


def test_example_secret_and_missing_database_folder_are_refused(tmp_path):
    with pytest.raises(SettingsError, match="^PSEUDONYM_SECRET is invalid: is still the example value"):
        load_settings(telegram_bot_token="1:abcdef", pseudonym_secret="replace-with-32-random-characters", _env_file=None)
    with pytest.raises(SettingsError, match="^DATABASE_PATH is invalid: folder"):
        load_settings(telegram_bot_token="1:abcdef", pseudonym_secret="x" * 20,
                      database_path=tmp_path / "nope" / "db.sqlite3", _env_file=None)


def test_round_label_names_the_survey_in_the_staff_language():
    from zoneinfo import ZoneInfo

    from admin.round_views import round_label, survey_label
    from bot.i18n import Translator
    from bot.storage import Round
    from bot.survey import catalogue

    cat = catalogue()
    round_ = Round(7, "short", "open", None, None, ("shalom",))
    tz = ZoneInfo("Europe/Amsterdam")
    assert round_label(round_, Translator("nl"), tz, cat) == "#7 · Korte vragenlijst · open"
    assert round_label(round_, Translator("en"), tz, cat) == "#7 · Short survey · open"
    assert round_label(Round(8, "full", "closed", None, None, ()), Translator("pl"), tz, cat).endswith(
        Translator("pl")._("gesloten"))
    assert survey_label(Round(9, "retired", "open", None, None, ()), Translator("nl"), cat) == "#9 · retired"


def test_staff_help_lines_start_right_to_left_in_arabic():
    import unicodedata

    from admin.commands.menu import staff_help
    from bot.i18n import Translator
    from bot.roles import Role

    role = Role(False, frozenset({"shalom"}))
    arabic = staff_help(Translator("ar"), role).split("\n")[1:]
    assert arabic and all(unicodedata.bidirectional(line[0]) in ("R", "AL") for line in arabic)
    assert all("\u2068/" in line and line.endswith("\u2069") for line in arabic)
    dutch = staff_help(Translator("nl"), role).split("\n")[1:]
    assert all(line.startswith("/") for line in dutch)
