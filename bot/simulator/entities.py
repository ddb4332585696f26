"""Formatted-text parsing for the Bot API simulator (``parse_mode`` → text + entities).

Telegram turns ``text`` + ``parse_mode`` into plain text plus a list of
``MessageEntity`` objects before it checks the length limits, and it answers
``400 Bad Request: can't parse entities: ...`` when the markup is malformed
(https://core.telegram.org/bots/api#formatting-options). The simulator does the same, so a
bot that forgets to escape a resident's ``<`` in an HTML message fails here as it would in
production.

The parsers follow the rules of the Bot API page above and the error texts of tdlib's
``td/telegram/MessageEntity.cpp`` (``parse_html``, ``parse_markdown_v2``,
``parse_markdown``), which the Bot API server passes through. Offsets and lengths of
entities are in UTF-16 code units, as the Bot API requires. Automatic detection of URLs,
@mentions, hashtags and /commands in plain text is not done.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["EntityParseError", "parse_text", "utf16_len"]


class EntityParseError(ValueError):
    """Malformed ``parse_mode`` markup; ``str(error)`` is tdlib's reason text."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of entity offsets/lengths)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _Out:
    """Accumulates plain text and tracks its UTF-16 length."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 units written so far

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.pos += utf16_len(chunk)

    def text(self) -> str:
        return "".join(self.parts)


def _entity(kind: str, offset: int, end: int, **extra: Any) -> dict[str, Any]:
    entity: dict[str, Any] = {"offset": offset, "length": end - offset, "type": kind}
    entity.update({k: v for k, v in extra.items() if v})
    return entity


# --------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITY = re.compile(r"&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot);")
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ATTR = re.compile(r"""\s*([^\s=>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""")


def _parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Out()
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, dict[str, str]]] = []  # (tag, start utf16, attrs)
    i, n = 0, len(src)
    while i < n:
        char = src[i]
        if char == "&":
            match = _HTML_ENTITY.match(src, i)
            if match:
                out.add(_decode_html_entity(match.group(1)))
                i = match.end()
            else:  # tdlib keeps a bare '&' as text
                out.add("&")
                i += 1
            continue
        if char != "<":
            j = i
            while j < n and src[j] not in "<&":
                j += 1
            out.add(src[i:j])
            i = j
            continue
        begin = i
        if i + 1 < n and src[i + 1] == "/":
            j = i + 2
            while j < n and not src[j].isspace() and src[j] != ">":
                j += 1
            name = src[i + 2 : j].lower()
            while j < n and src[j].isspace():
                j += 1
            if j >= n or src[j] != ">":
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(src, begin)}"
                )
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(src, begin)}"
                )
            tag, start, attrs = stack.pop()
            if name and name != tag:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(src, begin)}, "
                    f'expected "</{tag}>", found "</{name}>"'
                )
            i = j + 1
            _close_html(tag, start, out.pos, attrs, stack, entities)
            continue
        j = i + 1
        while j < n and not src[j].isspace() and src[j] != ">":
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        name = src[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(src, begin)}'
            )
        attrs: dict[str, str] = {}
        while True:
            while j < n and src[j].isspace():
                j += 1
            if j >= n:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(src, begin)}"
                )
            if src[j] == ">":
                break
            match = _HTML_ATTR.match(src, j)
            if not match or match.end() == j:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(src, begin)}"
                )
            value = next((g for g in match.groups()[1:] if g is not None), "")
            attrs[match.group(1).lower()] = _HTML_ENTITY.sub(
                lambda m: _decode_html_entity(m.group(1)), value
            )
            j = match.end()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError('Tag "span" must have class "tg-spoiler"')
        stack.append((name, out.pos, attrs))
        i = j + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.text(), entities


def _decode_html_entity(name: str) -> str:
    if name.startswith("#x"):
        return chr(int("0" + name[1:], 0))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _HTML_NAMED[name]


def _close_html(
    tag: str,
    start: int,
    end: int,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, str]]],
    entities: list[dict[str, Any]],
) -> None:
    kind = _HTML_TAGS[tag]
    if kind == "code" and stack and stack[-1][0] == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):  # <pre><code class="language-x"> = one pre entity
            stack[-1][2]["_language"] = language.removeprefix("language-")
            return
    if end <= start:
        return
    if kind == "text_link":
        if not attrs.get("href"):
            return
        entities.append(_entity("text_link", start, end, url=attrs["href"]))
    elif kind == "pre":
        entities.append(_entity("pre", start, end, language=attrs.get("_language")))
    elif kind == "blockquote":
        kind = "expandable_blockquote" if "expandable" in attrs else "blockquote"
        entities.append(_entity(kind, start, end))
    elif kind == "custom_emoji":
        entities.append(_entity(kind, start, end, custom_emoji_id=attrs.get("emoji-id")))
    else:
        entities.append(_entity(kind, start, end))


# ---------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _parse_markdown_v2(src: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Out()
    entities: list[dict[str, Any]] = []
    stack: list[dict[str, Any]] = []  # {"type", "start", "byte", "language"}
    quote_start: int | None = None
    i, n = 0, len(src)

    def at(k: int) -> str:
        return src[k] if k < n else ""

    while i < n:
        char = src[i]
        in_code = bool(stack) and stack[-1]["type"] in ("code", "pre")
        if char == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
            out.add(src[i + 1])
            i += 2
            continue
        if char == "\n" and quote_start is not None and not in_code and at(i + 1) != ">":
            if out.pos > quote_start:
                entities.append(_entity("blockquote", quote_start, out.pos))
            quote_start = None
        if in_code and char != "`":
            out.add(char)
            i += 1
            continue
        if char not in _MDV2_RESERVED:
            out.add(char)
            i += 1
            continue
        if char == ">" and not stack and (i == 0 or src[i - 1] == "\n"):
            if quote_start is None:
                quote_start = out.pos
            i += 1
            continue
        top = stack[-1]["type"] if stack else None
        closes = (
            (top == "bold" and char == "*")
            or (top == "italic" and char == "_" and at(i + 1) != "_")
            or (top == "underline" and char == "_" and at(i + 1) == "_")
            or (top == "strikethrough" and char == "~")
            or (top == "spoiler" and char == "|" and at(i + 1) == "|")
            or (top == "code" and char == "`")
            or (top == "pre" and src[i : i + 3] == "```")
            or (top in ("text_link", "custom_emoji") and char == "]")
        )
        if closes:
            opened = stack.pop()
            kind = opened["type"]
            start = opened["start"]
            if kind in ("text_link", "custom_emoji"):
                url = ""
                if at(i + 1) == "(":
                    k = i + 2
                    chars: list[str] = []
                    while k < n and src[k] != ")":
                        if src[k] == "\\" and k + 1 < n and 0 < ord(src[k + 1]) <= 126:
                            k += 1
                        chars.append(src[k])
                        k += 1
                    if k >= n:
                        raise EntityParseError(
                            f"Can't find end of a url at byte offset {_byte_offset(src, i + 1)}"
                        )
                    url = "".join(chars)
                    i = k
                if out.pos > start and url:
                    if kind == "custom_emoji":
                        emoji_id = url.partition("id=")[2]
                        entities.append(_entity(kind, start, out.pos, custom_emoji_id=emoji_id))
                    else:
                        entities.append(_entity("text_link", start, out.pos, url=url))
                i += 1
                continue
            if out.pos > start:
                entities.append(_entity(kind, start, out.pos, language=opened.get("language")))
            i += 3 if kind == "pre" else 2 if kind in ("underline", "spoiler") else 1
            continue
        begin_byte = _byte_offset(src, i)
        if char == "_" and at(i + 1) == "_":
            kind, i = "underline", i + 2
        elif char == "_":
            kind, i = "italic", i + 1
        elif char == "*":
            kind, i = "bold", i + 1
        elif char == "~":
            kind, i = "strikethrough", i + 1
        elif char == "|" and at(i + 1) == "|":
            kind, i = "spoiler", i + 2
        elif char == "[":
            kind, i = "text_link", i + 1
        elif char == "!" and at(i + 1) == "[":
            kind, i = "custom_emoji", i + 2
        elif char == "`" and src[i : i + 3] == "```":
            i += 3
            k = i
            while k < n and not src[k].isspace() and src[k] != "`":
                k += 1
            language = ""
            if k < n and src[k] == "\n":
                language = src[i:k]
                i = k + 1
            stack.append(
                {"type": "pre", "start": out.pos, "byte": begin_byte, "language": language}
            )
            continue
        elif char == "`":
            kind, i = "code", i + 1
        else:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        stack.append({"type": kind, "start": out.pos, "byte": begin_byte})
    if stack:
        opened = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[opened['type']]} entity at byte offset "
            f"{opened['byte']}"
        )
    if quote_start is not None and out.pos > quote_start:
        entities.append(_entity("blockquote", quote_start, out.pos))
    return out.text(), entities


# ------------------------------------------------------------------ Markdown (legacy)


def _parse_markdown(src: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Out()
    entities: list[dict[str, Any]] = []
    i, n = 0, len(src)
    while i < n:
        char = src[i]
        if char == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        begin_byte = _byte_offset(src, i)
        end_char = "]" if char == "[" else char
        is_pre = False
        language = ""
        i += 1
        if char == "`" and src[i : i + 2] == "``":
            i += 2
            is_pre = True
            k = i
            while k < n and not src[k].isspace() and src[k] != "`":
                k += 1
            if k < n and src[k] == "\n" and k > i:
                language = src[i:k]
                i = k + 1
        start = out.pos
        while i < n and (src[i] != end_char or (is_pre and src[i : i + 3] != "```")):
            out.add(src[i])
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {begin_byte}"
            )
        end = out.pos
        if char == "[":
            url = ""
            if i + 1 < n and src[i + 1] == "(":
                k = src.find(")", i + 2)
                if k != -1:
                    url = src[i + 2 : k]
                    i = k
            if end > start and url:
                entities.append(_entity("text_link", start, end, url=url))
        elif end > start:
            kind = {"_": "italic", "*": "bold", "`": "pre" if is_pre else "code"}[char]
            entities.append(_entity(kind, start, end, language=language))
        i += 3 if is_pre else 1
    return out.text(), entities


# ------------------------------------------------------------------------- public


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
        parse_mode: ``"HTML"``, ``"MarkdownV2"``, ``"Markdown"`` (case-insensitive) or
            ``None``/empty for plain text.
        entities: Explicit ``entities``/``caption_entities``. Used only when there is no
            ``parse_mode`` (``parse_mode`` wins, as in telegram-bot-api's
            ``Client::get_formatted_text``).

    Returns:
        ``(plain_text, entities)`` with leading/trailing whitespace trimmed, entities
        sorted by offset (UTF-16 units).

    Raises:
        EntityParseError: Malformed markup, or an unknown ``parse_mode``
            (Telegram: "Unsupported parse_mode").
    """
    mode = (parse_mode or "").lower()
    if not mode or mode == "none":
        return _strip(text, [dict(e) for e in entities or ()])
    if mode == "html":
        plain, found = _parse_html(text)
    elif mode == "markdownv2":
        plain, found = _parse_markdown_v2(text)
    elif mode == "markdown":
        plain, found = _parse_markdown(text)
    else:
        raise EntityParseError(f"unsupported parse_mode {parse_mode!r}")
    found.sort(key=lambda e: (e["offset"], -e["length"]))
    return _strip(plain, found)
