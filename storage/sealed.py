"""Sealed columns: a young person's ethnicity and religion are stored as Fernet tokens, so that a copy of the
database alone does not reveal them (issue 12; Law 91/2025/QH15 counts both as sensitive personal data).

The keys come from the setting SENSITIVE_KEYS (a comma-separated list of Fernet keys, newest first): the first
key seals, every key opens, so a key is rotated by putting the new one first, running `bot11 admin rotate-key`
(`rotate_batch` below re-seals every value with the first key) and then removing the old one.

The cipher reaches the column type without a global: the composition root builds a `Sealer` from the settings
and `storage.db.create_engine(url, sealer=...)` attaches it to the engine's dialect, which SQLAlchemy hands to
`Sealed` on every bind and every result. An engine without a sealer reads and writes NULL only; a value to seal
or open without one, or a stored value that is no token of the keys, raises `SealError` instead of giving back
garbage.

The report counts that depend on these values (ethnic minority, religious) cannot be computed in SQL from a
token: the application keeps them (storage/rollups.py, `adjust_sensitive_counts`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import JSON, String, bindparam, column, select, table, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel.ext.asyncio.session import AsyncSession

__all__ = ["DEVELOPMENT_KEY", "SEALED_COLUMNS", "SealError", "Sealed", "SealedJSON", "Sealer", "attach_sealer",
           "new_key", "rotate_batch", "rotate_dialogs", "sealer_of"]

# A fixed key for the console demo and development (never for real data: it is printed right here).
DEVELOPMENT_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"bot11 development key, not for real data").digest())
SEALED_COLUMNS = ("ethnicity", "religion")  # of table youth
TOKEN_LENGTH = 255  # a token of a 32-character code is 140 characters
_ATTRIBUTE = "bot11_sealer"


class SealError(RuntimeError):
    """A sealed value could not be sealed or opened: no key configured, or a value no key opens."""


class Sealer:
    """Seals with the first key and opens with any of them (a `MultiFernet`)."""

    def __init__(self, keys: Sequence[bytes | str]) -> None:
        """Raise ValueError when `keys` is empty or a key is not a Fernet key (32 url-safe base64 bytes)."""
        if not keys:
            raise ValueError("no key")
        fernets = []
        for number, key in enumerate(keys, 1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                raise ValueError(f"key {number} is not a Fernet key (32 bytes, url-safe base64)") from None
        self._first = fernets[0]
        self._all = MultiFernet(fernets)

    def seal(self, value: str) -> str:
        """Return the token of `value` under the first key."""
        return self._all.encrypt(value.encode()).decode("ascii")

    def open(self, token: str) -> str:
        """Return the value sealed in `token`; raise SealError when no key opens it."""
        try:
            return self._all.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            raise SealError("a sealed value could not be opened: wrong SENSITIVE_KEYS, or not a token") from None

    def is_current(self, token: str) -> bool:
        """Tell whether `token` is sealed with the first key."""
        try:
            self._first.decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True

    def reseal(self, token: str) -> str:
        """Return `token` sealed again with the first key; raise SealError when no key opens it."""
        try:
            return self._all.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise SealError("a sealed value could not be opened: wrong SENSITIVE_KEYS, or not a token") from None


def new_key() -> str:
    """Return a new random key for SENSITIVE_KEYS."""
    return Fernet.generate_key().decode("ascii")


def attach_sealer(dialect: Dialect, sealer: Sealer | None) -> None:
    """Give the engine whose `dialect` this is the sealer its sealed columns use."""
    setattr(dialect, _ATTRIBUTE, sealer)


def sealer_of(dialect: Dialect) -> Sealer:
    """Return the sealer attached to `dialect`; raise SealError when there is none."""
    sealer = getattr(dialect, _ATTRIBUTE, None)
    if not isinstance(sealer, Sealer):
        raise SealError("this database engine has no SENSITIVE_KEYS: sealed values can be neither written nor read")
    return sealer


class Sealed(TypeDecorator[str]):
    """A text column stored as a token of the engine's sealer (NULL stays NULL)."""

    impl = String(TOKEN_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else sealer_of(dialect).seal(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else sealer_of(dialect).open(str(value))


class SealedJSON(TypeDecorator[dict[str, Any]]):
    """A JSON object column stored as one token of the engine's sealer, kept as a JSON string.

    For the answers a dialog holds between two steps (`conversation.data`): a half-finished registration holds
    the young person's name, phone, ethnicity and religion until it is saved, and a copy of the database taken
    meanwhile must not reveal them. The column stays of type JSON (a JSON string is JSON), so no table changes.
    """

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return sealer_of(dialect).seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise SealError("a dialog's data is stored unsealed")
        opened = json.loads(sealer_of(dialect).open(value))
        if not isinstance(opened, dict):
            raise SealError("a dialog's sealed data is not a JSON object")
        return opened


_DIALOGS = table("conversation", column("id"), column("data", JSON))


async def rotate_dialogs(session: AsyncSession) -> tuple[int, int]:
    """Re-seal with the first key the data of every dialog under way; return (dialogs, re-sealed).

    Dialogs are few (one per person in the middle of one, gone a day after their last step), so one pass.
    Raises SealError, changing nothing, when one opens with no key.
    """
    if session.bind is None:
        raise SealError("the session is bound to no engine")
    sealer = sealer_of(session.bind.dialect)
    rows = (await session.exec(select(_DIALOGS.c.id, _DIALOGS.c.data))).all()  # type: ignore[call-overload]
    stale = [(row_id, sealer.reseal(token)) for row_id, token in rows
             if isinstance(token, str) and not sealer.is_current(token)]
    if any(not isinstance(token, str) for _, token in rows):
        raise SealError("a dialog's data is stored unsealed")
    for row_id, token in stale:
        await session.exec(update(_DIALOGS).where(_DIALOGS.c.id == row_id).values(data=token))
    return len(rows), len(stale)


async def rotate_batch(session: AsyncSession, *, after_id: int, limit: int) -> tuple[int, int, int]:
    """Re-seal with the first key the sealed values of up to `limit` young people with ids above `after_id`.

    Return (the last id looked at, 0 when none is left; how many rows were looked at; how many were
    re-sealed). Values already sealed with the first key are left as they are, so running it again changes
    nothing. Raises SealError, changing nothing of this batch, when a value opens with no key.
    """
    if session.bind is None:
        raise SealError("the session is bound to no engine")
    sealer = sealer_of(session.bind.dialect)
    columns = ", ".join(SEALED_COLUMNS)
    stored = " OR ".join(f"{c} IS NOT NULL" for c in SEALED_COLUMNS)
    query = text(f"SELECT id, {columns} FROM youth WHERE id > :after AND ({stored}) ORDER BY id LIMIT :limit")
    rows = (await session.exec(query, params={"after": after_id, "limit": limit})).all()  # type: ignore[call-overload]
    changed = []
    for row in rows:
        values = dict(zip(SEALED_COLUMNS, row[1:], strict=True))
        stale = {c: sealer.reseal(v) for c, v in values.items() if v is not None and not sealer.is_current(v)}
        if stale:
            changed.append({"row_id": row[0], **{c: stale.get(c, v) for c, v in values.items()}})
    if changed:
        sets = ", ".join(f"{c} = :{c}" for c in SEALED_COLUMNS)
        statement = text(f"UPDATE youth SET {sets} WHERE id = :row_id").bindparams(
            *(bindparam(c, type_=String()) for c in SEALED_COLUMNS))
        await session.exec(statement, params=changed)  # type: ignore[call-overload]
    return (rows[-1][0] if rows else 0), len(rows), len(changed)
