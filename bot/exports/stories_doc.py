"""The stories document (Markdown and printable HTML) and the effects table.

Outputs of the Most Significant Change process (:mod:`bot.msc`):

* ``verhalen.md`` / ``verhalen.html``: the **approved** stories, grouped by domain
  (``self``, ``neighbourhood``, then the five life domains), selected stories first, each
  with its "why it matters", its effect codes, a mark if it is on the shortlist, and the
  reasons it was selected (Davies &
  Dart 2005, "The 'Most Significant Change' (MSC) Technique: A Guide to Its Use": the
  selected stories are documented together with the reasons for their selection).
  Withheld stories and stories still to review are never in it, nor stories whose teller
  did not say yes to being quoted, nor stories from a centre, or a centre x language
  group, with fewer than k respondents in the round (one Polish speaker at a centre would
  be named by the script of the quote alone; :func:`bot.privacy.disclosure.story_quotable`).
  Such stories still count in the effects table. No respondent, no day: the centre, the
  month and the language only. The HTML is one standalone file
  with inline CSS that prints on A4 (a story is never split over two pages); every text
  is escaped with :func:`html.escape`.
* ``effecten.csv``: the effects table in the shape of appendix 3 of Movisie (2025), "Op
  weg naar monitoring – Ontmoetingscentra Den Haag Zuidwest" ("Frequentie van benoemde
  effecten"): main goal | effect | kinds of answers | times mentioned (number of stories
  coded with the effect), with small-cell suppression (1 … k-1 → ``"<k"``), and how many
  of the stories document's stories carry it (``in_document``).

The renderers are pure functions over :class:`StoryRecord` lists; :func:`load_stories`
and :func:`effects_table` read a plain :mod:`sqlite3` connection (run them in a thread
from async code).
"""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot import msc
from bot.exports.csv_writer import Dialect, write_table_csv
from bot.exports.files import written_whole
from bot.exports.safety import suppress
from bot.i18n import Translator
from bot.privacy.disclosure import grant, story_quotable
from bot.privacy.scrub import scrub
from bot.survey import Catalogue

#: Column order of the effects table (``effecten.csv``).
EFFECT_COLUMNS: tuple[str, ...] = (
    "main_goal", "main_goal_nl", "effect", "effect_nl", "kinds_nl", "mentioned", "in_document",
)

#: Default time zone of the dates shown.
DEFAULT_TZ = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True, slots=True)
class SelectionNote:
    """Why a story was selected.

    Attributes:
        level: ``centre`` (by the centre's coordinator) or ``all`` (across centres).
        centre_name: The centre's name for level ``centre``, else ``""``.
        reason: The selector's reason, as written (scrubbed).
    """

    level: str
    centre_name: str
    reason: str


@dataclass(frozen=True, slots=True)
class StoryRecord:
    """An approved story, ready to print (no respondent, no chat id, no time of day).

    Attributes:
        round_id: The round.
        centre_code: Centre code.
        centre_name: Centre name.
        language: Language the story was told in (``nl``, ``tr`` …).
        domain: ``self``, ``neighbourhood`` or a life-domain id.
        text: The story (the coordinator's redaction where there is one), scrubbed.
        why: Why it matters to the teller (scrubbed), or ``""``.
        answered_on: Calendar date (local time zone).
        codes: Effect ids coded on it, in catalogue order.
        selections: Why it was selected, ``all`` level first; empty if not selected.
        shortlisted: On a coordinator's shortlist.
        translation: The story machine-translated into ``translated_to``, or ``""``
            (:func:`translate_records`; only with ``TRANSLATE_URL`` set).
        why_translation: "Why it matters", machine-translated, or ``""``.
        translated_to: Language of the translations, or ``""``.
    """

    round_id: int
    centre_code: str
    centre_name: str
    language: str
    domain: str
    text: str
    why: str
    answered_on: date
    codes: tuple[str, ...]
    selections: tuple[SelectionNote, ...]
    shortlisted: bool = False
    translation: str = ""
    why_translation: str = ""
    translated_to: str = ""

    @property
    def selected(self) -> bool:
        """True if the story was selected at any level."""
        return bool(self.selections)


