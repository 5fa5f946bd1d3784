"""Parsers for what people type. Each returns the clean value or raises `Invalid` with a catalog key."""

from __future__ import annotations

import unicodedata

from conversations.text import nfc

__all__ = ["Invalid", "parse_birth_year", "parse_full_name", "parse_invite_code"]

NAME_MAX = 80
_NAME_PUNCTUATION = frozenset(" '’-.")


class Invalid(ValueError):
    """Input that cannot be accepted; `key` and `values` make the localized explanation."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def parse_full_name(text: str) -> str:
    """Return a person's full name in NFC with each word capitalised ("nguyễn văn an" → "Nguyễn Văn An")."""
    name = nfc(text)
    if not name:
        raise Invalid("validate.name_empty")
    if len(name) > NAME_MAX:
        raise Invalid("validate.name_too_long", limit=NAME_MAX)
    if any(not (unicodedata.category(ch).startswith("L") or ch in _NAME_PUNCTUATION) for ch in name):
        raise Invalid("validate.name_bad_chars")
    if sum(ch.isalpha() for ch in name) < 2:
        raise Invalid("validate.name_empty")
    return " ".join(word[:1].upper() + word[1:].lower() for word in name.split())


def parse_birth_year(text: str, *, this_year: int, min_age: int, max_age: int) -> int:
    """Return a four-digit birth year that gives an age between `min_age` and `max_age` this year."""
    value = nfc(text)
    if not (len(value) == 4 and value.isascii() and value.isdigit()):
        raise Invalid("validate.year_format")
    year = int(value)
    oldest, youngest = this_year - max_age, this_year - min_age
    if not oldest <= year <= youngest:
        raise Invalid("validate.year_range", oldest=oldest, youngest=youngest)
    return year


def parse_invite_code(text: str) -> str:
    """Return an invite code in its stored form (upper case, no spaces)."""
    code = "".join(nfc(text).split()).upper()
    if not code or len(code) > 32 or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in code):
        raise Invalid("join.code_malformed")
    return code
