"""Command line: ``python -m bot run | demo | chat | export | rounds | chart | pack``.

Every command that needs settings reads them from the environment / ``.env``; a
missing or invalid setting prints one line naming it and exits with code 2.

Each command imports what it needs inside its function, on purpose: ``export`` and
``rounds`` never load python-telegram-bot, matplotlib or the simulator, so the offline
commands and ``--help`` start fast.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.i18n import LANGUAGE_NAMES, CatalogueError, check_catalogues, is_rtl
from bot.settings import Settings, SettingsError, load_settings

EXIT_SETTINGS = 2
#: Seconds the interpreter lets one thread run while another waits to take over (Python's
#: default is 0.005). The storage's writes run one at a time in a thread of their own
#: (``bot.storage.Storage._run``); with the event loop busy, each write waited up to the
#: whole 5 ms to finish, and the next chat's write waited behind it. With 0.5 ms, a 50 ms
#: Bot API round trip and 200 residents (bench/load.py, no echo, alternating runs on a
#: machine at load 4-6): 132-208 updates/s against 98-133, same CPU per update.
SWITCH_INTERVAL_S = 0.0005


def _settings(*, require_bot: bool = True) -> Settings:
    """Settings, or exit 2 with one line naming the bad setting (the token is never shown)."""
    try:
        return load_settings(require_bot=require_bot)
    except SettingsError as exc:
        print(f"buurtstem: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_SETTINGS) from None


def _warm_up() -> None:
    """Load what the first story needs before the bot takes updates: the scrubber's word
    lists and name lists (``bot.privacy.names``, loaded on first use) took 1–2 s of CPU,
    in the event loop, on the first story after every start, so every resident's reply
    waited for them (the first-reply p99 of bench/load.py at 50 residents)."""
    from bot.privacy.scrub import scrub  # noqa: PLC0415 - only the running bot needs it

    scrub("Ik ging gisteren met Fatma naar het buurthuis aan de Dorpsstraat.")


@contextlib.contextmanager
def _start_without_gc() -> Iterator[None]:
    """Import and build the bot (and, in ``post_init``, warm it up) with the cyclic garbage
    collector off, then freeze what was loaded (:func:`gc.freeze`) and turn it back on.

    The start leaves about 160,000 objects the collector tracks that live as long as the
    process (modules, classes, functions, the scrubber's tables); the collector ran over and
    over on them while they were made, and every full collection later went through all of
    them again (55-60 ms of CPU each, and again at exit). Off while starting and frozen after:
    0.1-0.15 s less CPU per start (of about 1.2 s), a clean stop 0.04 s instead of 0.28 s, and
    a full collection while serving costs next to nothing. The start's own garbage (about
    1,300 objects) stays frozen with it. On an error the collector is simply turned back on
    (nothing frozen).
    """
    gc.disable()
    try:
        yield
    except BaseException:
        gc.enable()
        raise
    gc.freeze()
    gc.enable()


def cmd_run(args: argparse.Namespace) -> int:
    """Run the real bot: long polling, or a webhook server when ``WEBHOOK_URL`` is set."""
    settings = _settings()
    # The checks of build_application first: a bad setting, pack or catalogue stops here, in
    # one line, before python-telegram-bot and the handlers are imported (0.3 s of CPU
    # instead of 1.1 s).
    settings.catalogue()  # a broken SURVEY_PACK
    settings.pseudonym_key()
    check_catalogues()
    token = settings.telegram_bot_token
    if token is None:  # _settings() (require_bot) refused a missing token already
        raise SystemExit(EXIT_SETTINGS)
    with _start_without_gc():
        # lazy: only what this command needs (see the module docstring)
        from telegram import Update
        from telegram.error import InvalidToken, NetworkError

        from bot.app import build_application, webhook_options
        from bot.logs import configure_logging

        configure_logging(secrets=[token.get_secret_value(), settings.webhook_secret()])
        application = build_application(settings)
        sys.setswitchinterval(SWITCH_INTERVAL_S)  # the storage's writer thread (see the constant)
    # The warm-up after the Bot API accepted the token (getMe) and before the rest of the
    # start (the outbox, the inbox's replay) and the first update: a refused token or an
    # unreachable server ends without it (0.35 s of CPU of about 1.3 s).
    start = application.post_init

    async def warm_up_then_start(app: Any) -> None:
        with _start_without_gc():
            _warm_up()
        if start is not None:
            await start(app)

    application.post_init = warm_up_then_start
    # A start that fails at its first call (getMe): one line, not python-telegram-bot's two
    # tracebacks, the first of which (logged) and the second (raised) both carry the token
    # in InvalidToken's message.
    quiet = _QuietBootstrap()
    logging.getLogger("telegram.ext").addFilter(quiet)
    try:
        if settings.webhook_url:
            application.run_webhook(allowed_updates=Update.ALL_TYPES, **webhook_options(settings))
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken:
        print("buurtstem: TELEGRAM_BOT_TOKEN was refused by the Bot API server "
              "(copy the bot's token from @BotFather again)", file=sys.stderr)
        return EXIT_SETTINGS
    except NetworkError as exc:
        host = urlsplit(settings.telegram_api_base_url).netloc
        print(f"buurtstem: cannot reach the Bot API server at {host} "
              f"({type(exc).__name__}); is the network up?", file=sys.stderr)
        return 1
    finally:
        logging.getLogger("telegram.ext").removeFilter(quiet)
    return 0


class _QuietBootstrap(logging.Filter):
    """Drops python-telegram-bot's log record of a failed start (its ``Bootstrap`` retry loop
    logs the exception with its traceback, then raises it): :func:`cmd_run` says it in one line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """False for the bootstrap loop's records that carry an exception."""
        return not (record.exc_info and "Bootstrap" in str(record.msg) + str(record.args))


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the offline end-to-end demo."""
    # lazy: only what this command needs (see the module docstring)
    from bot.demo import run_demo
    from bot.survey import SurveyDataError

    pack = Path(args.pack) if args.pack else None
    try:
        summary = asyncio.run(run_demo(residents=args.residents, seed=args.seed, out_dir=Path(args.out),
                                       survey=args.survey, pack=pack))
    except SurveyDataError as exc:
        print(f"buurtstem: the pack is broken: {exc}", file=sys.stderr)
        return EXIT_SETTINGS
    print(summary.render())
    return 0 if summary.ok else 1


def cmd_chat(args: argparse.Namespace) -> int:
    """Talk to the bot as a resident from the terminal, via the simulator."""
    # lazy: only what this command needs (see the module docstring)
    from bot.demo import run_terminal
    from bot.survey import SurveyDataError

    try:
        asyncio.run(run_terminal(language=args.lang, survey=args.survey, db=args.db,
                                 pack=Path(args.pack) if args.pack else None))
    except SurveyDataError as exc:
        print(f"buurtstem: the pack is broken: {exc}", file=sys.stderr)
        return EXIT_SETTINGS
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write an export file, the same as the chat command."""
    # lazy: only what this command needs (see the module docstring)
    from bot.exports.service import run_export
    from bot.translation import from_settings as translation_from_settings

    settings = _settings(require_bot=False)
    fmt = args.format
    if fmt == "csv" and args.dialect == "excel-nl":
        fmt = "excel-nl"
    problem = _scope_problem(settings, args.round)
    if problem:
        print(f"buurtstem: {problem}", file=sys.stderr)
        return 1
    if fmt in ("stories", "effects"):
        return _export_msc(args, settings, fmt)
    from bot.exports.service import ExportRefused

    try:
        result = run_export(
            settings.database_path, settings.catalogue(), Path(args.out), fmt=fmt, tz=settings.tz,
            audience=args.audience,
            round_ids=[args.round] if args.round is not None else None,
            panel_secret=settings.export_key() if args.panel else None,
            min_cell_size=settings.min_cell_size, workers=os.cpu_count() or 1,
            translator=translation_from_settings(settings),
        )
    except ExportRefused as exc:
        print(f"buurtstem: {refusal_line(exc, settings.min_cell_size)}", file=sys.stderr)
        for note in exc.notes:
            print(f"note: {note}", file=sys.stderr)
        return 1
    except OSError as exc:  # no such folder, --out a folder, disk full: the .part is gone
        print(f"buurtstem: {cannot_write(args.out, exc)}", file=sys.stderr)
        return 1
    print(f"wrote {result.path}: {result.rows} rows, {result.respondents} respondents")
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def cannot_write(out: str, exc: OSError) -> str:
    """One line saying that ``out`` could not be written (nothing was left behind)."""
    return f"cannot write {out}: {exc.strerror or exc}; no file written"