# -- loading ---------------------------------------------------------------------------
def load_stories(conn: sqlite3.Connection, cat: Catalogue, round_ids: Sequence[int] | None = None,
                 centres: Sequence[str] | None = None, *, tz: ZoneInfo = DEFAULT_TZ,
                 k: int = 5) -> list[StoryRecord]:
    """The approved stories (never withheld, never still to review), for the documents.

    Args:
        conn: A ``sqlite3`` connection to the Buurtstem database.
        cat: The catalogue (domains, effect order).
        round_ids: Only these rounds (None: all).
        centres: Only stories told at these centres (None: all) — a coordinator's scope.
        tz: Time zone of the dates.
        k: ``MIN_CELL_SIZE``. A story is in the documents only if it may be quoted
            (:func:`bot.privacy.disclosure.story_quotable`): the teller said yes to being
            quoted, and at least ``k`` respondents of its round answered at its centre and
            at its centre in its language (the script of a quote shows the language even
            where the heading does not name it).

    Returns:
        Records ordered by domain, then selected (across centres first) before the rest,
        then by date.
    """
    names = dict(conn.execute("SELECT code, name FROM centres").fetchall())
    group_size = {(r, c, lang): n for r, c, lang, n in conn.execute(
        "SELECT round_id, centre_code, language, COUNT(DISTINCT respondent) FROM answers_shown"
        " GROUP BY round_id, centre_code, language")}
    centre_size = {(r, c): n for r, c, n in conn.execute(
        "SELECT round_id, centre_code, COUNT(DISTINCT respondent) FROM answers_shown"
        " GROUP BY round_id, centre_code")}
    consent = {answer_id: ok for answer_id, ok in conn.execute(
        "SELECT a.id, p.quote_ok FROM answers a JOIN participations p"
        " ON p.round_id = a.round_id AND p.respondent = a.respondent WHERE p.quote_ok IS NOT NULL")}
    effect_order = {e.id: i for i, e in enumerate(cat.effects)}
    order = {d: i for i, d in enumerate(msc.domains(cat))}
    records = []
    for story in msc.load_stories_sync(conn, cat, round_ids, centres):
        if story.state != "approved":
            continue
        if not story_quotable(
                consent=consent.get(story.answer_id),
                centre_respondents=centre_size.get((story.round_id, story.centre_code), 0),
                language_respondents=group_size.get((story.round_id, story.centre_code, story.language), 0),
                k=k):
            continue
        text = scrub(story.text).text.strip()
        if not text:
            continue
        notes = tuple(
            SelectionNote(s.level, names.get(s.centre_code, s.centre_code or "") if s.level == "centre" else "",
                          s.reason)
            for s in sorted(story.selections, key=lambda s: -msc.LEVELS.index(s.level))
        )
        records.append(StoryRecord(
            round_id=story.round_id, centre_code=story.centre_code,
            centre_name=names.get(story.centre_code, story.centre_code),
            language=story.language,
            domain=story.domain, text=text, why=scrub(story.why).text.strip() if story.why else "",
            answered_on=story.answered_at.astimezone(tz).date(),
            codes=tuple(sorted(story.codes, key=lambda e: effect_order.get(e, 99))),
            selections=notes, shortlisted=story.shortlisted,
        ))

    def key(r: StoryRecord):
        rank = 0 if any(n.level == "all" for n in r.selections) else 1 if r.selections else 2
        return (order.get(r.domain, 99), rank, r.answered_on, r.centre_name)

    return sorted(records, key=key)


def translate_records(records: Sequence[StoryRecord], translator, target: str) -> list[StoryRecord]:
    """The records with their machine translation into ``target`` where one can be had.

    Args:
        records: From :func:`load_stories`.
        translator: A :class:`bot.translation.MachineTranslator`, or None (then the
            records come back as they are).
        target: The reader's language.

    Returns:
        New records; a story already in ``target``, or one the service failed on, has no
        translation (the document shows the original only).
    """
    if translator is None:
        return list(records)
    out = []
    for r in records:
        text = translator.translate(r.text, r.language, target) if r.language != target else None
        if not text:
            out.append(r)
            continue
        why = translator.translate(r.why, r.language, target) if r.why else None
        out.append(replace(r, translation=text, why_translation=why or "", translated_to=target))
    return out


