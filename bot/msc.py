"""Most Significant Change (MSC): stories, review, effect codes, selection and feedback.

Pure logic and storage queries; the chat side is :mod:`admin.stories`, the documents are
:mod:`bot.exports.stories_doc`.

* **Story**: a non-empty text answer to ``msc.change_self`` (domain ``self``),
  ``msc.change_neighbourhood`` (domain ``neighbourhood``) or ``msc.domain.<id>`` (domain
  ``<id>``, one of the five life domains offered by ``msc.domains``). Its "why it
  matters" is the same respondent's ``msc.why`` answer in that round.
* **Review** (``msc_reviews``): ``to_review`` (no row), ``approved`` or ``withheld``; a
  coordinator's redacted text replaces the stored text everywhere it is shown. A review
  belongs to the answer's revision: when a resident changes the answer while the round
  is still open, an approval and a redaction lapse (the story is ``to_review`` again
  with the new text); a withholding stays.
* **Withheld** stories never leave the database: they are not shown in the chat (not
  even to the admin), not selectable, not in any document or export. The SQL condition
  for exports is :data:`WITHHELD_CONDITION` (view ``msc_withheld_answers``, which also
  covers the ``msc.why`` answer of a respondent whose every story in the round is
  withheld, and the same respondent's other free text in that round — ``msc.contact``,
  ``msc.other``, ``cards.missing`` are not reviewed here and may repeat what made the
  story unsafe; migration 0006); the view ``answers_shown`` is ``answers`` with that filter and the
  redactions applied.
* **Effect codes** (``msc_codes``): the 14 effect categories of appendix 3 of Movisie
  (2025), "Op weg naar monitoring – Ontmoetingscentra Den Haag Zuidwest"
  (``catalogue().effects``).
* **Hierarchical selection** with documented reasons (Davies & Dart 2005, "The 'Most
  Significant Change' (MSC) Technique: A Guide to Its Use", ch. 2, steps 5–7): per round
  and domain, a centre's coordinator selects one story of that centre (level
  ``centre``); an admin then selects, per domain, one of the centre-level selections
  across centres (level ``all``). Every selection needs a non-blank reason (refused
  otherwise, and a ``CHECK`` in the schema). Once the selection is final
  (``rounds.selection_final_at``), feedback goes to the storytellers who asked for it
  (Davies & Dart, step 8: "feeding back the results of the selection process").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.i18n import Translator
from bot.outbox import REACHABLE, enqueue
from bot.privacy.disclosure import grant
from bot.privacy.scrub import cap, scrub
from bot.survey import Catalogue
from bot.survey.flow import story_domain
from bot.survey.models import LANGUAGES

#: Review states.
STATES: tuple[str, ...] = ("to_review", "approved", "withheld")

#: Selection levels: a centre's coordinator, then an admin across centres.
LEVELS: tuple[str, ...] = ("centre", "all")

#: Longest selection reason kept (characters); the reason is also sent to residents.
REASON_MAX = 500

#: Longest feedback message (Telegram allows 4096 characters).
FEEDBACK_MAX = 4000

#: SQL condition (on an ``answers`` row aliased ``a``) for "this answer is a story".
STORY_CONDITION = (
    "(a.item_id IN ('msc.change_self', 'msc.change_neighbourhood')"
    " OR a.item_id LIKE 'msc.domain.%')"
    " AND a.status = 'answered' AND a.text IS NOT NULL AND trim(a.text) <> ''"
)

#: SQL condition (on ``answers``) that leaves out what must never leave the database.
#: Add it to every export query: ``WHERE … AND answers.id NOT IN (SELECT answer_id FROM
#: msc_withheld_answers)``; or read ``FROM answers_shown`` (same columns as ``answers``,
#: redactions applied).
WITHHELD_CONDITION = "id NOT IN (SELECT answer_id FROM msc_withheld_answers)"


class SelectionError(ValueError):
    """A selection was refused; ``str(error)`` is a short English reason for logs."""


class ReasonRequired(SelectionError):
    """A selection without a (non-blank) reason: refused, nothing stored."""


class SelectionFinal(SelectionError):
    """The round's selection is final: no more changes."""


