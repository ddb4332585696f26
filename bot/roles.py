"""Roles: admins (``ADMIN_IDS`` plus admins added in the chat) and coordinators per centre.

A coordinator joins with a one-time invite code made by an admin for one centre: the code
is stored only as a SHA-256 hash, works once, and expires after 48 hours (issue 7).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage import Storage, utcnow

#: How long an invite code works.
INVITE_TTL = timedelta(hours=48)

#: Alphabet of invite codes: no 0/O/1/I/L, easy to read out and type on a phone.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode("ascii", "ignore")).hexdigest()


@dataclass(frozen=True, slots=True)
class Role:
    """What a Telegram user may do.

    Attributes:
        admin: Sees and manages every centre.
        centres: Centre codes the user coordinates (every centre for an admin).
    """

    admin: bool
    centres: frozenset[str]

    @property
    def is_staff(self) -> bool:
        """True for admins and coordinators."""
        return self.admin or bool(self.centres)

    def covers(self, centres: tuple[str, ...] | list[str]) -> bool:
        """True if the user may act on something that spans ``centres`` (open, close,
        cancel or remind a round: that reaches every one of its centres' residents)."""
        return self.admin or (bool(centres) and set(centres) <= self.centres)

    def sees(self, centres: tuple[str, ...] | list[str]) -> bool:
        """True if the user may look at something that spans ``centres`` — their own
        centres' share of it (progress, export, chart, stories)."""
        return self.admin or bool(set(centres) & self.centres)

    def share(self, centres: tuple[str, ...] | list[str]) -> list[str] | None:
        """The centres of ``centres`` the user's view is limited to, sorted; None when
        the user sees all of them (an admin, or a coordinator of every one)."""
        if self.covers(centres):
            return None
        return sorted(set(centres) & self.centres)


class Roles:
    """Role queries and changes on the Buurtstem database."""

    def __init__(self, storage: Storage, admin_ids: frozenset[int]) -> None:
        self.storage = storage
        self.admin_ids = admin_ids

    async def role(self, user_id: int | None) -> Role:
        """The role of a user (no rights for None or unknown users)."""
        if user_id is None:
            return Role(False, frozenset())
        db = self.storage.db
        admin = user_id in self.admin_ids
        if not admin:
            async with db.execute("SELECT 1 FROM admins WHERE user_id = ?", (user_id,)) as cur:
                admin = await cur.fetchone() is not None
        if admin:
            return Role(True, frozenset(code for code, _ in await self.storage.centres()))
        async with db.execute(
            "SELECT centre_code FROM coordinators WHERE user_id = ?", (user_id,)
        ) as cur:
            centres = frozenset(row[0] for row in await cur.fetchall())
        return Role(False, centres)

    async def add_admin(self, user_id: int) -> None:
        """Make a user an admin."""
        async with self.storage.transaction() as db:
            await db.execute(
                "INSERT OR IGNORE INTO admins VALUES (?, ?)", (user_id, utcnow().isoformat())
            )

    async def create_invite(self, centre_code: str, now: datetime | None = None) -> str:
        """Make a one-time coordinator code for a centre, e.g. ``K7QM-3XTP``.

        Raises:
            ValueError: If the centre does not exist.
        """
        if await self.storage.centre_name(centre_code) is None:
            raise ValueError(f"unknown centre {centre_code!r}")
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        code = f"{raw[:4]}-{raw[4:]}"
        expires = (now or utcnow()) + INVITE_TTL
        async with self.storage.transaction() as db:
            await db.execute(
                "INSERT INTO invite_codes (code_hash, centre_code, expires_at) VALUES (?, ?, ?)",
                (_hash(code.replace("-", "")), centre_code, expires.isoformat()),
            )
        return code

    async def redeem_invite(
        self, code: str, user_id: int, language: str, now: datetime | None = None
    ) -> str | None:
        """Use an invite code: the user becomes coordinator of its centre.

        Returns:
            The centre code, or None if the code is unknown, used or expired.
        """
        digest = _hash(code.replace("-", "").replace(" ", ""))
        moment = now or utcnow()
        async with self.storage.transaction() as db:
            async with db.execute(
                "SELECT centre_code, expires_at, used_at FROM invite_codes WHERE code_hash = ?",
                (digest,),
            ) as cur:
                row = await cur.fetchone()
            if row is None or row[2] is not None or datetime.fromisoformat(row[1]) <= moment:
                return None
            await db.execute(
                "UPDATE invite_codes SET used_at = ? WHERE code_hash = ?",
                (moment.isoformat(), digest),
            )
            await db.execute(
                "INSERT OR IGNORE INTO coordinators (user_id, centre_code, language, added_at)"
                " VALUES (?, ?, ?, ?)",
                (user_id, row[0], language, moment.isoformat()),
            )
        return row[0]

    async def coordinator_ids(self) -> list[int]:
        """Every coordinator's user id (for the per-chat command menu)."""
        async with self.storage.db.execute("SELECT DISTINCT user_id FROM coordinators") as cur:
            return [row[0] for row in await cur.fetchall()]
