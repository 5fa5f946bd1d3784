"""Signed values for the web pages: the session cookie, the CSRF token of every form, and the file links.

A signed value is `base64url(JSON).base64url(HMAC-SHA256)`, the MAC taken over a purpose and the JSON, so a
value signed for one purpose (a file link) is refused as another (a session). Every value carries its expiry.
Nothing here reads the database: who a session belongs to, and whether it was ended by a logout, is checked again
on each request (`bot.web.app`), so a role revoked in the meantime ends the session's rights at once, and a copy
of a cookie whose session was logged out opens nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "SESSION_TTL",
    "Session",
    "Signer",
]

SESSION_COOKIE = "bot11_session"
CSRF_COOKIE = "bot11_csrf"
SESSION_TTL = timedelta(hours=8)
_MAX_SIGNED = 4096  # characters: larger than any value we sign, small enough to refuse a flood cheaply


@dataclass(frozen=True, slots=True)
class Session:
    """Who a session cookie was given to: the chat identity that opened the login link, its member then, and the
    login link it was opened with (whose row stands for the session on the server: logout deletes it)."""

    identity_id: int
    member_id: int
    link_id: int


class Signer:
    """Sign and check values with one key (WEB_SECRET_KEY)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def sign(self, purpose: str, payload: dict[str, Any], *, expires: datetime) -> str:
        """Return `payload` signed for `purpose`, valid until `expires`."""
        body = _encode(json.dumps({**payload, "exp": int(expires.timestamp())}, separators=(",", ":")).encode())
        return f"{body}.{_encode(self._mac(purpose, body))}"

    def unsign(self, purpose: str, value: str, *, now: datetime) -> dict[str, Any] | None:
        """Return the payload of `value` if it was signed for `purpose` and has not expired at `now`, else None."""
        if len(value) > _MAX_SIGNED or value.count(".") != 1:
            return None
        body, mac = value.split(".")
        given = _decode(mac)
        if given is None or not hmac.compare_digest(given, self._mac(purpose, body)):
            return None
        raw = _decode(body)
        try:
            payload = json.loads(raw) if raw is not None else None
        except ValueError:
            return None
        if not isinstance(payload, dict) or not isinstance(expiry := payload.get("exp"), int):
            return None
        return payload if now.timestamp() < expiry else None

    def session(self, value: str | None, *, now: datetime) -> Session | None:
        """Return the session a cookie holds, if it is ours and current."""
        payload = self.unsign("session", value, now=now) if value else None
        if payload is None:
            return None
        identity, member, link = payload.get("i"), payload.get("m"), payload.get("l")
        if not isinstance(identity, int) or not isinstance(member, int) or not isinstance(link, int):
            return None
        return Session(identity, member, link)

    def session_cookie(self, session: Session, *, now: datetime) -> str:
        return self.sign("session", {"i": session.identity_id, "m": session.member_id, "l": session.link_id},
                         expires=now + SESSION_TTL)

    def csrf_token(self, nonce: str) -> str:
        """Return the token a form must send back with the CSRF cookie holding `nonce`."""
        return _encode(self._mac("csrf", nonce))

    def csrf_valid(self, nonce: str | None, token: str | None) -> bool:
        """Tell whether a form's `token` matches the CSRF cookie's `nonce` (both present)."""
        if not nonce or not token or len(nonce) > _MAX_SIGNED:
            return False
        return hmac.compare_digest(token.encode(), self.csrf_token(nonce).encode())

    def _mac(self, purpose: str, body: str) -> bytes:
        return hmac.new(self._key, f"{purpose}\n{body}".encode(), hashlib.sha256).digest()


def new_nonce() -> str:
    """Return a fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(24)


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
