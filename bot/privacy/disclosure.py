"""The disclosure policy: who may receive each output, and how it is protected.

One place decides what leaves the bot (DESIGN.md, "Disclosure policy"; written out for
people in ``docs/privacy.md``). Every output the bot hands out — a file, a chart, a chat
reply with figures, a message to residents — is registered in :data:`OUTPUTS` with its
audience and its protection, and the code that makes it asks :func:`grant` first. A
format or command that is not registered cannot be produced (``grant`` raises), and a
test enumerates the export formats, the CLI formats and the staff commands against the
registry, so a new output cannot forget the policy.

Audiences (:class:`Audience`):

* ``coordinator`` — the coordinator of a centre. Knows who comes in, so gets
  **aggregates only**: counts, distributions, medians (small cells withheld), coded and
  approved stories that may be quoted. Never a row per respondent.
* ``admin`` — the municipal analyst. May get one **row file** (one row per answer), made
  k-anonymous on the quasi-identifiers :data:`QUASI_IDENTIFIERS` by :func:`generalise`
  (k = ``MIN_CELL_SIZE``; a round's levels kept from its first row file on and only ever
  coarser, :class:`Published`, so any two files of a round nest), with labels drawn at
  random per export
  (:class:`RandomLabeller`); ``--panel`` (stable HMAC keys, own secret) is the one
  explicit exception for linking exports.
* ``resident`` / ``public`` — feedback messages and anything printed for a wall.

Protections used by the outputs:

* **Small cells** — counts of 1 … k-1 withheld, plus secondary suppression so no withheld
  cell can be computed back (:mod:`bot.exports.summary`). In files a withheld count is an
  *empty* cell with a flag column (:func:`cell`), so numeric columns stay numeric; where
  a distribution must be withheld, the 3-point collapse (:func:`collapse3`, for a scale of
  any length a pack declares) is offered when that one is safe.
* **Differencing** — aggregates are computed over the respondents *released* in whole
  batches of k per round and centre (:func:`release`): the first k finishers of a centre
  appear together, the next k together, and so on. Two aggregates of the same scope
  therefore differ by no one or by at least k people at one centre, so the before/after
  pair around one resident's last answer is identical (decision and reasoning:
  ``docs/privacy.md``, "Differencing").
* **Stories** — quoted only with the teller's consent (asked at the story step) and only
  where at least k respondents of the round answered at the story's centre *and* at that
  centre in the story's language (:func:`story_quotable`); other stories still count in
  codes and tallies.

Source of the rules: Hundepool et al., *Statistical Disclosure Control* (Wiley 2012),
ch. 3 (k-anonymity, global recoding, local suppression) and ch. 5 (frequency tables,
differencing); Sweeney, "k-anonymity: a model for protecting privacy" (2002); Davies &
Dart (2005) on consent to use MSC stories.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import product
from typing import Any


class Audience(StrEnum):
    """Who receives an output."""

    COORDINATOR = "coordinator"
    ADMIN = "admin"
    RESIDENT = "resident"
    PUBLIC = "public"


class Kind(StrEnum):
    """What an output holds (decides which protections apply)."""

    AGGREGATE = "aggregate"      # counts, distributions, medians
    ROWS = "rows"                # one row per answer (admin only, k-anonymous)
    STORIES = "stories"          # quoted stories
    REFERENCE = "reference"      # no data about residents (codebook, poster)
    MESSAGE = "message"          # a chat reply with figures


@dataclass(frozen=True)
class Output:
    """One registered output.

    Attributes:
        name: Registry key, e.g. ``export.csv`` or ``chat.chart``.
        kind: What it holds (:class:`Kind`).
        audiences: Who may receive it.
        protection: How it is protected, one line (``docs/privacy.md`` says it in full).
        coordinator_kind: For exports whose content depends on the audience: the kind
            a coordinator gets (an aggregate table instead of the admin's row file).
    """

    name: str
    kind: Kind
    audiences: frozenset[Audience]
    protection: str
    coordinator_kind: Kind | None = None

    def kind_for(self, audience: Audience) -> Kind:
        """The kind of content ``audience`` gets from this output."""
        if audience is Audience.COORDINATOR and self.coordinator_kind is not None:
            return self.coordinator_kind
        return self.kind


_STAFF = frozenset({Audience.COORDINATOR, Audience.ADMIN})
_AGG = ("aggregates of released respondents (batches of k per round and centre); cells 1..k-1"
        " withheld plus secondary suppression; empty cell + flag column; 3-point collapse offered")
_ROWS = ("admin: one row per answer, k-anonymous on centre, language, mode, date (generalised,"
         " rest left out and counted; a round's levels kept from its first row file and only"
         " ever coarser, so two files of a round nest); labels random per export; no free text, no story"
         " question, 'why' or story-domain pick (row_file_hidden_items: they tie a quoted"
         " story to a row);"
         " coordinator: the aggregate table instead")

#: Every output the bot can hand out. Keys are what :func:`grant` takes.
OUTPUTS: dict[str, Output] = {o.name: o for o in (
    Output("export.csv", Kind.ROWS, _STAFF, _ROWS, coordinator_kind=Kind.AGGREGATE),
    Output("export.excel-nl", Kind.ROWS, _STAFF, _ROWS, coordinator_kind=Kind.AGGREGATE),
    Output("export.xlsx", Kind.ROWS, _STAFF,
           "admin: k-anonymous answers sheet + summary + quotable approved stories (as"
           " export.stories, no label linking them to the answers) + effects + codebook;"
           " coordinator: summary, cards, quotable approved stories with shortlist, selection"
           " and reason, effects, codebook — no answers sheet",
           coordinator_kind=Kind.AGGREGATE),
    Output("export.wide", Kind.ROWS, _STAFF,
           "admin: the row file's own k-anonymous rows, one row per respondent and round"
           " (same generalised centre, language, mode, date; labels random per export; no"
           " free text, no story question, 'why' or story-domain pick); coordinator: the aggregate table instead",
           coordinator_kind=Kind.AGGREGATE),
    Output("export.codebook", Kind.REFERENCE, _STAFF, "catalogue only; no answers"),
    Output("export.stories", Kind.STORIES, _STAFF,
           "approved stories with quote consent, where round x centre and round x centre x"
           " language hold at least k respondents; month, not day; no respondent; with the"
           " review (effect codes, shortlist, selection and reason); chat and CLI; with"
           " TRANSLATE_URL a machine translation of the same stories beside them"),
    Output("export.effects", Kind.AGGREGATE, _STAFF,
           "number of coded stories per effect; 1..k-1 withheld"),
    Output("export.breakdown", Kind.AGGREGATE, _STAFF,
           "the aggregate table per centre and per district: centre rows as the aggregate"
           " table; a district cell is the sum of its centres' cells only where every one of"
           " them is shown (roll_up), else withheld, so a district never tells more than its"
           " centres (no differencing of district against the sum of its centres); the"
           " aggregate table of several centres is rolled up the same way (summary_table)"),
    Output("chat.chart", Kind.AGGREGATE, _STAFF,
           _AGG + "; per district (/chart N wijk): cells rolled up from the centres (roll_up)"),
    Output("chat.progress", Kind.MESSAGE, _STAFF,
           "participation counts only (no answer values); 1..k-1 shown as <k; languages with"
           " secondary suppression; finished per district as cells of finished (the same)"),
    Output("chat.centres", Kind.MESSAGE, _STAFF, "residents per centre; 1..k-1 shown as <k"),
    Output("chat.export_caption", Kind.MESSAGE, _STAFF,
           "rows and respondents of the file just sent (no more than the file holds)"),
    Output("chat.stories_review", Kind.STORIES, _STAFF,
           "the coordinator reviews their own centre's scrubbed stories to approve, redact"
           " or withhold them; no respondent shown; with TRANSLATE_URL a machine translation"
           " of the shown story beside it (sent only to that service)"),
    Output("message.feedback", Kind.MESSAGE, frozenset({Audience.RESIDENT}),
           "kinds of change chosen and the panel's reasons; never a story's text"),
    Output("chat.poster", Kind.REFERENCE, frozenset({*_STAFF, Audience.PUBLIC}),
           "centre name and join link only"),
)}

#: Staff commands and the output each one hands out (a test checks that every staff
#: command is either here or in :data:`NO_OUTPUT_COMMANDS`, so a new one must be placed).
COMMAND_OUTPUTS: dict[str, str] = {
    "export": "export.csv",          # and the other export.* formats, by button
    "chart": "chat.chart",
    "progress": "chat.progress",
    "centres": "chat.centres",
    "qr": "chat.poster",
    "stories": "chat.stories_review",
}

#: Staff commands that hand out no figures, files or stories.
NO_OUTPUT_COMMANDS: frozenset[str] = frozenset({
    "rounds", "newround", "open", "close", "cancel", "remind", "interview",
    "invite_coordinator", "add_admin",
})


class NotDisclosable(Exception):
    """An output was asked for that the policy does not allow.

    Attributes:
        output: The output's registry name.
        audience: Who asked.
        reason: ``unknown`` (not registered), ``audience`` (not for this audience),
            ``empty`` (nothing in the scope) or ``too_small`` (fewer than k released
            respondents).
    """

    def __init__(self, output: str, audience: Audience | str, reason: str, detail: str = "") -> None:
        self.output, self.audience, self.reason = output, str(audience), reason
        super().__init__(f"{output} for {audience}: {reason}{': ' + detail if detail else ''}")


@dataclass(frozen=True)
class Grant:
    """Permission to make one output for one audience (from :func:`grant`).

    Attributes:
        output: The registered output.
        audience: Who receives it.
        k: The minimum cell / class size (``MIN_CELL_SIZE``).
    """

    output: Output
    audience: Audience
    k: int

    @property
    def kind(self) -> Kind:
        """What this audience gets (aggregate, rows, stories …)."""
        return self.output.kind_for(self.audience)

    @property
    def row_level(self) -> bool:
        """True if the file may hold one row per answer (admin's row file only)."""
        return self.kind is Kind.ROWS


def grant(output: str, audience: Audience | str, k: int) -> Grant:
    """Ask the policy for permission to make ``output`` for ``audience``.

    Args:
        output: A key of :data:`OUTPUTS` (e.g. ``export.csv``, ``chat.chart``).
        audience: Who will receive it.
        k: ``MIN_CELL_SIZE`` (at least 1).

    Returns:
        A :class:`Grant`; writers take it and apply its :attr:`Grant.kind`.

    Raises:
        NotDisclosable: ``unknown`` if the output is not registered, ``audience`` if it is
            not for this audience.
    """
    found = OUTPUTS.get(output)
    audience = Audience(audience)
    if found is None:
        raise NotDisclosable(output, audience, "unknown")
    if audience not in found.audiences:
        raise NotDisclosable(output, audience, "audience")
    return Grant(found, audience, max(1, int(k)))


def audience_of(admin: bool) -> Audience:
    """The audience of a staff member: ``admin`` or ``coordinator``."""
    return Audience.ADMIN if admin else Audience.COORDINATOR


# -- cells -----------------------------------------------------------------------------
def cell(value: int | str | None) -> tuple[int | float | None, str]:
    """A possibly withheld count as ``(number or None, flag)`` for files.

    Args:
        value: A count as the suppression functions return it: an ``int``, ``"<k"``
            (primary) or ``"x"`` (secondary), or ``None``.

    Returns:
        ``(value, "")`` for a shown number; ``(None, "<5")`` / ``(None, "x")`` for a
        withheld one, so the column stays numeric and a flag column says why it is empty.
    """
    if isinstance(value, str):
        return None, value
    return value, ""


def collapse_groups(values: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Which scale values the 3-point collapse puts together, for a scale of any length.

    The lower half of the points is ``low``, the upper half ``high``; an odd scale's
    middle point is ``middle``, an even scale has none (its two halves meet in the middle,
    as agree/disagree scales are reported).

    Args:
        values: The scale's values, lowest first (``Scale.values``).

    Returns:
        ``{"low": ..., "middle": ..., "high": ...}`` (no ``middle`` for an even number of
        points). Examples: 5 points ``1+2, 3, 4+5``; 4 points ``1+2, 3+4``; 7 points
        ``1+2+3, 4, 5+6+7``; 3 points ``1, 2, 3`` (the collapse is the scale itself).
    """
    values = tuple(values)
    half = len(values) // 2
    groups = {"low": values[:half]}
    if len(values) % 2:
        groups["middle"] = (values[half],)
    groups["high"] = values[len(values) - half:]
    return groups


def collapse3(values: Mapping[str, int]) -> dict[str, int]:
    """The 3-point collapse of a distribution over a scale of any length.

    Args:
        values: Scale value -> count, lowest value first (the keys are the scale's
            values, as :class:`bot.exports.summary.Counts` holds them).

    Returns:
        ``low`` / ``middle`` / ``high`` -> count, grouped by :func:`collapse_groups`:
        ``low`` (1+2), ``middle`` (3), ``high`` (4+5) on a 5-point scale; ``low`` (1+2)
        and ``high`` (3+4) on a 4-point scale.
    """
    return {name: sum(values.get(v, 0) for v in group)
            for name, group in collapse_groups(list(values)).items()}


def describe_collapse(values: Sequence[str]) -> str:
    """The collapse for a file's notes, e.g. ``low = 1+2, middle = 3, high = 4+5``."""
    return ", ".join(f"{name} = {'+'.join(group)}" for name, group in collapse_groups(values).items())


# -- levels: centre and district --------------------------------------------------------
def roll_up(children: Mapping[str, Mapping[str, Any]], parent_of: Callable[[str], str | None],
            keys: Sequence[str]) -> dict[str, dict[str, int | None]]:
    """Figures of a coarser level (district) made from the published figures of a finer one
    (centre), so the coarser level tells nothing the finer one does not.

    A district figure computed from the raw answers and suppressed on its own can be
    differenced against its centres: district "1" = 7 next to one centre's shown "1" = 5
    gives the other centre's withheld "<5" as 2 (Hundepool et al. 2012, ch. 5, linked
    tables). Here a district cell is the sum of its centres' cells where *every* one of
    them is shown, and withheld otherwise: it is then a function of published numbers,
    so no combination of district and centre tables pins a withheld cell, and a shown
    district cell is 0 or at least k (a sum of cells that are).

    Args:
        children: Centre code -> key -> shown count (``int``) or withheld (``None`` or a
            mark such as ``"<5"`` / ``"x"``), as the centre tables show them.
        parent_of: Centre code -> district (None: the centre is in no district and is
            left out of every district).
        keys: The keys to roll up (e.g. ``n``, the scale's values, ``low`` …).

    Returns:
        District -> key -> the sum (``int``) or ``None`` (withheld), districts in the order
        their first centre appears.
    """
    members: dict[str, list[Mapping[str, Any]]] = {}
    for code, cells in children.items():
        parent = parent_of(code)
        if parent:
            members.setdefault(parent, []).append(cells)
    out: dict[str, dict[str, int | None]] = {}
    for parent, rows in members.items():
        out[parent] = {}
        for key in keys:
            values = [row.get(key) for row in rows]
            counts = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
            out[parent][key] = sum(counts) if len(counts) == len(values) else None
    return out


# -- k-anonymity of the row file -------------------------------------------------------
#: Columns of the row file that a coordinator (or anyone who knows who came in) could
#: link to a person: where, in which language, how, and when.
QUASI_IDENTIFIERS: tuple[str, ...] = ("centre", "language", "mode", "answered_on")

#: Shown for a generalised value.
ALL = "all"
OTHER_LANGUAGE = "other"

#: Largest share of respondents that may be left out at a level before a coarser one is
#: preferred (the lattice search below picks the least generalised level within it).
MAX_LEFT_OUT = 0.05


@dataclass(frozen=True)
class Record:
    """One respondent in one round, as the row file would show them.

    Attributes:
        key: Anything identifying the record internally (e.g. ``(round, pseudonym)``).
        round: Round id.
        centre: Centre code.
        language: Language code.
        mode: ``self`` or ``assisted``.
        day: ISO date of the respondent's first answer in the round.
    """

    key: object
    round: int
    centre: str
    language: str
    mode: str
    day: str


@dataclass(frozen=True)
class Levels:
    """A generalisation level per quasi-identifier.

    Attributes:
        date: 0 day, 1 month, 2 round only (empty date).
        centre: 0 centre, 1 district (where centres have one), 2 all centres.
        language: 0 language, 1 languages with fewer than k respondents become
            ``other``, 2 all languages.
        mode: 0 self/assisted, 1 all.
    """

    date: int = 0
    centre: int = 0
    language: int = 0
    mode: int = 0

    @property
    def loss(self) -> float:
        """Information lost, 0 (none) … 1 (every quasi-identifier at its top level)."""
        return (self.date / 2 + self.centre / 2 + self.language / 2 + self.mode) / 4

    def describe(self) -> str:
        """One line for the file's notes, e.g. ``date: month; centre: all; …``."""
        return "; ".join([
            "date: " + ("day", "month", "round only")[self.date],
            "centre: " + ("centre", "district", "all centres")[self.centre],
            "language: " + ("language", f"small groups as '{OTHER_LANGUAGE}'", "all languages")[self.language],
            "mode: " + ("self/assisted", "not shown")[self.mode],
        ])


@dataclass(frozen=True)
class Published:
    """What the row files of one round have shown so far (stored per round, migration 0015).

    Attributes:
        levels: The round's :class:`Levels`, chosen when its first row file showed anyone;
            later files use these or coarser ones (never finer, never incomparable).
        values: Record key -> the values the first row file that showed it showed
            (``centre``, ``language``, ``mode``, ``answered_on``): the finest that an
            analyst holding every file knows. A later file shows them made coarser to the
            round's levels (:func:`_coarser`), never finer.
    """

    levels: Levels
    values: Mapping[object, Mapping[str, str]] = field(default_factory=dict)


@dataclass
class Generalisation:
    """What :func:`generalise` decided.

    Attributes:
        levels: The chosen :class:`Levels`.
        values: Record key -> ``{"centre", "language", "mode", "answered_on"}`` as the
            row file shows them; records left out are not in it.
        left_out: Records in a class smaller than k even at the chosen level.
        total: Records considered.
        small_before: Records in a class smaller than k without any generalisation.
        by_round: Round -> the levels its records are shown at.
        published: Record key -> the values to remember for it (:class:`Published`):
            every record shown now for the first time (its values now), and every record
            shown before (the values first shown, even where its class is under k today).
        fixed_since: Rounds whose levels came from an earlier row file (:class:`Published`).
    """

    levels: Levels
    values: dict[object, dict[str, str]] = field(default_factory=dict)
    left_out: int = 0
    total: int = 0
    small_before: int = 0
    by_round: dict[int, Levels] = field(default_factory=dict)
    published: dict[object, dict[str, str]] = field(default_factory=dict)
    fixed_since: set[int] = field(default_factory=set)

    def note(self, k: int) -> str:
        """The note that goes with the file."""
        levels = {str(lv.describe()) for lv in self.by_round.values()}
        if len(levels) > 1:
            described = "; ".join(f"round {r}: {lv.describe()}" for r, lv in sorted(self.by_round.items()))
        else:
            described = self.levels.describe()
        text = (f"Row file k-anonymous with k = {k} on centre, language, mode and date "
                f"({described}).")
        if self.left_out:
            text += (f" {self.left_out} of {self.total} respondent-rounds left out: even then "
                     f"fewer than {k} shared their combination.")
        text += (" A round's levels are kept from its first row file on and only ever become"
                 " coarser, and a respondent shows the same values (or coarser ones) in every"
                 " row file of the round, so two files linked by their answers tell no more"
                 " than the finer one.")
        return text


#: Every node of the generalisation lattice (date, centre, language, mode), least
#: information lost first; nodes of equal loss in ``product`` order (the search's ties).
_LATTICE: tuple[Levels, ...] = tuple(sorted(
    (Levels(*node) for node in product(range(3), range(3), range(3), range(2))),
    key=lambda levels: levels.loss))

#: A record's quasi-identifiers with its round, as a class key: (round, centre, language,
#: mode, answered_on) (:data:`QUASI_IDENTIFIERS` order).
_Key = tuple[int, str, str, str, str]


@dataclass(frozen=True)
class _Ladder:
    """One record's values at every level of each quasi-identifier, worked out once for
    the lattice search (each node then only picks from them).

    From the record's own values, or, for a record shown before, from the values shown
    (``Published.values``) made coarser: a centre shown as its own code goes to its
    district (or ``all`` where it has none) and then to ``all``; a centre already shown
    as a district or ``all`` stays until ``all``; a day goes to its month, then to none.
    A function of the shown values alone: two records that looked alike before look
    alike at every coarser node, so a file there tells nothing about a record that the
    earlier one did not.

    Attributes:
        round: Round id.
        centre: Centre at levels 0, 1, 2.
        language: Language at level 0 (level 1 recodes it per node, level 2 is ``all``).
        mode: Mode at levels 0, 1.
        date: ``answered_on`` at levels 0, 1, 2.
        before: The values shown before as ``(centre, language, mode, answered_on)``,
            or None for a record no earlier file showed.
    """

    round: int
    centre: tuple[str, str, str]
    language: str
    mode: tuple[str, str]
    date: tuple[str, str, str]
    before: tuple[str, str, str, str] | None


def _ladder(record: Record, district_of: Callable[[str], str | None],
            before: Mapping[str, str] | None) -> _Ladder:
    """The :class:`_Ladder` of ``record`` (``before``: what an earlier file showed)."""
    if before is None:
        centre, language, mode, day = record.centre, record.language, record.mode, record.day
        shown = None
    else:
        centre, language, mode, day = (before["centre"], before["language"], before["mode"],
                                       before["answered_on"])
        shown = (centre, language, mode, day)
    district = (district_of(centre) or ALL) if centre == record.centre else centre
    return _Ladder(record.round, (centre, district, ALL), language, (mode, ALL),
                   (day, day[:7], ""), shown)


def _keys(ladders: Sequence[_Ladder], levels: Levels, k: int, recode: bool = True) -> list[_Key]:
    """Every record's class key at ``levels``.

    Language level 1 is local recoding (unless ``recode`` is False: the values stored
    for a fixed file are recoded already): within each class of the other
    quasi-identifiers (and the round), a language shown by fewer than ``k`` becomes
    ``other``.
    """
    c, m, d = levels.centre, levels.mode, levels.date
    if levels.language == 2:
        return [(x.round, x.centre[c], ALL, x.mode[m], x.date[d]) for x in ladders]
    keys = [(x.round, x.centre[c], x.language, x.mode[m], x.date[d]) for x in ladders]
    if levels.language == 1 and recode:
        counts = Counter(keys)
        keys = [(r, centre, OTHER_LANGUAGE, mode, day)
                if language not in (OTHER_LANGUAGE, ALL) and counts[key] < k else key
                for key, (r, centre, language, mode, day) in zip(keys, keys)]
    return keys


def _small(keys: Sequence[_Key], k: int, new: Sequence[bool] | None = None,
           plain: Sequence[bool] | None = None) -> list[bool]:
    """Per record (its class key): is it in a class (round and quasi-identifiers) under ``k``?

    With ``new`` and ``plain`` (a round that earlier row files showed): a record no
    earlier file showed (``new``) also needs ``k`` in its class whom no earlier file
    showed finer (``plain``: new ones, and records shown before with these very values).
    An analyst holding the earlier file knows the finer values of the others (the day,
    centre or language it showed) and can rule them out, so without this a newcomer in a
    class of 5 with 4 records shown finer before was alone among those that could be a
    given person (a tester's attack: the round moved coarser after an erasure). Leaving
    records out can shrink a class below ``k``, so this repeats until nothing changes.
    """
    if new is None or plain is None:
        sizes = Counter(keys)
        return [sizes[key] < k for key in keys]
    out = [False] * len(keys)
    while True:
        sizes = Counter(key for key, o in zip(keys, out) if not o)
        plains = Counter(key for key, o, p in zip(keys, out, plain) if not o and p)
        changed = False
        for i, key in enumerate(keys):
            if not out[i] and (sizes[key] < k or (new[i] and plains[key] < k)):
                out[i] = changed = True
        if not changed:
            return out


def _shown(key: _Key) -> dict[str, str]:
    """The values a row file shows for a class key (:data:`QUASI_IDENTIFIERS`)."""
    return {"centre": key[1], "language": key[2], "mode": key[3], "answered_on": key[4]}


def generalise(records: Sequence[Record], k: int,
               district_of: Callable[[str], str | None] = lambda _code: None, *,
               published: Published | None = None, fixed: bool = False) -> Generalisation:
    """Make respondent-rounds k-anonymous on :data:`QUASI_IDENTIFIERS` (with the round).

    A search of the small generalisation lattice (3 date x 3 centre x 3 language x
    2 mode levels = 54 nodes, cf. Incognito/OLA): for each node the records in classes
    smaller than ``k`` are counted; the least generalised node (lowest
    :attr:`Levels.loss`) that leaves out at most :data:`MAX_LEFT_OUT` of the records is
    chosen (ties: fewer left out), else the node that leaves out fewest. Records still
    in a class under ``k`` are left out (local suppression) and counted. Nodes are tried
    least loss first, so the search stops at the first loss above that of a node within
    :data:`MAX_LEFT_OUT` (no node from there on could be chosen); each record's values
    at every level are worked out once (:class:`_Ladder`), a node only picks from them.

    With ``published`` (what the round's earlier row files showed) only nodes at least as
    coarse as its levels in every quasi-identifier are searched, a record shown before
    keeps its shown values (made coarser to the node, :func:`_coarser`), and only those
    records count towards :data:`MAX_LEFT_OUT` (newcomers in a small class wait for
    others; they never make the round coarser), and a newcomer also needs ``k`` in its
    class whom no earlier file showed finer (:func:`_small`). So any two row files of the round nest:
    for every respondent in both, one file's values are a coarsening of the other's, and
    linking them by the answers gives the finer file's classes, never a smaller one
    (Sweeney 2002, section 4: "unsorted matching", "complementary release" and "temporal"
    attacks; subsequent releases must build on the earlier one).

    Args:
        records: One per respondent and round.
        k: Minimum class size (``MIN_CELL_SIZE``); ``k <= 1`` keeps everything as is.
        district_of: Centre code -> district name, or None when the centre has none
            (then level 1 for centres is skipped). Hook for survey packs with districts.
        published: The round's :class:`Published` state, or None before its first file.
        fixed: Show exactly what ``published`` holds (no search, no newcomers): the
            values an export stored just before it read its rows.

    Returns:
        A :class:`Generalisation`; classes are taken per round as well (a row file's
        ``round`` column is always shown). Its ``published`` is the state to store.
    """
    records = list(records)
    if not records:
        return Generalisation(published.levels if published else Levels(), {}, 0, 0, 0)
    own = [_ladder(r, district_of, None) for r in records]
    small_before = sum(_small(_keys(own, Levels(), k), k))
    base = published.levels if published is not None else Levels()
    if published is not None:
        ladders = [_ladder(r, district_of, published.values.get(r.key)) for r in records]
    else:
        ladders = own
    if fixed and published is not None:
        present = [(r, x) for r, x in zip(records, ladders) if x.before is not None]
        keys = _keys([x for _r, x in present], base, k, recode=False)
        values = {r.key: _shown(key) for (r, _x), key, out in zip(present, keys, _small(keys, k))
                  if not out}
        return Generalisation(base, values, len(records) - len(values), len(records), small_before,
                              published={r.key: dict(published.values[r.key]) for r, _x in present})
    old = [x.before is not None for x in ladders]
    new = [not was for was in old]
    counted = sum(old) if published is not None else len(records)
    has_districts = any(district_of(r.centre) for r in records)
    best: tuple | None = None
    for levels in _LATTICE:
        if best is not None and not best[0][0] and levels.loss > best[1].loss:
            break       # a node within MAX_LEFT_OUT was found; every node from here loses more
        if (levels.centre == 1 and not has_districts and base.centre != 1) or not (
                levels.date >= base.date and levels.centre >= base.centre
                and levels.language >= base.language and levels.mode >= base.mode):
            continue
        keys = _keys(ladders, levels, k)
        if published is None:
            small = _small(keys, k)
        else:
            plain = [x.before is None or key[1:] == x.before for x, key in zip(ladders, keys)]
            small = _small(keys, k, new, plain)
        left = sum(s for s, o in zip(small, old) if o or published is None)
        within = left <= MAX_LEFT_OUT * counted
        rank = (not within, levels.loss if within else 0, left, sum(small), levels.loss)
        if best is None or rank < best[0]:
            best = (rank, levels, keys, small)
    assert best is not None
    _rank, levels, keys, small = best
    shown = [_shown(key) for key in keys]
    values = {r.key: v for r, v, out in zip(records, shown, small) if not out}
    # the first values shown stay stored (the finest an analyst holding every file knows)
    remembered = {r.key: dict(published.values[r.key]) if was and published is not None else v
                  for r, v, out, was in zip(records, shown, small, old) if was or not out}
    return Generalisation(levels, values, sum(small), len(records), small_before,
                          published=remembered)


def generalise_by_round(records: Sequence[Record], k: int,
                        district_of: Callable[[str], str | None] = lambda _code: None, *,
                        published: Mapping[int, Published] | None = None,
                        fixed: bool = False) -> Generalisation:
    """:func:`generalise` each round on its own and put the results together.

    A respondent-round then shows the same generalised centre, language, mode and date in
    every row file that holds its round, whatever else the file holds (one round, all
    rounds). Generalised over the whole export instead, a round-1 file and an all-rounds
    file could choose different levels (centre kept in one, language kept in the other);
    the analyst links the two by the answers, which are the same in both, and reads the
    finer value of each from either file: a class under k again.

    Args:
        records: One per respondent and round. k, district_of: As :func:`generalise`.
        published: Round -> its :class:`Published` state (rounds without one: none yet).
        fixed: As :func:`generalise` (rounds without a state then show nobody).

    Returns:
        One :class:`Generalisation`: values of every round, counts summed, ``levels`` of
        the last round, ``by_round`` the levels chosen per round (for the note),
        ``published`` the state to store for every round.
    """
    rounds: dict[int, list[Record]] = {}
    for record in records:
        rounds.setdefault(record.round, []).append(record)
    published = published or {}
    merged = Generalisation(Levels())
    for round_id in sorted(rounds):
        state = published.get(round_id)
        if fixed and state is None:
            part = Generalisation(Levels(), {}, len(rounds[round_id]), len(rounds[round_id]))
        else:
            part = generalise(rounds[round_id], k, district_of, published=state, fixed=fixed)
        merged.values.update(part.values)
        merged.published.update(part.published)
        merged.left_out += part.left_out
        merged.total += part.total
        merged.small_before += part.small_before
        merged.levels = part.levels
        if part.values or state is not None:
            merged.by_round[round_id] = part.levels
        if state is not None:
            merged.fixed_since.add(round_id)
    return merged


def smallest_class(rows: Iterable[Mapping[str, object]], columns: Sequence[str],
                   respondent: str = "respondent") -> int:
    """Size of the smallest equivalence class (in distinct respondents) of a row file.

    Args:
        rows: Parsed rows (e.g. :class:`csv.DictReader`).
        columns: The quasi-identifier columns the file carries.
        respondent: The respondent label column.

    Returns:
        The fewest respondents that share one combination of ``columns`` (0 for no rows).
        A file is k-anonymous when this is at least k.
    """
    members: dict[tuple, set] = {}
    for row in rows:
        members.setdefault(tuple(row[c] for c in columns), set()).add(row[respondent])
    return min((len(m) for m in members.values()), default=0)


# -- labels ----------------------------------------------------------------------------
class RandomLabeller:
    """Labels drawn at random per export (``R`` + 8 hex digits), unique within it.

    Two exports share no label (2^32 possible labels; the labeller of one export never
    sees another's), and the order of labels says nothing about the order of pseudonyms
    or of answering. ``export --panel`` (stable HMAC keys with ``EXPORT_SECRET``) is the
    one explicit exception.
    """

    __slots__ = ("_labels", "_used")

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}
        self._used: set[str] = set()

    def __call__(self, pseudonym: str) -> str:
        """The label of ``pseudonym`` in this export (a new random one on first sight)."""
        known = self._labels.get(pseudonym)
        if known is not None:
            return known
        label = "R" + secrets.token_hex(4)
        while label in self._used:
            label = "R" + secrets.token_hex(4)
        self._used.add(label)
        self._labels[pseudonym] = label
        return label

    def __len__(self) -> int:
        return len(self._labels)


# -- differencing ----------------------------------------------------------------------
@dataclass(frozen=True)
class Release:
    """Which respondents aggregates may include now (see :func:`release`).

    Attributes:
        pairs: ``(round_id, pseudonym)`` of released respondents.
        held_back: Respondents who answered but are not released yet (fewer than k
            since the last batch at their centre).
    """

    pairs: frozenset[tuple[int, str]]
    held_back: int

    def __contains__(self, pair: object) -> bool:
        return pair in self.pairs

    def __len__(self) -> int:
        return len(self.pairs)


def release(participants: Iterable[tuple[int, str, str, Any, bool]], k: int,
            gaps: Iterable[tuple[int, str, Any]] = ()) -> Release:
    """Release respondents to aggregates in whole batches of ``k`` per round and centre.

    Args:
        participants: ``(round_id, centre, pseudonym, order_key, done)`` per respondent
            and round: ``order_key`` (any comparable; exports pass the time they finished,
            or for a closed round their last answer, with the first answer id to break ties)
            orders them, ``done`` is True once they can no longer change
            their answers (finished, or the round is closed). Respondents not ``done``
            are never released.
        k: Batch size (``MIN_CELL_SIZE``); ``k <= 1`` releases everyone who is done.
        gaps: ``(round_id, centre, order_key)`` of erased respondents who were done
            (table ``release_gaps``): each keeps its place in the finishing order, and a
            batch holding a gap is not released at all. Without this an erasure would
            shift every later batch by one and swap a single respondent in, so the
            figures before and after would set the erased person's answers against that
            one person's.

    Returns:
        The :class:`Release`. For each (round, centre) the first ``floor(d / k) * k``
        done respondents in ``order_key`` order are released (``d`` = number done): a
        new respondent changes no aggregate until k have gathered, and then k at once —
        so no before/after pair of any aggregate isolates one person's answers. The last
        ``d mod k`` of a closed round stay out of every aggregate (they are counted as
        ``held_back``; the analyst's k-anonymous row file still has them).
    """
    groups: dict[tuple[int, str], list[tuple[Any, int, str]]] = {}
    held = 0
    for round_id, centre, pseudonym, order_key, done in participants:
        if not done:
            held += 1
            continue
        groups.setdefault((round_id, centre), []).append((order_key, 1, pseudonym))
    if k > 1:
        for round_id, centre, order_key in gaps:
            groups.setdefault((round_id, centre), []).append((order_key, 0, ""))
    pairs: set[tuple[int, str]] = set()
    for (round_id, _centre), members in groups.items():
        members.sort()
        step = 1 if k <= 1 else k
        for start in range(0, len(members), step):
            batch = members[start:start + step]
            people = [p for _key, real, p in batch if real]
            if len(batch) == step and len(people) == step:
                pairs.update((round_id, p) for p in people)
            else:
                held += len(people)
    return Release(frozenset(pairs), held)


def row_file_hidden_items(items: Iterable[Any],
                          quoted: Callable[[str], bool] = lambda _item_id: True) -> frozenset[str]:
    """The questions the analyst's row files leave out: they would tie a quoted story to a row.

    The stories document and the workbook's stories sheet quote a story with its centre,
    language, month and domain, and show whether it has a "why it matters". A row file
    that gave the status of those free-text questions (answered / skipped) and the pick of
    story domains let the analyst find the one resident of that centre and language who
    told a story in that domain and skipped "why" — and read the story next to all their
    answers. So row files (long, wide, the workbook's answer sheets) hold no free-text
    question an output may quote, not even whether it was answered, and no question that
    decides whether such a question is asked (the item its ``shown_if`` names, e.g.
    ``msc.domains``; followed back).

    Args:
        items: The catalogue's items (objects with ``id``, ``type`` and ``shown_if``, whose
            ``item`` names the deciding question), as the rounds asked them (pinned).
        quoted: Item id -> may an output quote this free-text question's answers (the
            stories and their "why", :func:`bot.msc.quoted_item`)? Default: every
            free-text question.

    Returns:
        Item ids to leave out of every row file.
    """
    items = list(items)
    hidden = {item.id for item in items if item.type == "text" and quoted(item.id)}
    gate_of = {item.id: item.shown_if.item for item in items if item.shown_if is not None}
    grown = True
    while grown:
        gates = {gate_of[i] for i in hidden if i in gate_of} - hidden
        hidden |= gates
        grown = bool(gates)
    return frozenset(hidden)


# -- stories ---------------------------------------------------------------------------
def story_quotable(*, consent: bool | None, centre_respondents: int, language_respondents: int,
                   k: int) -> bool:
    """May a (reviewed, approved) story be quoted in a report or document?

    Args:
        consent: The teller's answer to "may we quote your story without your name?"
            (None: not asked or not answered — treated as no).
        centre_respondents: Respondents of the story's round at its centre.
        language_respondents: Respondents of that round at that centre who answered in the
            story's language (the script of a quote shows the language even unlabelled).
        k: ``MIN_CELL_SIZE``.

    Returns:
        True only with consent and both groups at least ``k``. A story that may not be
        quoted still counts in codes and tallies (effects table).
    """
    return bool(consent) and centre_respondents >= k and language_respondents >= k


def registered(names: Collection[str]) -> list[str]:
    """The names among ``names`` that are *not* registered outputs (for tests)."""
    return [n for n in names if n not in OUTPUTS]
