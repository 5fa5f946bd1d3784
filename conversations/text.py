"""Text normalisation shared by every dialog: NFC input, diacritics-insensitive matching."""

from __future__ import annotations

import unicodedata

__all__ = ["fold", "nfc"]


def nfc(text: str) -> str:
    """Return `text` composed (NFC) with surrounding blanks removed and inner runs of blanks collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def fold(text: str) -> str:
    """Return a key for comparing labels regardless of case, diacritics and spacing ("Huỷ" == "huy")."""
    decomposed = unicodedata.normalize("NFD", nfc(text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d")
