"""The fields of a young person as the youth dialogs ask them: how each is asked, parsed, checked (a phone
registered elsewhere, the same person twice) and shown. The paged picker is `youth_pick`."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_timedelta

from conversations.engine import Answer, Context
from conversations.messages import Choice, Reply
from conversations.text import fold
from conversations.validate import (
    Invalid,
    name_key,
    parse_birth_year,
    parse_full_name,
    parse_gender,
    parse_listed,
    parse_phone,
)
from storage.integrity import FlagKind, SameAnswer, nth_latest_flag_at, record_flag
from storage.models import Gender, Unit, Youth
from storage.sensitive import OTHER, Listing, load_ethnic_groups, load_religions
from storage.units import unit_by_id
from storage.youth import (
    OVERSEEING_ROLES,
    IntroducedTo,
    phone_owner,
    same_person_in,
)

__all__ = [
    "CONSENT_AGE",
    "MAX_AGE",
    "MIN_AGE",
    "PHONE_REFUSALS",
    "PHONE_WINDOW",
    "SENSITIVE",
    "SKIP",
    "Field",
    "SensitiveList",
    "YouthOptions",
    "ask_field",
    "column_values",
    "field_accepts_text",
    "flag_same_person",
    "grassroots_of",
    "invalid_reply",
    "local_day",
    "parse_field",
    "phone_is_taken",
    "phone_refusal",
    "same_person",
    "sees_sensitive",
    "show_field",
    "summary_lines",
    "under_consent_age",
    "youth_values",
]

# Young people the 1+1 policy is about: the Youth Law counts 16–30, Hội and school Đoàn reach a little wider.
MIN_AGE, MAX_AGE = 14, 35
# Below this age a parent or guardian consents for the young person, and ethnicity and religion are not asked.
# Counted by calendar year (this year − birth year), as the birth year is all that is asked: someone who turns
# 16 this year consents for themselves.
CONSENT_AGE = 16
SKIP = "skip"
MORE = "more"  # "Dân tộc khác" / "Tôn giáo khác": type a name from the whole list
_LABEL_MAX = 40
# A member may be refused this many phones already registered elsewhere within the window; then phone entries
# are held back until the oldest refusal leaves the window, so nobody can test number after number.
PHONE_REFUSALS, PHONE_WINDOW = 5, timedelta(hours=24)


class Field(enum.StrEnum):
    """The fields of a young person, in the order /gioithieu asks them."""

    NAME = "name"
    BIRTH_YEAR = "birth_year"
    GENDER = "gender"
    PHONE = "phone"
    GROUP = "group"
    INTRODUCED_TO = "introduced_to"
    ETHNICITY = "ethnicity"
    RELIGION = "religion"


_OPTIONAL = frozenset({Field.PHONE, Field.ETHNICITY, Field.RELIGION})
SENSITIVE = frozenset({Field.ETHNICITY, Field.RELIGION})
_CHOICE_ONLY = frozenset({Field.GROUP, Field.INTRODUCED_TO})


def field_accepts_text(field: Field) -> bool:
    return field not in _CHOICE_ONLY


def under_consent_age(ctx: Context, birth_year: int | None) -> bool:
    """Tell whether someone born in `birth_year` is under `CONSENT_AGE` this year (by calendar year)."""
    return birth_year is not None and ctx.today_year - birth_year < CONSENT_AGE


@dataclass(frozen=True, slots=True)
class SensitiveList:
    """A sensitive field's list as the dialogs use it: codes with their names, and every spelling of every
    name by its `name_key`, so that a typed name finds its code whatever its case, diacritics or spacing."""

    listing: Listing
    keys: dict[str, str]

    @classmethod
    def of(cls, listing: Listing) -> SensitiveList:
        keys: dict[str, str] = {}
        for entry in listing.entries:
            for spelling in entry.spellings():
                if keys.setdefault(name_key(spelling), entry.code) != entry.code:
                    raise ValueError(f"{spelling!r} would name both {keys[name_key(spelling)]} and {entry.code}")
        return cls(listing, keys)

    def name(self, code: str, locale: str) -> str:
        """Return the name of `code` in `locale` (a value not on the list reads as it is stored)."""
        entry = self.listing.get(code)
        return entry.name(locale) if entry is not None else code


@dataclass(frozen=True, slots=True)
class YouthOptions:
    """What the fields of a young person offer: the youth groups, the ethnic groups and the religions."""

    groups: tuple[str, ...]
    ethnicity: SensitiveList
    religion: SensitiveList

    @classmethod
    def load(cls, groups: Sequence[str]) -> YouthOptions:
        """Read the ethnic groups and religions from their data files (storage/*.toml)."""
        return cls(tuple(groups), SensitiveList.of(load_ethnic_groups()), SensitiveList.of(load_religions()))

    def listed(self, field: Field) -> SensitiveList:
        return self.ethnicity if field == Field.ETHNICITY else self.religion


class _TypeName(Invalid):
    """The member is to type a name from the whole list: after "Dân tộc khác", or a name not on it. Only
    "Khác" and "Bỏ qua" are offered then."""


def _options(ctx: Context, field: Field, options: YouthOptions, *, typing: bool = False) -> list[Choice]:
    skip = ctx.choice(f"youth.skip_{field}", SKIP)
    match field:
        case Field.GENDER:
            return [ctx.choice(f"youth.gender.{g}", g) for g in Gender]
        case Field.GROUP:
            return [ctx.choice(f"youth.group.{code}", code) for code in options.groups]
        case Field.INTRODUCED_TO:
            return [ctx.choice(f"youth.to.{to}", to) for to in IntroducedTo]
        case Field.ETHNICITY | Field.RELIGION:
            listed, locale = options.listed(field), ctx.t.locale
            if typing:
                return [Choice(listed.name(OTHER, locale), OTHER), skip]
            offered = [Choice(listed.name(code, locale), code) for code in listed.listing.offered]
            return [*offered, ctx.choice(f"youth.more.{field}", MORE), skip]
        case Field.PHONE:
            return [skip]
    return []


def ask_field(ctx: Context, field: Field, options: YouthOptions, *, problem: Invalid | None = None) -> Reply:
    """Ask for `field`; after a refused answer, say what was wrong instead (with the same choices)."""
    choices = _options(ctx, field, options, typing=isinstance(problem, _TypeName))
    if problem is not None:
        return Reply(invalid_reply(ctx, problem).text, tuple(choices))
    values = {"oldest": ctx.today_year - MAX_AGE, "youngest": ctx.today_year - MIN_AGE}
    return ctx.reply(f"youth.ask.{field}", choices=choices, **values)


def parse_field(ctx: Context, field: Field, answer: Answer, options: YouthOptions) -> Any:
    """Return the value for `field` from `answer`, or raise `Invalid`."""
    if answer.choice == SKIP and field in _OPTIONAL:
        return None
    if field in SENSITIVE:
        return _parse_listed(field, answer, options.listed(field))
    text = answer.text or ""
    match field:
        case Field.NAME:
            return parse_full_name(text)
        case Field.BIRTH_YEAR:
            return parse_birth_year(text, this_year=ctx.today_year, min_age=MIN_AGE, max_age=MAX_AGE)
        case Field.GENDER:
            return str(answer.choice) if answer.choice in set(Gender) else parse_gender(text).value
        case Field.PHONE:
            return parse_phone(text)
        case Field.GROUP if answer.choice in options.groups:
            return answer.choice
        case Field.INTRODUCED_TO if answer.choice in set(IntroducedTo):
            return answer.choice
    raise Invalid("engine.choose_one")


def _parse_listed(field: Field, answer: Answer, listed: SensitiveList) -> str:
    """Return the code of a pressed button or of a name typed from the list."""
    if answer.choice == MORE:
        raise _TypeName(f"youth.type.{field}")
    if answer.choice in listed.listing.codes:
        return str(answer.choice)
    try:
        return parse_listed(answer.text or "", keys=listed.keys, unlisted=f"youth.unlisted.{field}",
                            limit=_LABEL_MAX)
    except Invalid as problem:
        if problem.key != f"youth.unlisted.{field}":
            raise
        raise _TypeName(problem.key, **problem.values) from None


def show_field(ctx: Context, field: Field, value: Any, options: YouthOptions) -> str:
    """Return how a stored value reads in a summary."""
    if value is None:
        return ctx.t("youth.none")
    match field:
        case Field.GENDER:
            return ctx.t(f"youth.gender.{value}")
        case Field.GROUP:
            return ctx.t(f"youth.group.{value}")
        case Field.INTRODUCED_TO:
            return ctx.t(f"youth.to.{value}")
        case Field.PHONE:
            return f"{value[:4]} {value[4:7]} {value[7:]}"
        case Field.ETHNICITY | Field.RELIGION:
            return options.listed(field).name(str(value), ctx.t.locale)
    return str(value)


def summary_lines(ctx: Context, values: dict[str, Any], options: YouthOptions, *,
                  hide_sensitive: bool = False, omit_sensitive: bool = False) -> str:
    """Return one "• label: value" line per field; the sensitive ones are marked as such, and their values
    are withheld when `hide_sensitive` (an officer above the branch sees them only in aggregates), or left out
    when `omit_sensitive` (never asked of someone under `CONSENT_AGE`)."""
    return "\n".join(
        ctx.t("youth.summary_line", label=ctx.t(f"youth.label.{field}"),
              value=ctx.t("youth.hidden") if hide_sensitive and field in SENSITIVE
              else show_field(ctx, field, values.get(field), options))
        for field in Field if not (omit_sensitive and field in SENSITIVE)
    )


def sees_sensitive(ctx: Context, youth: Youth) -> bool:
    """Tell whether the caller may read a young person's ethnicity and religion: the member who
    introduced them, or the secretary/officer of their own branch — nobody higher up."""
    assert ctx.member is not None
    if youth.introduced_by == ctx.member.id:
        return True
    return any(role in OVERSEEING_ROLES and unit.id == youth.unit_id for role, unit in ctx.roles)


def youth_values(youth: Youth) -> dict[str, Any]:
    """Return a stored young person's fields keyed like `Field`."""
    return {Field.NAME: youth.full_name, Field.BIRTH_YEAR: youth.birth_year, Field.GENDER: youth.gender,
            Field.PHONE: youth.phone, Field.GROUP: youth.group_code, Field.INTRODUCED_TO: youth.introduced_to,
            Field.ETHNICITY: youth.ethnicity, Field.RELIGION: youth.religion}


def column_values(values: dict[str, Any]) -> dict[str, Any]:
    """Map `Field` keys to the youth table's columns (the folded name goes with the name)."""
    columns = {"name": "full_name", "group": "group_code"}
    out = {columns.get(key, key): value for key, value in values.items() if key in set(Field)}
    if "full_name" in out:
        out["name_key"] = fold(out["full_name"])
    return out


def invalid_reply(ctx: Context, error: Invalid) -> Reply:
    """Explain a refused answer; dates in the explanation are written the locale's way."""
    values: dict[str, Any] = {k: ctx.t.date(v) if isinstance(v, date) else v for k, v in error.values.items()}
    return ctx.reply(error.key, **values)


def local_day(ctx: Context, moment: datetime) -> date:
    return moment.astimezone(ctx.tz).date()


async def grassroots_of(ctx: Context, unit_id: int) -> Unit:
    """Return the Đoàn cơ sở of a branch (its parent), or the branch itself when it has none."""
    branch = await unit_by_id(ctx.session, unit_id=unit_id)
    assert branch is not None  # unit ids come from foreign keys
    parent = await unit_by_id(ctx.session, unit_id=branch.parent_id) if branch.parent_id else None
    return parent or branch


async def phone_refusal(ctx: Context, phone: str, *, unit_id: int, youth_id: int | None = None) -> Invalid | None:
    """Return why the member may not enter `phone` now, or None when they may.

    A phone registered for another young person anywhere is refused. Whether a number is registered is
    itself personal data, so a member refused `PHONE_REFUSALS` such phones within `PHONE_WINDOW` is told to
    try later (and how long) for any phone, without the number being looked up.
    """
    assert ctx.member is not None and ctx.member.id is not None
    limit_reached = await nth_latest_flag_at(ctx.session, member_id=ctx.member.id, kind=FlagKind.DUPLICATE_PHONE,
                                             since=ctx.now - PHONE_WINDOW, n=PHONE_REFUSALS)
    if limit_reached is not None:
        return Invalid("youth.phone_try_later", wait=_duration(ctx, limit_reached + PHONE_WINDOW - ctx.now))
    if await phone_is_taken(ctx, phone, unit_id=unit_id, youth_id=youth_id):
        return Invalid("youth.phone_taken")
    return None


async def phone_is_taken(ctx: Context, phone: str, *, unit_id: int, youth_id: int | None = None) -> bool:
    """Tell whether `phone` belongs to another young person anywhere; if so, keep an integrity flag
    (record ids only: the member is never told who or where), and one more, once, when the member has now
    been refused as many phones as `phone_refusal` allows."""
    assert ctx.member is not None and ctx.member.id is not None
    owner = await phone_owner(ctx.session, phone=phone, exclude_id=youth_id)
    if owner is None:
        return False
    await record_flag(ctx.session, kind=FlagKind.DUPLICATE_PHONE, unit_id=unit_id, member_id=ctx.member.id,
                      youth_id=youth_id, other_youth_id=owner, at=ctx.now)
    since = ctx.now - PHONE_WINDOW
    probing = await nth_latest_flag_at(ctx.session, member_id=ctx.member.id, kind=FlagKind.DUPLICATE_PHONE,
                                       since=since, n=PHONE_REFUSALS)
    if probing is not None and await nth_latest_flag_at(ctx.session, member_id=ctx.member.id,
                                                        kind=FlagKind.PHONE_PROBING, since=since, n=1) is None:
        await record_flag(ctx.session, kind=FlagKind.PHONE_PROBING, unit_id=ctx.member.unit_id,
                          member_id=ctx.member.id, at=ctx.now)
    return True


def _duration(ctx: Context, wait: timedelta) -> str:
    """Return a wait in hours and minutes, rounded up to the minute ("19 tiếng 30 phút", "45 minutes")."""
    hours, minutes = divmod(max(1, -(-int(wait.total_seconds()) // 60)), 60)
    parts = [format_timedelta(timedelta(hours=hours), granularity="hour", threshold=25, locale=ctx.t.locale)
             if hours else "",
             format_timedelta(timedelta(minutes=minutes), granularity="minute", threshold=61, locale=ctx.t.locale)
             if minutes else ""]
    return " ".join(part for part in parts if part)


async def same_person(ctx: Context, name: str, year: int, *, unit_id: int,
                      youth_id: int | None = None) -> int | None:
    """Return the id of someone with the same folded name and birth year in the same Đoàn cơ sở."""
    root = await grassroots_of(ctx, unit_id)
    return await same_person_in(ctx.session, name_key=fold(name), birth_year=year, root_path=root.path,
                                exclude_id=youth_id)


async def flag_same_person(ctx: Context, answer: SameAnswer, *, unit_id: int, other: int,
                           youth_id: int | None = None) -> None:
    assert ctx.member is not None
    await record_flag(ctx.session, kind=FlagKind.SAME_PERSON, unit_id=unit_id, member_id=ctx.member.id,
                      youth_id=youth_id, other_youth_id=other, answer=answer, at=ctx.now)
