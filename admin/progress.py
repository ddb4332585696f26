"""``/progress``: how far a round is — counts only, never an answer or a person.

Counts from 1 to ``k - 1`` are shown as ``<k`` (small-cell suppression, default k = 5),
so a coordinator cannot tell from the numbers who took part. The per-language counts add
up to "started", so one more language is withheld (``x``) where the total would give a
hidden one away (secondary suppression, as in the export's summary sheet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.exports.safety import suppress
from bot.exports.summary import SECONDARY_MARK, suppress_cells
from bot.i18n import LANGUAGE_NAMES, Translator
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
    """

    invited: int = 0
    started: int = 0
    finished: int = 0
    by_language: dict[str, int] = field(default_factory=dict)
    by_item: dict[str, int] = field(default_factory=dict)


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
        result.invited = (await cur.fetchone())[0]
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
    return result


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


def render_progress(progress: RoundProgress, round_label: str, items: list[str], tr: Translator, k: int,
                    scope: str | None = None) -> str:
    """The /progress message.

    Args:
        progress: The raw counts.
        round_label: First line (see :func:`admin.lifecycle.round_label`).
        items: Item ids of the round's survey, in order.
        tr: The coordinator's language.
        k: Minimum cell size (``MIN_CELL_SIZE``).
        scope: A line under the label saying the counts cover only some centres.
    """
    # The languages add up to "started": suppress them as cells of that total.
    languages = {lang: progress.by_language[lang] for lang in LANGUAGE_NAMES if lang in progress.by_language}
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
        "",
        tr._("Per taal:"),
    ]
    for lang, count in by_language.items():
        lines.append(f"  {LANGUAGE_NAMES[lang]}: {count}")
    lines += ["", tr._("Antwoorden per vraag:")]
    for item in items:
        lines.append(f"  {item}: {shown(progress.by_item.get(item, 0), k)}")
    return "\n".join(lines)