@dataclass(frozen=True, slots=True)
class Selection:
    """One selection of a story as most significant.

    Attributes:
        id: ``msc_selections.id``.
        round_id: The round.
        level: ``centre`` or ``all``.
        centre_code: The centre (level ``centre``) or None (level ``all``).
        domain: ``self``, ``neighbourhood`` or a life-domain id.
        answer_id: The selected story answer.
        reason: Why, in the selector's own words (scrubbed, at most :data:`REASON_MAX`).
        selected_by: Telegram user id of the coordinator/admin (never exported).
        selected_at: When (UTC).
    """

    id: int
    round_id: int
    level: str
    centre_code: str | None
    domain: str
    answer_id: int
    reason: str
    selected_by: int
    selected_at: datetime


@dataclass(frozen=True, slots=True)
class Story:
    """A story as staff may see it (never who told it).

    Attributes:
        answer_id: ``answers.id`` of the story.
        round_id: The round.
        centre_code: Centre the story was told at.
        language: Language it was told in.
        item_id: The story item.
        domain: ``self``, ``neighbourhood`` or a life-domain id.
        text: The text to show: the coordinator's redaction if current, else the stored
            (already scrubbed) answer.
        redacted: True if ``text`` is a redaction.
        why: The respondent's "why it matters" (``msc.why``) in that round, or None.
        answered_at: When the story was (last) answered, UTC. Show the date only.
        state: Effective review state (see module docstring).
        shortlisted: On the coordinator's shortlist.
        codes: Effect ids coded on the story.
        selections: Its selections (any level).
        why_answer_id: ``answers.id`` of ``why`` (None without one); a redaction of
            it (:func:`set_redaction`) replaces it the same way.
        why_state: Review state of that answer: ``withheld`` hides it (``why`` is then
            None) everywhere, as a withheld story is hidden.
    """

    answer_id: int
    round_id: int
    centre_code: str
    language: str
    item_id: str
    domain: str
    text: str
    redacted: bool
    why: str | None
    answered_at: datetime
    state: str
    shortlisted: bool
    codes: frozenset[str]
    selections: tuple[Selection, ...]
    why_answer_id: int | None = None
    why_state: str = "to_review"

    def selected_at(self, level: str) -> Selection | None:
        """Its selection at ``level``, or None."""
        return next((s for s in self.selections if s.level == level), None)


# -- domains ---------------------------------------------------------------------------
#: The "why it matters" question, quoted with every story.
WHY_ITEM = "msc.why"


def quoted_item(item_id: str) -> bool:
    """Is ``item_id`` a free-text question whose answers the stories document and the
    workbook's stories sheet may quote (a story item, or "why it matters")?"""
    return item_id == WHY_ITEM or story_domain(item_id) is not None


def domains(cat: Catalogue) -> list[str]:
    """Every domain in display order: ``self``, ``neighbourhood``, then the life domains."""
    item = cat.items.get("msc.domains")
    return ["self", "neighbourhood"] + ([opt.id for opt in item.options] if item else [])


def domain_label(cat: Catalogue, domain: str, tr: Translator) -> str:
    """A domain's name in ``tr``'s language.

    ``self`` / ``neighbourhood`` are UI strings (gettext); the five life domains use the
    option labels of the ``msc.domains`` item, which exist in every language.
    """
    if domain == "self":
        return tr._("Voor de verteller")
    if domain == "neighbourhood":
        return tr._("Voor de bewoners en de wijk")
    item = cat.items.get("msc.domains")
    for opt in item.options if item else []:
        if opt.id == domain:
            return opt.label.get(tr.language) or opt.label["nl"]
    return domain


def effect_label(cat: Catalogue, effect_id: str, language: str, *, resident: bool = False) -> str:
    """An effect category's label in ``language`` (the id if unknown).

    Args:
        resident: The plain label for residents (``EffectCategory.resident``) instead of
            the analysts' coding label, where the data has one.
    """
    for effect in cat.effects:
        if effect.id == effect_id:
            texts = effect.resident if resident and effect.resident else effect.label
            return texts.get(language) or texts["nl"]
    return effect_id


def _order(cat: Catalogue) -> dict[str, int]:
    return {d: i for i, d in enumerate(domains(cat))}


# -- reading ---------------------------------------------------------------------------
_STORY_SQL = (
    "SELECT a.id, a.round_id, a.centre_code, a.language, a.item_id, a.text, a.revision,"
    " a.answered_at, r.state, r.redacted_text, r.shortlisted, r.answer_revision,"
    " w.text, w.revision, rw.redacted_text, rw.answer_revision, w.id, rw.state"
    " FROM answers a"
    " LEFT JOIN msc_reviews r ON r.answer_id = a.id"
    " LEFT JOIN answers w ON w.round_id = a.round_id AND w.respondent = a.respondent"
    "  AND w.item_id = 'msc.why' AND w.status = 'answered'"
    " LEFT JOIN msc_reviews rw ON rw.answer_id = w.id"
    f" WHERE {STORY_CONDITION}"
)