def refusal_line(exc, k: int) -> str:
    """One line saying why an export or chart was not made (nothing was written)."""
    if exc.reason == "empty":
        return "no answers in this scope; no file written"
    if exc.reason == "no_stories":
        return "no approved story that may be quoted in this scope; no file written"
    if exc.reason == "no_codes":
        return "no story coded with an effect in this scope; no file written"
    if exc.reason == "only_stories":
        return ("the answers in this scope are all stories: a row file shows none of them"
                " (stories: --format stories); no file written")
    return (f"too few respondents to show without singling anyone out (figures come in groups of"
            f" {k} per centre; {exc.respondents} respondent(s) in scope); no file written")


def _scope_problem(settings: Settings, round_id: int | None) -> str | None:
    """Why an export or chart of ``round_id`` (None: all rounds) cannot be made, or None."""
    # lazy: only what this command needs (see the module docstring)
    import sqlite3

    from bot.exports.query import connect_readonly

    if not settings.database_path.exists():
        return f"database {settings.database_path} does not exist"
    if round_id is None:
        return None
    conn = connect_readonly(settings.database_path)
    try:
        found = conn.execute("SELECT 1 FROM rounds WHERE id = ?", (round_id,)).fetchone()
    except (sqlite3.Error, OverflowError):
        found = None
    finally:
        conn.close()
    return None if found else f"round {round_id} does not exist (see: python -m bot rounds list)"


