"""Respondent pseudonyms and per-export labels.

Answers are keyed by ``HMAC-SHA256(PSEUDONYM_SECRET, chat_id)`` (DESIGN.md, "Privacy
model"; GDPR art. 4(5) pseudonymisation): without the secret an answer cannot be tied
back to a chat, and the stored pseudonym itself never leaves the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: Letters and digits of a deletion code: none that are easily misread on paper
#: (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G).
DELETION_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
#: Characters of a deletion code (22**8, about 5.5e10 codes: not guessable by trying).
DELETION_CODE_LENGTH = 8


def respondent_pseudonym(secret: bytes, chat_id: int) -> str:
    """Return the stored pseudonym of a chat: 64 lowercase hex characters.

    Args:
        secret: The ``PSEUDONYM_SECRET`` as bytes.
        chat_id: Telegram chat id of the resident's private chat.
    """
    return hmac.new(secret, str(chat_id).encode("ascii"), hashlib.sha256).hexdigest()


def new_deletion_code() -> str:
    """A fresh deletion code for an assisted interview, e.g. ``"K7MX-3RPA"``.

    The coordinator hands it to the resident on paper at the end of the interview;
    with it the interview can be erased (``/forget CODE``). The code itself is never
    stored: the interview's pseudonym is derived from it (:func:`deletion_pseudonym`).
    """
    raw = "".join(secrets.choice(DELETION_ALPHABET) for _ in range(DELETION_CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_deletion_code(text: str) -> str | None:
    """The canonical form (``"K7MX-3RPA"``) of a typed code, or None if it is not one.

    Case, spaces and hyphens do not matter (``"k7mx 3rpa"`` is the same code).
    """
    raw = "".join(ch for ch in text.upper() if ch not in " -\u00a0")
    if len(raw) != DELETION_CODE_LENGTH or any(ch not in DELETION_ALPHABET for ch in raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


def deletion_pseudonym(secret: bytes, code: str) -> str:
    """The pseudonym an assisted interview is stored under: ``assisted-`` + 32 hex.

    Args:
        secret: The ``PSEUDONYM_SECRET`` as bytes (so a code alone, without the bot's
            secret, does not tell which stored answers it belongs to).
        code: A code as made by :func:`new_deletion_code` (canonical form).
    """
    digest = hmac.new(secret, b"deletion-code:" + code.encode("ascii"), hashlib.sha256)
    return "assisted-" + digest.hexdigest()[:32]


def panel_key(export_secret: bytes, pseudonym: str) -> str:
    """Stable panel key for ``export --panel``: ``P`` + 16 hex characters of an HMAC.

    Keyed with a separate export secret, so an export cannot be joined to the database
    without that secret, while two panel exports can be joined to each other.
    """
    digest = hmac.new(export_secret, pseudonym.encode("ascii"), hashlib.sha256).hexdigest()
    return "P" + digest[:16]


class RespondentLabeller:
    """Hands out per-export labels ``R0001``, ``R0002`` … in order of first appearance.

    A new labeller per export makes labels that cannot be joined across exports.
    """

    __slots__ = ("_labels",)

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}

    def __call__(self, pseudonym: str) -> str:
        """Return the label for ``pseudonym``, making a new one on first sight."""
        label = self._labels.get(pseudonym)
        if label is None:
            label = f"R{len(self._labels) + 1:04d}"
            self._labels[pseudonym] = label
        return label

    def __len__(self) -> int:
        return len(self._labels)