_SELECTION_SQL = (
    "SELECT id, round_id, level, centre_code, domain, answer_id, reason, selected_by,"
    " selected_at FROM msc_selections"
)


def effective_state(state: str | None, review_revision: int | None, answer_revision: int) -> str:
    """The review state that applies now (an approval lapses when the answer changed)."""
    if state is None:
        return "to_review"
    if state == "approved" and review_revision != answer_revision:
        return "to_review"
    return state


def _shown(text: str | None, revision: int | None, redacted: str | None, review_revision: int | None) -> tuple[str | None, bool]:
    if text is None:
        return None, False
    if redacted is not None and review_revision == revision:
        return redacted, True
    return text, False


def _selection(row: Sequence) -> Selection:
    return Selection(
        id=row[0], round_id=row[1], level=row[2], centre_code=row[3], domain=row[4],
        answer_id=row[5], reason=row[6], selected_by=row[7],
        selected_at=datetime.fromisoformat(row[8]),
    )


def _build(rows: Iterable[Sequence], codes: Iterable[Sequence], selections: Iterable[Selection],
           cat: Catalogue) -> list[Story]:
    """Assemble :class:`Story` objects from the rows of :data:`_STORY_SQL`."""
    code_map: dict[int, set[str]] = {}
    for answer_id, effect_id in codes:
        code_map.setdefault(answer_id, set()).add(effect_id)
    sel_map: dict[int, list[Selection]] = {}
    for sel in selections:
        sel_map.setdefault(sel.answer_id, []).append(sel)
    order = _order(cat)
    out = []
    for (answer_id, round_id, centre, language, item_id, text, revision, answered_at, state,
         redacted, shortlisted, review_rev, why, why_rev, why_redacted, why_review_rev, why_id,
         why_review_state) in rows:
        domain = story_domain(item_id)
        shown, is_redacted = _shown(text, revision, redacted, review_rev)
        if domain is None or not (shown or "").strip():
            continue
        why_shown, _ = _shown(why, why_rev, why_redacted, why_review_rev)
        why_state = "withheld" if why_review_state == "withheld" else "to_review"
        if why_state == "withheld":
            why_shown = None
        out.append(Story(
            answer_id=answer_id, round_id=round_id, centre_code=centre, language=language,
            item_id=item_id, domain=domain, text=shown or "", redacted=is_redacted,
            why=why_shown if (why_shown or "").strip() else None,
            answered_at=datetime.fromisoformat(answered_at),
            state=effective_state(state, review_rev, revision),
            shortlisted=bool(shortlisted) and state != "withheld",
            codes=frozenset(code_map.get(answer_id, ())),
            selections=tuple(sorted(sel_map.get(answer_id, ()), key=lambda s: LEVELS.index(s.level))),
            why_answer_id=why_id, why_state=why_state,
        ))
    out.sort(key=lambda s: (s.round_id, s.centre_code, order.get(s.domain, 99), s.answer_id))
    return out


def _story_query(round_ids: Sequence[int] | None, centres: Sequence[str] | None,
                 answer_id: int | None = None) -> tuple[str, list]:
    sql = _STORY_SQL
    params: list[object] = []
    if round_ids is not None:
        sql += f" AND a.round_id IN ({','.join('?' * len(round_ids)) or 'NULL'})"
        params += list(round_ids)
    if centres is not None:
        sql += f" AND a.centre_code IN ({','.join('?' * len(centres)) or 'NULL'})"
        params += list(centres)
    if answer_id is not None:
        sql += " AND a.id = ?"
        params.append(answer_id)
    return sql, params


def _ids_clause(ids: Sequence[int]) -> str:
    return f"({','.join('?' * len(ids)) or 'NULL'})"


async def stories(storage, cat: Catalogue, round_id: int, centres: Sequence[str] | None = None) -> list[Story]:
    """Every story of a round (withheld ones included, for the reviewer's view).

    Args:
        storage: The open :class:`~bot.storage.Storage`.
        cat: The catalogue (domain order).
        round_id: The round.
        centres: Only stories told at these centres (a coordinator's scope); None: all.

    Returns:
        Stories ordered by centre, domain (:func:`domains` order), answer id.
    """
    sql, params = _story_query([round_id], centres)
    async with storage.db.execute(sql, params) as cur:
        rows = [tuple(r) for r in await cur.fetchall()]
    return await _complete(storage, cat, rows)


