"""``/progress``: how far a round is — counts only, never an answer or a person.

Counts from 1 to ``k - 1`` are shown as ``<k`` (small-cell suppression, default k = 5),
so a coordinator cannot tell from the numbers who took part. The per-language counts add
up to "started", so one more language is withheld (``x``) where the total would give a
hidden one away (secondary suppression, as in the export's summary sheet).

"Started" and "finished" count residents (one participation per resident and round),
not sessions or messages. Per question the report says how many answered, did not know
or skipped it; whether someone skipped is an answer, so these counts are made over the
*released* residents only (:func:`bot.exports.query.released_respondents`: batches of k
finishers per centre), like every figure in an export, with primary and secondary
suppression: a /progress just before and just after one resident finishes is the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.exports.query import connect_readonly, released_respondents
from bot.exports.safety import suppress
from bot.exports.scope import scope_sql, where
from bot.exports.summary import SECONDARY_MARK, suppress_cells
from bot.i18n import Translator, language_name, offered_languages
from bot.storage import Storage


@dataclass
class RoundProgress:
    """Counts of one round.

    Attributes:
        invited: Invitations sent.
        started: Respondents who started.
        finished: Respondents who finished.
        by_language: Language -> respondents who started.
        by_item: Item id -> answers stored.
        released: Respondents counted in :attr:`by_status` (see :func:`item_status_counts`).
        by_status: Item id -> ``{"answered", "dont_know", "skipped"}`` -> released
            respondents; empty until :func:`item_status_counts` fills it.
        finished_by_centre: Centre code -> respondents who finished (for the districts).
        districts: Centre code -> district, for the centres that have one.
    """

    invited: int = 0
    started: int = 0
    finished: int = 0
    by_language: dict[str, int] = field(default_factory=dict)
    by_item: dict[str, int] = field(default_factory=dict)
    released: int = 0
    by_status: dict[str, Counter] = field(default_factory=dict)
    finished_by_centre: dict[str, int] = field(default_factory=dict)
    districts: dict[str, str] = field(default_factory=dict)


#: Answer states counted per question, in the order shown.
STATUSES: tuple[str, ...] = ("answered", "dont_know", "skipped")


def item_status_counts(db_path: Path | str, round_id: int, centres: Sequence[str] | None,
                       k: int) -> tuple[int, dict[str, Counter]]:
    """Answered / don't know / skipped per question, over released respondents only.

    Blocking (plain :mod:`sqlite3`, read-only); run it in a thread.

    Args:
        db_path: The database file.
        round_id: The round.
        centres: Only these centres (a coordinator's share), or None.
        k: ``MIN_CELL_SIZE``: respondents are released in batches of k per centre
            (:func:`bot.exports.query.released_respondents`).

    Returns:
        ``(released, counts)``: the number of released respondents, and item id ->
        status -> respondents of them. A released respondent without an answer to an
        item (a closed round they did not finish) is in no status of it.
    """
    conn = connect_readonly(db_path)
    try:
        conn.execute("BEGIN")       # one snapshot for the release and the counts
        released = released_respondents(conn, [round_id], centres, k)
        conditions, params = scope_sql([round_id], centres)
        counts: dict[str, Counter] = {}
        for rid, respondent, item, status in conn.execute(
                "SELECT round_id, respondent, item_id, status FROM answers" + where(conditions), params):
            if (rid, respondent) in released:
                counts.setdefault(item, Counter())[status] += 1
        return len(released), counts
    finally:
        conn.close()


def shown(count: int, k: int) -> str:
    """A count as shown to a coordinator: ``0``, ``<5`` or the number
    (:func:`bot.exports.safety.suppress`, as text)."""
    return str(suppress(count, k))


async def round_progress(storage: Storage, round_id: int,
                         centres: Sequence[str] | None = None) -> RoundProgress:
    """Collect the counts of a round from the database.

    Args:
        storage: The Buurtstem database.
        round_id: The round.
        centres: Only count these centres (a coordinator's share of a round that runs in
            several centres; invitations by the resident's centre now). None: all.
    """
    result = RoundProgress()
    db = storage.db
    if centres is None:
        only, only_contact, params = "", "", []
    else:
        marks = ",".join("?" * len(centres))
        only = f" AND centre_code IN ({marks})"
        only_contact = (f" AND chat_id IN (SELECT chat_id FROM contacts"
                        f" WHERE centre_code IN ({marks}))")
        params = list(centres)
    async with db.execute(
        "SELECT COUNT(*) FROM outbox WHERE round_id = ? AND kind = 'invite' AND status = 'sent'"
        + only_contact, (round_id, *params),
    ) as cur:
        row = await cur.fetchone()
        result.invited = row[0] if row is not None else 0
    async with db.execute(
        "SELECT language, COUNT(*), SUM(finished_at IS NOT NULL) FROM participations"
        " WHERE round_id = ?" + only + " GROUP BY language", (round_id, *params),
    ) as cur:
        for language, started, finished in await cur.fetchall():
            result.by_language[language] = started
            result.started += started
            result.finished += finished or 0
    async with db.execute(
        "SELECT item_id, COUNT(*) FROM answers WHERE round_id = ?" + only + " GROUP BY item_id",
        (round_id, *params),
    ) as cur:
        result.by_item = {item: n for item, n in await cur.fetchall()}
    async with db.execute(
        "SELECT centre_code, SUM(finished_at IS NOT NULL) FROM participations"
        " WHERE round_id = ?" + only + " GROUP BY centre_code", (round_id, *params),
    ) as cur:
        result.finished_by_centre = {code: n or 0 for code, n in await cur.fetchall()}
    places = await storage.centre_places()
    result.districts = {code: district for code, (_hood, district) in places.items() if district}
    return result


def district_finished(progress: RoundProgress, k: int) -> dict[str, int | str]:
    """Finished residents per district, as cells of the total "finished".

    The districts (and the centres without one, key ``""``) add up to "finished", so they
    are suppressed as cells of that total, as the languages are of "started": 1 … k-1
    shown as ``<k``, and one more withheld (``x``) where the total would give a small one
    back; every cell withheld where "finished" itself is. No centre's count is in the
    report, so there is nothing finer to difference a district against.

    Returns:
        District -> count (``int``) or mark, ``""`` for the centres without a district
        (only when some have one); empty when no centre of the report lies in a district,
        or all lie in one (the total already says it).
    """
    groups: dict[str, int] = {}
    for code, n in sorted(progress.finished_by_centre.items()):
        district = progress.districts.get(code, "")
        groups[district] = groups.get(district, 0) + n
    if not any(groups) or len(groups) < 2:  # one district only: the total says it
        return {}
    if k <= 1:
        return dict(sorted(groups.items())) if any(groups) else {}
    groups = dict(sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0])))
    if progress.finished < k:
        return {d: (suppress(n, k) if n else 0) for d, n in groups.items()}
    cells, total_shown = suppress_cells(groups, k)
    return cells if total_shown else dict.fromkeys(groups, SECONDARY_MARK)


def progress_items(items) -> list[str]:
    """The items whose answer counts ``/progress`` may show: those every respondent is
    asked. An item shown only after a certain choice (``shown_if``, e.g. the story question
    for a domain picked in ``msc.domains``) is left out: its count going up by one just
    after a resident finished would tell that resident's choice.

    Args:
        items: The round's survey items (:class:`bot.survey.Item`), in order.

    Returns:
        Their ids, without the conditional ones.
    """
    return [i.id for i in items if getattr(i, "shown_if", None) is None]


def question_text(item, language: str, width: int = 70) -> str:
    """A question as the report names it: its prompt in ``language`` (else Dutch), first
    line, cut to ``width`` characters."""
    prompt = item.prompt.get(language) or item.prompt["nl"]
    line = " ".join(prompt.split("\n", 1)[0].split())
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def render_progress(progress: RoundProgress, round_label: str, items: list[str], tr: Translator, k: int,
                    scope: str | None = None, questions: Mapping[str, str] | None = None) -> str:
    """The /progress message.

    Args:
        progress: The raw counts (with :attr:`RoundProgress.by_status` filled for the
            per-question part).
        round_label: First line (see :func:`admin.round_views.round_label`).
        items: Item ids of the round's survey, in order (:func:`progress_items`).
        tr: The coordinator's language.
        k: Minimum cell size (``MIN_CELL_SIZE``).
        scope: A line under the label saying the counts cover only some centres.
        questions: Item id -> question text (:func:`question_text`); the id where missing.
    """
    # The languages add up to "started": suppress them as cells of that total.
    languages = {lang: progress.by_language[lang] for lang in offered_languages() if lang in progress.by_language}
    started = shown(progress.started, k)
    by_language: dict[str, int | str]
    if progress.started < k or k <= 1:
        # "started" is hidden itself (or nothing is): primary suppression only.
        by_language = {lang: shown(count, k) for lang, count in languages.items()}
    else:
        by_language, total_shown = suppress_cells(languages, k)
        if not total_shown:
            started = SECONDARY_MARK
    lines = [round_label, *([scope] if scope else []), ""]
    lines += [
        tr._("Uitgenodigd: {n}", n=shown(progress.invited, k)),
        tr._("Begonnen: {n}", n=started),
        tr._("Klaar: {n}", n=shown(progress.finished, k)),
        tr._("(aantal bewoners: wie stopt en later verder gaat, telt één keer)"),
        "",
        tr._("Per taal:"),
    ]
    for lang, count in by_language.items():
        lines.append(f"  {language_name(lang)}: {count}")
    districts = district_finished(progress, k)
    if districts:
        lines += ["", tr._("Klaar per wijk:")]
        no_district = tr._("(geen wijk)")
        lines += [f"  {district or no_district}: {count}" for district, count in districts.items()]
    lines += ["", tr._("Per vraag:"),
              tr.ngettext("Hier telt {n} bewoner die klaar is. Nieuwe bewoners komen erbij per groepje van {k}.",
                          "Hier tellen {n} bewoners die klaar zijn. Nieuwe bewoners komen erbij per groepje van {k}.",
                          progress.released, k=k)]
    questions = questions or {}
    for n, item in enumerate(items, 1):
        counts = progress.by_status.get(item, Counter())
        counted = {status: counts.get(status, 0) for status in STATUSES}
        counted["none"] = max(0, progress.released - sum(counted.values()))
        cells: dict[str, int | str] = dict(counted)
        if k > 1:
            cells, total_shown = suppress_cells(counted, k)
            if not total_shown:
                cells = {s: (c if c == 0 else SECONDARY_MARK) for s, c in cells.items()}
        lines.append(f"{n}. {questions.get(item, item)}")
        line = tr._("beantwoord {answered} · weet niet {dont_know} · overgeslagen {skipped}",
                    answered=cells["answered"], dont_know=cells["dont_know"], skipped=cells["skipped"])
        if cells["none"] != 0:
            line += " · " + tr._("geen antwoord {n}", n=cells["none"])
        lines.append("   " + line)
    text = "\n".join(lines)
    if f"<{k}" in text or f" {SECONDARY_MARK}" in text:
        text += "\n\n" + tr._("<{k} = 1 tot {k_1}; x = verborgen, zodat je een klein aantal niet kunt terugrekenen.",
                                k=k, k_1=k - 1)
    return text
