"""The member roster from a spreadsheet, as pure functions: rows → checked members → a plan against the
members already stored.

Columns (Vietnamese headers first, English accepted; headers and labels match regardless of case and
diacritics): `Mã chi đoàn`, `Họ và tên`, `Ngày sinh` (dd/mm/yyyy, a year, an Excel date cell or serial number),
and, each optional, `Giới tính`, `Số điện thoại`, `Chức vụ` (empty: Đoàn viên), `Mã đoàn viên`.

A row is matched to a stored member by member number, then phone, then folded name and birth date (or birth
year, when either side has only the year) in the same branch. The member number is the national system's
identity: a member whose stored number differs from the row's is never matched by phone or name. A member
found by number or phone in another branch is a problem: moving them is a transfer, not an import.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import TypeAlias

from bot.imports.table import Problem, Row, fold
from conversations.validate import Invalid, parse_full_name, parse_gender, parse_phone
from storage.members import person_key
from storage.models import Gender, MemberPosition, MemberStatus
from storage.roster import RosterEntry, RosterUnit

__all__ = [
    "GENDER_LABELS",
    "HEADERS",
    "MAX_AGE",
    "MIN_AGE",
    "OPTIONAL",
    "POSITION_LABELS",
    "Checked",
    "Match",
    "MemberRow",
    "Plan",
    "check_rows",
    "parse_birth",
    "plan_import",
]

HEADERS = {
    "branch": ("Mã chi đoàn", "branch code", "branch"),
    "name": ("Họ và tên", "họ tên", "full name", "name"),
    "birth": ("Ngày sinh", "date of birth", "birth date", "birthday"),
    "gender": ("Giới tính", "gender", "sex"),
    "phone": ("Số điện thoại", "điện thoại", "phone number", "phone"),
    "position": ("Chức vụ", "position"),
    "number": ("Mã đoàn viên", "số thẻ đoàn viên", "member number", "member no"),
}
OPTIONAL = frozenset({"gender", "phone", "position", "number"})
# The label written in the template's drop-down first, then other spellings operators type.
GENDER_LABELS = {Gender.MALE: "Nam", Gender.FEMALE: "Nữ", Gender.OTHER: "Khác"}
POSITION_LABELS: dict[MemberPosition, tuple[str, ...]] = {
    MemberPosition.SECRETARY: ("Bí thư", "bí thư chi đoàn", "secretary"),
    MemberPosition.DEPUTY: ("Phó Bí thư", "phó bí thư chi đoàn", "deputy secretary", "deputy"),
    MemberPosition.MEMBER: ("Đoàn viên", "ủy viên", "ủy viên bch", "ủy viên ban chấp hành", "member"),
}
_POSITIONS = {fold(label): position for position, labels in POSITION_LABELS.items() for label in labels}
MIN_AGE, MAX_AGE = 14, 45
_CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,31}")
_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9./-]{0,19}")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1/1/1900 in Excel's (Lotus-compatible) calendar
_SHOWN = 40
_NAME_ERRORS = {"validate.name_empty": "roster.no_name", "validate.name_too_long": "roster.long_name",
                "validate.name_bad_chars": "roster.bad_name"}


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One good row: texts in their stored form (name capitalised in NFC, phone national, number upper-case)."""

    row: int
    branch: str
    full_name: str
    name_key: str
    birth_year: int
    birth_date: date | None
    gender: str | None
    phone: str | None
    position: str
    number: str | None


@dataclass(frozen=True, slots=True)
class Checked:
    """The good rows of a file and the problems of the others (each row on its own and against the others)."""

    rows: list[MemberRow]
    problems: list[Problem]
    positions: bool = True  # the file has a `Chức vụ` column: its rows say who is the branch's secretary


@dataclass(frozen=True, slots=True)
class Match:
    """A row matched to a stored member, how (`number`, `phone` or `name`), and the fields it changes
    (column → new value; empty when the row says what is stored)."""

    row: MemberRow
    member: RosterEntry
    by: str
    changes: Mapping[str, object]