def _export_msc(args: argparse.Namespace, settings: Settings, fmt: str) -> int:
    """``--format stories`` (folder: verhalen.md/.html, effecten.csv) or ``effects`` (CSV)."""
    # lazy: only what this command needs (see the module docstring)
    from bot.exports.csv_writer import write_table_csv
    from bot.exports.files import written_whole
    from bot.exports.query import connect_readonly
    from bot.exports.stories_doc import EFFECT_COLUMNS, effects_table, write_stories_files
    from bot.translation import from_settings as translation_from_settings

    rounds = [args.round] if args.round is not None else None
    out = Path(args.out)
    if fmt == "stories":
        if out.exists() and not out.is_dir():
            print(f"buurtstem: --out {out} is a file; the stories export writes a folder", file=sys.stderr)
            return 1
    conn = connect_readonly(settings.database_path)
    try:
        if fmt == "stories":
            paths = write_stories_files(conn, settings.catalogue(), out, round_ids=rounds,
                                        k=settings.min_cell_size, tz=settings.tz,
                                        audience=args.audience,
                                        translator=translation_from_settings(settings))
            print("wrote " + ", ".join(map(str, paths)))
        else:
            from bot.privacy.disclosure import grant

            grant("export.effects", args.audience, settings.min_cell_size)
            rows = effects_table(conn, settings.catalogue(), rounds, k=settings.min_cell_size)
            with written_whole(out) as (part,):  # as the other exports: no half file
                write_table_csv(EFFECT_COLUMNS, ([r[c] for c in EFFECT_COLUMNS] for r in rows),
                                part, dialect=args.dialect)
            print(f"wrote {args.out}")
    except OSError as exc:  # no such folder, --out a folder (or a file), disk full
        print(f"buurtstem: {cannot_write(args.out, exc)}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    return 0


async def _rounds(args: argparse.Namespace) -> int:
    from bot.services import Services
    from bot.storage import Storage

    settings = _settings(require_bot=False)
    cat = settings.catalogue()
    storage = await Storage.open(settings.database_path)
    svc = Services(settings=settings, storage=storage, catalogue=cat)
    try:
        await storage.seed_centres(cat.centres)
        if args.action in ("open", "close"):
            # lazy: only opening and closing need the round lifecycle (the outbox, the
            # stories' scrubber); listing, or a database that cannot be opened, does not
            from bot import rounds
        if args.action == "open":
            if args.survey not in cat.surveys:
                print(f"buurtstem: unknown survey {args.survey!r}; choose one of "
                      f"{', '.join(cat.surveys)}", file=sys.stderr)
                return 1
            from bot.survey.pinning import survey_pin

            try:
                round_ = await storage.create_round(args.survey, args.centre or [],
                                                    status="scheduled",
                                                    pin=survey_pin(cat, args.survey))
            except ValueError as exc:
                print(f"buurtstem: {exc}", file=sys.stderr)
                return 1
            queued = await rounds.open_round(svc, round_.id)  # as /open: invitations queued
            print(f"opened round {round_.id}: survey {round_.survey}, "
                  f"{len(round_.centres)} centre(s), {queued} invitation(s) queued")
        elif args.action == "close":
            try:
                await rounds.end_round(svc, args.id, "closed")  # as /close: unsent ones skipped
            except (rounds.RoundNotFound, rounds.RoundEnded) as exc:
                print(f"buurtstem: {exc}", file=sys.stderr)
                return 1
            print(f"closed round {args.id}")
        else:
            for round_ in await storage.rounds():
                print(f"{round_.id}\t{round_.survey}\t{round_.status}\t{','.join(round_.centres)}")
    finally:
        await storage.close()
    return 0


def cmd_rounds(args: argparse.Namespace) -> int:
    """Open, close or list rounds."""
    return asyncio.run(_rounds(args))


def cmd_chart(args: argparse.Namespace) -> int:
    """Draw the indicator chart of a round (or all rounds)."""
    # lazy: only what this command needs (see the module docstring)
    from bot.exports.service import run_chart

    settings = _settings(require_bot=False)
    problem = _scope_problem(settings, args.round)
    if problem:
        print(f"buurtstem: {problem}", file=sys.stderr)
        return 1
    from bot.exports.service import ExportRefused

    try:
        path = run_chart(settings.database_path, settings.catalogue(), Path(args.out), tz=settings.tz,
                         round_ids=[args.round] if args.round is not None else None,
                         k=settings.min_cell_size, language=args.language)
    except ExportRefused as exc:
        print(f"buurtstem: {refusal_line(exc, settings.min_cell_size)}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"buurtstem: {cannot_write(args.out, exc)}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def cmd_pack(args: argparse.Namespace) -> int:
    """``pack check FILE``: every problem of a pack; ``pack export DIR``: the pack as a workbook."""
    from bot.survey.catalogue import SurveyDataError, load_pack
    from bot.survey.xlsform import XLSFormError

    if args.action == "check":
        path = Path(args.file)
        try:
            cat = load_pack(path)
        except XLSFormError as exc:
            for problem in exc.problems:
                print(f"{path.name}: {problem}")
            print(f"{path}: {len(exc.problems)} problem(s)", file=sys.stderr)
            return 1
        except SurveyDataError as exc:
            print(f"{path.name}: {exc}")
            return 1
        districts = f" in {len(cat.districts)} district(s)" if cat.districts else ""
        print(f"{path}: ok: pack {cat.name!r} (version {cat.version}), languages "
              f"{', '.join(cat.languages)} (source {cat.source_language}); "
              f"{len(cat.surveys)} survey(s), {len(cat.items)} item(s), "
              f"{len(cat.centres)} centre(s){districts}, {len(cat.main_goals)} main goal(s)")
        return 0
    from bot.survey.pack_export import export_pack

    settings = _settings(require_bot=False)
    path = export_pack(settings.catalogue() if args.pack is None else load_pack(Path(args.pack)),
                       Path(args.dir))
    print(f"wrote {path}")
    return 0


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m bot``."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="run the bot (long polling)").set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="offline end-to-end demo through the local simulator")
    demo.add_argument("--residents", type=_positive, default=30)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--out", default="demo-output")
    demo.add_argument("--survey", default="short", help="survey of the pack (default: short, or the pack's first)")
    demo.add_argument("--pack", default=None, help="survey pack: a folder or an XLSForm .xlsx (default: the Den Haag pack)")
    demo.set_defaults(func=cmd_demo)

    chat = sub.add_parser("chat", help="chat with the bot as a resident, via the simulator")
    chat.add_argument("--lang", default="nl")
    chat.add_argument("--survey", default="short")
    chat.add_argument("--db", default=None, help="database file (default: a temporary one)")
    chat.add_argument("--pack", default=None, help="survey pack: a folder or an XLSForm .xlsx; --survey"
                      " defaults to its first survey (default: the Den Haag pack)")
    chat.set_defaults(func=cmd_chat)

    export = sub.add_parser("export", help="export anonymised answers")
    export.add_argument("--out", required=True)
    export.add_argument("--round", type=int, default=None)
    export.add_argument("--format", choices=["csv", "xlsx", "codebook", "stories", "effects", "breakdown"],
                        default="csv", help="stories: --out is a folder (Markdown, HTML, effects CSV)")
    export.add_argument("--dialect", choices=["rfc4180", "excel-nl"], default="rfc4180")
    export.add_argument("--panel", action="store_true",
                        help="stable panel keys (HMAC, EXPORT_SECRET): the one exception to unlinkable exports")
    export.add_argument("--audience", choices=["admin", "coordinator"], default="admin",
                        help="admin: k-anonymous row file; coordinator: the aggregate table a coordinator gets")
    export.add_argument("--include-small-stories", action="store_true",
                        help="no longer needed: stories follow the per-story rules (docs/privacy.md)")
    export.set_defaults(func=cmd_export)

    rounds = sub.add_parser("rounds", help="open, close or list survey rounds")
    rsub = rounds.add_subparsers(dest="action", required=True)
    ropen = rsub.add_parser("open")
    ropen.add_argument("--survey", default="praatplaat")
    ropen.add_argument("--centre", action="append", help="centre code (repeatable; default all)")
    rclose = rsub.add_parser("close")
    rclose.add_argument("id", type=int)
    rsub.add_parser("list")
    rounds.set_defaults(func=cmd_rounds)

    pack = sub.add_parser("pack", help="check a survey pack, or export one as an XLSForm workbook")
    psub = pack.add_subparsers(dest="action", required=True)
    pcheck = psub.add_parser("check", help="list every problem of a pack, with sheet and row")
    pcheck.add_argument("file", help="a pack folder or an XLSForm .xlsx")
    pexport = psub.add_parser("export", help="write the pack (SURVEY_PACK or the default) as a workbook")
    pexport.add_argument("dir", help="folder for <pack>.xlsx, pictures/ and audio/")
    pexport.add_argument("--pack", default=None, help="another pack than SURVEY_PACK")
    pack.set_defaults(func=cmd_pack)

    chart = sub.add_parser("chart", help="draw the indicator chart (PNG)")
    chart.add_argument("--out", required=True)
    chart.add_argument("--round", type=int, default=None)
    chart.add_argument("--language", default="nl", choices=[lang for lang in LANGUAGE_NAMES if not is_rtl(lang)],
                       help="language of the chart's texts (default nl; Arabic charts are not drawn:"
                       " matplotlib cannot shape Arabic script)")
    chart.set_defaults(func=cmd_chart)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bot`` and the ``buurtstem`` script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (SettingsError, CatalogueError) as exc:  # e.g. --panel without EXPORT_SECRET
        print(f"buurtstem: {exc}", file=sys.stderr)
        return EXIT_SETTINGS
    except sqlite3.DatabaseError as exc:  # DATABASE_PATH a folder, not a database, unreadable
        print(f"buurtstem: the database (DATABASE_PATH) cannot be used: {exc}", file=sys.stderr)
        return EXIT_SETTINGS
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
