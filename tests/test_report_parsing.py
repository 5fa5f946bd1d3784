"""What people type after /baocao and /chitieu, as tables."""

from __future__ import annotations

import unicodedata

import pytest

from conversations.flows.report import parse_report_args, parse_target
from conversations.validate import Invalid
from storage.calendar import Period


@pytest.mark.parametrize(("text", "expected"), [
    ("", (None, None)),
    ("QD-HB", ("QD-HB", None)),
    ("qd-hb 2026-h1", ("QD-HB", Period(2026, 1))),
    ("2026 cd_kp1", ("CD_KP1", Period(2026))),
    ("  2026H2  ", (None, Period(2026, 2))),
], ids=["nothing", "code", "code-period", "year-first", "compact-period"])
def test_report_args(text: str, expected: tuple[str | None, Period | None]) -> None:
    assert parse_report_args(text) == expected


@pytest.mark.parametrize("text", [
    "QD-HB 2026 x", "Hòa Bình", unicodedata.normalize("NFD", "Quận"), "QD-HB; DROP TABLE unit", "🙂", "A" * 33,
    "2026-H1 2026", "QD-HB CD-KP1", "2026-H3",
], ids=["three-words", "diacritics", "nfd", "sql", "emoji", "too-long", "two-periods", "two-codes", "bad-half"])
def test_report_args_refused(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_report_args(text)
    assert refused.value.key == "report.bad_args"


@pytest.mark.parametrize(("text", "value"), [
    ("120", 120), ("1.200", 1200), ("1,200", 1200), (" 1 200 ", 1200), ("0", 0), ("10.000.000", 10_000_000),
], ids=["plain", "vi-thousands", "en-thousands", "spaces", "zero", "maximum"])
def test_target_values(text: str, value: int) -> None:
    assert parse_target(text) == value


@pytest.mark.parametrize("text", ["", "-5", "12,5 người", "mười hai", "10000001", "９９", "1e3", "9" * 4000],
                         ids=["empty", "negative", "words", "vietnamese-words", "over-max", "fullwidth", "exp",
                              "4000-digits"])
def test_target_values_refused(text: str) -> None:
    with pytest.raises(Invalid):
        parse_target(text)