def _machine_label(r: StoryRecord, tr: Translator) -> str:
    return tr._("Machinevertaling naar het {language}, niet gecontroleerd:",
                language=_language_name(r.translated_to, tr))


def _grouped(records: Sequence[StoryRecord], cat: Catalogue) -> list[tuple[str, list[StoryRecord]]]:
    groups: dict[str, list[StoryRecord]] = {}
    for record in records:
        groups.setdefault(record.domain, []).append(record)
    order = msc.domains(cat)
    return [(d, groups[d]) for d in sorted(groups, key=lambda d: order.index(d) if d in order else 99)]


def _date(value: date, tr: Translator) -> str:
    """The month a story was told (a day could point to who came in that day)."""
    return format_date(value, format="LLLL y", locale=tr.language)


def _language_name(code: str, tr: Translator) -> str:
    return tr.locale.languages.get(code, code)


def _meta(r: StoryRecord, tr: Translator) -> list[str]:
    """Centre, month and (if not left out) language of a story."""
    return [r.centre_name, _date(r.answered_on, tr), *([_language_name(r.language, tr)] if r.language else [])]


def _selection_label(note: SelectionNote, tr: Translator) -> str:
    if note.level == "all":
        return tr._("Gekozen uit alle centra")
    return tr._("Gekozen door {centre}", centre=note.centre_name)


# -- Markdown --------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|!~&])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|(\d+)([.)]))")


def md_escape(text: str) -> str:
    """Escape a resident's or panel's text so Markdown shows it literally (no links,
    no HTML, no headings or lists)."""
    out = []
    for line in _MD_SPECIAL.sub(r"\\\1", text).split("\n"):
        match = _MD_LINE_START.match(line)
        if match:
            if match.group(3):
                line = f"{match.group(1)}{match.group(3)}\\{match.group(4)}{line[match.end():]}"
            else:
                line = f"{match.group(1)}\\{match.group(2)}{line[match.end():]}"
        out.append(line)
    return "\n".join(out)


def _intro(tr: Translator, records: Sequence[StoryRecord]) -> tuple[str, str, str]:
    rounds = sorted({r.round_id for r in records})
    title = tr._("Verhalen van betekenisvolle verandering")
    meta = " · ".join(filter(None, [
        "Buurtstem",
        tr.ngettext("ronde {rounds}", "rondes {rounds}", len(rounds), rounds=", ".join(map(str, rounds))) if rounds else "",
        tr.ngettext("{n} verhaal", "{n} verhalen", len(records)),
    ]))
    intro = tr._("Goedgekeurde verhalen van bewoners, per domein; gekozen verhalen eerst. Bij elk verhaal: waarom het de verteller belangrijk is, welke effecten erin genoemd worden en, als het gekozen is, waarom. Telefoonnummers, adressen, e-mailadressen en andere herkenbare gegevens zijn zo goed mogelijk weggehaald; wie een verhaal vertelde staat er niet in.")
    return title, meta, intro


def _sources(tr: Translator) -> str:
    return tr._("Methode: Most Significant Change (Davies & Dart 2005, The 'Most Significant Change' (MSC) Technique: A Guide to Its Use). Effecten: bijlage 3 van Movisie (2025), Op weg naar monitoring – Ontmoetingscentra Den Haag Zuidwest.")


