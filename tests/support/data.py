"""Residents put straight into the database (no chat), for the tests about what exports,
charts and progress show of them."""

from __future__ import annotations

import random

from bot.storage import Storage
from bot.survey import catalogue


async def answered_resident(store: Storage, round_id: int, n: int, centre: str, lang: str,
                            rng: random.Random, *, finish: bool = True, mode: str = "self") -> str:
    """Resident ``n`` (pseudonym: ``n`` in 64 hex digits) answers every question of the
    ``short`` survey (random scale values, one to three cards, a short story) and, with
    ``finish``, finishes; returns the pseudonym."""
    who = f"{n:064x}"
    await store.start_participation(round_id, who, centre_code=centre, language=lang, mode=mode)
    for item in catalogue().survey_items("short"):
        if item.type == "scale":
            await store.record_answer(round_id=round_id, respondent=who, item_id=item.id, status="answered",
                                      language=lang, centre_code=centre, value=rng.randint(1, 5), mode=mode)
        elif item.type == "cards":
            await store.record_answer(round_id=round_id, respondent=who, item_id=item.id, status="answered",
                                      language=lang, centre_code=centre, mode=mode,
                                      choices=[o.id for o in item.options[: rng.randint(1, 3)]])
        else:
            await store.record_answer(round_id=round_id, respondent=who, item_id=item.id, status="answered",
                                      language=lang, centre_code=centre, text=f"Verhaal {n}.", mode=mode)
    if finish:
        await store.finish_participation(round_id, who)
    return who