async def story(storage, cat: Catalogue, answer_id: int) -> Story | None:
    """One story by answer id, or None if the answer is not a story."""
    sql, params = _story_query(None, None, answer_id)
    async with storage.db.execute(sql, params) as cur:
        rows = [tuple(r) for r in await cur.fetchall()]
    found = await _complete(storage, cat, rows)
    return found[0] if found else None


async def _complete(storage, cat: Catalogue, rows: list[tuple]) -> list[Story]:
    ids = [r[0] for r in rows]
    if not ids:
        return []
    async with storage.db.execute(
        f"SELECT answer_id, effect_id FROM msc_codes WHERE answer_id IN {_ids_clause(ids)}", ids
    ) as cur:
        codes = [tuple(r) for r in await cur.fetchall()]
    async with storage.db.execute(
        f"{_SELECTION_SQL} WHERE answer_id IN {_ids_clause(ids)}", ids
    ) as cur:
        sels = [_selection(r) for r in await cur.fetchall()]
    return _build(rows, codes, sels, cat)


async def selections(storage, round_id: int) -> list[Selection]:
    """Every selection of a round (level ``all`` first, then by centre and domain)."""
    async with storage.db.execute(f"{_SELECTION_SQL} WHERE round_id = ?", (round_id,)) as cur:
        found = [_selection(r) for r in await cur.fetchall()]
    return sorted(found, key=lambda s: (LEVELS.index(s.level) * -1, s.centre_code or "", s.domain))


async def final_at(storage, round_id: int) -> datetime | None:
    """When the round's selection was made final, or None."""
    async with storage.db.execute(
        "SELECT selection_final_at FROM rounds WHERE id = ?", (round_id,)
    ) as cur:
        row = await cur.fetchone()
    return datetime.fromisoformat(row[0]) if row and row[0] else None


# -- writing ---------------------------------------------------------------------------
def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def _review_row(db, answer_id: int) -> tuple[int, tuple | None]:
    """(current answer revision, existing review row or None); raises if no such answer."""
    async with db.execute("SELECT revision FROM answers WHERE id = ?", (answer_id,)) as cur:
        row = await cur.fetchone()
    if row is None:
        raise SelectionError(f"no answer {answer_id}")
    async with db.execute(
        "SELECT state, redacted_text, shortlisted, answer_revision FROM msc_reviews WHERE answer_id = ?",
        (answer_id,),
    ) as cur:
        review = await cur.fetchone()
    return row[0], (tuple(review) if review else None)


async def _write_review(db, answer_id: int, user_id: int | None, *, state: str | None = None,
                        redacted: str | None | bool = False, shortlisted: bool | None = None) -> str:
    """Create or update a review, moving it to the answer's current revision.

    An approval or redaction made on an earlier revision lapses when moved (unless this
    call sets them anew). ``redacted=False`` means "leave as is". Returns the new state.
    """
    revision, review = await _review_row(db, answer_id)
    if review is None:
        old_state, old_redacted, old_short, old_rev = "to_review", None, 0, revision
    else:
        old_state, old_redacted, old_short, old_rev = review
    if old_rev != revision:
        old_redacted = None
        if old_state == "approved":
            old_state = "to_review"
    new_state = state or old_state
    new_redacted = old_redacted if redacted is False else redacted
    new_short = int(old_short if shortlisted is None else shortlisted)
    if new_state == "withheld":
        new_short = 0
    await db.execute(
        "INSERT INTO msc_reviews (answer_id, state, redacted_text, shortlisted, answer_revision,"
        " reviewed_by, reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (answer_id) DO UPDATE SET state = excluded.state,"
        " redacted_text = excluded.redacted_text, shortlisted = excluded.shortlisted,"
        " answer_revision = excluded.answer_revision, reviewed_by = excluded.reviewed_by,"
        " reviewed_at = excluded.reviewed_at",
        (answer_id, new_state, new_redacted, new_short, revision, user_id, _now()),
    )
    return new_state


