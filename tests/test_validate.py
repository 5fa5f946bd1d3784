"""Tables of what people type and what each parser makes of it."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from conversations.validate import (
    Invalid,
    parse_birth_year,
    parse_count,
    parse_date,
    parse_full_name,
    parse_gender,
    parse_invite_code,
    parse_label,
    parse_phone,
    parse_text,
)
from storage.models import Gender

TODAY = date(2026, 11, 24)
NFD = unicodedata.normalize("NFD", "Trần Thị Bích")
LONG = "a" * 4000


def _outcome(parse, text, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return parse(text, **kwargs)
    except Invalid as error:
        return error.key


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("0912 345 678", "0912345678", id="spaces"),
    pytest.param("0912.345.678", "0912345678", id="dots"),
    pytest.param("0912-345-678", "0912345678", id="dashes"),
    pytest.param("+84912345678", "0912345678", id="plus84"),
    pytest.param("+84 (0) 912 345 678", "0912345678", id="plus84-with-trunk-zero"),
    pytest.param("84912345678", "0912345678", id="84-no-plus"),
    pytest.param("0388 123 456", "0388123456", id="viettel-03"),
    pytest.param("028 3822 1234", "02838221234", id="landline-hcmc"),
    pytest.param("０９１２３４５６７８", "validate.phone_bad_chars", id="fullwidth-digits"),
    pytest.param("0912 345 67a", "validate.phone_bad_chars", id="letter"),
    pytest.param("không có", "validate.phone_bad_chars", id="words"),
    pytest.param("0912 345 678 📱", "validate.phone_bad_chars", id="emoji"),
    pytest.param("+1 555 123 4567", "validate.phone_foreign", id="foreign"),
    pytest.param("091234567", "validate.phone_format", id="nine-digits"),
    pytest.param("09123456789", "validate.phone_format", id="eleven-digit-mobile"),
    pytest.param("0112345678", "validate.phone_format", id="bad-prefix"),
    pytest.param("", "validate.phone_format", id="empty"),
    pytest.param("0" * 4000, "validate.phone_format", id="4000-chars"),
    pytest.param("09'; DROP TABLE youth", "validate.phone_bad_chars", id="sql-looking"),
])
def test_parse_phone(text: str, expected: str) -> None:
    assert _outcome(parse_phone, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("5/3/2026", date(2026, 3, 5), id="d/m/yyyy"),
    pytest.param("05-03-2026", date(2026, 3, 5), id="dd-mm-yyyy"),
    pytest.param("5.3.2026", date(2026, 3, 5), id="dots"),
    pytest.param("5/3/26", date(2026, 3, 5), id="two-digit-year"),
    pytest.param("5/3", date(2026, 3, 5), id="this-year"),
    pytest.param("2026-03-05", date(2026, 3, 5), id="iso"),
    pytest.param("hôm nay", TODAY, id="hom-nay"),
    pytest.param("Hôm nay", TODAY, id="hom-nay-capital"),
    pytest.param(unicodedata.normalize("NFD", "hôm nay"), TODAY, id="hom-nay-nfd"),
    pytest.param("hom nay", TODAY, id="hom-nay-no-accents"),
    pytest.param("today", TODAY, id="today"),
    pytest.param("hôm qua", date(2026, 11, 23), id="hom-qua"),
    pytest.param("24/11/2026", TODAY, id="today-typed"),
    pytest.param("25/11/2026", "validate.date_future", id="tomorrow"),
    pytest.param("1/1/2030", "validate.date_future", id="2030"),
    pytest.param("31/12", "validate.date_future", id="later-this-year"),
    pytest.param("31/2/2026", "validate.date_impossible", id="31-feb"),
    pytest.param("5/13/2026", "validate.date_impossible", id="month-13"),
    pytest.param("ngày mai", "validate.date_format", id="words"),
    pytest.param("🎉", "validate.date_format", id="emoji"),
    pytest.param("５/３/２０２６", "validate.date_format", id="fullwidth"),
    pytest.param(LONG, "validate.date_format", id="4000-chars"),
    pytest.param("", "validate.date_format", id="empty"),
])
def test_parse_date(text: str, expected: object) -> None:
    assert _outcome(parse_date, text, today=TODAY) == expected


def test_parse_date_refuses_before_earliest_and_says_which() -> None:
    with pytest.raises(Invalid) as caught:
        parse_date("1/1/1890", today=TODAY, earliest=date(2026, 11, 1))
    assert caught.value.key == "validate.date_too_early"
    assert caught.value.values == {"earliest": date(2026, 11, 1)}
    assert parse_date("1/11/2026", today=TODAY, earliest=date(2026, 11, 1)) == date(2026, 11, 1)


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("nguyễn văn an", "Nguyễn Văn An", id="lower"),
    pytest.param(NFD, "Trần Thị Bích", id="nfd"),
    pytest.param("  Lê   Văn  Cường ", "Lê Văn Cường", id="blanks"),
    pytest.param("Bích 🌸", "validate.name_bad_chars", id="emoji"),
    pytest.param("An2", "validate.name_bad_chars", id="digit"),
    pytest.param(LONG, "validate.name_too_long", id="4000-chars"),
    pytest.param("", "validate.name_empty", id="empty"),
])
def test_parse_full_name(text: str, expected: str) -> None:
    assert _outcome(parse_full_name, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("2006", 2006, id="ok"),
    pytest.param("1890", "validate.year_range", id="1890"),
    pytest.param("2030", "validate.year_range", id="2030"),
    pytest.param("06", "validate.year_format", id="two-digits"),
    pytest.param("２００６", "validate.year_format", id="fullwidth"),
    pytest.param("2006🎂", "validate.year_format", id="emoji"),
])
def test_parse_birth_year(text: str, expected: object) -> None:
    assert _outcome(parse_birth_year, text, this_year=2026, min_age=14, max_age=35) == expected


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("Chủ nhật xanh 🌱", "Chủ nhật xanh 🌱", id="emoji-allowed"),
    pytest.param(NFD, "Trần Thị Bích", id="nfd-composed"),
    pytest.param("x" * 200, "x" * 200, id="at-limit"),
    pytest.param("x" * 201, "validate.text_too_long", id="over-limit"),
    pytest.param(LONG, "validate.text_too_long", id="4000-chars"),
    pytest.param("   ", "validate.text_empty", id="blank"),
    pytest.param("a\u200bb", "validate.text_bad_chars", id="zero-width"),
    pytest.param("Gia đình 👨\u200d👩\u200d👧", "Gia đình 👨\u200d👩\u200d👧", id="emoji-joined"),
    pytest.param("a\x00b", "validate.text_bad_chars", id="nul"),
    pytest.param("\x1b[2J", "validate.text_bad_chars", id="ansi-escape"),
    pytest.param("abc \u202eabc", "validate.text_bad_chars", id="bidi-override"),
    pytest.param("\u200fabc", "validate.text_bad_chars", id="right-to-left-mark"),
    pytest.param("\ud800", "validate.text_bad_chars", id="lone-surrogate"),
])
def test_parse_text(text: str, expected: str) -> None:
    assert _outcome(parse_text, text, limit=200) == expected


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("120", 120, id="plain"),
    pytest.param("1.200", 1200, id="dot-thousands"),
    pytest.param("1 000 000", 1_000_000, id="at-limit"),
    pytest.param("1000001", None, id="over-limit"),
    pytest.param("0", 0, id="zero"),
    pytest.param("²", None, id="superscript"),
    pytest.param("①", None, id="circled"),
    pytest.param("١٢", None, id="arabic-indic"),
    pytest.param("１２", None, id="full-width"),
    pytest.param("1" * 4300, None, id="4300-digits"),
    pytest.param("9" * 5000, None, id="5000-digits"),
    pytest.param("-5", None, id="negative"),
    pytest.param("", None, id="empty"),
])
def test_parse_count(text: str, expected: int | None) -> None:
    assert parse_count(text, limit=1_000_000) == expected


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("kinh", "Kinh", id="capitalised"),
    pytest.param("Phật giáo", "Phật giáo", id="two-words"),
    pytest.param(unicodedata.normalize("NFD", "Hoa"), "Hoa", id="nfd"),
    pytest.param("Kinh 🙏", "validate.label_bad_chars", id="emoji"),
    pytest.param("1", "validate.label_empty", id="digit"),
    pytest.param(LONG, "validate.text_too_long", id="4000-chars"),
])
def test_parse_label(text: str, expected: str) -> None:
    assert _outcome(parse_label, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("Nữ", Gender.FEMALE, id="nu"),
    pytest.param("nu", Gender.FEMALE, id="nu-no-accent"),
    pytest.param("female", Gender.FEMALE, id="female"),
    pytest.param("NAM", Gender.MALE, id="nam-upper"),
    pytest.param("khác", Gender.OTHER, id="khac"),
    pytest.param("🙂", "validate.gender", id="emoji"),
])
def test_parse_gender(text: str, expected: object) -> None:
    assert _outcome(parse_gender, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(" demo-doanvien ", "DEMO-DOANVIEN", id="lower-blanks"),
    pytest.param("MÃ", "join.code_malformed", id="diacritics"),
])
def test_parse_invite_code_still_works(text: str, expected: str) -> None:
    assert _outcome(parse_invite_code, text) == expected
