"""What an Arabic reader sees (issue 17 point 1): messages rendered through the Unicode
bidi algorithm (``python-bidi``), not only their code points.

Commands keep their slash in front (``/stop``, not ``stop/``), a quoted story that starts
with a Latin word keeps the paragraph right to left, and lists use the Arabic comma. The
catalogues are unchanged: :mod:`bot.i18n` isolates commands in one place.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import FSI, PDI, RLM, Translator, isolate_commands

bidi = pytest.importorskip("bidi")

CATALOGUE = Path(__file__).resolve().parents[2] / "locales" / "ar" / "LC_MESSAGES" / "messages.po"
COMMAND = re.compile(r"(?<![\w/:.@])/[a-z_]+")


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _arabic_messages_with_commands() -> list[tuple[str, str]]:
    """(message as the bot sends it, the msgstr) for every Arabic text with a /command."""
    with CATALOGUE.open("rb") as fp:
        catalogue = read_po(fp, locale="ar")
    tr = Translator("ar")
    found = []
    for message in catalogue:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            for form in message.string:
                if COMMAND.search(form):
                    values = {k: "X" for k in _names(form) - {"n"}}
                    found.append((tr.ngettext(singular, plural, 3, **values), form))
                    break
        elif COMMAND.search(message.string):
            values = {k: "X" for k in _names(message.string)}
            found.append((tr._(message.id, **values), message.string))
    return found


def test_every_command_in_an_arabic_message_reads_with_its_slash_in_front():
    messages = _arabic_messages_with_commands()
    assert len(messages) >= 8  # consent, no thanks, end of round, /stop, unknown command, ...
    for sent, msgstr in messages:
        shown = bidi.get_display(sent)
        for command in COMMAND.findall(msgstr):
            assert command in shown, (command, shown)
            assert command[1:] + "/" not in shown, (command, shown)


def test_without_isolation_the_reader_sees_the_slash_behind():
    # the failure the isolates prevent (what residents reported: "stop/")
    text = "أرسل /stop لإيقاف الرسائل."
    assert "stop/" in bidi.get_display(text)
    assert "/stop" in bidi.get_display(isolate_commands(text, "ar"))


def test_commands_are_isolated_only_in_right_to_left_languages_and_not_in_urls():
    assert isolate_commands("أرسل /stop أو /start@buurtstem_bot.", "ar") == (
        f"أرسل {FSI}/stop{PDI} أو {FSI}/start@buurtstem_bot{PDI}.")
    assert isolate_commands("Stuur /stop.", "nl") == "Stuur /stop."
    assert isolate_commands("https://t.me/buurtstem_bot?start=x en a/b", "ar") == (
        "https://t.me/buurtstem_bot?start=x en a/b")


def _seen(text: str) -> str:
    """What the reader sees, left to right, without the invisible direction marks."""
    return bidi.get_display(text).translate({ord(FSI): None, ord(PDI): None, ord(RLM): None})


def test_a_command_with_its_arguments_reads_as_it_is_typed():
    # staff and resident texts show commands with Latin arguments; without one isolate
    # around the whole command an Arabic reader saw "chosen ID /stories", "K7MX-3RPA /forget"
    tr = Translator("ar")
    usage = tr._("Gebruik: /stories RONDE. Daarna: /stories RONDE gekozen (de gekozen "
                 "verhalen), /stories RONDE final (keuze definitief maken).")
    assert "/stories ID chosen" in _seen(usage) and "/stories ID final" in _seen(usage)
    assert "/open ID" in _seen(tr._("ronde openen: /open ID"))
    assert "/add_admin USER_ID" in _seen(tr._("beheerder toevoegen: /add_admin USER_ID"))
    code = tr._("Schrijf deze code op papier en bewaar hem. Wil je het interview later laten "
                "verwijderen? Stuur dan aan deze bot: /forget {code}. Of vraag het aan de "
                "coördinator.", code="K7MX-3RPA")
    assert "/forget K7MX-3RPA" in _seen(code)
    assert bidi.get_base_level(code) == 1  # the paragraph stays right to left
    # an Arabic word after a command is not an argument: it stays outside the isolate
    assert isolate_commands("أرسل /stop الآن", "ar") == f"أرسل {FSI}/stop{PDI} الآن"


def test_a_read_back_starting_with_a_latin_word_stays_right_to_left():
    tr = Translator("ar")
    story = "Taalcafé op dinsdag, daar leer ik Nederlands."
    paragraph = tr.quote(story)
    assert paragraph.startswith(RLM)
    assert bidi.get_base_level(paragraph) == 1
    assert bidi.get_base_level(f"«{story}»") == 0  # unmarked: the paragraph flips
    shown = bidi.get_display(paragraph)
    assert story in shown  # the Dutch words keep their own order inside
    assert shown.index("»") < shown.index(story) < shown.index("«")  # quotes read right to left
    assert Translator("nl").quote(story) == f"«{story}»"


def test_arabic_lists_use_the_arabic_comma():
    assert Translator("ar").join(["أ", "ب", "ج"]) == "أ، ب، ج"
    assert Translator("en").join(["a", "b"]) == "a, b"
