"""Parsers for what people type. Each returns the clean value or raises `Invalid` with a catalog key."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from typing import Any

from conversations.text import fold, nfc
from storage.models import Gender

__all__ = [
    "Invalid",
    "name_key",
    "parse_birth_year",
    "parse_count",
    "parse_date",
    "parse_full_name",
    "parse_gender",
    "parse_invite_code",
    "parse_label",
    "parse_listed",
    "parse_phone",
    "parse_text",
]

NAME_MAX = 80
_NAME_PUNCTUATION = frozenset(" '’-.")


class Invalid(ValueError):
    """Input that cannot be accepted; `key` and `values` make the localized explanation."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values: dict[str, Any] = values


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


# Vietnamese numbers: mobiles are 10 digits starting 03/05/07/08/09; landlines 11 digits starting 02.
_MOBILE = re.compile(r"0[35789]\d{8}")
_LANDLINE = re.compile(r"02\d{9}")
_PHONE_SEPARATORS = frozenset(" .-()/")


def parse_phone(text: str) -> str:
    """Return a Vietnamese phone number in one national form ("+84 912-345-678" → "0912345678")."""
    raw = nfc(text)
    if not raw or len(raw) > 24:
        raise Invalid("validate.phone_format")
    body = raw[1:] if raw.startswith("+") else raw
    if any(not (ch.isascii() and ch.isdigit()) and ch not in _PHONE_SEPARATORS for ch in body):
        raise Invalid("validate.phone_bad_chars")
    digits = "".join(ch for ch in body if ch.isdigit())
    if raw.startswith("+") or (digits.startswith("84") and len(digits) in (11, 12)):
        if not digits.startswith("84"):
            raise Invalid("validate.phone_foreign")
        digits = "0" + digits[2:].removeprefix("0")
    if not (_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits)):
        raise Invalid("validate.phone_format")
    return digits


_TODAY_WORDS = frozenset({"hom nay", "today"})
_YESTERDAY_WORDS = frozenset({"hom qua", "yesterday"})
_DAY_FIRST = re.compile(r"(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(text: str, *, today: date, earliest: date | None = None) -> date:
    """Return the calendar date typed as `5/3/2026`, `05-03-2026`, `5/3` (this year), `2026-03-05`,
    `hôm nay` or `hôm qua`; it may not be after `today` nor before `earliest`."""
    value = nfc(text)
    if len(value) > 20:
        raise Invalid("validate.date_format")
    key = fold(value)
    if key in _TODAY_WORDS:
        day = today
    elif key in _YESTERDAY_WORDS:
        day = today - timedelta(days=1)
    else:
        day = _calendar_date(value, today)
    if day > today:
        raise Invalid("validate.date_future")
    if earliest is not None and day < earliest:
        raise Invalid("validate.date_too_early", earliest=earliest)
    return day


def _calendar_date(value: str, today: date) -> date:
    iso = _ISO.fullmatch(value) if value.isascii() else None
    dmy = _DAY_FIRST.fullmatch(value) if value.isascii() else None
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dmy:
            year = int(dmy[3]) if dmy[3] else today.year
            return date(year + 2000 if year < 100 else year, int(dmy[2]), int(dmy[1]))
    except ValueError:
        raise Invalid("validate.date_impossible") from None
    raise Invalid("validate.date_format")


# Joiners hold emoji sequences together ("👨‍👩‍👧"); every other format character (bidi overrides, BOM) is refused.
_ALLOWED_FORMAT = frozenset("\u200c\u200d")


def parse_text(text: str, *, limit: int) -> str:
    """Return free text (an activity name, a note, a lesson learned) in NFC; refuse it empty, too long or with
    control, format (bidi override), private-use or unpaired surrogate characters — NUL and ANSI escapes too."""
    value = nfc(text)
    if not value:
        raise Invalid("validate.text_empty")
    if len(value) > limit:
        raise Invalid("validate.text_too_long", limit=limit)
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") and ch not in _ALLOWED_FORMAT for ch in value):
        raise Invalid("validate.text_bad_chars")
    return value


def parse_count(text: str, *, limit: int) -> int | None:
    """Return a whole number from 0 to `limit` typed in ASCII digits, with "." "," or spaces grouping
    thousands ("1.200"); None otherwise ("²", "①" and a 5,000-digit number included)."""
    digits = "".join(nfc(text).replace(".", "").replace(",", "").split())
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > len(str(limit)):
        return None
    value = int(digits)
    return value if value <= limit else None


def parse_label(text: str, *, limit: int = 40) -> str:
    """Return a short label such as an ethnicity or a religion ("kinh" → "Kinh"): letters and spaces."""
    value = nfc(text)
    if not value or sum(ch.isalpha() for ch in value) < 2:
        raise Invalid("validate.label_empty")
    if len(value) > limit:
        raise Invalid("validate.text_too_long", limit=limit)
    if any(not (unicodedata.category(ch).startswith(("L", "M")) or ch in _NAME_PUNCTUATION) for ch in value):
        raise Invalid("validate.label_bad_chars")
    return value[:1].upper() + value[1:]


def name_key(text: str) -> str:
    """Return the key a listed name is matched by, whatever its case, diacritics, spaces, hyphens or
    apostrophes ("Ê-đê", "ê đê" and "EDE" → "ede")."""
    return "".join(ch for ch in fold(text) if ch.isalnum())


def parse_listed(text: str, *, keys: dict[str, str], unlisted: str, limit: int = 40) -> str:
    """Return the code of a name typed from a list such as the ethnic groups (`keys` maps `name_key`s to
    codes); a well-formed name that is not on the list raises `Invalid(unlisted, name=...)`."""
    value = parse_label(text, limit=limit)
    code = keys.get(name_key(value))
    if code is None:
        raise Invalid(unlisted, name=value)
    return code


_GENDER_WORDS = {
    Gender.MALE: frozenset({"nam", "male", "m", "trai"}),
    Gender.FEMALE: frozenset({"nu", "female", "f", "gai"}),
    Gender.OTHER: frozenset({"khac", "other"}),
}


def parse_gender(text: str) -> Gender:
    """Return the gender typed as a word in Vietnamese or English ("Nữ", "nu", "female")."""
    key = fold(text)
    for gender, words in _GENDER_WORDS.items():
        if key in words:
            return gender
    raise Invalid("validate.gender")
