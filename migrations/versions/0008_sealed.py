"""sealed sensitive fields: a young person's ethnicity and religion are stored as Fernet tokens (storage/sealed.py);
the report triggers stop counting ethnic minorities and religion, which the application now keeps

Revision ID: 0008_sealed
Revises: 0007_privacy

A token is longer than the 40 characters the two columns held: on PostgreSQL they are widened to 255 in place;
SQLite cannot change a column's type without rebuilding `youth` (which would drop its triggers and, with foreign
keys on, its participation), so each column is added anew, filled, and the old one dropped and replaced.

Existing values are sealed here, with the key of the engine that runs the migration: the bot migrates at start
(and `alembic upgrade` through the same settings) with the engine built from SENSITIVE_KEYS, which
storage.db.create_engine attaches to the engine's dialect. Without a key the migration refuses when any value
is stored, and changes nothing. The counts `report_rollup.minority` and `religious` are exact before and stay
as they are: from here on the application adds to them (storage/rollups.py, adjust_sensitive_counts).

Downgrading opens the values again (the same key is needed), narrows the columns back and reinstalls the
triggers that count both in SQL.

This text is frozen: the trigger SQL below was copied from storage/rollups.py when this was written; nothing is
imported from storage/.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0008_sealed'
down_revision = '0007_privacy'
branch_labels = None
depends_on = None

_COLUMNS = ('ethnicity', 'religion')
_YOUTH_TRIGGERS = ('report_youth_ins', 'report_youth_upd', 'report_youth_del')
_NO_KEY = ("migration 0008_sealed: young people's ethnicity or religion are stored and this engine has no "
           "SENSITIVE_KEYS to seal them with; set SENSITIVE_KEYS (`bot11 admin new-key`) and migrate again")


def _sealer(bind: sa.Connection) -> Any:
    return getattr(bind.dialect, 'bot11_sealer', None)


def _stored(bind: sa.Connection) -> list[tuple[Any, ...]]:
    # As text: the columns change type between up and down, which would invalidate asyncpg's cached statement.
    return list(bind.execute(sa.text(
        "SELECT id, CAST(ethnicity AS TEXT), CAST(religion AS TEXT) FROM youth "
        "WHERE ethnicity IS NOT NULL OR religion IS NOT NULL ORDER BY id")))


def _rewrite(bind: sa.Connection, rows: list[tuple[Any, ...]], change: Any) -> None:
    """Write `change` of every stored value back (sealing or opening it)."""
    if rows:
        bind.execute(sa.text("UPDATE youth SET ethnicity = :e, religion = :r WHERE id = :i"),
                     [{'i': i, 'e': None if e is None else change(e), 'r': None if r is None else change(r)}
                      for i, e, r in rows])


def _retype(postgres: bool, length: int) -> None:
    for column in _COLUMNS:
        if postgres:
            op.execute(f"ALTER TABLE youth ALTER COLUMN {column} TYPE VARCHAR({length})")
            continue
        op.execute(f"ALTER TABLE youth ADD COLUMN {column}_new VARCHAR({length})")
        op.execute(f"UPDATE youth SET {column}_new = {column}")
        op.execute(f"ALTER TABLE youth DROP COLUMN {column}")
        op.execute(f"ALTER TABLE youth RENAME COLUMN {column}_new TO {column}")


def _drop_triggers(postgres: bool) -> None:
    for name in _YOUTH_TRIGGERS:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON youth")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _create(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    rows = _stored(bind)
    sealer = _sealer(bind)
    if rows and sealer is None:
        raise RuntimeError(_NO_KEY)
    _drop_triggers(postgres)
    _retype(postgres, 255)
    if rows:
        _rewrite(bind, rows, sealer.seal)
    _create(_POSTGRES_AFTER if postgres else _SQLITE_AFTER)


def downgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    rows = _stored(bind)
    sealer = _sealer(bind)
    if rows and sealer is None:
        raise RuntimeError(_NO_KEY.replace('to seal them with', 'to open them with'))
    _drop_triggers(postgres)
    if rows:
        _rewrite(bind, rows, sealer.open)
    _retype(postgres, 40)
    _create(_POSTGRES_BEFORE if postgres else _SQLITE_BEFORE)


# The youth triggers as storage/rollups.py wrote them before this revision (minority and religious in SQL).

_SQLITE_BEFORE = (
    (
        'CREATE TRIGGER report_youth_ins AFTER INSERT ON youth FOR EACH ROW BEGIN INSERT INTO report_rollup (unit_id, p'
        'eriod, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_o'
        'ver_30, minority, religious) SELECT a.value, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WH'
        "ERE o.introduced_by = NEW.introduced_by AND o.unit_id = NEW.unit_id AND o.id <> NEW.id AND ((strftime('%Y', o."
        "introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN"
        " '-H1' ELSE '-H2' END) = p.code OR strftime('%Y', o.introduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END, 1"
        " * CASE WHEN NEW.gender = 'male' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 *"
        " CASE WHEN NEW.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.intr"
        "oduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y"
        "', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 16 AND (CAST(strftime('%Y', NEW.introduced_"
        "at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW."
        "introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 19 AND (CAST(strftime('%Y', NEW.introduced_at, '+7"
        " hours') AS INTEGER) - NEW.birth_year) <= 24 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introdu"
        "ced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 25 AND (CAST(strftime('%Y', NEW.introduced_at, '+7 hours'"
        ") AS INTEGER) - NEW.birth_year) <= 30 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at,"
        " '+7 hours') AS INTEGER) - NEW.birth_year) >= 31 THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.ethnicity IS NOT NULL AN"
        "D NEW.ethnicity NOT IN ('kinh', 'other') THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.religion IS NOT NULL AND NEW.rel"
        "igion <> 'none' THEN 1 ELSE 0 END FROM (SELECT (strftime('%Y', NEW.introduced_at, '+7 hours') || CASE WHEN CAS"
        "T(strftime('%m', NEW.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL "
        "SELECT strftime('%Y', NEW.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit "
        "WHERE id = NEW.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET i"
        'ntroduced = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.ful'
        'filled, male = report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gend'
        'er = report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + excluded.'
        'age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + '
        'excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_'
        'over_30 + excluded.age_over_30, minority = report_rollup.minority + excluded.minority, religious = report_roll'
        'up.religious + excluded.religious; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p'
        ".code, NEW.group_code, 1 FROM (SELECT (strftime('%Y', NEW.introduced_at, '+7 hours') || CASE WHEN CAST(strftim"
        "e('%m', NEW.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT st"
        "rftime('%Y', NEW.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id "
        "= NEW.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SE"
        'T n = report_group.n + excluded.n; INSERT INTO report_unit (unit_id, engaged) SELECT a.value, 1 FROM json_each'
        "('[' || replace(trim((SELECT path FROM unit WHERE id = NEW.unit_id), '/'), '/', ',') || ']') AS a WHERE NEW.st"
        "atus IN ('participating', 'joined_hoi', 'admitted') ON CONFLICT (unit_id) DO UPDATE SET engaged = report_unit."
        'engaged + excluded.engaged; END'
    ),
    (
        'CREATE TRIGGER report_youth_upd BEFORE UPDATE OF unit_id, introduced_at, introduced_by, gender, group_code, bi'
        'rth_year, ethnicity, religion ON youth FOR EACH ROW WHEN (OLD.unit_id IS NOT NEW.unit_id OR OLD.introduced_at '
        'IS NOT NEW.introduced_at OR OLD.introduced_by IS NOT NEW.introduced_by OR OLD.gender IS NOT NEW.gender OR OLD.'
        'group_code IS NOT NEW.group_code OR OLD.birth_year IS NOT NEW.birth_year OR OLD.ethnicity IS NOT NEW.ethnicity'
        ' OR OLD.religion IS NOT NEW.religion) BEGIN INSERT INTO report_rollup (unit_id, period, introduced, fulfilled,'
        ' male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_over_30, minority, religious) '
        'SELECT a.value, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = OLD.i'
        "ntroduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((strftime('%Y', o.introduced_at, '+7 hours') "
        "|| CASE WHEN CAST(strftime('%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) = p."
        "code OR strftime('%Y', o.introduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = "
        "'male' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender NO"
        "T IN ('male', 'female') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') "
        "AS INTEGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, "
        "'+7 hours') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INT"
        "EGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7 ho"
        "urs') AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) "
        "- OLD.birth_year) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') "
        "AS INTEGER) - OLD.birth_year) >= 25 AND (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD."
        "birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INT"
        'EGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.ethnicity IS NOT NULL AND OLD.ethnicity NO'
        "T IN ('kinh', 'other') THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.religion IS NOT NULL AND OLD.religion <> 'none' T"
        "HEN 1 ELSE 0 END FROM (SELECT (strftime('%Y', OLD.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', "
        "OLD.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT strftime('"
        "%Y', OLD.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id = OLD.un"
        "it_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = repor"
        't_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, male = re'
        'port_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gender = report_rollu'
        'p.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + excluded.age_under_16, age'
        '_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded.age_19_2'
        '4, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 + exclude'
        'd.age_over_30, minority = report_rollup.minority + excluded.minority, religious = report_rollup.religious + ex'
        'cluded.religious; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.code, OLD.group_'
        "code, -1 FROM (SELECT (strftime('%Y', OLD.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', OLD.intr"
        "oduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT strftime('%Y', OLD"
        ".introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id = OLD.unit_id), "
        "'/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n = report_gro"
        'up.n + excluded.n; INSERT INTO report_rollup (unit_id, period, introduced, fulfilled, male, female, other_gend'
        'er, age_under_16, age_16_18, age_19_24, age_25_30, age_over_30, minority, religious) SELECT a.value, p.code, 1'
        ' * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = NEW.introduced_by AND o.unit_id '
        "= NEW.unit_id AND o.id <> NEW.id AND ((strftime('%Y', o.introduced_at, '+7 hours') || CASE WHEN CAST(strftime("
        "'%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR strftime('%Y', o.in"
        "troduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'male' THEN 1 ELSE 0 END, 1 "
        "* CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender NOT IN ('male', 'female') THEN 1"
        " ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <"
        "= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.bi"
        "rth_year) >= 16 AND (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 18 TH"
        "EN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_yea"
        "r) >= 19 AND (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 24 THEN 1 EL"
        "SE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 2"
        "5 AND (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 30 THEN 1 ELSE 0 EN"
        "D, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 31 THEN "
        "1 ELSE 0 END, 1 * CASE WHEN NEW.ethnicity IS NOT NULL AND NEW.ethnicity NOT IN ('kinh', 'other') THEN 1 ELSE 0"
        " END, 1 * CASE WHEN NEW.religion IS NOT NULL AND NEW.religion <> 'none' THEN 1 ELSE 0 END FROM (SELECT (strfti"
        "me('%Y', NEW.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', NEW.introduced_at, '+7 hours') AS INT"
        "EGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT strftime('%Y', NEW.introduced_at, '+7 hours')) "
        "p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id = NEW.unit_id), '/'), '/', ',') || ']') AS a "
        'WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = report_rollup.introduced + excluded.introd'
        'uced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, male = report_rollup.male + excluded.male, fem'
        'ale = report_rollup.female + excluded.female, other_gender = report_rollup.other_gender + excluded.other_gende'
        'r, age_under_16 = report_rollup.age_under_16 + excluded.age_under_16, age_16_18 = report_rollup.age_16_18 + ex'
        'cluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded.age_19_24, age_25_30 = report_rollup.age_25_3'
        '0 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 + excluded.age_over_30, minority = report_roll'
        'up.minority + excluded.minority, religious = report_rollup.religious + excluded.religious; INSERT INTO report_'
        "group (unit_id, period, group_code, n) SELECT a.value, p.code, NEW.group_code, 1 FROM (SELECT (strftime('%Y', "
        "NEW.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', NEW.introduced_at, '+7 hours') AS INTEGER) <= "
        "6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT strftime('%Y', NEW.introduced_at, '+7 hours')) p, json_e"
        "ach('[' || replace(trim((SELECT path FROM unit WHERE id = NEW.unit_id), '/'), '/', ',') || ']') AS a WHERE tru"
        'e ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n = report_group.n + excluded.n; END'
    ),
    (
        'CREATE TRIGGER report_youth_del BEFORE DELETE ON youth FOR EACH ROW BEGIN INSERT INTO report_rollup (unit_id, '
        'period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_'
        'over_30, minority, religious) SELECT a.value, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o'
        " WHERE o.introduced_by = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((strftime('%Y',"
        " o.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 T"
        "HEN '-H1' ELSE '-H2' END) = p.code OR strftime('%Y', o.introduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END"
        ", -1 * CASE WHEN OLD.gender = 'male' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END"
        ", -1 * CASE WHEN OLD.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', O"
        "LD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strf"
        "time('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(strftime('%Y', OLD.int"
        "roduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('"
        "%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(strftime('%Y', OLD.introduce"
        "d_at, '+7 hours') AS INTEGER) - OLD.birth_year) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', O"
        "LD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 25 AND (CAST(strftime('%Y', OLD.introduced_at, "
        "'+7 hours') AS INTEGER) - OLD.birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.int"
        "roduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.ethnicity IS"
        " NOT NULL AND OLD.ethnicity NOT IN ('kinh', 'other') THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.religion IS NOT NUL"
        "L AND OLD.religion <> 'none' THEN 1 ELSE 0 END FROM (SELECT (strftime('%Y', OLD.introduced_at, '+7 hours') || "
        "CASE WHEN CAST(strftime('%m', OLD.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS co"
        "de UNION ALL SELECT strftime('%Y', OLD.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT pa"
        "th FROM unit WHERE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period) DO"
        ' UPDATE SET introduced = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled +'
        ' excluded.fulfilled, male = report_rollup.male + excluded.male, female = report_rollup.female + excluded.femal'
        'e, other_gender = report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_1'
        '6 + excluded.age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup'
        '.age_19_24 + excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = repor'
        't_rollup.age_over_30 + excluded.age_over_30, minority = report_rollup.minority + excluded.minority, religious '
        '= report_rollup.religious + excluded.religious; INSERT INTO report_group (unit_id, period, group_code, n) SELE'
        "CT a.value, p.code, OLD.group_code, -1 FROM (SELECT (strftime('%Y', OLD.introduced_at, '+7 hours') || CASE WHE"
        "N CAST(strftime('%m', OLD.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION"
        " ALL SELECT strftime('%Y', OLD.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM "
        "unit WHERE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period, group_code"
        ') DO UPDATE SET n = report_group.n + excluded.n; INSERT INTO report_rollup (unit_id, period, participating, jo'
        "ined_hoi, admitted) SELECT a.value, v.code, -1 * max(CASE WHEN v.kind = 'activity' THEN 1 ELSE 0 END), -1 * ma"
        "x(CASE WHEN v.kind = 'joined_hoi' THEN 1 ELSE 0 END), -1 * max(CASE WHEN v.kind = 'admitted' THEN 1 ELSE 0 END"
        ") FROM (SELECT (strftime('%Y', e.on_date) || CASE WHEN CAST(strftime('%m', e.on_date) AS INTEGER) <= 6 THEN '-"
        "H1' ELSE '-H2' END) AS code, e.kind FROM participation e WHERE e.youth_id = OLD.id AND e.kind IN ('activity', "
        "'joined_hoi', 'admitted') UNION ALL SELECT strftime('%Y', e.on_date), e.kind FROM participation e WHERE e.yout"
        "h_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitted')) v, json_each('[' || replace(trim((SELECT p"
        "ath FROM unit WHERE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE true GROUP BY a.value, v.code ON CON"
        'FLICT (unit_id, period) DO UPDATE SET participating = report_rollup.participating + excluded.participating, jo'
        'ined_hoi = report_rollup.joined_hoi + excluded.joined_hoi, admitted = report_rollup.admitted + excluded.admitt'
        "ed; INSERT INTO report_unit (unit_id, engaged) SELECT a.value, -1 FROM json_each('[' || replace(trim((SELECT p"
        "ath FROM unit WHERE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE OLD.status IN ('participating', 'joi"
        "ned_hoi', 'admitted') ON CONFLICT (unit_id) DO UPDATE SET engaged = report_unit.engaged + excluded.engaged; EN"
        'D'
    ),
)

_POSTGRES_BEFORE = (
    (
        'CREATE FUNCTION report_youth_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup (uni'
        't_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30'
        ', age_over_30, minority, religious) SELECT a.value, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM you'
        'th o WHERE o.introduced_by = NEW.introduced_by AND o.unit_id = NEW.unit_id AND o.id < NEW.id AND ((to_char((o.'
        "introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) AT T"
        "IME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TIME ZON"
        "E 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'male' THEN 1 ELSE 0 EN"
        "D, 1 * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender NOT IN ('male', 'female') T"
        "HEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS "
        'INTEGER) - NEW.birth_year) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZO'
        "NE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 16 AND (CAST(to_char((NEW.introduced_at) AT TI"
        "ME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST"
        "(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 19 AND "
        "(CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 24"
        " THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') A"
        "S INTEGER) - NEW.birth_year) >= 25 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYY"
        "Y') AS INTEGER) - NEW.birth_year) <= 30 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT "
        "TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 31 THEN 1 ELSE 0 END, 1 * CASE WHEN NEW"
        ".ethnicity IS NOT NULL AND NEW.ethnicity NOT IN ('kinh', 'other') THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.religio"
        "n IS NOT NULL AND NEW.religion <> 'none' THEN 1 ELSE 0 END FROM (SELECT (to_char((NEW.introduced_at) AT TIME Z"
        "ONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_"
        "Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((NEW.introduced_at) AT TIME ZONE 'Asia"
        "/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = NEW.uni"
        "t_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = report_ro"
        'llup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, male = report'
        '_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gender = report_rollup.ot'
        'her_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + excluded.age_under_16, age_16_'
        '18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded.age_19_24, a'
        'ge_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 + excluded.ag'
        'e_over_30, minority = report_rollup.minority + excluded.minority, religious = report_rollup.religious + exclud'
        'ed.religious; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.code, NEW.group_code'
        ", 1 FROM (SELECT (to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(mo"
        "nth FROM (NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION AL"
        "L SELECT to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim("
        "both '/' from (SELECT path FROM unit WHERE id = NEW.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT"
        ' (unit_id, period, group_code) DO UPDATE SET n = report_group.n + excluded.n; INSERT INTO report_unit (unit_id'
        ", engaged) SELECT a.value, 1 FROM unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = "
        "NEW.unit_id)), '/')::int[]) AS a(value) WHERE NEW.status IN ('participating', 'joined_hoi', 'admitted') ON CON"
        'FLICT (unit_id) DO UPDATE SET engaged = report_unit.engaged + excluded.engaged; RETURN NEW; END $$'
    ),
    (
        'CREATE TRIGGER report_youth_ins AFTER INSERT ON youth FOR EACH ROW EXECUTE FUNCTION report_youth_ins()'
    ),
    (
        'CREATE FUNCTION report_youth_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup (uni'
        't_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30'
        ', age_over_30, minority, religious) SELECT a.value, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM y'
        'outh o WHERE o.introduced_by = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((to_char('
        "(o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) A"
        "T TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TIME "
        "ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'male' THEN 1 ELSE "
        "0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender NOT IN ('male', 'fema"
        "le') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYY"
        "Y') AS INTEGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT"
        " TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(to_char((OLD.introduced_a"
        "t) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE W"
        "HEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >"
        "= 19 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_ye"
        "ar) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh',"
        " 'YYYY') AS INTEGER) - OLD.birth_year) >= 25 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_M"
        "inh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introdu"
        "ced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END, -1 * C"
        "ASE WHEN OLD.ethnicity IS NOT NULL AND OLD.ethnicity NOT IN ('kinh', 'other') THEN 1 ELSE 0 END, -1 * CASE WHE"
        "N OLD.religion IS NOT NULL AND OLD.religion <> 'none' THEN 1 ELSE 0 END FROM (SELECT (to_char((OLD.introduced_"
        "at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((OLD.introduced_at) AT TI"
        "ME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE"
        " id = OLD.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduce"
        'd = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, '
        'male = report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gender = rep'
        'ort_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + excluded.age_unde'
        'r_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded'
        '.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 '
        '+ excluded.age_over_30, minority = report_rollup.minority + excluded.minority, religious = report_rollup.relig'
        'ious + excluded.religious; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.code, O'
        "LD.group_code, -1 FROM (SELECT (to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE W"
        "HEN extract(month FROM (OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS"
        " code UNION ALL SELECT to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_"
        "to_array(trim(both '/' from (SELECT path FROM unit WHERE id = OLD.unit_id)), '/')::int[]) AS a(value) WHERE tr"
        'ue ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n = report_group.n + excluded.n; INSERT INTO report'
        '_rollup (unit_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_2'
        '4, age_25_30, age_over_30, minority, religious) SELECT a.value, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELEC'
        'T 1 FROM youth o WHERE o.introduced_by = NEW.introduced_by AND o.unit_id = NEW.unit_id AND o.id <> NEW.id AND '
        "((to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introd"
        "uced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at"
        ") AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'male' THE"
        "N 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender NOT IN ('male'"
        ", 'female') THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh'"
        ", 'YYYY') AS INTEGER) - NEW.birth_year) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_a"
        "t) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 16 AND (CAST(to_char((NEW.introdu"
        "ced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 * CA"
        "SE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_yea"
        "r) >= 19 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birt"
        "h_year) <= 24 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Min"
        "h', 'YYYY') AS INTEGER) - NEW.birth_year) >= 25 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Ch"
        "i_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 30 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.intro"
        "duced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 31 THEN 1 ELSE 0 END, 1 * "
        "CASE WHEN NEW.ethnicity IS NOT NULL AND NEW.ethnicity NOT IN ('kinh', 'other') THEN 1 ELSE 0 END, 1 * CASE WHE"
        "N NEW.religion IS NOT NULL AND NEW.religion <> 'none' THEN 1 ELSE 0 END FROM (SELECT (to_char((NEW.introduced_"
        "at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((NEW.introduced_at) AT TI"
        "ME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE"
        " id = NEW.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduce"
        'd = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, '
        'male = report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gender = rep'
        'ort_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + excluded.age_unde'
        'r_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded'
        '.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 '
        '+ excluded.age_over_30, minority = report_rollup.minority + excluded.minority, religious = report_rollup.relig'
        'ious + excluded.religious; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.code, N'
        "EW.group_code, 1 FROM (SELECT (to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WH"
        "EN extract(month FROM (NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS "
        "code UNION ALL SELECT to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_t"
        "o_array(trim(both '/' from (SELECT path FROM unit WHERE id = NEW.unit_id)), '/')::int[]) AS a(value) WHERE tru"
        'e ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n = report_group.n + excluded.n; RETURN NEW; END $$'
    ),
    (
        'CREATE TRIGGER report_youth_upd BEFORE UPDATE OF unit_id, introduced_at, introduced_by, gender, group_code, bi'
        'rth_year, ethnicity, religion ON youth FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.intr'
        'oduced_at IS DISTINCT FROM NEW.introduced_at OR OLD.introduced_by IS DISTINCT FROM NEW.introduced_by OR OLD.ge'
        'nder IS DISTINCT FROM NEW.gender OR OLD.group_code IS DISTINCT FROM NEW.group_code OR OLD.birth_year IS DISTIN'
        'CT FROM NEW.birth_year OR OLD.ethnicity IS DISTINCT FROM NEW.ethnicity OR OLD.religion IS DISTINCT FROM NEW.re'
        'ligion) EXECUTE FUNCTION report_youth_upd()'
    ),
    (
        'CREATE FUNCTION report_youth_del() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup (uni'
        't_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30'
        ', age_over_30, minority, religious) SELECT a.value, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM y'
        'outh o WHERE o.introduced_by = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((to_char('
        "(o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) A"
        "T TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TIME "
        "ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'male' THEN 1 ELSE "
        "0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender NOT IN ('male', 'fema"
        "le') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYY"
        "Y') AS INTEGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT"
        " TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(to_char((OLD.introduced_a"
        "t) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE W"
        "HEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >"
        "= 19 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_ye"
        "ar) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh',"
        " 'YYYY') AS INTEGER) - OLD.birth_year) >= 25 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_M"
        "inh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introdu"
        "ced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END, -1 * C"
        "ASE WHEN OLD.ethnicity IS NOT NULL AND OLD.ethnicity NOT IN ('kinh', 'other') THEN 1 ELSE 0 END, -1 * CASE WHE"
        "N OLD.religion IS NOT NULL AND OLD.religion <> 'none' THEN 1 ELSE 0 END FROM (SELECT (to_char((OLD.introduced_"
        "at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((OLD.introduced_at) AT TI"
        "ME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE"
        " id = OLD.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduce"
        'd = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, '
        'male = report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gender = rep'
        'ort_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + excluded.age_unde'
        'r_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded'
        '.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 '
        '+ excluded.age_over_30, minority = report_rollup.minority + excluded.minority, religious = report_rollup.relig'
        'ious + excluded.religious; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.code, O'
        "LD.group_code, -1 FROM (SELECT (to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE W"
        "HEN extract(month FROM (OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS"
        " code UNION ALL SELECT to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_"
        "to_array(trim(both '/' from (SELECT path FROM unit WHERE id = OLD.unit_id)), '/')::int[]) AS a(value) WHERE tr"
        'ue ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n = report_group.n + excluded.n; INSERT INTO report'
        '_rollup (unit_id, period, participating, joined_hoi, admitted) SELECT a.value, v.code, -1 * max(CASE WHEN v.ki'
        "nd = 'activity' THEN 1 ELSE 0 END), -1 * max(CASE WHEN v.kind = 'joined_hoi' THEN 1 ELSE 0 END), -1 * max(CASE"
        " WHEN v.kind = 'admitted' THEN 1 ELSE 0 END) FROM (SELECT (to_char(e.on_date, 'YYYY') || CASE WHEN extract(mon"
        "th FROM e.on_date) <= 6 THEN '-H1' ELSE '-H2' END) AS code, e.kind FROM participation e WHERE e.youth_id = OLD"
        ".id AND e.kind IN ('activity', 'joined_hoi', 'admitted') UNION ALL SELECT to_char(e.on_date, 'YYYY'), e.kind F"
        "ROM participation e WHERE e.youth_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitted')) v, unnest("
        "string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = OLD.unit_id)), '/')::int[]) AS a(value) W"
        'HERE true GROUP BY a.value, v.code ON CONFLICT (unit_id, period) DO UPDATE SET participating = report_rollup.p'
        'articipating + excluded.participating, joined_hoi = report_rollup.joined_hoi + excluded.joined_hoi, admitted ='
        ' report_rollup.admitted + excluded.admitted; INSERT INTO report_unit (unit_id, engaged) SELECT a.value, -1 FRO'
        "M unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = OLD.unit_id)), '/')::int[]) AS a"
        "(value) WHERE OLD.status IN ('participating', 'joined_hoi', 'admitted') ON CONFLICT (unit_id) DO UPDATE SET en"
        'gaged = report_unit.engaged + excluded.engaged; RETURN OLD; END $$'
    ),
    (
        'CREATE TRIGGER report_youth_del BEFORE DELETE ON youth FOR EACH ROW EXECUTE FUNCTION report_youth_del()'
    ),
)

# The same, blind to ethnicity and religion: the application keeps minority and religious.

_SQLITE_AFTER = (
    (
        'CREATE TRIGGER report_youth_ins AFTER INSERT ON youth FOR EACH ROW BEGIN INSERT INTO report_rollup (unit_id, p'
        'eriod, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_o'
        'ver_30) SELECT a.value, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by ='
        " NEW.introduced_by AND o.unit_id = NEW.unit_id AND o.id <> NEW.id AND ((strftime('%Y', o.introduced_at, '+7 ho"
        "urs') || CASE WHEN CAST(strftime('%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END"
        ") = p.code OR strftime('%Y', o.introduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gend"
        "er = 'male' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender"
        " NOT IN ('male', 'female') THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours'"
        ") AS INTEGER) - NEW.birth_year) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at,"
        " '+7 hours') AS INTEGER) - NEW.birth_year) >= 16 AND (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS IN"
        "TEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 ho"
        "urs') AS INTEGER) - NEW.birth_year) >= 19 AND (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) "
        "- NEW.birth_year) <= 24 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') A"
        "S INTEGER) - NEW.birth_year) >= 25 AND (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.b"
        "irth_year) <= 30 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEG"
        "ER) - NEW.birth_year) >= 31 THEN 1 ELSE 0 END FROM (SELECT (strftime('%Y', NEW.introduced_at, '+7 hours') || C"
        "ASE WHEN CAST(strftime('%m', NEW.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS cod"
        "e UNION ALL SELECT strftime('%Y', NEW.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT pat"
        "h FROM unit WHERE id = NEW.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period) DO "
        'UPDATE SET introduced = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + '
        'excluded.fulfilled, male = report_rollup.male + excluded.male, female = report_rollup.female + excluded.female'
        ', other_gender = report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16'
        ' + excluded.age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.'
        'age_19_24 + excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report'
        '_rollup.age_over_30 + excluded.age_over_30; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a'
        ".value, p.code, NEW.group_code, 1 FROM (SELECT (strftime('%Y', NEW.introduced_at, '+7 hours') || CASE WHEN CAS"
        "T(strftime('%m', NEW.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL "
        "SELECT strftime('%Y', NEW.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit "
        "WHERE id = NEW.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period, group_code) DO "
        'UPDATE SET n = report_group.n + excluded.n; INSERT INTO report_unit (unit_id, engaged) SELECT a.value, 1 FROM '
        "json_each('[' || replace(trim((SELECT path FROM unit WHERE id = NEW.unit_id), '/'), '/', ',') || ']') AS a WHE"
        "RE NEW.status IN ('participating', 'joined_hoi', 'admitted') ON CONFLICT (unit_id) DO UPDATE SET engaged = rep"
        'ort_unit.engaged + excluded.engaged; END'
    ),
    (
        'CREATE TRIGGER report_youth_upd BEFORE UPDATE OF unit_id, introduced_at, introduced_by, gender, group_code, bi'
        'rth_year ON youth FOR EACH ROW WHEN (OLD.unit_id IS NOT NEW.unit_id OR OLD.introduced_at IS NOT NEW.introduced'
        '_at OR OLD.introduced_by IS NOT NEW.introduced_by OR OLD.gender IS NOT NEW.gender OR OLD.group_code IS NOT NEW'
        '.group_code OR OLD.birth_year IS NOT NEW.birth_year) BEGIN INSERT INTO report_rollup (unit_id, period, introdu'
        'ced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_over_30) SELECT'
        ' a.value, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = OLD.introdu'
        "ced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((strftime('%Y', o.introduced_at, '+7 hours') || CAS"
        "E WHEN CAST(strftime('%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) = p.code O"
        "R strftime('%Y', o.introduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'male'"
        " THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender NOT IN ("
        "'male', 'female') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INT"
        "EGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7 ho"
        "urs') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) "
        "- OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') "
        "AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD."
        "birth_year) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INT"
        "EGER) - OLD.birth_year) >= 25 AND (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_"
        "year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) "
        "- OLD.birth_year) >= 31 THEN 1 ELSE 0 END FROM (SELECT (strftime('%Y', OLD.introduced_at, '+7 hours') || CASE "
        "WHEN CAST(strftime('%m', OLD.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UN"
        "ION ALL SELECT strftime('%Y', OLD.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FR"
        "OM unit WHERE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period) DO UPDA"
        'TE SET introduced = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excl'
        'uded.fulfilled, male = report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, ot'
        'her_gender = report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + e'
        'xcluded.age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_'
        '19_24 + excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rol'
        'lup.age_over_30 + excluded.age_over_30; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.val'
        "ue, p.code, OLD.group_code, -1 FROM (SELECT (strftime('%Y', OLD.introduced_at, '+7 hours') || CASE WHEN CAST(s"
        "trftime('%m', OLD.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SEL"
        "ECT strftime('%Y', OLD.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHE"
        "RE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period, group_code) DO UPD"
        'ATE SET n = report_group.n + excluded.n; INSERT INTO report_rollup (unit_id, period, introduced, fulfilled, ma'
        'le, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_over_30) SELECT a.value, p.code, '
        '1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = NEW.introduced_by AND o.unit_id'
        " = NEW.unit_id AND o.id <> NEW.id AND ((strftime('%Y', o.introduced_at, '+7 hours') || CASE WHEN CAST(strftime"
        "('%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR strftime('%Y', o.i"
        "ntroduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'male' THEN 1 ELSE 0 END, 1"
        " * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender NOT IN ('male', 'female') THEN "
        "1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) "
        "<= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.b"
        "irth_year) >= 16 AND (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 18 T"
        "HEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_ye"
        "ar) >= 19 AND (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 24 THEN 1 E"
        "LSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= "
        "25 AND (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 30 THEN 1 ELSE 0 E"
        "ND, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 31 THEN"
        " 1 ELSE 0 END FROM (SELECT (strftime('%Y', NEW.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', NEW"
        ".introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT strftime('%Y'"
        ", NEW.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id = NEW.unit_"
        "id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = report_r"
        'ollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, male = repor'
        't_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gender = report_rollup.o'
        'ther_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + excluded.age_under_16, age_16'
        '_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded.age_19_24, '
        'age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 + excluded.a'
        'ge_over_30; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.code, NEW.group_code, '
        "1 FROM (SELECT (strftime('%Y', NEW.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', NEW.introduced_"
        "at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT strftime('%Y', NEW.introd"
        "uced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id = NEW.unit_id), '/'), '"
        "/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n = report_group.n + "
        'excluded.n; END'
    ),
    (
        'CREATE TRIGGER report_youth_del BEFORE DELETE ON youth FOR EACH ROW BEGIN INSERT INTO report_rollup (unit_id, '
        'period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_'
        'over_30) SELECT a.value, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_b'
        "y = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((strftime('%Y', o.introduced_at, '+7"
        " hours') || CASE WHEN CAST(strftime('%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' "
        "END) = p.code OR strftime('%Y', o.introduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN OLD."
        "gender = 'male' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD."
        "gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7"
        " hours') AS INTEGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introd"
        "uced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(strftime('%Y', OLD.introduced_at, '+7 hours"
        "') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_a"
        "t, '+7 hours') AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS "
        "INTEGER) - OLD.birth_year) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7"
        " hours') AS INTEGER) - OLD.birth_year) >= 25 AND (CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGE"
        "R) - OLD.birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', OLD.introduced_at, '+7 hours"
        "') AS INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END FROM (SELECT (strftime('%Y', OLD.introduced_at, '+7 h"
        "ours') || CASE WHEN CAST(strftime('%m', OLD.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' "
        "END) AS code UNION ALL SELECT strftime('%Y', OLD.introduced_at, '+7 hours')) p, json_each('[' || replace(trim("
        "(SELECT path FROM unit WHERE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, "
        'period) DO UPDATE SET introduced = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.f'
        'ulfilled + excluded.fulfilled, male = report_rollup.male + excluded.male, female = report_rollup.female + excl'
        'uded.female, other_gender = report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.a'
        'ge_under_16 + excluded.age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = rep'
        'ort_rollup.age_19_24 + excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_'
        '30 = report_rollup.age_over_30 + excluded.age_over_30; INSERT INTO report_group (unit_id, period, group_code, '
        "n) SELECT a.value, p.code, OLD.group_code, -1 FROM (SELECT (strftime('%Y', OLD.introduced_at, '+7 hours') || C"
        "ASE WHEN CAST(strftime('%m', OLD.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS cod"
        "e UNION ALL SELECT strftime('%Y', OLD.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT pat"
        "h FROM unit WHERE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period, gro"
        'up_code) DO UPDATE SET n = report_group.n + excluded.n; INSERT INTO report_rollup (unit_id, period, participat'
        "ing, joined_hoi, admitted) SELECT a.value, v.code, -1 * max(CASE WHEN v.kind = 'activity' THEN 1 ELSE 0 END), "
        "-1 * max(CASE WHEN v.kind = 'joined_hoi' THEN 1 ELSE 0 END), -1 * max(CASE WHEN v.kind = 'admitted' THEN 1 ELS"
        "E 0 END) FROM (SELECT (strftime('%Y', e.on_date) || CASE WHEN CAST(strftime('%m', e.on_date) AS INTEGER) <= 6 "
        "THEN '-H1' ELSE '-H2' END) AS code, e.kind FROM participation e WHERE e.youth_id = OLD.id AND e.kind IN ('acti"
        "vity', 'joined_hoi', 'admitted') UNION ALL SELECT strftime('%Y', e.on_date), e.kind FROM participation e WHERE"
        " e.youth_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitted')) v, json_each('[' || replace(trim((S"
        "ELECT path FROM unit WHERE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE true GROUP BY a.value, v.code"
        ' ON CONFLICT (unit_id, period) DO UPDATE SET participating = report_rollup.participating + excluded.participat'
        'ing, joined_hoi = report_rollup.joined_hoi + excluded.joined_hoi, admitted = report_rollup.admitted + excluded'
        ".admitted; INSERT INTO report_unit (unit_id, engaged) SELECT a.value, -1 FROM json_each('[' || replace(trim((S"
        "ELECT path FROM unit WHERE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE OLD.status IN ('participating"
        "', 'joined_hoi', 'admitted') ON CONFLICT (unit_id) DO UPDATE SET engaged = report_unit.engaged + excluded.enga"
        'ged; END'
    ),
)

_POSTGRES_AFTER = (
    (
        'CREATE FUNCTION report_youth_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup (uni'
        't_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30'
        ', age_over_30) SELECT a.value, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduc'
        'ed_by = NEW.introduced_by AND o.unit_id = NEW.unit_id AND o.id < NEW.id AND ((to_char((o.introduced_at) AT TIM'
        "E ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi"
        "_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh',"
        " 'YYYY') = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'male' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW."
        "gender = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, 1 *"
        " CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_"
        "year) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh'"
        ", 'YYYY') AS INTEGER) - NEW.birth_year) >= 16 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_"
        "Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introdu"
        "ced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 19 AND (CAST(to_char((NEW.in"
        "troduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 24 THEN 1 ELSE 0 END, 1"
        " * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birt"
        "h_year) >= 25 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW"
        ".birth_year) <= 30 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Ch"
        "i_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 31 THEN 1 ELSE 0 END FROM (SELECT (to_char((NEW.introduced_a"
        "t) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW.introduced_at) AT TIME ZONE '"
        "Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((NEW.introduced_at) AT TIM"
        "E ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE "
        "id = NEW.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced"
        ' = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, m'
        'ale = report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gender = repo'
        'rt_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + excluded.age_under'
        '_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded.'
        'age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 +'
        ' excluded.age_over_30; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.code, NEW.g'
        "roup_code, 1 FROM (SELECT (to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN e"
        "xtract(month FROM (NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code"
        " UNION ALL SELECT to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_ar"
        "ray(trim(both '/' from (SELECT path FROM unit WHERE id = NEW.unit_id)), '/')::int[]) AS a(value) WHERE true ON"
        ' CONFLICT (unit_id, period, group_code) DO UPDATE SET n = report_group.n + excluded.n; INSERT INTO report_unit'
        " (unit_id, engaged) SELECT a.value, 1 FROM unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WH"
        "ERE id = NEW.unit_id)), '/')::int[]) AS a(value) WHERE NEW.status IN ('participating', 'joined_hoi', 'admitted"
        "') ON CONFLICT (unit_id) DO UPDATE SET engaged = report_unit.engaged + excluded.engaged; RETURN NEW; END $$"
    ),
    (
        'CREATE TRIGGER report_youth_ins AFTER INSERT ON youth FOR EACH ROW EXECUTE FUNCTION report_youth_ins()'
    ),
    (
        'CREATE FUNCTION report_youth_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup (uni'
        't_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30'
        ', age_over_30) SELECT a.value, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introd'
        'uced_by = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((to_char((o.introduced_at) AT '
        "TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) AT TIME ZONE 'Asia/Ho_"
        "Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Min"
        "h', 'YYYY') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'male' THEN 1 ELSE 0 END, -1 * CASE WHEN"
        " OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender NOT IN ('male', 'female') THEN 1 ELSE 0 EN"
        "D, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD"
        ".birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_C"
        "hi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia"
        "/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OL"
        "D.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(to_cha"
        "r((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 24 THEN 1 ELSE"
        " 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) "
        "- OLD.birth_year) >= 25 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTE"
        'GER) - OLD.birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE '
        "'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END FROM (SELECT (to_char((OLD.i"
        "ntroduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.introduced_at) AT "
        "TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((OLD.introduced"
        "_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM "
        "unit WHERE id = OLD.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET"
        ' introduced = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.f'
        'ulfilled, male = report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_ge'
        'nder = report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + exclude'
        'd.age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 '
        '+ excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.ag'
        'e_over_30 + excluded.age_over_30; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.'
        "code, OLD.group_code, -1 FROM (SELECT (to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') ||"
        " CASE WHEN extract(month FROM (OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' "
        "END) AS code UNION ALL SELECT to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest("
        "string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = OLD.unit_id)), '/')::int[]) AS a(value) W"
        'HERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n = report_group.n + excluded.n; INSERT INTO'
        ' report_rollup (unit_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, a'
        'ge_19_24, age_25_30, age_over_30) SELECT a.value, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth'
        ' o WHERE o.introduced_by = NEW.introduced_by AND o.unit_id = NEW.unit_id AND o.id <> NEW.id AND ((to_char((o.i'
        "ntroduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) AT TI"
        "ME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TIME ZONE"
        " 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'male' THEN 1 ELSE 0 END"
        ", 1 * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender NOT IN ('male', 'female') TH"
        "EN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS I"
        'NTEGER) - NEW.birth_year) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZON'
        "E 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 16 AND (CAST(to_char((NEW.introduced_at) AT TIM"
        "E ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST("
        "to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 19 AND ("
        "CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 24 "
        "THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS"
        " INTEGER) - NEW.birth_year) >= 25 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY"
        "') AS INTEGER) - NEW.birth_year) <= 30 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT T"
        "IME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 31 THEN 1 ELSE 0 END FROM (SELECT (to_ch"
        "ar((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW.introduce"
        "d_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((NEW.i"
        "ntroduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT p"
        "ath FROM unit WHERE id = NEW.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO U"
        'PDATE SET introduced = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + e'
        'xcluded.fulfilled, male = report_rollup.male + excluded.male, female = report_rollup.female + excluded.female,'
        ' other_gender = report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 '
        '+ excluded.age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.a'
        'ge_19_24 + excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_'
        'rollup.age_over_30 + excluded.age_over_30; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.'
        "value, p.code, NEW.group_code, 1 FROM (SELECT (to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'Y"
        "YYY') || CASE WHEN extract(month FROM (NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELS"
        "E '-H2' END) AS code UNION ALL SELECT to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p,"
        " unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = NEW.unit_id)), '/')::int[]) AS a("
        'value) WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n = report_group.n + excluded.n; RET'
        'URN NEW; END $$'
    ),
    (
        'CREATE TRIGGER report_youth_upd BEFORE UPDATE OF unit_id, introduced_at, introduced_by, gender, group_code, bi'
        'rth_year ON youth FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.introduced_at IS DISTINCT'
        ' FROM NEW.introduced_at OR OLD.introduced_by IS DISTINCT FROM NEW.introduced_by OR OLD.gender IS DISTINCT FROM'
        ' NEW.gender OR OLD.group_code IS DISTINCT FROM NEW.group_code OR OLD.birth_year IS DISTINCT FROM NEW.birth_yea'
        'r) EXECUTE FUNCTION report_youth_upd()'
    ),
    (
        'CREATE FUNCTION report_youth_del() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup (uni'
        't_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30'
        ', age_over_30) SELECT a.value, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introd'
        'uced_by = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((to_char((o.introduced_at) AT '
        "TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) AT TIME ZONE 'Asia/Ho_"
        "Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Min"
        "h', 'YYYY') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'male' THEN 1 ELSE 0 END, -1 * CASE WHEN"
        " OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender NOT IN ('male', 'female') THEN 1 ELSE 0 EN"
        "D, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD"
        ".birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_C"
        "hi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia"
        "/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OL"
        "D.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(to_cha"
        "r((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 24 THEN 1 ELSE"
        " 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) "
        "- OLD.birth_year) >= 25 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTE"
        'GER) - OLD.birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE '
        "'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END FROM (SELECT (to_char((OLD.i"
        "ntroduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.introduced_at) AT "
        "TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((OLD.introduced"
        "_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM "
        "unit WHERE id = OLD.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET"
        ' introduced = report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.f'
        'ulfilled, male = report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_ge'
        'nder = report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + exclude'
        'd.age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 '
        '+ excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.ag'
        'e_over_30 + excluded.age_over_30; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.'
        "code, OLD.group_code, -1 FROM (SELECT (to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') ||"
        " CASE WHEN extract(month FROM (OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' "
        "END) AS code UNION ALL SELECT to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest("
        "string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = OLD.unit_id)), '/')::int[]) AS a(value) W"
        'HERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n = report_group.n + excluded.n; INSERT INTO'
        ' report_rollup (unit_id, period, participating, joined_hoi, admitted) SELECT a.value, v.code, -1 * max(CASE WH'
        "EN v.kind = 'activity' THEN 1 ELSE 0 END), -1 * max(CASE WHEN v.kind = 'joined_hoi' THEN 1 ELSE 0 END), -1 * m"
        "ax(CASE WHEN v.kind = 'admitted' THEN 1 ELSE 0 END) FROM (SELECT (to_char(e.on_date, 'YYYY') || CASE WHEN extr"
        "act(month FROM e.on_date) <= 6 THEN '-H1' ELSE '-H2' END) AS code, e.kind FROM participation e WHERE e.youth_i"
        "d = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitted') UNION ALL SELECT to_char(e.on_date, 'YYYY'), e"
        ".kind FROM participation e WHERE e.youth_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitted')) v, "
        "unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = OLD.unit_id)), '/')::int[]) AS a(v"
        'alue) WHERE true GROUP BY a.value, v.code ON CONFLICT (unit_id, period) DO UPDATE SET participating = report_r'
        'ollup.participating + excluded.participating, joined_hoi = report_rollup.joined_hoi + excluded.joined_hoi, adm'
        'itted = report_rollup.admitted + excluded.admitted; INSERT INTO report_unit (unit_id, engaged) SELECT a.value,'
        " -1 FROM unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = OLD.unit_id)), '/')::int["
        "]) AS a(value) WHERE OLD.status IN ('participating', 'joined_hoi', 'admitted') ON CONFLICT (unit_id) DO UPDATE"
        ' SET engaged = report_unit.engaged + excluded.engaged; RETURN OLD; END $$'
    ),
    (
        'CREATE TRIGGER report_youth_del BEFORE DELETE ON youth FOR EACH ROW EXECUTE FUNCTION report_youth_del()'
    ),
)
