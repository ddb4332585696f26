"""Respondent pseudonyms and per-export labels.

Answers are keyed by ``HMAC-SHA256(PSEUDONYM_SECRET, chat_id)`` (DESIGN.md, "Privacy
model"; GDPR art. 4(5) pseudonymisation): without the secret an answer cannot be tied
back to a chat, and the stored pseudonym itself never leaves the database.
"""

from __future__ import annotations

import hashlib
import hmac


def respondent_pseudonym(secret: bytes, chat_id: int) -> str:
    """Return the stored pseudonym of a chat: 64 lowercase hex characters.

    Args:
        secret: The ``PSEUDONYM_SECRET`` as bytes.
        chat_id: Telegram chat id of the resident's private chat.
    """
    return hmac.new(secret, str(chat_id).encode("ascii"), hashlib.sha256).hexdigest()


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