async def set_state(storage, answer_id: int, state: str, user_id: int | None) -> int:
    """Approve, withhold or return a story to review.

    Withholding also takes the story off the shortlist and removes its selections (even
    after the selection was made final: privacy comes first).

    Returns:
        Number of selections removed.

    Raises:
        ValueError: For an unknown state.
    """
    if state not in STATES:
        raise ValueError(f"unknown review state {state!r}")
    async with storage.transaction() as db:
        await _write_review(db, answer_id, user_id, state=state)
        removed = 0
        if state == "withheld":
            cur = await db.execute("DELETE FROM msc_selections WHERE answer_id = ?", (answer_id,))
            removed = max(cur.rowcount, 0)
            await _drop_orphan_all_level(db)
    return removed


async def set_redaction(storage, answer_id: int, text: str, user_id: int | None, *, limit: int = 2000) -> str:
    """Store a coordinator's corrected version of a story; it replaces the shown text.

    The text is capped at ``limit`` characters and scrubbed (:func:`bot.privacy.scrub.scrub`)
    like a resident's answer.

    Returns:
        The stored text.

    Raises:
        ValueError: If the corrected text is empty after scrubbing.
    """
    kept, _cut = cap(text.strip(), limit)
    clean = scrub(kept).text.strip()
    if not clean:
        raise ValueError("empty redaction")
    async with storage.transaction() as db:
        await _write_review(db, answer_id, user_id, redacted=clean)
    return clean


async def toggle_shortlist(storage, answer_id: int, user_id: int | None) -> bool:
    """Put a story on, or take it off, the shortlist. Returns True if it is on it now."""
    async with storage.transaction() as db:
        _rev, review = await _review_row(db, answer_id)
        now_on = not (review and review[2])
        await _write_review(db, answer_id, user_id, shortlisted=now_on)
    return now_on


async def toggle_code(storage, answer_id: int, effect_id: str, user_id: int | None) -> bool:
    """Code a story with an effect category, or remove that code. True if coded now."""
    async with storage.transaction() as db:
        cur = await db.execute(
            "DELETE FROM msc_codes WHERE answer_id = ? AND effect_id = ?", (answer_id, effect_id)
        )
        if cur.rowcount > 0:
            return False
        await db.execute(
            "INSERT INTO msc_codes (answer_id, effect_id, coded_by, coded_at) VALUES (?, ?, ?, ?)",
            (answer_id, effect_id, user_id, _now()),
        )
    return True


async def _drop_orphan_all_level(db) -> None:
    """Remove ``all``-level selections whose story is no longer selected at its centre."""
    await db.execute(
        "DELETE FROM msc_selections WHERE level = 'all' AND answer_id NOT IN"
        " (SELECT answer_id FROM msc_selections WHERE level = 'centre')"
    )


def clean_reason(reason: str | None) -> str:
    """A selection reason as stored: stripped, capped, scrubbed.

    Raises:
        ReasonRequired: If nothing is left (empty, whitespace, a command such as ``/cancel``).
    """
    text = (reason or "").strip()
    if not text or text.startswith("/"):
        raise ReasonRequired("a selection needs a reason")
    kept, _cut = cap(text, REASON_MAX)
    clean = scrub(kept).text.strip()
    if not clean:
        raise ReasonRequired("a selection needs a reason")
    return clean


async def select(storage, cat: Catalogue, *, answer_id: int, level: str, reason: str | None,
                 user_id: int) -> Selection:
    """Select a story as the most significant of its domain at ``level``, with a reason.

    A story still to review is approved by selecting it. Selecting again in the same slot
    (round, level, centre, domain) replaces the earlier selection. When a centre changes
    its selection, an ``all``-level selection of the story it replaced is removed (the
    admin selects among the centre-level selections only).

    Args:
        storage: The open storage.
        cat: The catalogue.
        answer_id: The story.
        level: ``centre`` or ``all``.
        reason: Why, in the selector's words (required).
        user_id: Telegram user id of the selector.

    Raises:
        ReasonRequired: No reason (nothing is stored).
        SelectionFinal: The round's selection is final.
        SelectionError: Unknown/withheld story, or level ``all`` for a story that is not
            selected at its centre.
    """
    clean = clean_reason(reason)
    if level not in LEVELS:
        raise SelectionError(f"unknown level {level!r}")
    found = await story(storage, cat, answer_id)
    if found is None:
        raise SelectionError("not a story")
    if found.state == "withheld":
        raise SelectionError("withheld stories cannot be selected")
    if await final_at(storage, found.round_id) is not None:
        raise SelectionFinal("the selection of this round is final")
    if level == "all" and found.selected_at("centre") is None:
        raise SelectionError("select at the centre first")
    centre = found.centre_code if level == "centre" else None
    now = _now()
    async with storage.transaction() as db:
        if found.state != "approved":
            await _write_review(db, answer_id, user_id, state="approved")
        await db.execute(
            "DELETE FROM msc_selections WHERE round_id = ? AND level = ?"
            " AND COALESCE(centre_code, '') = ? AND domain = ?",
            (found.round_id, level, centre or "", found.domain),
        )
        cur = await db.execute(
            "INSERT INTO msc_selections (round_id, level, centre_code, domain, answer_id, reason,"
            " selected_by, selected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (found.round_id, level, centre, found.domain, answer_id, clean, user_id, now),
        )
        new_id = cur.lastrowid
        await _drop_orphan_all_level(db)
    return Selection(new_id, found.round_id, level, centre, found.domain, answer_id, clean,
                     user_id, datetime.fromisoformat(now))


