"""What typed text is: visible, words, a "yes, right", a repeat (pure rules, no I/O).

Used by the resident flow (:mod:`bot.survey.flow`) to tell a story from a thumbs-up and
an empty-looking message from an answer.
"""

from __future__ import annotations

import unicodedata

#: Direction overrides and isolates (U+202A–U+202E, U+2066–U+2069): removed from typed
#: text before it is stored, as they can make an exported cell display as something else.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))

#: Characters that look like nothing on a phone (zero-width, fillers, direction marks).
_INVISIBLE = frozenset("\u034f\u115f\u1160\u180e\u2800\u3164\uffa0")


def has_content(text: str) -> bool:
    """True if ``text`` has at least one visible character (letters, digits, emoji…).

    Zero-width spaces, direction marks, Hangul and Braille fillers and the like do not
    count, so an answer made only of them is not stored as a story.
    """
    return any(
        not ch.isspace() and ch not in _INVISIBLE
        and unicodedata.category(ch) not in ("Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me")
        for ch in text
    )


def has_words(text: str) -> bool:
    """True if ``text`` has a letter or a digit ("👍", "…" or "-" has none).

    Used for stories (an answer of only punctuation is not stored) and under a read-back
    (an emoji there means "right", not more story).
    """
    return any(unicodedata.category(ch)[0] in ("L", "N") for ch in text)


#: Whole messages that mean "yes, that is right" under a read-back, per language
#: (lower case, without punctuation or emoji); checked together with English and Dutch,
#: which many residents mix in. An emoji-only message (👍, ✅) counts as well.
CONFIRMATIONS: dict[str, frozenset[str]] = {
    "nl": frozenset({"ja", "klopt", "ja klopt", "het klopt", "dat klopt", "ok", "oké", "oke", "goed", "prima", "ja hoor"}),
    "en": frozenset({"yes", "ok", "okay", "right", "correct", "fine", "yes right", "yes correct", "thats right"}),
    "tr": frozenset({"evet", "tamam", "doğru", "evet doğru", "tamamdır"}),
    "ar": frozenset({"نعم", "صحيح", "تمام", "حسنا", "نعم صحيح", "اي", "أجل"}),
    "pl": frozenset({"tak", "dobrze", "zgadza się", "tak zgadza się", "ok", "okej", "w porządku"}),
    "uk": frozenset({"так", "добре", "правильно", "вірно", "так правильно", "гаразд"}),
}


def is_confirmation(text: str, language: str) -> bool:
    """True if a whole message under a read-back means "right" ("Ja, klopt!", "Tamam", "👍").

    Args:
        text: The typed message.
        language: The resident's language (its words, plus Dutch and English).
    """
    words = "".join(ch if unicodedata.category(ch)[0] in ("L", "N") or ch.isspace() else " "
                    for ch in text.casefold().replace("'", ""))
    phrase = " ".join(words.split())
    if not phrase:  # only emoji or punctuation: a thumbs-up, not more story
        return any(unicodedata.category(ch) == "So" for ch in text)
    known = CONFIRMATIONS.get(language, frozenset()) | CONFIRMATIONS["nl"] | CONFIRMATIONS["en"]
    return phrase in known


def told_already(stored: str, new: str) -> bool:
    """True if ``new`` (scrubbed) is the stored answer or its last part, so appending it
    would repeat it (the story twice, one line after the other; issue 14)."""
    return stored == new or stored.endswith("\n" + new)


def typed_number(text: str) -> int | None:
    """A typed whole number (digits in any script, e.g. ٣, spaces ignored), or None."""
    typed = unicodedata.normalize("NFKC", text.strip()).replace(" ", "")
    try:
        return int(typed)
    except ValueError:
        return None
