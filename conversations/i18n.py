"""Message catalogs (gettext, compiled by Babel). Message ids are stable keys such as `join.ask_name`;
the Vietnamese and English catalogs under `locales/<locale>/LC_MESSAGES/` hold every word a user reads.

Each capability keeps its own catalog file (`core.po`, `youth.po`, ...); a locale's files are merged into one
lookup. A key missing in English falls back to the Vietnamese text rather than showing the raw key."""

from __future__ import annotations

import gettext
from datetime import date
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from storage.calendar import Period

__all__ = ["LOCALES", "Catalogs", "Translator", "period_label"]

LOCALES = ("vi", "en")
_LOCALE_DIR = Path(__file__).resolve().parent.parent / "locales"


class Translator:
    """Texts and number formats for one locale."""

    def __init__(self, locale: str, catalog: gettext.NullTranslations) -> None:
        self.locale = locale
        self._catalog = catalog

    def __call__(self, key: str, /, **values: object) -> str:
        """Return the text for `key` with `{placeholders}` filled in."""
        text = self._catalog.gettext(key)
        return text.format(**values) if values else text

    def count(self, key: str, n: int, /, **values: object) -> str:
        """Return the text for `key` in the plural form `n` takes in this language ("1 branch", "2 branches";
        Vietnamese has one form), with `{count}` set to `n` written the locale's way."""
        text = self._catalog.ngettext(key, key, n)
        return text.format(**{"count": self.number(n), **values})

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, ratio: float) -> str:
        return format_percent(ratio, format="#,##0.0%", locale=self.locale)

    def date(self, day: date) -> str:
        """Write a calendar day the locale's way (10/07/2026 in Vietnamese, 10 Jul 2026 in English)."""
        return format_date(day, self("date.pattern"), locale=self.locale)


def period_label(t: Translator, period: Period) -> str:
    """Return "6 tháng đầu năm 2026" / "first half of 2026" / "năm 2026"."""
    if period.half is None:
        return t("report.period_year", year=period.year)
    return t(f"report.period_h{period.half}", year=period.year)


class Catalogs:
    """All compiled catalogs, loaded once by the composition root."""

    def __init__(self, locale_dir: Path = _LOCALE_DIR, default: str = "vi") -> None:
        if default not in LOCALES:
            raise ValueError(f"unsupported default locale {default!r}")
        self.default = default
        merged = {locale: _load(locale_dir / locale / "LC_MESSAGES") for locale in LOCALES}
        for locale, catalog in merged.items():
            if locale != default:
                catalog.add_fallback(merged[default])
        self._translators = {locale: Translator(locale, catalog) for locale, catalog in merged.items()}

    def get(self, locale: str | None) -> Translator:
        """Return the translator for `locale`, or the default one when it is unknown or unset."""
        return self._translators.get(locale or self.default, self._translators[self.default])


def _load(folder: Path) -> gettext.NullTranslations:
    """Merge every compiled catalog (`*.mo`) in `folder` into one translations object."""
    files = sorted(folder.glob("*.mo"))
    if not files:
        raise RuntimeError(f"no compiled catalog under {folder}: run `make catalogs` (make run/test do this)")
    merged = gettext.NullTranslations()
    for path in files:
        with path.open("rb") as handle:
            merged.add_fallback(gettext.GNUTranslations(handle))
    return merged
