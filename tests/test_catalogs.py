"""Every word a user reads comes from the catalogs: both locales have the same keys and placeholders, and every
key the code names exists."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conversations.i18n import Catalogs

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = sorted(path.stem for path in (ROOT / "locales" / "vi" / "LC_MESSAGES").glob("*.po"))
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
# Calls whose first string argument is a catalog key.
KEYED_CALLS = {"reply", "choice", "t", "count", "Invalid", "_"}


def _messages(locale: str, domain: str) -> dict[str, str]:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        catalog = read_po(handle)
    # A plural entry's id is (key, key) and its text one string per form, joined here.
    return {_key(message.id): _text(message.string) for message in catalog if message.id}


def _key(id_: object) -> str:
    return str(id_[0]) if isinstance(id_, tuple) else str(id_)


def _text(string: object) -> str:
    return "\n".join(str(form) for form in string) if isinstance(string, tuple) else str(string)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("domain", DOMAINS)
def test_both_locales_have_the_same_keys_and_placeholders(domain: str) -> None:
    vi, en = _messages("vi", domain), _messages("en", domain)
    assert set(vi) == set(en), f"keys only in vi: {set(vi) - set(en)}; only in en: {set(en) - set(vi)}"
    for key in vi:
        assert vi[key].strip() and en[key].strip(), f"{domain}: empty text for {key}"
        assert _fields(vi[key]) == _fields(en[key]), f"{domain}: placeholders differ for {key}"


def _keys_named_in_code() -> set[tuple[str, str]]:
    found = set()
    for folder in ("bot", "conversations", "scheduled", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                first = node.args[0]
                literal = first.value if isinstance(first, ast.Constant) else None
                if name in KEYED_CALLS and isinstance(literal, str) and KEY.match(literal):
                    found.add((literal, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def test_every_key_named_in_code_exists_in_both_locales() -> None:
    known = {locale: {key for domain in DOMAINS for key in _messages(locale, domain)} for locale in ("vi", "en")}
    named = _keys_named_in_code()
    assert len(named) > 40  # the scan really finds the keys
    missing = sorted(f"{where}: {key}" for key, where in named if key not in known["vi"] or key not in known["en"])
    assert not missing, "\n".join(missing)


def test_keys_are_not_defined_twice_across_domains() -> None:
    seen: dict[str, str] = {}
    for domain in DOMAINS:
        for key in _messages("vi", domain):
            assert key not in seen, f"{key} is in both {seen[key]}.po and {domain}.po"
            seen[key] = domain


def test_numbers_follow_the_locale() -> None:
    catalogs = Catalogs()
    assert catalogs.get("vi").number(7338) == "7.338"
    assert catalogs.get("vi").percent(1.015) == "101,5%"
    assert catalogs.get("en").number(7338) == "7,338"
    assert catalogs.get("en").percent(1.015) == "101.5%"
    assert catalogs.get("fr") is catalogs.get("vi")


@pytest.mark.parametrize(("locale", "n", "expected"), [
    ("en", 1, "… and 1 more branch."),
    ("en", 2, "… and 2 more branches."),
    ("en", 1200, "… and 1,200 more branches."),
    ("vi", 1, "… và 1 chi đoàn khác."),
    ("vi", 1200, "… và 1.200 chi đoàn khác."),
])
def test_counts_take_the_plural_form_of_the_locale(locale: str, n: int, expected: str) -> None:
    assert Catalogs().get(locale).count("report.overdue_more", n) == expected