async def finalise(storage, round_id: int) -> bool:
    """Mark a round's selection final. True if it was not final before."""
    async with storage.transaction() as db:
        cur = await db.execute(
            "UPDATE rounds SET selection_final_at = ? WHERE id = ? AND selection_final_at IS NULL",
            (_now(), round_id),
        )
        return cur.rowcount > 0


# -- feedback --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FeedbackPick:
    """One chosen story as told in feedback: never its text, only what kind of change.

    Attributes:
        domain: The story's domain.
        effects: Effect ids coded on it (catalogue order).
        reasons: The selectors' reasons (panel's words), level ``all`` first.
        across_centres: True if it was chosen across centres (level ``all``).
    """

    domain: str
    effects: tuple[str, ...]
    reasons: tuple[str, ...]
    across_centres: bool


def feedback_picks(cat: Catalogue, sels: Iterable[Selection], codes: dict[int, set[str]]) -> list[FeedbackPick]:
    """Fold selections into picks (one per story), ordered: across centres first, then domain."""
    order = _order(cat)
    effect_order = {e.id: i for i, e in enumerate(cat.effects)}
    by_answer: dict[int, list[Selection]] = {}
    for sel in sels:
        by_answer.setdefault(sel.answer_id, []).append(sel)
    picks = []
    for answer_id, group in by_answer.items():
        group.sort(key=lambda s: -LEVELS.index(s.level))
        reasons = tuple(dict.fromkeys(s.reason for s in group))
        effects = tuple(sorted(codes.get(answer_id, ()), key=lambda e: effect_order.get(e, 99)))
        picks.append(FeedbackPick(group[0].domain, effects, reasons,
                                  any(s.level == "all" for s in group)))
    picks.sort(key=lambda p: (not p.across_centres, order.get(p.domain, 99)))
    return picks


#: The language the panel writes its reasons in (the staff work in Dutch). A reason is
#: quoted only to readers of this language: a Turkish reader does not get a Dutch quote.
REASON_LANGUAGE = "nl"


