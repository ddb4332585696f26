"""``/progress``: how far a round is — counts only, never an answer or a person.

Counts from 1 to ``k - 1`` are shown as ``<k`` (small-cell suppression, default k = 5),
so a coordinator cannot tell from the numbers who took part.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
    """A count as shown to a coordinator: ``0``, ``<5`` or the number."""
    return f"<{k}" if 0 < count < k else str(count)


async def round_progress(storage: Storage, round_id: int) -> RoundProgress:
    """Collect the counts of a round from the database."""
    result = RoundProgress()
    db = storage.db
    async with db.execute(
        "SELECT COUNT(*) FROM outbox WHERE round_id = ? AND kind = 'invite' AND status = 'sent'",
        (round_id,),
    ) as cur:
        result.invited = (await cur.fetchone())[0]
    async with db.execute(
        "SELECT language, COUNT(*), SUM(finished_at IS NOT NULL) FROM participations"
        " WHERE round_id = ? GROUP BY language", (round_id,),
    ) as cur:
        for language, started, finished in await cur.fetchall():
            result.by_language[language] = started
            result.started += started
            result.finished += finished or 0
    async with db.execute(
        "SELECT item_id, COUNT(*) FROM answers WHERE round_id = ? GROUP BY item_id", (round_id,)
    ) as cur:
        result.by_item = {item: n for item, n in await cur.fetchall()}
    return result


def render_progress(progress: RoundProgress, round_label: str, items: list[str], tr: Translator, k: int) -> str:
    """The /progress message."""
    lines = [
        round_label,
        "",
        tr._("Uitgenodigd: {n}", n=shown(progress.invited, k)),
        tr._("Begonnen: {n}", n=shown(progress.started, k)),
        tr._("Klaar: {n}", n=shown(progress.finished, k)),
        "",
        tr._("Per taal:"),
    ]
    for lang, name in LANGUAGE_NAMES.items():
        if lang in progress.by_language:
            lines.append(f"  {name}: {shown(progress.by_language[lang], k)}")
    lines += ["", tr._("Antwoorden per vraag:")]
    for item in items:
        lines.append(f"  {item}: {shown(progress.by_item.get(item, 0), k)}")
    return "\n".join(lines)
