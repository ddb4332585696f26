"""Offline end-to-end demo and terminal chat: simulator + the real bot over real HTTP.

``run_demo``: N simulated residents in six languages onboard, consent and complete a
round; a coordinator exports through the chat (``/export``); CSV (both dialects), XLSX,
codebook and chart land in the output folder; a summary is printed.
"""

from __future__ import annotations

import asyncio
import csv as _csv
import logging
import random
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Update
from telegram.ext import Application, Updater

from bot.app import build_application
from bot.demo_msc import simulate_panel
from bot.demo_stories import STORIES
from bot.exports.query import connect_readonly, released_respondents, row_plan
from bot.exports.service import ExportRefused, run_chart, run_export
from bot.exports.stories_doc import load_stories, write_stories_files
from bot.i18n import language_name
from bot.logs import configure_logging
from bot.msc import story_domain
from bot.settings import Settings
from bot.simulator import BotApiSimulator
from bot.simulator.terminal import run_terminal_chat
from bot.storage import Storage
from bot.survey import catalogue
from bot.survey.models import LANGUAGES
from bot.survey.pinning import survey_pin

#: Telegram ``language_code`` values the simulated residents send (realistic variants).
LANGUAGE_CODES = {"nl": "nl-BE", "en": "en-GB", "tr": "tr", "ar": "ar", "pl": "pl", "uk": "uk"}

ADMIN_ID = 900000001
DEMO_TOKEN = "123456:DEMO-TOKEN-not-secret"


@dataclass
class DemoSummary:
    """Figures of one demo run."""

    residents: int = 0
    finished: int = 0
    answers: int = 0
    scrubbed: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    csv_rows: int = 0
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    panel: dict = field(default_factory=dict)
    database: Path | None = None
    privacy: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if every resident finished and the export holds their answers."""
        return not self.errors and self.finished == self.residents and self.csv_rows > 0

    def _privacy_lines(self) -> list[str]:
        p = self.privacy
        if not p:
            return []
        return [
            (f"  privacy       row file: {p['small_before']} of {p['records']} respondents in a"
             f" centre x language x mode x day class under k={p['k']} before generalising, 0 after"
             f" ({p['levels']}; {p['left_out']} left out)"),
            (f"                figures: {p['released']} respondents released in batches of {p['k']}"
             f" per centre, {p['held_back']} not yet; stories quoted: {p['quoted']} of"
             f" {p['approved']} approved ({p['consented']} with the teller's yes)"),
        ]

    def render(self) -> str:
        """Human-readable summary."""
        langs = ", ".join(f"{k} {v}" for k, v in sorted(self.languages.items()))
        lines = [
            "Buurtstem demo",
            f"  respondents   {self.finished} of {self.residents} finished ({langs})",
            f"  answers       {self.answers} stored, {self.csv_rows} rows in the CSV",
            f"  scrubbed      {self.scrubbed} free-text answers had personal data removed",
            (f"  stories       {self.panel.get('stories', 0)} reviewed: {self.panel.get('approved', 0)} approved,"
             f" {self.panel.get('withheld', 0)} withheld, {self.panel.get('codes', 0)} effect codes,"
             f" {self.panel.get('selected_centre', 0)} + {self.panel.get('selected_all', 0)} selected with a reason"),
            f"  feedback      {self.panel.get('feedback', 0)} opted-in storytellers told what was chosen",
            *self._privacy_lines(),
            f"  seconds       {self.seconds:.1f}",
            "  files:",
            *[f"    {p}" for p in self.files],
        ]
        if self.database is not None:
            lines += [(f"  database      {self.database}  (try: DATABASE_PATH={self.database}"
                      " .venv/bin/python -m bot rounds list)")]
        lines += [f"  note          {n}" for n in self.notes]
        lines += [f"  ERROR {e}" for e in self.errors]
        return "\n".join(lines)


#: Centres the demo's residents come to (the first ones of the catalogue).
DEMO_CENTRES = 2

#: File name of the demo's database, kept in the output folder.
DEMO_DATABASE = "buurtstem-demo.sqlite3"


def demo_settings(base_url: str, db_path: Path, pack: Path | None = None,
                  pseudonym_secret: str | None = None) -> Settings:
    """Settings for an offline run against the simulator.

    Args:
        pseudonym_secret: The key of the pseudonyms; None: a fresh random one.
    """
    return Settings(
        telegram_bot_token=DEMO_TOKEN,
        telegram_api_base_url=base_url,
        database_path=db_path,
        pseudonym_secret=pseudonym_secret or secrets.token_hex(16),
        admin_ids=frozenset({ADMIN_ID}),
        survey_pack=pack,
        _env_file=None,
    )


def _keyboard_data(message) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", []) if message else []
    return [b.get("callback_data", "") for row in rows for b in row]


def _actionable(message) -> bool:
    return any(d.startswith(("a:", "c:", "ce:", "go:")) for d in _keyboard_data(message))


async def _next_prompt(user, start: int, timeout: float = 10.0):
    """Wait until the bot's newest message in this chat asks for something or says thanks."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = user.messages
        for message in reversed(messages[start:]):
            if _actionable(message) or (message.text or "").startswith("🙏"):
                return message
        await asyncio.sleep(0.005)
    raise TimeoutError("the bot did not ask the next question in time")