def stories_markdown(records: Sequence[StoryRecord], cat: Catalogue, *, language: str = "nl") -> str:
    """The stories document as Markdown (CommonMark; every text escaped).

    Args:
        records: From :func:`load_stories` (only approved stories are given to it).
        cat: The catalogue (domain names, effect labels).
        language: Language of headings and labels (the stories stay as told).
    """
    tr = Translator(language)
    title, meta, intro = _intro(tr, records)
    why_label, codes_label = tr._("Waarom belangrijk:"), tr._("Effecten:")
    lines = [f"# {md_escape(title)}", "", md_escape(meta), "", md_escape(intro), ""]
    if not records:
        lines += [md_escape(tr._("Er zijn (nog) geen goedgekeurde verhalen.")), ""]
    for domain, group in _grouped(records, cat):
        lines += [f"## {md_escape(msc.domain_label(cat, domain, tr))} ({len(group)})", ""]
        for n, r in enumerate(group, 1):
            star = "🏆 " if r.selected else ""
            heading = tr._("Verhaal {n}", n=n)
            facts = [*_meta(r, tr), *([tr._("Op de shortlist")] if r.shortlisted and not r.selected else [])]
            lines.append(f"### {star}{md_escape(heading)} · " + " · ".join(md_escape(m) for m in facts))
            lines.append("")
            lines += [f"> {line}" if line else ">" for line in md_escape(r.text).split("\n")]
            lines.append("")
            if r.why:
                lines += [f"**{md_escape(why_label)}** {md_escape(r.why)}", ""]
            if r.translation:
                lines += [f"*{md_escape(_machine_label(r, tr))}*", ""]
                lines += [f"> {line}" if line else ">" for line in md_escape(r.translation).split("\n")]
                lines.append("")
                if r.why_translation:
                    lines += [f"**{md_escape(why_label)}** {md_escape(r.why_translation)}", ""]
            if r.codes:
                labels = "; ".join(md_escape(msc.effect_label(cat, e, tr.language)) for e in r.codes)
                lines += [f"**{md_escape(codes_label)}** {labels}", ""]
            for note in r.selections:
                lines += [f"**{md_escape(_selection_label(note, tr))}:** “{md_escape(note.reason)}”", ""]
    lines += ["---", "", md_escape(_sources(tr)), ""]
    return "\n".join(lines)


# -- HTML ------------------------------------------------------------------------------
_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
* { box-sizing: border-box; }
html { font-size: 11pt; }
body { font-family: Georgia, "Noto Serif", "DejaVu Serif", "Times New Roman", serif;
       line-height: 1.45; color: #1b1b1b; background: #fff;
       max-width: 46em; margin: 2em auto; padding: 0 1.2em; }
h1, h2, h3, .meta, .story-meta, .label, .codes, .badge, footer {
       font-family: "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans", sans-serif; }