@dataclass(slots=True)
class Plan:
    """What an import would do. `missing` are the active members of the file's branches that no row names;
    `grants` the secretary rows whose member does not hold the role yet (member id None: a member to create);
    `revokes` the rows of members holding the secretary role on their branch whose `Chức vụ` is another one
    now (only when the file has that column); `branch_ids` the unit id of each branch code the good rows name."""

    create: list[MemberRow] = field(default_factory=list)
    update: list[Match] = field(default_factory=list)
    unchanged: list[Match] = field(default_factory=list)
    grants: list[tuple[MemberRow, int | None]] = field(default_factory=list)
    revokes: list[Match] = field(default_factory=list)
    missing: list[RosterEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    mark_missing: bool = False
    branch_ids: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        dropped = len(self.missing) if self.mark_missing else 0
        return len(self.create) + len(self.update) + len(self.grants) + len(self.revokes) + dropped


def _shown(value: str) -> str:
    """Return a cell's text short enough to quote in a message."""
    return value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"


def check_rows(rows: Iterable[Row], columns: Mapping[str, int], *, today: date) -> Checked:
    """Check each row on its own, then against the others in the file (the same number, phone or person)."""
    good: list[MemberRow] = []
    problems: list[Problem] = []
    for number, cells in rows:
        values = {column: cells[index] if index < len(cells) else "" for column, index in columns.items()}
        row = _check_row(number, values, today, problems)
        if row is not None:
            good.append(row)
    good, duplicates = _without_duplicates(good)
    return Checked(good, sorted([*problems, *duplicates], key=lambda problem: problem.row),
                   positions="position" in columns)


def _check_row(number: int, values: Mapping[str, str], today: date, problems: list[Problem]) -> MemberRow | None:
    found = len(problems)
    branch = _branch(number, values["branch"], problems)
    name = _name(number, values["name"], problems)
    birth = _birth(number, values["birth"], today, problems)
    gender = _gender(number, values.get("gender", ""), problems)
    phone = _phone(number, values.get("phone", ""), problems)
    position = _position(number, values.get("position", ""), problems)
    member_no = _member_no(number, values.get("number", ""), problems)
    if len(problems) > found or branch is None or name is None or birth is None or position is None:
        return None
    return MemberRow(number, branch, name, _key(name), birth[0], birth[1], gender, phone, position, member_no)


_key = lru_cache(maxsize=65_536)(person_key)


def _branch(number: int, value: str, problems: list[Problem]) -> str | None:
    code = value.upper()
    if not code:
        problems.append(Problem(number, "roster.no_branch"))
    elif not _CODE.fullmatch(code):
        problems.append(Problem(number, "roster.bad_code", {"code": _shown(value)}))
    else:
        return code
    return None


def _name(number: int, value: str, problems: list[Problem]) -> str | None:
    parsed = _parsed_name(value)
    if isinstance(parsed, Invalid):
        problems.append(Problem(number, _NAME_ERRORS[parsed.key], {"name": _shown(value), **parsed.values}))
        return None
    return parsed


@lru_cache(maxsize=65_536)
def _parsed_name(value: str) -> str | Invalid:
    """Return a name in its stored form, or why it is refused; a roster repeats names, so each is parsed once."""
    try:
        return parse_full_name(value)
    except Invalid as error:
        return error


def _birth(number: int, value: str, today: date, problems: list[Problem]) -> tuple[int, date | None] | None:
    if not value:
        problems.append(Problem(number, "roster.no_birth"))
        return None
    birth = parse_birth(value)
    if birth is None:
        problems.append(Problem(number, "roster.bad_date", {"value": _shown(value)}))
        return None
    oldest, youngest = today.year - MAX_AGE, today.year - MIN_AGE
    if not oldest <= birth[0] <= youngest or (birth[1] is not None and birth[1] > today):
        values = {"value": _shown(value), "oldest": oldest, "youngest": youngest}
        problems.append(Problem(number, "roster.birth_range", values))
        return None
    return birth


@lru_cache(maxsize=65_536)
def parse_birth(value: str) -> tuple[int, date | None] | None:
    """Return (year, full date or None) from `05/03/2001`, `5-3-2001`, `2001-03-05`, a bare year `2001` or an
    Excel serial day number such as `36955`; None when it is none of these or no such day exists."""
    text = "".join(value.split())
    if not text.isascii():
        return None
    if len(text) == 4 and text.isdigit():
        return int(text), None
    try:
        if len(text) == 5 and text.isdigit():  # the serial of a date column Excel shows as a number
            day = _EXCEL_EPOCH + timedelta(days=int(text))
        elif match := _DAY_FIRST.fullmatch(text):
            day = date(int(match[3]), int(match[2]), int(match[1]))
        elif match := _ISO.fullmatch(text):
            day = date(int(match[1]), int(match[2]), int(match[3]))
        else:
            return None
    except ValueError:
        return None
    return day.year, day


def _gender(number: int, value: str, problems: list[Problem]) -> str | None:
    if not value:
        return None
    try:
        return str(parse_gender(value))
    except Invalid:
        problems.append(Problem(number, "roster.bad_gender", {"value": _shown(value)}))
        return None


def _phone(number: int, value: str, problems: list[Problem]) -> str | None:
    if not value:
        return None
    # A phone column Excel kept as a number has lost its leading 0 ("912345678").
    text = "0" + value if len(value) == 9 and value.isdigit() and value[0] in "35789" else value
    try:
        return parse_phone(text)
    except Invalid:
        problems.append(Problem(number, "roster.bad_phone", {"value": _shown(value)}))
        return None


def _position(number: int, value: str, problems: list[Problem]) -> str | None:
    if not value:
        return MemberPosition.MEMBER
    position = _POSITIONS.get(fold(value))
    if position is None:
        problems.append(Problem(number, "roster.bad_position", {"value": _shown(value)}))
    return position


def _member_no(number: int, value: str, problems: list[Problem]) -> str | None:
    text = "".join(value.split()).upper()
    if not text:
        return None
    if not _NUMBER.fullmatch(text):
        problems.append(Problem(number, "roster.bad_number", {"value": _shown(value)}))
        return None
    return text


def _without_duplicates(rows: list[MemberRow]) -> tuple[list[MemberRow], list[Problem]]:
    """Leave out a row whose number, phone, or person (branch, folded name, birth) an earlier row already has;
    two rows with the same name and birth but different member numbers are two people."""
    numbers: dict[str, int] = {}
    phones: dict[str, int] = {}
    # (branch, name, year) → birth date or None (the year only) → the first row of that person
    people: dict[tuple[str, str, int], dict[date | None, MemberRow]] = defaultdict(dict)
    kept, problems = [], []
    for row in rows:
        births = people[(row.branch, row.name_key, row.birth_year)]
        same = (births.get(row.birth_date) or births.get(None) if row.birth_date is not None
                else next(iter(births.values()), None))
        if row.number is not None and row.number in numbers:
            problems.append(Problem(row.row, "roster.duplicate_number", {"number": row.number,
                                                                         "first": numbers[row.number]}))
        elif row.phone is not None and row.phone in phones:
            problems.append(Problem(row.row, "roster.duplicate_phone", {"phone": row.phone,
                                                                        "first": phones[row.phone]}))
        elif same is not None and (row.number is None or same.number is None):
            problems.append(Problem(row.row, "roster.duplicate_person", {"first": same.row}))
        else:
            kept.append(row)
            if row.number is not None:
                numbers[row.number] = row.row
            if row.phone is not None:
                phones[row.phone] = row.row
            births.setdefault(row.birth_date, row)
    return kept, problems


def _same_birth(stored: date | None, given: date | None) -> bool:
    """Tell whether two births of the same year may be one person's (a bare year matches any day of it)."""
    return stored is None or given is None or stored == given


_Found: TypeAlias = RosterEntry | Problem | None


@dataclass(frozen=True, slots=True)
class _Index:
    """The stored members the rows are matched against, looked up by number, phone, and branch, name and year."""

    by_number: Mapping[str, RosterEntry]
    by_phone: Mapping[str, Sequence[RosterEntry]]
    by_name: Mapping[tuple[int, str, int], Sequence[RosterEntry]]

    @classmethod
    def of(cls, members: Iterable[RosterEntry]) -> _Index:
        by_number: dict[str, RosterEntry] = {}
        by_phone: dict[str, list[RosterEntry]] = defaultdict(list)
        by_name: dict[tuple[int, str, int], list[RosterEntry]] = defaultdict(list)
        for member in members:
            if member.member_no is not None:
                by_number[member.member_no] = member
            if member.phone is not None:
                by_phone[member.phone].append(member)
            by_name[(member.unit_id, member.name_key, member.birth_year)].append(member)
        return cls(by_number, by_phone, by_name)


def plan_import(
    checked: Checked, *, units: Iterable[RosterUnit], members: Iterable[RosterEntry],
    secretaries: Iterable[tuple[int, int]], mark_missing: bool = False,
) -> Plan:
    """Compare the checked rows with what is stored and decide what to create, update and leave alone.

    `units` are the stored units the file's branch codes name; `members` the members of those branches and every
    member holding a number or phone the file has; `secretaries` the (member id, unit id) secretary roles held on
    those branches. Rows are matched by number first, then phone, then name and birth, so that a row's weaker
    match never takes a member another row names by number.
    """
    plan = Plan(problems=list(checked.problems), mark_missing=mark_missing)
    branches = {unit.code: unit for unit in units}
    rows = []
    for row in checked.rows:
        problem = _branch_problem(row, branches.get(row.branch))
        if problem is None:
            rows.append(row)
        else:
            plan.problems.append(problem)
    stored = {member.id: member for member in members}
    index = _Index.of(stored.values())
    matched = _match(rows, branches, index, plan.problems)
    failed = {problem.row for problem in plan.problems}
    held = set(secretaries)
    for row in rows:
        if row.row in failed:
            continue
        match = matched.get(row.row)
        if match is None:
            plan.create.append(row)
        else:
            (plan.update if match.changes else plan.unchanged).append(match)
        member_id = match.member.id if match else None
        secretary = (member_id, branches[row.branch].id) in held
        if row.position == MemberPosition.SECRETARY and not secretary:
            plan.grants.append((row, member_id))
        elif match is not None and secretary and checked.positions and row.position != MemberPosition.SECRETARY:
            plan.revokes.append(match)
    plan.branch_ids = {row.branch: branches[row.branch].id for row in rows}
    in_file = set(plan.branch_ids.values())
    claimed = {match.member.id for match in matched.values()}
    plan.missing = sorted((member for member in stored.values() if member.unit_id in in_file
                           and member.status == MemberStatus.ACTIVE and member.id not in claimed),
                          key=lambda member: (member.unit_code, member.name_key, member.id))
    plan.problems.sort(key=lambda problem: problem.row)
    return plan


def _branch_problem(row: MemberRow, unit: RosterUnit | None) -> Problem | None:
    if unit is None:
        return Problem(row.row, "roster.unknown_branch", {"code": row.branch})
    if unit.has_children:
        return Problem(row.row, "roster.not_branch", {"code": row.branch})
    if not unit.active:
        return Problem(row.row, "roster.inactive_branch", {"code": row.branch})
    return None


_Finder: TypeAlias = Callable[[MemberRow, int, _Index, Mapping[int, MemberRow]], _Found]


def _match(
    rows: Sequence[MemberRow], branches: Mapping[str, RosterUnit], index: _Index, problems: list[Problem]
) -> dict[int, Match]:
    """Match rows to stored members, every row by number first, then the rest by phone, then by name."""
    claimed: dict[int, MemberRow] = {}
    matched: dict[int, Match] = {}
    failed: set[int] = set()
    finders: tuple[tuple[str, _Finder], ...] = (("number", _by_number), ("phone", _by_phone), ("name", _by_name))
    for how, find in finders:
        for row in rows:
            if row.row in matched or row.row in failed:
                continue
            found = find(row, branches[row.branch].id, index, claimed)
            if isinstance(found, Problem):
                problems.append(found)
                failed.add(row.row)
            elif found is not None:
                claimed[found.id] = row
                matched[row.row] = Match(row, found, how, _changes(row, found))
    return matched


def _by_number(row: MemberRow, unit_id: int, index: _Index, claimed: Mapping[int, MemberRow]) -> _Found:
    member = index.by_number.get(row.number) if row.number is not None else None
    if member is None or member.unit_id == unit_id:
        return member
    values = {"number": row.number, "member": _who(member), "code": member.unit_code}
    return Problem(row.row, "roster.number_elsewhere", values)


def _by_phone(row: MemberRow, unit_id: int, index: _Index, claimed: Mapping[int, MemberRow]) -> _Found:
    if row.phone is None:
        return None
    candidates = [member for member in index.by_phone.get(row.phone, ())
                  if member.id not in claimed and _number_fits(row, member)]
    here = [member for member in candidates if member.unit_id == unit_id]
    if len(here) > 1:
        return Problem(row.row, "roster.ambiguous", {"members": ", ".join(map(_who, here))})
    if here:
        return here[0]
    elsewhere = [member for member in candidates if member.status in (MemberStatus.ACTIVE, MemberStatus.PENDING)]
    if elsewhere:
        values = {"phone": row.phone, "member": _who(elsewhere[0]), "code": elsewhere[0].unit_code}
        return Problem(row.row, "roster.phone_elsewhere", values)
    return None


def _by_name(row: MemberRow, unit_id: int, index: _Index, claimed: Mapping[int, MemberRow]) -> _Found:
    candidates = [member for member in index.by_name.get((unit_id, row.name_key, row.birth_year), ())
                  if member.id not in claimed and _number_fits(row, member)
                  and _same_birth(member.birth_date, row.birth_date)]
    if len(candidates) > 1:
        return Problem(row.row, "roster.ambiguous", {"members": ", ".join(map(_who, candidates))})
    return candidates[0] if candidates else None


def _number_fits(row: MemberRow, member: RosterEntry) -> bool:
    """Tell whether a row may be this member as far as member numbers go (neither has one, or the same)."""
    return row.number is None or member.member_no is None or row.number == member.member_no


def _who(member: RosterEntry) -> str:
    return f"#{member.id} {member.full_name}"


def _changes(row: MemberRow, member: RosterEntry) -> dict[str, object]:
    """Return the stored fields the row changes: the roster is the truth, but an empty cell keeps what is stored,
    a bare year keeps a stored birth date of that year, and a name typed without diacritics keeps the same name
    stored with them (old exports drop them)."""
    plain = row.full_name.isascii() and row.name_key == member.name_key
    wanted: dict[str, object] = {
        "full_name": member.full_name if plain else row.full_name,
        "birth_year": row.birth_year, "birth_date": row.birth_date,
        "gender": row.gender or member.gender, "phone": row.phone or member.phone,
        "member_no": row.number or member.member_no, "position": row.position,
        "status": MemberStatus.ACTIVE, "left_reason": None, "left_on": None,
    }
    if row.birth_date is None and member.birth_date is not None and member.birth_date.year == row.birth_year:
        wanted["birth_date"] = member.birth_date
    return {name: value for name, value in wanted.items() if getattr(member, name) != value}
