"""Ethnicity and religion: the sensitive fields of a young person, stored as stable codes from data files.

The lists live beside this module (`ethnic_groups.toml`, `religions.toml`): Vietnam's 54 ethnic groups and the
16 recognised religions, each with "other", and "none" for religion. Reports classify by code, the same way on
every database: an ethnic minority is any listed group but the majority (`kinh`) and `other`; a religion is
any code but `none`. The codes are stored sealed (storage/sealed.py), so the classification is done here, in
Python, and the report counts are kept by the application (storage/rollups.py).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ETHNIC_GROUPS_FILE",
    "MAJORITY",
    "NO_RELIGION",
    "OTHER",
    "RELIGIONS_FILE",
    "ListEntry",
    "Listing",
    "is_minority",
    "is_religious",
    "load_ethnic_groups",
    "load_religions",
]

_HERE = Path(__file__).resolve().parent
ETHNIC_GROUPS_FILE = _HERE / "ethnic_groups.toml"
RELIGIONS_FILE = _HERE / "religions.toml"
MAJORITY = "kinh"
NO_RELIGION = "none"
OTHER = "other"
_CODE_MAX = 32


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One entry of a list: its stored code, its names, and other spellings people type."""

    code: str
    vi: str
    en: str | None = None
    also: tuple[str, ...] = ()

    def name(self, locale: str) -> str:
        """Return the name shown in `locale`: the English name where one exists, else the Vietnamese one."""
        return self.en if locale == "en" and self.en else self.vi

    def spellings(self) -> tuple[str, ...]:
        return (self.vi, *((self.en,) if self.en else ()), *self.also)


@dataclass(frozen=True, slots=True)
class Listing:
    """A list of codes in the order they are shown, and the few offered as buttons."""

    entries: tuple[ListEntry, ...]
    offered: tuple[str, ...]

    def get(self, code: str) -> ListEntry | None:
        return next((entry for entry in self.entries if entry.code == code), None)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(entry.code for entry in self.entries)


def _load(path: Path, required: tuple[str, ...]) -> Listing:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    entries = tuple(ListEntry(item["code"], item["vi"], item.get("en"), tuple(item.get("also", ())))
                    for item in raw["names"])
    codes = [entry.code for entry in entries]
    if len(set(codes)) != len(codes) or any(not (0 < len(c) <= _CODE_MAX and c.isascii()) for c in codes):
        raise ValueError(f"{path}: codes must be unique, ASCII and at most {_CODE_MAX} characters")
    missing = [code for code in (*required, *raw["offered"]) if code not in codes]
    if missing:
        raise ValueError(f"{path}: unknown codes {missing}")
    return Listing(entries, tuple(raw["offered"]))


def load_ethnic_groups(path: Path = ETHNIC_GROUPS_FILE) -> Listing:
    """Return the ethnic groups, Kinh first, from the data file."""
    return _load(path, (MAJORITY, OTHER))


def load_religions(path: Path = RELIGIONS_FILE) -> Listing:
    """Return "none", the recognised religions and "other", from the data file."""
    return _load(path, (NO_RELIGION, OTHER))


def is_minority(ethnicity: str | None) -> bool:
    """Tell whether an ethnicity code counts as an ethnic minority: any listed group but Kinh and "other"."""
    return ethnicity is not None and ethnicity not in (MAJORITY, OTHER)


def is_religious(religion: str | None) -> bool:
    """Tell whether a religion code counts as having a religion: any answer but "none"."""
    return religion is not None and religion != NO_RELIGION