def feedback_text(cat: Catalogue, picks: Sequence[FeedbackPick], language: str) -> str:
    """The feedback message in one language: kinds of change chosen, the panel's reasons
    (quoted as written, for readers of :data:`REASON_LANGUAGE`; others are told that the
    group wrote down why, and that the centre can tell them), and thanks. Contains no
    resident's story text.

    The UI sentences go through gettext (:class:`~bot.i18n.Translator`); domain names and
    effect labels come from the catalogue in ``language``.
    """
    tr = Translator(language)
    lines = ["🙏 " + tr._("Dank je wel voor je verhaal over het ontmoetingscentrum."),
             tr._("Een groep mensen van het ontmoetingscentrum heeft alle verhalen gelezen en gekozen welke veranderingen het belangrijkst zijn. Dit hebben ze gekozen:")]
    budget = max(120, (FEEDBACK_MAX - 900) // max(1, sum(len(p.reasons) for p in picks)))
    for pick in picks:
        head = "• " + domain_label(cat, pick.domain, tr)
        if pick.effects:
            head += ": " + tr.join(effect_label(cat, e, tr.language, resident=True) for e in pick.effects)
        if pick.across_centres:
            head += " " + tr._("(gekozen uit alle centra)")
        lines.append("")
        lines.append(head)
        if language != REASON_LANGUAGE:
            if pick.reasons:
                lines.append(tr._("De groep heeft in het Nederlands opgeschreven waarom. Wil je het weten? Vraag het in het ontmoetingscentrum."))
            continue
        for reason in pick.reasons:
            lines.append(tr._("Waarom, in de woorden van de groep: “{reason}”", reason=cap(reason, budget)[0]))
    lines.append("")
    lines.append(tr._("Jouw verhaal helpt om te zien wat het ontmoetingscentrum verandert. Dank je wel!"))
    return cap("\n".join(lines), FEEDBACK_MAX)[0]


async def _codes_of(storage, answer_ids: Sequence[int]) -> dict[int, set[str]]:
    if not answer_ids:
        return {}
    async with storage.db.execute(
        f"SELECT answer_id, effect_id FROM msc_codes WHERE answer_id IN {_ids_clause(answer_ids)}",
        list(answer_ids),
    ) as cur:
        rows = await cur.fetchall()
    out: dict[int, set[str]] = {}
    for answer_id, effect_id in rows:
        out.setdefault(answer_id, set()).add(effect_id)
    return out


async def feedback_recipients(storage, round_id: int, respondent_of: Callable[[int], str]) -> dict[int, str]:
    """Who gets feedback: chat id → centre their story was told at.

    Every contact with ``feedback_opt_in = 1``, ``opted_in = 1`` and ``reachable = 1``
    whose pseudonym (``respondent_of(chat_id)``, the HMAC of
    :meth:`bot.services.Services.respondent`) has a story in the round.
    """
    async with storage.db.execute(
        f"SELECT a.respondent, MIN(a.centre_code) FROM answers a WHERE a.round_id = ? AND {STORY_CONDITION}"
        " GROUP BY a.respondent",
        (round_id,),
    ) as cur:
        tellers = {row[0]: row[1] for row in await cur.fetchall()}
    async with storage.db.execute(
        f"SELECT chat_id FROM contacts WHERE feedback_opt_in = 1 AND {REACHABLE}"
        " ORDER BY chat_id"
    ) as cur:
        chats = [row[0] for row in await cur.fetchall()]
    out = {}
    for chat_id in chats:
        centre = tellers.get(respondent_of(chat_id))
        if centre is not None:
            out[chat_id] = centre
    return out


@dataclass(frozen=True, slots=True)
class FeedbackGroup:
    """Storytellers who get the same feedback message.

    Attributes:
        centre: The centre their story was told at.
        language: Their language (the message is in it).
        chats: Their chat ids (never shown to staff; only counted).
        text: The message exactly as they will receive it.
    """

    centre: str
    language: str
    chats: tuple[int, ...]
    text: str


async def feedback_plan(storage, cat: Catalogue, round_id: int,
                        respondent_of: Callable[[int], str]) -> list[FeedbackGroup]:
    """Who would get which feedback message now, grouped by centre and language (for the
    coordinator's preview before the selection is made final; :func:`queue_feedback`
    sends the same texts)."""
    sels = await selections(storage, round_id)
    if not sels:
        return []
    codes = await _codes_of(storage, sorted({s.answer_id for s in sels}))
    recipients = await feedback_recipients(storage, round_id, respondent_of)
    languages: dict[int, str] = {}
    if recipients:
        async with storage.db.execute(
            f"SELECT chat_id, language FROM contacts WHERE chat_id IN {_ids_clause(list(recipients))}",
            list(recipients),
        ) as cur:
            languages = {chat: lang for chat, lang in await cur.fetchall()}
    groups: dict[tuple[str, str], list[int]] = {}
    for chat_id, centre in recipients.items():
        groups.setdefault((centre, languages.get(chat_id, "nl")), []).append(chat_id)
    plan = []
    for (centre, language), chats in sorted(groups.items()):
        picks = feedback_picks(cat, [s for s in sels if s.level == "all" or s.centre_code == centre], codes)
        if picks:
            plan.append(FeedbackGroup(centre, language, tuple(chats), feedback_text(cat, picks, language)))
    return plan


@dataclass(frozen=True, slots=True)
class OtherAnswer:
    """A storyteller's other free-text answer in the same round (how they came into
    contact, anything else, a missing meaning card …), as the coordinator reviews it.

    Attributes:
        answer_id: The answer.
        item_id: Its question.
        text: The text as shown (the coordinator's correction where there is one).
        withheld: Withheld by a coordinator (then it is in no output).
    """

    answer_id: int
    item_id: str
    text: str
    withheld: bool


async def other_answers(storage, story_answer_id: int) -> list[OtherAnswer]:
    """The other free-text answers of the teller of a story, in answering order.

    Neither the story nor its "why it matters" (they have their own buttons), nor the
    other stories of a teller who told several. No respondent leaves this function.
    """
    async with storage.db.execute(
        "SELECT o.id, o.item_id, o.text, o.revision, r.redacted_text, r.answer_revision, r.state"
        " FROM answers s JOIN answers o ON o.round_id = s.round_id AND o.respondent = s.respondent"
        " LEFT JOIN msc_reviews r ON r.answer_id = o.id"
        " WHERE s.id = ? AND o.id <> s.id AND o.item_id <> 'msc.why'"
        " AND o.item_id NOT IN ('msc.change_self', 'msc.change_neighbourhood')"
        " AND o.item_id NOT LIKE 'msc.domain.%'"
        " AND o.text IS NOT NULL AND trim(o.text) <> '' ORDER BY o.answered_at, o.id",
        (story_answer_id,),
    ) as cur:
        rows = await cur.fetchall()
    return [OtherAnswer(answer_id, item_id,
                        redacted if redacted is not None and review_rev == revision else text,
                        state == "withheld")
            for answer_id, item_id, text, revision, redacted, review_rev, state in rows]


async def feedback_queued(storage, round_id: int) -> bool:
    """True once the round's feedback messages were queued (sent or on their way)."""
    async with storage.db.execute(
        "SELECT 1 FROM outbox WHERE round_id = ? AND kind = 'feedback' LIMIT 1", (round_id,)
    ) as cur:
        return await cur.fetchone() is not None


async def queue_feedback(storage, cat: Catalogue, round_id: int, respondent_of: Callable[[int], str]) -> int:
    """Queue one ``feedback`` outbox message per storyteller who asked for it.

    Each gets the ``all``-level picks and their own centre's picks, in all six languages
    (``payload = {lang: text}``; the outbox sends ``payload[contact.language]``). The
    outbox's ``UNIQUE (round_id, chat_id, kind)`` makes a second call send nothing twice.

    Returns:
        Number of messages queued now.
    """
    grant("message.feedback", "resident", 1)  # kinds of change and reasons, never a story
    sels = await selections(storage, round_id)
    if not sels:
        return 0
    codes = await _codes_of(storage, sorted({s.answer_id for s in sels}))
    by_centre: dict[str, list[int]] = {}
    for chat_id, centre in (await feedback_recipients(storage, round_id, respondent_of)).items():
        by_centre.setdefault(centre, []).append(chat_id)
    queued = 0
    for centre, chats in sorted(by_centre.items()):
        mine = [s for s in sels if s.level == "all" or s.centre_code == centre]
        picks = feedback_picks(cat, mine, codes)
        if not picks:
            continue
        payload = {lang: feedback_text(cat, picks, lang) for lang in LANGUAGES}
        queued += await enqueue(storage, round_id, chats, "feedback", payload)
    return queued


# -- exports ---------------------------------------------------------------------------
def withheld_answer_ids(conn: sqlite3.Connection) -> set[int]:
    """Ids of answers that must never leave the database (sync, for the export code).

    Withheld stories, the ``msc.why`` answer of respondents whose every story in the
    round is withheld, and the other free text of a respondent with a withheld story in
    that round (view ``msc_withheld_answers``). Prefer filtering in SQL with
    :data:`WITHHELD_CONDITION`; this set is for code that filters rows in Python.
    """
    return {row[0] for row in conn.execute("SELECT answer_id FROM msc_withheld_answers")}


def load_stories_sync(conn: sqlite3.Connection, cat: Catalogue, round_ids: Sequence[int] | None = None,
                      centres: Sequence[str] | None = None) -> list[Story]:
    """:func:`stories` over a plain ``sqlite3`` connection (for documents and the CLI)."""
    sql, params = _story_query(round_ids, centres)
    rows = [tuple(r) for r in conn.execute(sql, params)]
    ids = [r[0] for r in rows]
    if not ids:
        return []
    codes: list[tuple] = []
    sels: list[Selection] = []
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        codes += conn.execute(
            f"SELECT answer_id, effect_id FROM msc_codes WHERE answer_id IN {_ids_clause(part)}", part
        ).fetchall()
        sels += [_selection(r) for r in conn.execute(
            f"{_SELECTION_SQL} WHERE answer_id IN {_ids_clause(part)}", part
        )]
    return _build(rows, codes, sels, cat)

