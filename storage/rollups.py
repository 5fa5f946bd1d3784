"""Rollup tables that make reports fast at national scale, kept exact by database triggers.

Three tables hold, for every unit, the counts of its whole subtree; a report reads the row of the unit and
the rows of its children instead of millions of rows:

- `report_rollup(unit_id, period)`: the young people registered in the subtree whose introduction falls in
  a period (`2026-H1`, `2026-H2` and the year `2026`; each row counts in its half-year and in its year), by
  gender, age band, ethnic minority and religion (by their codes, storage/sensitive.py); the distinct
  (member, unit registered at) pairs among them (`fulfilled`); and the distinct young people with an activity,
  joining Hội, or admission to Đoàn dated in the period.
- `report_group(unit_id, period, group_code)`: the same young people by group.
- `report_unit(unit_id)`: active members, and the young people taking part (status participating, joined
  Hội or admitted), the "reached" side of the gathering rate.

Every count is additive up the tree, so a change adds the same +1 or -1 to the unit of the row and to each
unit on its path. Triggers on `youth`, `participation` and `member` do that in the transaction that changes
the rows, so any code that writes those tables (registration, edits, deletion, bulk SQL) keeps them exact;
on PostgreSQL inserts of young people and events are counted by the fold instead (below).

The three names are views (`view_sql`) over `<name>_base`, the folded counts of every subtree. On SQLite the
triggers write the base tables directly (one writer at a time: nobody queues). On PostgreSQL a trigger that
updated every unit up the path made every writer in the country wait for the national row; there it appends the
change of the unit's own counts to `<name>_pending` instead (an INSERT, no lock on any shared row), the view adds
the pending rows to each unit on their unit's path, and `fold_pending` (the `fold_rollups` job, every two seconds;
and before a move) moves them into the base tables in one statement per table. A report reads one snapshot of
base and pending, so it is exact whether or not a fold ran, and the fold changes no figure.

A distinct count (fulfilments: introducer, unit and period; young people with an activity, joining Hội or
admission: young person, kind and period) moves only when the first matching row appears or the last one goes.
On SQLite AFTER INSERT triggers decide it row by row. On PostgreSQL an insert of a young person or an event
runs no trigger at all (issue 13: a trigger deciding "the first of its kind" under a lock cost eight writers a
third of their rate): the row is written with `counted` false, in a small partial index; the fold marks such rows
counted and appends what they add (`_mark_sql`), the "first" decided once, by one folder, among the rows counted
already; until then the views add what the uncounted rows add, by the same SQL (`_own_counts`). Updates and
deletes keep BEFORE triggers, which see the rows earlier in the same statement already changed: a counted row's
old counts are taken away where no other counted row keeps the distinct count (under a lock of the young person
or the introducer, and a shared lock that waits for a fold running and holds the next one off, so the trigger
and the fold never decide from two snapshots); an update of what a row counts by hands it back to the fold
(`counted` false). Periods are computed in Asia/Ho_Chi_Minh (UTC+7 all year: Vietnam has no daylight saving
time), matching `Period.bounds` with the default time zone. A unit moved to another parent
(storage/reorganise.py) rewrites its subtree's paths and takes its own rows' counts, which are its subtree's
totals, off each old ancestor and onto each new one; a merge moves the rows themselves, and these triggers carry
their counts.

Ethnicity and religion are stored sealed (storage/sealed.py), so SQL cannot classify them: the triggers leave
`minority` and `religious` alone and the application keeps them with `adjust_sensitive_counts`, called by every
writer of those fields or of a young person's unit or date (storage/youth.py: registration, edit, deletion) and
`move_sensitive_counts` (storage/reorganise.py: a merge). Setting them to NULL without either (erasure of a
person's data) leaves past reports as they were, which is what erasure wants.

`rebuild_sql` recomputes every count but those two from the rows, and `rebuild_sensitive_counts` those two, by
opening the values (the migration's initial fill, the benchmark after a bulk COPY with triggers off, and the
tests that compare both ways).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from storage.db import key_col, on_postgres, upsert_insert
from storage.models import ReportRollupBase, ReportRollupPending, Unit, Youth
from storage.sensitive import is_minority, is_religious
from storage.units import ancestor_ids

__all__ = ["AGE_BANDS", "ROLLUPS", "ROLLUP_COLUMNS", "ROLLUP_TABLES", "ROLLUP_VIEWS", "SENSITIVE_COLUMNS",
           "adjust_sensitive_counts", "drop_sql", "drop_view_sql", "fold_pending", "fold_sql", "install_sql",
           "move_sensitive_counts", "periods_of", "rebuild_sensitive_counts", "rebuild_sql", "scoped_sql",
           "vacuum_pending", "view_sql"]

# (column, lowest age, highest age) with age = the period's year minus the birth year.
AGE_BANDS = (
    ("age_under_16", None, 15),
    ("age_16_18", 16, 18),
    ("age_19_24", 19, 24),
    ("age_25_30", 25, 30),
    ("age_over_30", 31, None),
)
YOUTH_COLUMNS = ("introduced", "fulfilled", "male", "female", "other_gender", *(band for band, _, _ in AGE_BANDS))
SENSITIVE_COLUMNS = ("minority", "religious")  # kept by the application, not the triggers
EVENT_COLUMNS = {"participating": "activity", "joined_hoi": "joined_hoi", "admitted": "admitted"}
ROLLUP_COLUMNS = (*YOUTH_COLUMNS, *SENSITIVE_COLUMNS, *EVENT_COLUMNS)
YOUTH_WATCHED = ("unit_id", "introduced_at", "introduced_by", "gender", "group_code", "birth_year")
_CALENDAR = ZoneInfo("Asia/Ho_Chi_Minh")
_BATCH = 1000  # rollup rows per upsert
_SCAN = 20_000  # young people per read in a rebuild
EVENT_WATCHED = ("youth_id", "kind", "on_date")
_ENGAGED = "'participating', 'joined_hoi', 'admitted'"
# Each rollup: the view readers use, its key columns after unit_id, its counts. `<name>_base` holds the folded
# counts of every unit's subtree, `<name>_pending` (PostgreSQL) the unit's own changes not folded yet.
ROLLUPS = (
    ("report_rollup", ("period",), ROLLUP_COLUMNS),
    ("report_group", ("period", "group_code"), ("n",)),
    ("report_unit", (), ("members", "engaged")),
)
ROLLUP_TABLES = tuple(f"{name}_{part}" for name, _, _ in ROLLUPS for part in ("pending", "base"))
ROLLUP_VIEWS = tuple(name for name, _, _ in ROLLUPS)
_FOLD_LOCK = 0x626F7431_31  # pg_advisory_xact_lock key held by whoever folds or writes the base tables
# Two-key advisory locks (a space apart from the one-key ones above): (class, id bucket) of `_lock`.
_LOCK_CLASSES = {"youth": 1_011_001, "member": 1_011_002}
LOCK_BUCKETS = 1024


@dataclass(frozen=True, slots=True)
class _Dialect:
    """The few expressions that differ between PostgreSQL and SQLite."""

    postgres: bool

    def year_of_time(self, value: str) -> str:
        if self.postgres:
            return f"to_char(({value}) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')"
        return f"strftime('%Y', {value}, '+7 hours')"

    def month_of_time(self, value: str) -> str:
        if self.postgres:
            return f"extract(month FROM ({value}) AT TIME ZONE 'Asia/Ho_Chi_Minh')"
        return f"CAST(strftime('%m', {value}, '+7 hours') AS INTEGER)"

    def year_of_date(self, value: str) -> str:
        return f"to_char({value}, 'YYYY')" if self.postgres else f"strftime('%Y', {value})"

    def month_of_date(self, value: str) -> str:
        return f"extract(month FROM {value})" if self.postgres else f"CAST(strftime('%m', {value}) AS INTEGER)"

    def half_of_time(self, value: str) -> str:
        return _half(self.year_of_time(value), self.month_of_time(value))

    def half_of_date(self, value: str) -> str:
        return _half(self.year_of_date(value), self.month_of_date(value))

    def int_year(self, text: str) -> str:
        return f"CAST({text} AS INTEGER)"

    def ancestors(self, path: str) -> str:
        """A FROM item with one row per id on `path` (the unit and every unit above it), column `a.value`."""
        if self.postgres:
            return f"unnest(string_to_array(trim(both '/' from {path}), '/')::int[]) AS a(value)"
        return f"json_each('[' || replace(trim({path}, '/'), '/', ',') || ']') AS a"

    def add(self, table: str, key: tuple[str, ...], counts: tuple[str, ...], *, unit: str, path: str,
            values: str, source: str = "", where: str = "", group: str = "") -> str:
        """An INSERT adding `values` (the key columns after unit_id, then `counts`) to rollup `table` for the
        unit `unit` (an SQL expression, whose path is `path`) and every unit above it: on SQLite straight into
        the base table, one upserted row per unit on the path; on PostgreSQL one row for `unit` appended to the
        pending table, which the fold spreads up the path later. `source` is a FROM list, `group` the key
        expressions to group by (besides the unit)."""
        columns = ", ".join(("unit_id", *key, *counts))
        condition = f" WHERE {where}" if where else ""
        if self.postgres:
            grouped = f" GROUP BY {group}" if group else ""
            origin = f" FROM {source}" if source else ""
            return f"INSERT INTO {table}_pending ({columns}) SELECT {unit}, {values}{origin}{condition}{grouped}"
        grouped = f" GROUP BY a.value, {group}" if group else ""
        origin = f"{source}, {self.ancestors(path)}" if source else self.ancestors(path)
        return (f"INSERT INTO {table}_base ({columns}) SELECT a.value, {values} FROM {origin}"
                f"{condition or ' WHERE true'}{grouped} {_upsert(f'{table}_base', ('unit_id', *key), counts)}")


def _path_of(x: str) -> str:
    return f"(SELECT path FROM unit WHERE id = {x}.unit_id)"


def _half(year: str, month: str) -> str:
    return f"({year} || CASE WHEN {month} <= 6 THEN '-H1' ELSE '-H2' END)"


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _upsert(table: str, key: tuple[str, ...], columns: tuple[str, ...]) -> str:
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    return f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets}"


def _youth_conditions(x: str, age: str) -> list[str]:
    """Return the conditions of the 0/1 columns after `introduced` and `fulfilled`, in column order."""
    bands = []
    for _, low, high in AGE_BANDS:
        parts = ([f"{age} >= {low}"] if low is not None else []) + ([f"{age} <= {high}"] if high is not None else [])
        bands.append(" AND ".join(parts))
    return [f"{x}.gender = 'male'", f"{x}.gender = 'female'", f"{x}.gender NOT IN ('male', 'female')", *bands]


def _in_period(d: _Dialect, row: str, code: str, *, time: bool) -> str:
    column = f"{row}.introduced_at" if time else f"{row}.on_date"
    half = d.half_of_time(column) if time else d.half_of_date(column)
    year = d.year_of_time(column) if time else d.year_of_date(column)
    return f"({half} = {code} OR {year} = {code})"


def _periods(d: _Dialect, column: str, *, time: bool) -> str:
    """A subquery of the two periods (half-year, then year) a time or date `column` falls in, column `code`."""
    half = d.half_of_time(column) if time else d.half_of_date(column)
    year = d.year_of_time(column) if time else d.year_of_date(column)
    return f"(SELECT {half} AS code UNION ALL SELECT {year})"


def _kinds() -> str:
    return ", ".join(f"'{kind}'" for kind in EVENT_COLUMNS.values())


def _others(d: _Dialect, x: str) -> str:
    """The rows `o` whose presence keeps a distinct count of row `x` up once `x` is gone: on PostgreSQL only
    the rows counted already (the view adds the others), on SQLite every other row."""
    return f"o.counted AND o.id <> {x}.id" if d.postgres else f"o.id <> {x}.id"


def _youth_statements(d: _Dialect, x: str, sign: int) -> list[str]:
    """Add (`sign` 1) or remove (-1) what youth row `x` (NEW/OLD) counts; a fulfilment moves when no other
    row (`_others`) shares its introducer, unit and period."""
    alone = (f"NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = {x}.introduced_by "
             f"AND o.unit_id = {x}.unit_id AND {_others(d, x)} "
             f"AND {_in_period(d, 'o', 'p.code', time=True)})")
    age = f"({d.int_year(d.year_of_time(f'{x}.introduced_at'))} - {x}.birth_year)"
    values = ["1", _flag(alone), *(_flag(condition) for condition in _youth_conditions(x, age))]
    selected = ", ".join(f"{sign} * {v}" for v in values)
    at = {"unit": f"{x}.unit_id", "path": _path_of(x),
          "source": f"{_periods(d, f'{x}.introduced_at', time=True)} p"}
    return [d.add("report_rollup", ("period",), YOUTH_COLUMNS, values=f"p.code, {selected}", **at),
            d.add("report_group", ("period", "group_code"), ("n",), values=f"p.code, {x}.group_code, {sign}", **at)]


def _youth_events_statement(d: _Dialect, x: str, sign: int) -> str:
    """Add or remove every event-based count of youth row `x` at its unit (used when it moves or goes): on
    PostgreSQL of its events counted already, the view and the fold place the others at its unit of the day."""
    counted = " AND e.counted" if d.postgres else ""
    events = (f"(SELECT {d.half_of_date('e.on_date')} AS code, e.kind FROM participation e "
              f"WHERE e.youth_id = {x}.id AND e.kind IN ({_kinds()}){counted} "
              f"UNION ALL SELECT {d.year_of_date('e.on_date')}, e.kind FROM participation e "
              f"WHERE e.youth_id = {x}.id AND e.kind IN ({_kinds()}){counted})")
    selected = ", ".join(f"{sign} * max({_flag(f'v.kind = {chr(39)}{kind}{chr(39)}')})"
                         for kind in EVENT_COLUMNS.values())
    return d.add("report_rollup", ("period",), tuple(EVENT_COLUMNS), unit=f"{x}.unit_id", path=_path_of(x),
                 values=f"v.code, {selected}", source=f"{events} v", group="v.code")


def _event_statement(d: _Dialect, x: str, sign: int) -> str:
    """Add or remove what participation row `x` counts, if no other row (`_others`) is of its kind in a period."""
    periods = _periods(d, f"{x}.on_date", time=False)
    alone = (f"NOT EXISTS (SELECT 1 FROM participation o WHERE o.youth_id = {x}.youth_id "
             f"AND o.kind = {x}.kind AND {_others(d, x)} AND {_in_period(d, 'o', 'p.code', time=False)})")
    selected = ", ".join(f"{sign} * {_flag(f'{x}.kind = {chr(39)}{kind}{chr(39)}')}"
                         for kind in EVENT_COLUMNS.values())
    # On SQLite the unit's path is joined for the ancestors; the pending row needs only the unit.
    source = f"youth y, {periods} p" if d.postgres else f"youth y JOIN unit yu ON yu.id = y.unit_id, {periods} p"
    return d.add("report_rollup", ("period",), tuple(EVENT_COLUMNS), unit="y.unit_id", path="yu.path",
                 values=f"p.code, {selected}", source=source,
                 where=f"y.id = {x}.youth_id AND {x}.kind IN ({_kinds()}) AND {alone}")


def _member_statement(d: _Dialect, x: str, sign: int) -> str:
    return d.add("report_unit", (), ("members",), unit=f"{x}.unit_id", path=_path_of(x), values=str(sign),
                 where=f"{x}.status = 'active'")


def _engaged_statement(d: _Dialect, x: str, sign: int) -> str:
    return d.add("report_unit", (), ("engaged",), unit=f"{x}.unit_id", path=_path_of(x), values=str(sign),
                 where=f"{x}.status IN ({_ENGAGED})")


def _own_counts(d: _Dialect, youth: str, events: str) -> dict[str, list[str]]:
    """PostgreSQL: rollup name -> SELECTs of the unit's own counts (unit_id, the key columns, every count
    column of the rollup) that the young people of `youth` and the events of `events` (FROM items of rows not
    counted yet) add. A fulfilment or an event counts where no row counted already is of its key (introducer,
    unit and period; young person, kind and period), once however many of these rows are: the fold runs these
    over the rows it marks counted, the views over the rows still unmarked."""
    periods = f"CROSS JOIN LATERAL {_periods(d, 'n.introduced_at', time=True)} p"
    first_fulfilment = (f"NOT EXISTS (SELECT 1 FROM youth o WHERE o.counted AND o.introduced_by = n.introduced_by "
                        f"AND o.unit_id = n.unit_id AND {_in_period(d, 'o', 'p.code', time=True)})")
    age = f"({d.int_year(d.year_of_time('n.introduced_at'))} - n.birth_year)"
    youth_sums = {"introduced": "count(*)",
                  "fulfilled": f"count(DISTINCT CASE WHEN {first_fulfilment} THEN n.introduced_by END)"}
    youth_sums |= {column: f"sum({_flag(condition)})"
                   for column, condition in zip(YOUTH_COLUMNS[2:], _youth_conditions("n", age), strict=True)}
    first_event = (f"NOT EXISTS (SELECT 1 FROM participation o WHERE o.counted AND o.youth_id = k.youth_id "
                   f"AND o.kind = k.kind AND {_in_period(d, 'o', 'k.code', time=False)})")
    event_sums = {column: f"sum({_flag(f'k.kind = {chr(39)}{kind}{chr(39)}')})"
                  for column, kind in EVENT_COLUMNS.items()}
    keys = (f"SELECT DISTINCT n.youth_id, n.kind, p.code FROM {events} n CROSS JOIN LATERAL "
            f"{_periods(d, 'n.on_date', time=False)} p WHERE n.kind IN ({_kinds()})")
    return {
        "report_rollup": [
            f"SELECT n.unit_id, p.code, {', '.join(youth_sums.get(c, '0') for c in ROLLUP_COLUMNS)} "
            f"FROM {youth} n {periods} GROUP BY n.unit_id, p.code",
            f"SELECT y.unit_id, k.code, {', '.join(event_sums.get(c, '0') for c in ROLLUP_COLUMNS)} "
            f"FROM ({keys}) k JOIN youth y ON y.id = k.youth_id WHERE {first_event} GROUP BY y.unit_id, k.code"],
        "report_group": [f"SELECT n.unit_id, p.code, n.group_code, count(*) FROM {youth} n {periods} "
                         "GROUP BY n.unit_id, p.code, n.group_code"],
        "report_unit": [f"SELECT n.unit_id, 0, count(*) FROM {youth} n WHERE n.status IN ({_ENGAGED}) "
                        "GROUP BY n.unit_id"],
    }


_MARK_BATCH = 50_000  # rows of a table one fold counts at most
_UNCOUNTED = {"youth": "(SELECT * FROM youth WHERE NOT counted)",
              "participation": "(SELECT * FROM participation WHERE NOT counted)"}
_MARKED = {"youth": "id, unit_id, introduced_by, introduced_at, birth_year, gender, group_code, status",
           "participation": "id, youth_id, kind, on_date"}


def _mark_sql(d: _Dialect, table: str) -> str:
    """PostgreSQL, in the fold: mark counted the rows of `table` not counted yet, the oldest _MARK_BATCH (the
    rest, and those another transaction holds locked, wait for the next fold), and append what they add to the
    pending tables; the statement returns how many rows it marked. The LIMIT also keeps the plan a walk of the
    rows to count by their index, whatever the statistics guess. Its conditions on `o.counted` read the
    snapshot from before the marking, so the rows marked are not "counted already" to each other."""
    own = _own_counts(d, "marked", "marked")
    parts = [own["report_rollup"][0 if table == "youth" else 1]]
    if table == "youth":
        parts += [own["report_group"][0], own["report_unit"][0]]
    targets = {"report_rollup": f"report_rollup_pending (unit_id, period, {', '.join(ROLLUP_COLUMNS)})",
               "report_group": "report_group_pending (unit_id, period, group_code, n)",
               "report_unit": "report_unit_pending (unit_id, members, engaged)"}
    names = ("report_rollup", "report_group", "report_unit")[:len(parts)]
    inserts = ", ".join(f"{name}_added AS (INSERT INTO {targets[name]} {part})"
                        for name, part in zip(names, parts, strict=True))
    return (f"WITH marked AS (UPDATE {table} SET counted = true WHERE id IN (SELECT id FROM {table} "
            f"WHERE NOT counted ORDER BY id LIMIT {_MARK_BATCH} FOR UPDATE SKIP LOCKED) RETURNING {_MARKED[table]}), "
            f"{inserts} SELECT count(*) FROM marked")


def _lock(kind: str, ids: str) -> str:
    """PostgreSQL: take, until commit, the lock of each young person (`kind` "youth") or introducer ("member")
    of `ids` (a subquery of one column, or a list of values), lowest first. A writer deciding whether a row is
    the last of its kind (a young person's activity in a period, an introducer's registration) waits here for
    another writer of the same young person or introducer; each statement after it sees what that writer
    committed. Advisory locks over LOCK_BUCKETS buckets of ids: no row is locked (a row lock writes the tuple
    and WAL), and a bulk statement holds at most LOCK_BUCKETS of them."""
    values = ", ".join(f"({value})" for value in ids.split(", "))
    source = f"({ids})" if ids.startswith("SELECT") else f"(VALUES {values})"
    return (f"PERFORM pg_advisory_xact_lock({_LOCK_CLASSES[kind]}, b) FROM (SELECT DISTINCT "
            f"(v % {LOCK_BUCKETS})::int AS b FROM {source} AS t(v) WHERE v IS NOT NULL) s ORDER BY b")


# PostgreSQL: a trigger that takes a count away, or moves one, first waits for a fold running and holds one off
# until it commits (the fold takes this lock alone): what the fold marks counted, and where, is then what the
# trigger's own statements see.
_FOLD_SHARED = f"PERFORM pg_advisory_xact_lock_shared({_FOLD_LOCK})"


def _if(condition: str, statements: list[str]) -> str:
    return f"IF {condition} THEN {'; '.join(statements)}; END IF"


def _changed(columns: tuple[str, ...], *, postgres: bool) -> str:
    op = "IS DISTINCT FROM" if postgres else "IS NOT"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns)


def _bodies(d: _Dialect) -> dict[str, tuple[str, str, str, list[str]]]:
    """name -> (timing and event, table, WHEN condition, statements). On SQLite every insert, update and
    delete adds and takes away its counts as it happens. On PostgreSQL inserts run no trigger (the fold counts
    them); an update of what a row counts by takes the old row's counts away if it was counted and leaves the
    new one to the fold (`counted` false); a delete takes its counts away if counted. Whoever decides a
    distinct count first waits for the fold (`_FOLD_SHARED`) and locks the young person or the introducer."""
    moved = [_youth_events_statement(d, "OLD", -1), _youth_events_statement(d, "NEW", 1)]
    engaged = [_engaged_statement(d, "OLD", -1), _engaged_statement(d, "NEW", 1)]
    if d.postgres:
        inserts: dict[str, tuple[str, str, str, list[str]]] = {}
        youth_update = [_if("OLD.counted", [_FOLD_SHARED, _lock("member", "OLD.introduced_by"),
                                            *_youth_statements(d, "OLD", -1), engaged[0]]),
                        "NEW.counted := false"]
        moved.insert(0, _FOLD_SHARED)
        youth_delete = [_FOLD_SHARED, _lock("member", "OLD.introduced_by"),
                        _if("OLD.counted", [*_youth_statements(d, "OLD", -1), _engaged_statement(d, "OLD", -1)]),
                        _youth_events_statement(d, "OLD", -1)]
        engaged = [_if("OLD.counted AND NEW.counted", engaged)]  # else report_youth_upd took it away
        event_update = [_if("OLD.counted", [_FOLD_SHARED, _lock("youth", "OLD.youth_id"),
                                            _event_statement(d, "OLD", -1)]), "NEW.counted := false"]
        event_delete = [_if("OLD.counted", [_FOLD_SHARED, _lock("youth", "OLD.youth_id"),
                                            _event_statement(d, "OLD", -1)])]
    else:
        inserts = {
            "report_youth_ins": ("AFTER INSERT", "youth", "",
                                 [*_youth_statements(d, "NEW", 1), _engaged_statement(d, "NEW", 1)]),
            "report_event_ins": ("AFTER INSERT", "participation", "", [_event_statement(d, "NEW", 1)]),
        }
        youth_update = [*_youth_statements(d, "OLD", -1), *_youth_statements(d, "NEW", 1)]
        youth_delete = [*_youth_statements(d, "OLD", -1), _youth_events_statement(d, "OLD", -1),
                        _engaged_statement(d, "OLD", -1)]
        event_update = [_event_statement(d, "OLD", -1), _event_statement(d, "NEW", 1)]
        event_delete = [_event_statement(d, "OLD", -1)]
    return {
        **inserts,
        "report_youth_upd": (f"BEFORE UPDATE OF {', '.join(YOUTH_WATCHED)}", "youth",
                             _changed(YOUTH_WATCHED, postgres=d.postgres), youth_update),
        "report_youth_move": ("BEFORE UPDATE OF unit_id", "youth", "OLD.unit_id <> NEW.unit_id", moved),
        "report_youth_del": ("BEFORE DELETE", "youth", "", youth_delete),
        "report_youth_status": ("AFTER UPDATE OF unit_id, status", "youth",
                                "OLD.unit_id <> NEW.unit_id OR OLD.status <> NEW.status", engaged),
        "report_event_upd": (f"BEFORE UPDATE OF {', '.join(EVENT_WATCHED)}", "participation",
                             _changed(EVENT_WATCHED, postgres=d.postgres), event_update),
        "report_event_del": ("BEFORE DELETE", "participation", "", event_delete),
        "report_member_ins": ("AFTER INSERT", "member", "", [_member_statement(d, "NEW", 1)]),
        "report_member_upd": ("AFTER UPDATE OF unit_id, status", "member",
                              "OLD.unit_id <> NEW.unit_id OR OLD.status <> NEW.status",
                              [_member_statement(d, "OLD", -1), _member_statement(d, "NEW", 1)]),
        "report_member_del": ("AFTER DELETE", "member", "", [_member_statement(d, "OLD", -1)]),
    }


def install_sql(*, postgres: bool) -> list[str]:
    """Return the statements that create the triggers keeping the rollups exact."""
    statements = []
    for name, (timing, table, when, body) in _bodies(_Dialect(postgres)).items():
        condition = f"WHEN ({when}) " if when else ""
        if postgres:
            result = "OLD" if "DELETE" in timing else "NEW"
            statements.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "; ".join(body) + f"; RETURN {result}; END $$")
            statements.append(f"CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW {condition}"
                              f"EXECUTE FUNCTION {name}()")
        else:
            statements.append(f"CREATE TRIGGER {name} {timing} ON {table} FOR EACH ROW {condition}"
                              f"BEGIN {'; '.join(body)}; END")
    return statements


def drop_sql(*, postgres: bool) -> list[str]:
    """Return the statements that remove the triggers (and their functions on PostgreSQL)."""
    statements = []
    for name, (_, table, _, _) in _bodies(_Dialect(False)).items():  # SQLite's: every name either ever had
        if postgres:
            statements += [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
        else:
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
    return statements


def view_sql(*, postgres: bool) -> list[str]:
    """Return the statements that create the views reports read (`report_rollup`, `report_group`,
    `report_unit`): on PostgreSQL the base counts plus the pending rows and what the rows not counted yet add
    (`_own_counts`), each spread to its unit and every unit above it (by the unit's path today, so a moved
    unit's pending rows count under its new parent); a condition on the view's key columns with constants
    reaches both branches (the base table's primary key, and a scan of the few pending and uncounted rows). On
    SQLite the triggers write the base tables directly and the views are them."""
    if not postgres:
        return [f"CREATE VIEW {name} AS SELECT {', '.join(('unit_id', *key, *counts))} FROM {name}_base"
                for name, key, counts in ROLLUPS]
    return [f"CREATE VIEW {name} AS {_rollup_select(name, scoped=False)}" for name, _, _ in ROLLUPS]


@cache
def scoped_sql(name: str) -> str:
    """PostgreSQL: the SELECT of the view `name` (a rollup's name) with its pending rows and the rows not counted
    yet limited to those of the units whose path matches the parameter `under` (`%/<id>/%`: the unit `id` and
    every unit below it). For the units of that subtree it reads the same figures as the view; a unit's report
    reads only what waits in its own subtree, where the view counts what waits in the whole country for every
    read (a commune's report read 426 ms instead of 26 during a burst of 24,000 rows waiting)."""
    return _rollup_select(name, scoped=True)


# The condition, on unit `su`, of the rows `scoped_sql` reads besides the base counts.
_UNDER = "su.path LIKE :under"
_UNCOUNTED_UNDER = {
    "youth": f"(SELECT n.* FROM youth n JOIN unit su ON su.id = n.unit_id WHERE NOT n.counted AND {_UNDER})",
    "participation": ("(SELECT n.* FROM participation n JOIN youth sy ON sy.id = n.youth_id "
                      f"JOIN unit su ON su.id = sy.unit_id WHERE NOT n.counted AND {_UNDER})"),
}


def _rollup_select(name: str, *, scoped: bool) -> str:
    """PostgreSQL: the base counts of rollup `name` plus its pending rows and what the rows not counted yet add,
    every unit's own change spread to it and each unit above it; with `scoped`, only the rows waiting under
    `:under` (`scoped_sql`)."""
    d = _Dialect(True)
    _, key, counts = next(rollup for rollup in ROLLUPS if rollup[0] == name)
    uncounted = _UNCOUNTED_UNDER if scoped else _UNCOUNTED
    own = _own_counts(d, uncounted["youth"], uncounted["participation"])[name]
    keys = ", ".join(("unit_id", *key))
    columns = ", ".join(counts)
    pending = (f"SELECT {', '.join(f'g.{c}' for c in ('unit_id', *key, *counts))} FROM {name}_pending g "
               f"JOIN unit su ON su.id = g.unit_id WHERE {_UNDER}") if scoped else (
        f"SELECT {keys}, {columns} FROM {name}_pending")
    summed = ", ".join(f"CAST(sum({c}) AS INTEGER) AS {c}" for c in counts)
    spread = ", ".join((*(f"p.{k}" for k in key), *(f"p.{c}" for c in counts)))
    return (f"SELECT {keys}, {summed} FROM (SELECT {keys}, {columns} FROM {name}_base UNION ALL "
            f"SELECT a.value, {spread} FROM ({pending} UNION ALL {' UNION ALL '.join(own)}) p, "
            f"{d.ancestors(_path_of('p'))}) s GROUP BY {keys}")


def drop_view_sql() -> list[str]:
    """Return the statements that remove the views."""
    return [f"DROP VIEW IF EXISTS {name}" for name in ROLLUP_VIEWS]


def fold_sql(*, postgres: bool) -> list[str]:
    """Return the statements that count the rows not counted yet and move every pending row into the base
    tables, spread up its unit's path. On PostgreSQL, after the fold lock (so two folds never add the same
    row, and no trigger taking a count away runs meanwhile): one statement per table marks its uncounted rows
    counted and appends what they add to the pending tables (`_mark_sql`), then one statement per rollup moves
    its pending rows (the rows deleted are exactly the rows summed: a row committed meanwhile waits for the
    next fold) and returns how many. On SQLite (nothing is ever pending: the triggers write the base tables)
    the same moves in three steps per table, the writer lock making them atomic."""
    d = _Dialect(postgres)
    statements = ([f"SELECT pg_advisory_xact_lock({_FOLD_LOCK})", _mark_sql(d, "youth"), _mark_sql(d, "participation")]
                  if postgres else [])
    for name, key, counts in ROLLUPS:
        keys = ", ".join(("unit_id", *key))
        columns = ", ".join(counts)
        picked = ", ".join((*(f"g.{k}" for k in key), *(f"sum(g.{c})" for c in counts)))
        grouped = ", ".join(("a.value", *(f"g.{k}" for k in key)))
        upsert = _upsert(f"{name}_base", ("unit_id", *key), counts)
        if postgres:
            statements.append(
                f"WITH gone AS (DELETE FROM {name}_pending RETURNING {keys}, {columns}), "
                f"folded AS (INSERT INTO {name}_base ({keys}, {columns}) SELECT a.value, {picked} "
                f"FROM gone g JOIN unit u ON u.id = g.unit_id, {d.ancestors('u.path')} "
                f"GROUP BY {grouped} {upsert} RETURNING 1) "
                f"SELECT (SELECT count(*) FROM gone) AS {name}")
        else:
            statements += [
                f"INSERT INTO {name}_base ({keys}, {columns}) SELECT a.value, {picked} "
                f"FROM {name}_pending g JOIN unit u ON u.id = g.unit_id, {d.ancestors('u.path')} "
                f"WHERE true GROUP BY {grouped} {upsert}",
                f"DELETE FROM {name}_pending",
            ]
    return statements


async def vacuum_pending(session: AsyncSession) -> int:
    """PostgreSQL: vacuum (and analyze) the pending tables grown past _VACUUM_ABOVE; return how many.

    The fold deletes every pending row each time it runs, and every report reads the pending tables whole
    (`view_sql`): each row a writer appended stays on disk as a dead row until a vacuum. Autovacuum does that
    where it is on; where it is off or behind, under the writers benchmark the pending tables held 730,000 dead
    rows after a quarter of an hour, read by every fold and every report. A table the fold keeps near empty only grows
    past the threshold when nothing vacuumed it, so this costs nothing where autovacuum keeps up.

    VACUUM cannot run in a transaction: it runs on a connection of its own, in autocommit, and leaves the
    session's transaction unused (a snapshot held open there would keep the dead rows it is to remove)."""
    engine = session.bind
    if not isinstance(engine, AsyncEngine) or engine.dialect.name != "postgresql":
        return 0
    async with engine.connect() as connection:
        sizes = await connection.execute(text(_PENDING_SIZES))
        grown = [name for name, size in sizes if size > _VACUUM_ABOVE]
        await connection.commit()
        if grown:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(grown)}")
    return len(grown)


_PENDING = tuple(f"{name}_pending" for name, _, _ in ROLLUPS)
_PENDING_SIZES = " UNION ALL ".join(f"SELECT '{table}', pg_relation_size('{table}')" for table in _PENDING)
_VACUUM_ABOVE = 1 << 20  # bytes: a pending table emptied by the fold and vacuumed takes a few pages at most


async def fold_pending(session: AsyncSession) -> int:
    """Fold every pending rollup row into the base tables in the session's transaction; return how many rows
    were folded. Reports read the same figures before and after (the views add what is pending and what the
    rows not counted yet add)."""
    folded = 0
    for statement in fold_sql(postgres=on_postgres(session)):
        result = await session.exec(text(statement))  # type: ignore[call-overload]
        if statement.startswith("WITH gone"):
            folded += int(result.scalar_one())
    return folded


def rebuild_sql(*, postgres: bool) -> list[str]:
    """Return the statements that recompute every rollup from the rows (emptying the tables first, and on
    PostgreSQL marking every row counted): the counts of each unit's own rows first, in temporary tables, then
    summed into the unit and every unit above it."""
    d = _Dialect(postgres)
    per_period = (f"(SELECT y.*, {d.half_of_time('y.introduced_at')} AS code FROM youth y "
                  f"UNION ALL SELECT y.*, {d.year_of_time('y.introduced_at')} AS code FROM youth y)")
    age = f"({d.int_year('substr(v.code, 1, 4)')} - v.birth_year)"
    sums = [f"count(*) AS {YOUTH_COLUMNS[0]}", f"count(DISTINCT v.introduced_by) AS {YOUTH_COLUMNS[1]}"]
    sums += [f"sum({_flag(condition)}) AS {name}"
             for condition, name in zip(_youth_conditions("v", age), YOUTH_COLUMNS[2:], strict=True)]
    kinds = ", ".join(f"'{kind}'" for kind in EVENT_COLUMNS.values())
    events = (f"(SELECT y.unit_id, e.youth_id, e.kind, {d.half_of_date('e.on_date')} AS code FROM participation e "
              f"JOIN youth y ON y.id = e.youth_id WHERE e.kind IN ({kinds}) "
              f"UNION ALL SELECT y.unit_id, e.youth_id, e.kind, {d.year_of_date('e.on_date')} FROM participation e "
              f"JOIN youth y ON y.id = e.youth_id WHERE e.kind IN ({kinds}))")
    event_counts = ", ".join(f"count(DISTINCT CASE WHEN v.kind = '{kind}' THEN v.youth_id END) AS {column}"
                             for column, kind in EVENT_COLUMNS.items())
    up = f"JOIN unit u ON u.id = o.unit_id, {d.ancestors('u.path')} WHERE true"

    def summed(columns: tuple[str, ...]) -> str:
        return ", ".join(f"sum(o.{c})" for c in columns)

    event_set = ", ".join(f"{c} = excluded.{c}" for c in EVENT_COLUMNS)
    temporary = ("own_rollup", "own_events", "own_group", "own_unit")
    return [
        *([f"SELECT pg_advisory_xact_lock({_FOLD_LOCK})"] if postgres else []),
        *(f"DELETE FROM {table}" for table in ROLLUP_TABLES),
        *([f"UPDATE {table} SET counted = true WHERE NOT counted" for table in ("youth", "participation")]
          if postgres else []),
        *(f"DROP TABLE IF EXISTS {name}" for name in temporary),
        f"CREATE TEMPORARY TABLE own_rollup AS SELECT v.unit_id, v.code AS period, {', '.join(sums)} "
        f"FROM {per_period} v GROUP BY v.unit_id, v.code",
        f"CREATE TEMPORARY TABLE own_events AS SELECT v.unit_id, v.code AS period, {event_counts} "
        f"FROM {events} v GROUP BY v.unit_id, v.code",
        f"CREATE TEMPORARY TABLE own_group AS SELECT v.unit_id, v.code AS period, v.group_code, count(*) AS n "
        f"FROM {per_period} v GROUP BY v.unit_id, v.code, v.group_code",
        f"CREATE TEMPORARY TABLE own_unit AS SELECT unit_id, count(*) AS members, 0 AS engaged FROM member "
        f"WHERE status = 'active' GROUP BY unit_id UNION ALL SELECT unit_id, 0, count(*) FROM youth "
        f"WHERE status IN ({_ENGAGED}) GROUP BY unit_id",
        f"INSERT INTO report_rollup_base (unit_id, period, {', '.join(YOUTH_COLUMNS)}) "
        f"SELECT a.value, o.period, {summed(YOUTH_COLUMNS)} FROM own_rollup o {up} GROUP BY a.value, o.period",
        f"INSERT INTO report_rollup_base (unit_id, period, {', '.join(EVENT_COLUMNS)}) "
        f"SELECT a.value, o.period, {summed(tuple(EVENT_COLUMNS))} FROM own_events o {up} GROUP BY a.value, o.period "
        f"ON CONFLICT (unit_id, period) DO UPDATE SET {event_set}",
        f"INSERT INTO report_group_base (unit_id, period, group_code, n) "
        f"SELECT a.value, o.period, o.group_code, sum(o.n) FROM own_group o {up} "
        "GROUP BY a.value, o.period, o.group_code",
        f"INSERT INTO report_unit_base (unit_id, members, engaged) "
        f"SELECT a.value, sum(o.members), sum(o.engaged) FROM own_unit o {up} GROUP BY a.value",
        *(f"DROP TABLE {name}" for name in temporary),
    ]


def periods_of(at: datetime) -> tuple[str, str]:
    """Return the half-year and the year `at` counts in, in Vietnam's calendar: ("2026-H2", "2026")."""
    local = at.astimezone(_CALENDAR)
    return f"{local.year}-H{1 if local.month <= 6 else 2}", str(local.year)


Tally = Counter[tuple[int, str]]  # (unit id, period) -> count


async def _add_counts(session: AsyncSession, *, minority: Tally, religious: Tally, spread: bool = False) -> None:
    """Add each unit's own counts: on PostgreSQL as pending rows of the unit (folded up its path later, so no
    writer waits on the rows of the units above), on SQLite or when `spread` (a rebuild) to the unit and every
    unit above it in the base table."""
    own = [(u, p) for u, p in set(minority) | set(religious) if minority[u, p] or religious[u, p]]
    if on_postgres(session) and not spread:
        pending = [{"unit_id": u, "period": p, "minority": minority[u, p], "religious": religious[u, p]}
                   for u, p in own]
        for start in range(0, len(pending), _BATCH):
            await session.exec(insert(ReportRollupPending).values(pending[start:start + _BATCH]))
        return
    units = sorted({unit for unit, _ in own})
    paths: dict[int, str] = {}
    for start in range(0, len(units), _BATCH):  # a statement takes at most 32,767 arguments on PostgreSQL
        chunk = units[start:start + _BATCH]
        paths.update((await session.exec(select(key_col(Unit.id), Unit.path).where(col(Unit.id).in_(chunk)))).all())
    totals: dict[tuple[int, str], list[int]] = {}
    for unit, period in own:
        for ancestor in ancestor_ids(paths[unit]):
            pair = totals.setdefault((ancestor, period), [0, 0])
            pair[0] += minority[unit, period]
            pair[1] += religious[unit, period]
    rows = [{"unit_id": u, "period": p, "minority": m, "religious": r} for (u, p), (m, r) in totals.items()
            if m or r]
    for start in range(0, len(rows), _BATCH):
        statement = upsert_insert(session, ReportRollupBase).values(rows[start:start + _BATCH])
        statement = statement.on_conflict_do_update(
            index_elements=["unit_id", "period"],
            set_={c: getattr(ReportRollupBase, c) + getattr(statement.excluded, c) for c in SENSITIVE_COLUMNS})
        await session.exec(statement)


def _tally(rows: Iterable[tuple[int, datetime, str | None, str | None]], sign: int) -> tuple[Tally, Tally]:
    minority: Tally = Counter()
    religious: Tally = Counter()
    for unit_id, introduced_at, ethnicity, religion in rows:
        for period in periods_of(introduced_at):
            minority[unit_id, period] += sign * is_minority(ethnicity)
            religious[unit_id, period] += sign * is_religious(religion)
    return minority, religious


async def adjust_sensitive_counts(session: AsyncSession, *, unit_id: int, introduced_at: datetime,
                                  ethnicity: str | None, religion: str | None, sign: int) -> None:
    """Add (`sign` 1) or take away (-1) what a young person of `unit_id` introduced at `introduced_at` with these
    codes counts as an ethnic minority and as religious, at the unit and above, in the half-year and the year."""
    minority, religious = _tally([(unit_id, introduced_at, ethnicity, religion)], sign)
    await _add_counts(session, minority=minority, religious=religious)


async def move_sensitive_counts(session: AsyncSession, *, from_unit: int, to_unit: int) -> None:
    """Move what the young people registered at `from_unit` count as minority and religious to `to_unit`: call it
    before their rows move (the triggers carry every other count)."""
    query = (select(Youth.unit_id, Youth.introduced_at, Youth.ethnicity, Youth.religion)
             .where(Youth.unit_id == from_unit,
                    col(Youth.ethnicity).is_not(None) | col(Youth.religion).is_not(None)))
    rows = list((await session.exec(query)).all())
    minority, religious = _tally(rows, -1)
    come_m, come_r = _tally([(to_unit, at, e, r) for _, at, e, r in rows], 1)
    minority.update(come_m)  # update adds; `+` would drop the negative counts
    religious.update(come_r)
    await _add_counts(session, minority=minority, religious=religious)


async def rebuild_sensitive_counts(session: AsyncSession) -> int:
    """Recompute `minority` and `religious` of every rollup row from the young people's sealed values (after
    `rebuild_sql`); return how many young people were counted."""
    await fold_pending(session)  # what is pending counts in the base table first, then is recomputed there
    await session.exec(update(ReportRollupBase).values(minority=0, religious=0))
    minority: Tally = Counter()
    religious: Tally = Counter()
    last, counted = 0, 0
    while True:  # by id, a slice at a time: a country's young people do not fit in memory at once
        # SQLModel's select() is typed for at most four columns: the Select is built directly.
        columns: Select[int, int, datetime, str | None, str | None] = Select(
            key_col(Youth.id), col(Youth.unit_id), col(Youth.introduced_at), col(Youth.ethnicity),
            col(Youth.religion))
        query = (columns
                 .where(key_col(Youth.id) > last,
                        col(Youth.ethnicity).is_not(None) | col(Youth.religion).is_not(None))
                 .order_by(key_col(Youth.id)).limit(_SCAN))
        rows = (await session.exec(query)).all()
        if not rows:
            break
        last, counted = rows[-1][0], counted + len(rows)
        more_m, more_r = _tally((row[1:] for row in rows), 1)
        minority.update(more_m)
        religious.update(more_r)
    await _add_counts(session, minority=minority, religious=religious, spread=True)
    return counted
