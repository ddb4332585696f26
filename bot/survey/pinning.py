"""Rounds remember what they asked (issue 13 point 6).

When a round opens, the survey it asks is written next to it as a snapshot (the survey,
its items, the answer scale, the main goals and sub-goals its items link to; table
``round_surveys``). Exports, codebook and charts of that round read the snapshot, so a
survey pack that changed later (a reworded question, a removed item, a new scale label)
does not change what an old round's files say it asked.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from functools import lru_cache

from bot.survey.catalogue import Catalogue
from bot.survey.models import Item, MainGoal, Scale, SubGoal, Survey, TextRules

#: Snapshot format version (a future format can still read this one).
FORMAT = 1

# Texts in a snapshot are already complete (filled at load time): validate them as they are.
_AS_STORED = TextRules(languages=(), source="nl", fill=()).context()


def survey_snapshot(cat: Catalogue, survey: str) -> str:
    """The JSON snapshot of survey ``survey`` of ``cat`` (what a round opened now asks).

    Raises:
        KeyError: If ``cat`` has no survey ``survey``.
    """
    items = cat.survey_items(survey)
    goals = {i.main_goal for i in items if i.main_goal} | {
        o.main_goal for i in items for o in i.options if o.main_goal}
    subs = {i.sub_goal for i in items if i.sub_goal}
    return json.dumps({
        "format": FORMAT,
        "version": cat.version,
        "survey": cat.surveys[survey].model_dump(mode="json"),
        "items": [i.model_dump(mode="json") for i in items],
        "scale": cat.scale.model_dump(mode="json"),
        "main_goals": [g.model_dump(mode="json") for k, g in cat.main_goals.items() if k in goals],
        "sub_goals": [g.model_dump(mode="json") for k, g in cat.sub_goals.items() if k in subs],
    }, ensure_ascii=False, sort_keys=True)


def survey_pin(cat: Catalogue, survey: str) -> tuple[str, str] | None:
    """``(pack version, snapshot)`` to store with a round of ``survey``, or None when
    ``cat`` has no such survey (the round then reads the pack in use)."""
    if survey not in cat.surveys:
        return None
    return cat.version, survey_snapshot(cat, survey)


def pinned_catalogue(cat: Catalogue, snapshots: Iterable[str]) -> Catalogue:
    """``cat`` as the rounds of ``snapshots`` asked it.

    One snapshot (or several of one pack version): its survey, items, scale and goals
    replace those of ``cat`` (other items stay, so codes outside the survey still read).
    Snapshots of different versions (an export over old and new rounds): items, goals and
    surveys the pack no longer has are added back; those it still has read as now.

    Args:
        cat: The catalogue of the pack in use.
        snapshots: JSON texts of :func:`survey_snapshot`, oldest round first.

    Returns:
        A new catalogue (``cat`` itself when there is no snapshot). The same ``cat`` and
        snapshots give the same (immutable) catalogue again without reading the
        snapshots anew: every export reads them, some twice (parsing and validating a
        survey's items costs about a millisecond).
    """
    texts = tuple(snapshots)
    if not texts:
        return cat
    return _pinned(CatalogueKey(cat), texts)


class CatalogueKey:
    """A catalogue as a cache key (for :func:`functools.lru_cache`): the same object. A
    :class:`Catalogue` holds dicts, so it has no hash of its own; the cache keeps the key,
    and so the catalogue, alive, so its ``id`` is not reused. Catalogues are immutable (a
    pinned one is a new object), so what is cached for one stays true.

    Used here (:func:`pinned_catalogue`) and by the SQL row file's catalogue tables
    (:mod:`bot.exports.sql_csv`).
    """

    __slots__ = ("cat",)

    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat

    def __hash__(self) -> int:
        return id(self.cat)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CatalogueKey) and other.cat is self.cat


@lru_cache(maxsize=32)
def _pinned(base: CatalogueKey, snapshots: tuple[str, ...]) -> Catalogue:
    """:func:`pinned_catalogue` of ``base.cat`` (one or more snapshots)."""
    cat = base.cat
    loaded = [json.loads(s) for s in snapshots]
    items, goals, subs, surveys = dict(cat.items), dict(cat.main_goals), dict(cat.sub_goals), dict(cat.surveys)
    scale = cat.scale
    versions = {snap["version"] for snap in loaded}
    override = len(versions) == 1 and versions != {cat.version}
    for snap in loaded:
        survey = Survey.model_validate(snap["survey"], context=_AS_STORED)
        if override or survey.name not in surveys:
            surveys[survey.name] = survey
        for raw in snap["items"]:
            item = Item.model_validate(raw, context=_AS_STORED)
            if override or item.id not in items:
                items[item.id] = item
        for raw in snap["main_goals"]:
            goal = MainGoal.model_validate(raw, context=_AS_STORED)
            if override or goal.id not in goals:
                goals[goal.id] = goal
        for raw in snap["sub_goals"]:
            sub = SubGoal.model_validate(raw, context=_AS_STORED)
            if override or sub.id not in subs:
                subs[sub.id] = sub
        if override:
            scale = Scale.model_validate(snap["scale"], context=_AS_STORED)
    return dataclasses.replace(cat, items=items, main_goals=goals, sub_goals=subs,
                               surveys=surveys, scale=scale)