h1 { font-size: 1.9em; margin: 0 0 .2em; color: #1f4e3d; }
.meta { color: #555; margin: 0 0 .8em; }
.intro { margin: 0 0 1.6em; }
h2 { font-size: 1.35em; color: #1f4e3d; border-bottom: 2px solid #1f4e3d;
     padding-bottom: .15em; margin: 1.6em 0 .8em;
     page-break-after: avoid; break-after: avoid; }
h2 .count { font-weight: normal; color: #666; font-size: .8em; }
article.story { border-left: 4px solid #c7d5cd; padding: .35em 0 .35em 1em;
                margin: 0 0 1.3em; page-break-inside: avoid; break-inside: avoid; }
article.story.selected { border-left-color: #c8941b; }
.story-meta { font-size: .85em; color: #555; margin: 0 0 .3em; }
.badge { display: inline-block; background: #c8941b; color: #fff; border-radius: 3px;
         padding: 0 .45em; margin-right: .4em; font-size: .9em; }
.badge.short { background: #6b7f75; }
blockquote { margin: .2em 0 .5em; padding: 0; font-size: 1.08em; }
blockquote p { margin: 0 0 .3em; }
.why { margin: .2em 0 .4em; }
.label { font-weight: bold; font-size: .85em; color: #333; }
.codes { list-style: none; padding: 0; margin: .2em 0 .4em; }
.codes li { display: inline-block; background: #e8f0ec; color: #1f4e3d; border-radius: 3px;
            padding: .05em .5em; margin: 0 .35em .3em 0; font-size: .82em; }
.machine { margin: .2em 0 .5em; padding: .3em .6em; border: 1px dashed #9aa; border-radius: 3px; color: #333; }
.machine .label { margin: 0; font-style: italic; }
.reason { margin: .3em 0 0; padding: .3em .6em; background: #fbf5e6; border-radius: 3px; }
footer { margin-top: 2.5em; padding-top: .6em; border-top: 1px solid #ccc; font-size: .8em; color: #555; }
@media print {
  body { margin: 0; max-width: none; padding: 0; }
  h1 { margin-top: 0; }
}
""".strip()


def _h(text: str) -> str:
    """Escape for HTML; newlines become ``<br>``."""
    return html.escape(text, quote=True).replace("\n", "<br>\n")


def _paragraphs(text: str) -> str:
    parts = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{_h(p.strip())}</p>" for p in parts)


def stories_html(records: Sequence[StoryRecord], cat: Catalogue, *, language: str = "nl") -> str:
    """The stories document as one standalone, printable HTML page (inline CSS, A4).

    Args:
        records: From :func:`load_stories`.
        cat: The catalogue (domain names, effect labels).
        language: Language of headings and labels (the stories stay as told, each marked
            with its ``lang`` and ``dir="auto"`` so right-to-left text reads well).
    """
    tr = Translator(language)
    title, meta, intro = _intro(tr, records)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(tr.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_h(title)}</h1>",
        f'<p class="meta">{_h(meta)}</p>',
        f'<p class="intro">{_h(intro)}</p>',
        "</header>",
        "<main>",
    ]
    why_label, codes_label, chosen = tr._("Waarom belangrijk:"), tr._("Effecten:"), tr._("Gekozen")
    shortlist = tr._("Op de shortlist")
    if not records:
        empty = tr._("Er zijn (nog) geen goedgekeurde verhalen.")
        out.append(f"<p>{_h(empty)}</p>")
    for domain, group in _grouped(records, cat):
        out.append('<section class="domain">')
        out.append(f'<h2>{_h(msc.domain_label(cat, domain, tr))} <span class="count">({len(group)})</span></h2>')
        for r in group:
            lang = f' lang="{html.escape(r.language, quote=True)}"' if r.language else ""
            classes = "story selected" if r.selected else "story"
            badge = (f'<span class="badge">{_h(chosen)}</span>' if r.selected else
                     f'<span class="badge short">{_h(shortlist)}</span>' if r.shortlisted else "")
            out.append(f'<article class="{classes}">')
            out.append(f'<p class="story-meta">{badge}' + " · ".join(_h(m) for m in _meta(r, tr)) + "</p>")
            out.append(f'<blockquote{lang} dir="auto">{_paragraphs(r.text)}</blockquote>')
            if r.why:
                out.append(f'<p class="why"><span class="label">{_h(why_label)}</span> '
                           f'<span{lang} dir="auto">{_h(r.why)}</span></p>')
            if r.translation:
                to = f' lang="{html.escape(r.translated_to, quote=True)}"'
                out.append(f'<div class="machine"><p class="label">{_h(_machine_label(r, tr))}</p>'
                           f'<blockquote{to} dir="auto">{_paragraphs(r.translation)}</blockquote>'
                           + (f'<p class="why"><span class="label">{_h(why_label)}</span> '
                              f'<span{to} dir="auto">{_h(r.why_translation)}</span></p>'
                              if r.why_translation else "") + "</div>")
            if r.codes:
                items = "".join(f"<li>{_h(msc.effect_label(cat, e, tr.language))}</li>" for e in r.codes)
                out.append(f'<ul class="codes" aria-label="{_h(codes_label)}">{items}</ul>')
            for note in r.selections:
                out.append(f'<p class="reason"><span class="label">{_h(_selection_label(note, tr))}:</span> '
                           f"“{_h(note.reason)}”</p>")
            out.append("</article>")
        out.append("</section>")
    out += ["</main>", f"<footer>{_h(_sources(tr))}</footer>", "</body>", "</html>", ""]
    return "\n".join(out)


# -- effects table ---------------------------------------------------------------------
def effect_counts(conn: sqlite3.Connection, round_ids: Sequence[int] | None = None,
                  centres: Sequence[str] | None = None) -> dict[str, int]:
    """Effect id → number of (non-withheld) stories coded with it."""
    where = [f"a.{msc.WITHHELD_CONDITION}"]
    params: list = []
    if round_ids is not None:
        where.append(f"a.round_id IN ({','.join('?' * len(round_ids)) or 'NULL'})")
        params += list(round_ids)
    if centres is not None:
        where.append(f"a.centre_code IN ({','.join('?' * len(centres)) or 'NULL'})")
        params += list(centres)
    sql = ("SELECT c.effect_id, COUNT(DISTINCT c.answer_id) FROM msc_codes c"
           " JOIN answers a ON a.id = c.answer_id WHERE " + " AND ".join(where) + " GROUP BY c.effect_id")
    return dict(conn.execute(sql, params).fetchall())


def effects_table(conn: sqlite3.Connection, cat: Catalogue, round_ids: Sequence[int] | None = None,
                  centres: Sequence[str] | None = None, k: int = 5) -> list[dict]:
    """The effects table in the shape of appendix 3 (Movisie 2025).

    One row per effect category, in source order, keyed by :data:`EFFECT_COLUMNS`:
    ``main_goal`` (id), ``main_goal_nl``, ``effect`` (id), ``effect_nl`` (the "Effect"
    column), ``kinds_nl`` (the "Type antwoorden" column) and ``mentioned``: how many
    stories were coded with it (withheld stories never count; stories still to review
    do), as ``int``, or ``"<k"`` for 1 … k-1 (small-cell suppression; ``k <= 1`` shows
    every count); ``in_document``: how many stories of the stories document of the same
    scope (:func:`load_stories`) carry it, so the table counts what the document shows
    (no suppression: the document shows those stories with their effects).
    """
    counts = effect_counts(conn, round_ids, centres)
    shown: dict[str, int] = {}
    for record in load_stories(conn, cat, round_ids, centres, k=k):
        for code in record.codes:
            shown[code] = shown.get(code, 0) + 1
    rows = []
    for effect in cat.effects:
        goal = cat.main_goals.get(effect.main_goal)
        rows.append({
            "main_goal": effect.main_goal,
            "main_goal_nl": goal.text["nl"] if goal else "",
            "effect": effect.id,
            "effect_nl": effect.label["nl"],
            "kinds_nl": effect.kinds_nl,
            "mentioned": suppress(counts.get(effect.id, 0), k),
            "in_document": shown.get(effect.id, 0),
        })
    return rows


# -- files -----------------------------------------------------------------------------
def write_stories_files(conn: sqlite3.Connection, cat: Catalogue, out_dir: Path | str, *,
                        round_ids: Sequence[int] | None = None, centres: Sequence[str] | None = None,
                        k: int = 5, tz: ZoneInfo = DEFAULT_TZ, language: str = "nl",
                        dialect: Dialect = "rfc4180", audience: str = "admin",
                        translator=None) -> list[Path]:
    """Write ``verhalen.md``, ``verhalen.html`` and ``effecten.csv`` into ``out_dir``.

    Asks the disclosure policy first (``export.stories`` and ``export.effects`` for
    ``audience``); only quotable stories go in (see :func:`load_stories`).

    Returns:
        The three paths, in that order.

    Raises:
        OSError: A file cannot be written (none of the three is then left half-written).
    """
    k = grant("export.stories", audience, k).k
    grant("export.effects", audience, k)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    records = translate_records(load_stories(conn, cat, round_ids, centres, tz=tz, k=k),
                                translator, language)
    md, page, table = out / "verhalen.md", out / "verhalen.html", out / "effecten.csv"
    # each written next to its place and all three renamed into place once all are written:
    # a failure (disk full) leaves no half-written file, as the other exports
    with written_whole(md, page, table) as parts:
        parts[0].write_text(stories_markdown(records, cat, language=language), encoding="utf-8")
        parts[1].write_text(stories_html(records, cat, language=language), encoding="utf-8")
        rows = effects_table(conn, cat, round_ids, centres, k=k)
        write_table_csv(EFFECT_COLUMNS, ([row[c] for c in EFFECT_COLUMNS] for row in rows), parts[2],
                        dialect=dialect)
    return [md, page, table]

