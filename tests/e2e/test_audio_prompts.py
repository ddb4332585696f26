"""Audio prompts for residents who cannot read (issue 13 point 5).

Where a pack gives ``audio::LANG`` for a question, the resident can press "🔊" and gets it
as a voice message (sendVoice); the first press uploads the file, Telegram's ``file_id``
is kept in the database (``media_cache``) and every later press sends that id.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import Workbook

from bot.survey.xlsform import load_xlsform
from tests.support.chat import data_of, last_with, onboard
from tests.support.harness import BotHarness, db_rows, settle, until

VOICE = Path(__file__).resolve().parents[1] / "fixtures" / "audio" / "stilte.ogg"


def voice_form(folder: Path) -> Path:
    """A Kobo form whose scale question has a Dutch voice prompt (``audio/stilte.ogg``)."""
    (folder / "audio").mkdir(parents=True)
    shutil.copy(VOICE, folder / "audio" / "stilte.ogg")
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Nederlands (nl)", "audio::Nederlands (nl)", "appearance"])
    survey.append(["select_one agree", "welcome", "Ik voel me welkom.", "stilte.ogg", "likert"])
    survey.append(["text", "wish", "Wat wil je nog zeggen?", "", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::Nederlands (nl)"])
    for value, label in [(1, "Nee"), (2, "Een beetje"), (3, "Ja")]:
        choices.append(["agree", str(value), label])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["Luisteren", "voice"])
    book.save(folder / "voice.xlsx")
    return folder / "voice.xlsx"


def test_the_voice_prompt_is_a_small_ogg_opus_file():
    data = VOICE.read_bytes()
    assert data.startswith(b"OggS") and b"OpusHead" in data[:64] and len(data) < 4096


async def test_the_speaker_button_sends_the_question_as_voice_once_uploaded(sim, tmp_path):
    form = voice_form(tmp_path / "pack")
    assert load_xlsform(form).items["welcome"].audio == {"nl": "stilte.ogg"}
    harness = BotHarness(sim, tmp_path / "bot.sqlite3", survey_pack=form, min_cell_size=2)
    try:
        await harness.prepare("voice", ["shalom"])
        await harness.start()
        file_ids = []
        for chat in (8101, 8102):
            user = sim.user(chat, language_code="nl")
            await onboard(sim, user)
            q = last_with(user, "a:")
            speaker = [d for d in data_of(q) if d.endswith(":au")]
            assert len(speaker) == 1 and q.reply_markup["inline_keyboard"][0][0]["text"].startswith("🔊")
            uploads = sim.uploads
            user.press(q, speaker[0])
            await until(lambda: any(m.method == "sendVoice" for m in user.messages))
            voice = next(m for m in user.messages if m.method == "sendVoice")
            assert voice.voice["duration"] == 2 and voice.voice["mime_type"] == "audio/ogg"
            file_ids.append(voice.voice["file_id"])
            # the first press uploads the file, the second sends Telegram's file_id
            assert sim.uploads == uploads + (1 if chat == 8101 else 0)
            # hearing is not answering: the same question still waits, and no answer is stored
            assert last_with(user, "a:").message_id == q.message_id
            user.press(q, next(d for d in data_of(q) if d.endswith(":v3")))
            await settle(sim)
            later = last_with(user, "a:")
            assert "Wat wil je nog zeggen?" in later.text
            assert not any(d.endswith(":au") for d in data_of(later))  # no audio for this one
        assert file_ids[0] == file_ids[1]
    finally:
        await harness.stop()
    assert db_rows(harness, "SELECT picture, file_id FROM media_cache WHERE picture LIKE 'audio/%'") == [
        ("audio/stilte.ogg", file_ids[0])]
    assert db_rows(harness, "SELECT COUNT(*) FROM answers WHERE item_id = 'welcome'") == [(2,)]
