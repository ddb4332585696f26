"""Plain text as Telegram stores it, for the Bot API simulator.

The bot sends plain text only (no ``parse_mode``), so the simulator implements only what
that needs: Telegram trims leading and trailing whitespace and clips explicit
``entities`` to match, with offsets and lengths in UTF-16 code units
(https://core.telegram.org/bots/api#messageentity). A request with a ``parse_mode`` is
answered ``400`` ("parse_mode is not supported by the simulator"), so a change that starts
formatting messages fails in the tests, where the escaping of residents' text (``<`` in
HTML, ``.`` in MarkdownV2) would then need a parser and tests of its own.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EntityParseError", "parse_text", "utf16_len"]


class EntityParseError(ValueError):
    """The text cannot be taken as it is (here: any ``parse_mode``)."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of entity offsets/lengths)."""
    return len(text.encode("utf-16-le")) // 2


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim leading/trailing whitespace as Telegram does, and clip the entities to match."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    clipped = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            clipped.append({**entity, "offset": start, "length": end - start})
    return stripped, clipped


def parse_text(
    text: str, parse_mode: str | None = None, entities: list[dict[str, Any]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """Turn a text (or caption) as sent by the bot into what Telegram stores.

    Args:
        text: The ``text``/``caption`` parameter.
        parse_mode: Must be empty (or ``"none"``): the simulator takes plain text only.
        entities: Explicit ``entities``/``caption_entities``.

    Returns:
        ``(plain_text, entities)`` with leading/trailing whitespace trimmed and the
        entities clipped to it, sorted by offset (UTF-16 units).

    Raises:
        EntityParseError: A ``parse_mode`` was given.
    """
    mode = (parse_mode or "").lower()
    if mode and mode != "none":
        raise EntityParseError("parse_mode is not supported by the simulator (the bot sends plain text)")
    found = sorted((dict(e) for e in entities or ()), key=lambda e: e.get("offset", 0))
    return _strip(text, found)