async def _wait_markup_change(message, before: dict | None, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while message.reply_markup == before and time.monotonic() < deadline:
        await asyncio.sleep(0.003)


def demo_centres(centres: list, count: int = DEMO_CENTRES) -> list[str]:
    """Codes of the centres the demo's residents come to: the first centre of each of the
    first ``count`` districts, topped up with the next centres in the pack's order.

    Args:
        centres: The pack's centres (objects with ``code`` and ``district``), in order.
        count: How many centres.

    Returns:
        At most ``count`` codes.
    """
    firsts = list({c.district: c.code for c in reversed(centres) if c.district}.items())
    chosen = [code for _, code in reversed(firsts)][:count]
    chosen += [c.code for c in centres if c.code not in chosen][:count - len(chosen)]
    return chosen


async def simulate_resident(
    sim, user_id: int, lang: str, rng: random.Random, centre: str, items: list,
    district: str | None = None,
) -> bool:
    """One resident: /start (deep link), consent, then answer every question.

    Returns:
        True if the resident reached the thank-you message.
    """
    code = LANGUAGE_CODES.get(lang, lang) if rng.random() > 0.15 else "pt-br"
    user = sim.user(user_id, first_name="Resident", language_code=code)
    stories = STORIES.get(lang) or STORIES["nl"]  # a pack's own language: Dutch stories
    start = len(user.messages)
    user.send_text(f"/start {centre}" if rng.random() < 0.7 else "/start")
    prompt = await _next_prompt(user, start)
    if code == "pt-br" and lang != "nl":
        start = len(user.messages)
        chooser = next(m for m in user.messages if any(d.startswith("l:") for d in _keyboard_data(m)))
        user.press_button(_language_name(lang), chooser)
        prompt = await _next_prompt(user, start)
    for _ in range(60):
        data = _keyboard_data(prompt)
        start = len(user.messages)
        if (prompt.text or "").startswith("🙏"):
            return True
        if any(d.startswith("c:y") for d in data):
            user.press(prompt, next(d for d in data if d.startswith("c:y")))
        elif any(d.startswith("ce:_d") for d in data):  # many centres: the district first
            user.press_button(district or "", prompt)
        elif any(d.startswith("ce:") for d in data):
            user.press(prompt, next(d for d in data if d.startswith(f"ce:{centre}:")))
        elif any(d.startswith("go:") for d in data):
            user.press(prompt, data[0])
        elif any(d.endswith(":ok") for d in data):
            user.press(prompt, next(d for d in data if d.endswith(":ok")))
        elif any(d.endswith(":qy") for d in data):
            flag = ":qy" if rng.random() < 0.8 else ":qn"    # most tellers let their story be quoted
            user.press(prompt, next(d for d in data if d.endswith(flag)))
        elif any(d.endswith(":fy") for d in data):
            flag = ":fy" if rng.random() < 0.6 else ":fn"
            user.press(prompt, next(d for d in data if d.endswith(flag)))
        elif any(":v" in d for d in data):
            values = [d for d in data if ":v" in d]
            weights = list(range(1, len(values) + 1))  # any scale length a pack declares
            pick = rng.choices(values, weights=list(reversed(weights)))[0] if rng.random() > 0.1 else next(
                d for d in data if d.endswith((":dk", ":sk")))
            user.press(prompt, pick)
        elif any(":d." in d for d in data) and not any(":t" in d for d in data):
            # a pick-one question: one tap on one of its options
            user.press(prompt, rng.choice([d for d in data if ":d." in d]))
        elif any(":t" in d for d in data):
            toggles = [d for d in data if ":t" in d]
            for index in sorted(rng.sample(range(len(toggles)), k=min(len(toggles), rng.randint(1, 3)))):
                before = prompt.reply_markup
                current = [d for d in _keyboard_data(prompt) if ":t" in d][index]
                user.press(prompt, current)
                await _wait_markup_change(prompt, before)
            done = next(d for d in _keyboard_data(prompt) if ":d." in d)
            user.press(prompt, done)
        else:
            text = _text_answer(prompt, items, stories, rng)
            if text is not None and text.isdigit() and rng.random() < 0.2:
                user.send_text(f"{text}0000")  # a typo first: the bot asks for a number in range
                await user.wait_reply(count=1, after=start)
                start = len(user.messages)
            if text is None:
                user.press(prompt, next(d for d in data if d.endswith(":sk")))
            else:
                user.send_text(text)
        prompt = await _next_prompt(user, start)
    return False


def _language_name(lang: str) -> str:
    return language_name(lang)


def _text_answer(prompt, items, stories: dict[str, list[str]], rng: random.Random) -> str | None:
    """A story fitting the asked item (from the skip button's position), or None to skip."""
    if rng.random() < 0.1:
        return None
    skip = next(d for d in _keyboard_data(prompt) if d.endswith(":sk"))
    item = items[int(skip.split(":")[2])]
    if item.type == "number":  # a number in the item's range (a typo now and then)
        low = item.min_value if item.min_value is not None else 0
        high = item.max_value if item.max_value is not None else low + 10
        return str(rng.randint(low, high))
    item_id = item.id
    kind = {"msc.contact": "contact", "msc.why": "why"}.get(item_id, "story")
    return rng.choice(stories[kind])


async def _wait_for_button(user, text: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in b for row in user.buttons() for b, _d in row):
            return
        await asyncio.sleep(0.005)
    raise TimeoutError(f"no button {text!r}")


async def coordinator_export(sim, out_dir: Path) -> list[Path]:
    """The coordinator exports every format through the chat; returns the files written."""
    admin = sim.user(ADMIN_ID, first_name="Coordinator", language_code="nl")
    written = []
    for label in ("CSV (komma)", "CSV (Excel NL", "Excel (xlsx)", "Codeboek", "Verhalen om te printen",
                  "Effectentabel"):
        start = len(admin.messages)
        admin.send_text("/export")
        await admin.wait_reply(count=1, after=start)
        await _wait_for_button(admin, "Alle rondes")
        admin.press_button("Alle rondes")
        await _wait_for_button(admin, label)
        docs_before = sum(1 for m in admin.messages if m.document)
        admin.press_button(label)
        refused = False
        for _ in range(3000):
            docs = [m for m in admin.messages if m.document]
            if len(docs) > docs_before:
                break
            if "geen bestand gemaakt" in (admin.messages[-1].text or ""):
                refused = True   # too few to show safely: the bot says so, no file
                break
            await asyncio.sleep(0.01)
        if refused:
            continue
        doc = [m for m in admin.messages if m.document][-1]
        name = doc.document["file_name"]
        if label.startswith("CSV (Excel"):
            name = name.replace(".csv", "-excel-nl.csv")
        path = out_dir / name
        path.write_bytes(doc.document_bytes)
        written.append(path)
    return written


def coordinator_files(db_path: Path, cat, out_dir: Path, tz) -> list[Path]:
    """The files a coordinator gets (aggregates only), for all of the demo's centres."""
    written = []
    for fmt, name in (("csv", "cijfers-coordinator.csv"), ("xlsx", "cijfers-coordinator.xlsx")):
        try:
            written.append(run_export(db_path, cat, out_dir / name, fmt=fmt, tz=tz,
                                      audience="coordinator").path)
        except ExportRefused:
            pass
    return written


def privacy_figures(db_path: Path, cat, tz, k: int = 5) -> dict:
    """What the disclosure policy did to the demo's data (for the summary)."""
    conn = connect_readonly(db_path)
    try:
        plan = row_plan(conn, tz=tz, k=k, cat=cat)
        released = released_respondents(conn, None, None, k)
        quoted = len(load_stories(conn, cat, tz=tz, k=k))
        approved = conn.execute("SELECT COUNT(*) FROM msc_reviews WHERE state = 'approved'").fetchone()[0]
        consented = conn.execute("SELECT COUNT(*) FROM participations WHERE quote_ok = 1").fetchone()[0]
    finally:
        conn.close()
    g = plan.generalisation
    return {"k": k, "records": g.total, "small_before": g.small_before, "left_out": g.left_out,
            "levels": g.levels.describe(), "released": len(released), "held_back": released.held_back,
            "quoted": quoted, "approved": approved, "consented": consented}


def demo_catalogue(pack: Path | None, survey: str):
    """The pack's catalogue and the survey to run (the pack's first if ``survey`` is not in it).

    Raises:
        bot.survey.SurveyDataError: The pack is broken.
    """
    cat = catalogue(pack)
    return cat, survey if survey in cat.surveys else next(iter(cat.surveys))


def report_each_update(application: Application, sim: BotApiSimulator) -> None:
    """Make ``application`` tell ``sim`` when it has finished handling each update
    (:meth:`bot.simulator.BotApiSimulator.report_handled`), on every path (polling, webhook,
    concurrent updates): all go through ``process_update``.

    ``Application`` has ``__slots__``, so ``process_update`` cannot be replaced on the
    instance; the instance gets a slot-less subclass instead (same memory layout). The
    test harness uses this too (``tests/support/harness.py``).
    """
    base = type(application)

    class Reporting(base):  # type: ignore[misc, valid-type]
        __slots__ = ()

        async def process_update(self, update: object) -> None:
            try:
                await super().process_update(update)
            finally:
                if isinstance(update, Update):
                    sim.report_handled(update.update_id)

    application.__class__ = Reporting


def report_handled(application: Application, sim: BotApiSimulator) -> None:
    """Make ``sim.wait_idle`` wait for ``application`` to finish every update, not for silence.

    The terminal chat reads its next line once the simulator is idle. Without this, idle
    meant "50 ms without a Bot API call": a handler that works longer than that between
    two calls (database reads under a busy CPU, e.g. between the thanks for a centre and
    the first question) looked finished, and the next line (or a test's next tap) came
    before its reply. Now the bot reports each update when ``process_update`` has finished
    it (:func:`report_each_update`) and the outbox's due rows are awaited too
    (:meth:`bot.simulator.BotApiSimulator.track_handling`).
    """

    async def outbox_idle() -> None:
        sender = application.bot_data.get("outbox")
        if sender is not None and application.running:
            await sender.drain(timeout=10)  # bounded by wait_idle's own time-out too

    report_each_update(application, sim)
    sim.track_handling()
    sim.add_idle_probe(outbox_idle)


def _hooks(application: Application) -> tuple[Callable[[Application], Awaitable[None]],
                                               Callable[[Application], Awaitable[None]], Updater]:
    """``(post_init, post_shutdown, updater)`` of the bot, to run it as ``run_polling()`` would.

    Raises:
        RuntimeError: The application lacks one (``build_application`` sets both hooks and
            the builder gives it an updater, so only a changed builder gets here).
    """
    post_init, post_shutdown, updater = application.post_init, application.post_shutdown, application.updater
    if post_init is None or post_shutdown is None or updater is None:
        raise RuntimeError("build_application must set post_init, post_shutdown and an updater")
    return post_init, post_shutdown, updater


async def run_demo(*, residents: int = 30, seed: int = 1, out_dir: Path = Path("demo-output"),
                   survey: str = "short", pack: Path | None = None) -> DemoSummary:
    """Run the offline demo and return its summary (see module docstring).

    Args:
        pack: A survey pack (folder or XLSForm workbook); None for the default pack. A pack
            without centres runs in the default pack's centres (an installation's own).
    """
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = DemoSummary(residents=residents)
    rng = random.Random(seed)
    cat, survey = demo_catalogue(pack, survey)
    centre_list = cat.centres or catalogue().centres
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "demo.sqlite3"
        async with BotApiSimulator(token=DEMO_TOKEN) as sim:
            settings = demo_settings(sim.base_url, db_path, pack)
            storage = await Storage.open(db_path)
            await storage.seed_centres(centre_list)
            round_ = await storage.create_round(survey, [], pin=survey_pin(cat, survey))
            application = build_application(settings, storage=storage)
            post_init, post_shutdown, updater = _hooks(application)
            async with application:
                await post_init(application)  # as run_polling() would
                await application.start()
                await updater.start_polling(
                    poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
                )
                try:
                    # two centres (in two districts where the pack has them, so the
                    # figures per district show more than one); every language once, then
                    # a mix like the neighbourhood's (more than half Dutch), so that some
                    # centre x language groups reach k
                    centres = demo_centres(centre_list)
                    districts = {c.code: c.district for c in centre_list}
                    mix = ["nl"] * 7 + ["tr", "tr", "ar", "pl", "uk"]
                    # the pack's own languages (e.g. Somali) have residents too
                    languages = [*LANGUAGES, *(lang for lang in cat.languages if lang not in LANGUAGES)]
                    plan = [(700000000 + i,
                             languages[i] if i < len(languages) else rng.choice(mix),
                             rng.choice(centres))
                            for i in range(residents)]
                    results = await asyncio.gather(
                        *[simulate_resident(sim, uid, lang, random.Random(seed * 1000 + uid), centre,
                                            cat.survey_items(survey), districts.get(centre))
                          for uid, lang, centre in plan],
                        return_exceptions=True,
                    )
                    for (uid, lang, _c), result in zip(plan, results):
                        if result is True:
                            summary.finished += 1
                            summary.languages[lang] = summary.languages.get(lang, 0) + 1
                        else:
                            summary.errors.append(f"resident {uid - 700000000} ({lang}) did not finish: {result!r}")
                    if any(story_domain(i.id) for i in cat.survey_items(survey)):  # stories to review
                        summary.panel = await simulate_panel(sim, ADMIN_ID, round_.id, random.Random(seed))
                    await application.bot_data["outbox"].drain(timeout=30)
                    files = await coordinator_export(sim, out_dir)
                finally:
                    await updater.stop()
                    await application.stop()
                    await post_shutdown(application)
            await storage.close()
        conn = sqlite3.connect(db_path)
        summary.answers = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
        conn.close()
        summary.files.extend(files)
        conn = sqlite3.connect(db_path)
        summary.files.extend(write_stories_files(conn, cat, out_dir, k=5))
        conn.close()
        summary.files.extend(coordinator_files(db_path, cat, out_dir, settings.tz))
        summary.privacy = privacy_figures(db_path, cat, settings.tz)
        csv_file = next((p for p in files if p.suffix == ".csv" and "excel-nl" not in p.name
                         and "codeboek" not in p.name), None)
        rows = []
        if csv_file is not None:
            with csv_file.open(encoding="utf-8-sig", newline="") as fh:
                rows = list(_csv.DictReader(fh))
        summary.csv_rows = len(rows)
        conn = sqlite3.connect(db_path)
        summary.scrubbed = conn.execute(
            "SELECT COUNT(*) FROM answers WHERE text LIKE '%[%]%'").fetchone()[0]
        conn.close()
        try:
            drawn = run_chart(db_path, cat, out_dir / "indicators.png", tz=settings.tz)
            summary.files += drawn if isinstance(drawn, list) else [drawn]
        except ExportRefused:
            summary.notes.append("chart: too few respondents to show yet (figures come in batches of"
                                 " 5 per centre)")
        # Keep the database (its pseudonym secret is gone with this run, so the answers can
        # never be tied to the simulated chats) for trying the CLI on it.
        kept = out_dir / DEMO_DATABASE
        kept.unlink(missing_ok=True)
        src, dst = sqlite3.connect(db_path), sqlite3.connect(kept)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            src.close()
            dst.close()
        summary.database = kept
    summary.seconds = time.perf_counter() - started
    return summary


def _kept_secret(db_path: Path) -> str:
    """The pseudonym secret of a terminal chat's own database (``chat --db FILE``), kept
    beside it in ``FILE.secret`` (made on first use, readable by its owner only): a
    second chat on the same file is the same resident, who goes on where they were
    (with a fresh secret each run their answers would belong to a stranger)."""
    path = db_path.with_name(db_path.name + ".secret")
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        secret = secrets.token_hex(16)
        path.touch(mode=0o600)
        path.write_text(secret + "\n", encoding="ascii")
        return secret


async def run_terminal(*, language: str = "nl", survey: str = "short", db: str | None = None,
                       pack: Path | None = None) -> None:
    """Chat with the bot from the terminal as a resident (simulator on loopback).

    Args:
        pack: A survey pack (folder or XLSForm workbook) to try; None for the default pack.
            ``survey`` falls back to the pack's first survey; a pack without centres runs
            in the default pack's centres.

    Raises:
        bot.survey.SurveyDataError: The pack is broken.
    """
    configure_logging(secrets=[DEMO_TOKEN])
    logging.getLogger().setLevel(logging.WARNING)
    cat, survey = demo_catalogue(pack, survey)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(db) if db else Path(tmp) / "chat.sqlite3"
        async with BotApiSimulator(token=DEMO_TOKEN) as sim:
            settings = demo_settings(sim.base_url, db_path, pack,
                                     _kept_secret(db_path) if db else None)
            storage = await Storage.open(db_path)
            last = await storage.last_update_id()  # an earlier chat on this --db
            if last is not None:
                sim.continue_after(last)
            await storage.seed_centres(cat.centres or catalogue().centres)
            if not [r for r in await storage.rounds() if r.is_open]:
                await storage.create_round(survey, [], pin=survey_pin(cat, survey))
            application = build_application(settings, storage=storage)
            report_handled(application, sim)
            post_init, post_shutdown, updater = _hooks(application)
            async with application:
                await post_init(application)  # as run_polling() would
                await application.start()
                await updater.start_polling(poll_interval=0.0, timeout=1)
                user = sim.user(800000001, first_name="Resident", language_code=language)
                print("Buurtstem terminal chat. Type /start to begin, a number to press a button"
                      " ('12 to type the number 12), /quit to stop.")
                await run_terminal_chat(sim, user)
                await updater.stop()
                await application.stop()
                await post_shutdown(application)
            await storage.close()
