"""trigger locks: on PostgreSQL two writers of the same young person's events, or of the same introducer's
registrations, no longer both count as the first (or both skip the last): each trigger deciding a distinct count
first takes a transaction advisory lock of that young person or introducer (over 1,024 buckets of ids, lowest
first: no row is locked or written), and inserts are counted once per statement from its transition table, so a
row's place in the id sequence no longer matters

Revision ID: 0011_trigger_locks
Revises: 0010_pending_rollups

Before, a per-row "is there an earlier row?" check ran on the rows the writer's snapshot showed: two transactions
recording an activity of one young person at once both counted it (and deleting its last two events at once
left it counted). SQLite (one writer at a time) is unchanged. This text is frozen: the SQL below was generated
by storage/rollups.py when this was written; nothing is imported from storage/.
"""

from alembic import op

revision = '0011_trigger_locks'
down_revision = '0010_pending_rollups'
branch_labels = None
depends_on = None


def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _run(_DROP)
        _run(_AFTER)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _run(_DROP)
        _run(_BEFORE)


_DROP = (
    'DROP TRIGGER IF EXISTS report_youth_ins ON youth',
    'DROP FUNCTION IF EXISTS report_youth_ins()',
    'DROP TRIGGER IF EXISTS report_youth_upd ON youth',
    'DROP FUNCTION IF EXISTS report_youth_upd()',
    'DROP TRIGGER IF EXISTS report_youth_move ON youth',
    'DROP FUNCTION IF EXISTS report_youth_move()',
    'DROP TRIGGER IF EXISTS report_youth_del ON youth',
    'DROP FUNCTION IF EXISTS report_youth_del()',
    'DROP TRIGGER IF EXISTS report_youth_status ON youth',
    'DROP FUNCTION IF EXISTS report_youth_status()',
    'DROP TRIGGER IF EXISTS report_event_ins ON participation',
    'DROP FUNCTION IF EXISTS report_event_ins()',
    'DROP TRIGGER IF EXISTS report_event_upd ON participation',
    'DROP FUNCTION IF EXISTS report_event_upd()',
    'DROP TRIGGER IF EXISTS report_event_del ON participation',
    'DROP FUNCTION IF EXISTS report_event_del()',
    'DROP TRIGGER IF EXISTS report_member_ins ON member',
    'DROP FUNCTION IF EXISTS report_member_ins()',
    'DROP TRIGGER IF EXISTS report_member_upd ON member',
    'DROP FUNCTION IF EXISTS report_member_upd()',
    'DROP TRIGGER IF EXISTS report_member_del ON member',
    'DROP FUNCTION IF EXISTS report_member_del()',
)

# The PostgreSQL triggers as storage/rollups.py writes them from this revision on.

_AFTER = (
    (
        'CREATE FUNCTION report_youth_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_loc'
        'k(1011002, b) FROM (SELECT DISTINCT (v % 1024)::int AS b FROM (SELECT introduced_by FROM new_rows) AS t(v) W'
        'HERE v IS NOT NULL) s ORDER BY b; INSERT INTO report_rollup_pending (unit_id, period, introduced, male, fema'
        'le, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_over_30) SELECT n.unit_id, p.code, coun'
        "t(*), sum(CASE WHEN n.gender = 'male' THEN 1 ELSE 0 END), sum(CASE WHEN n.gender = 'female' THEN 1 ELSE 0 EN"
        "D), sum(CASE WHEN n.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END), sum(CASE WHEN (CAST(to_char((n.intr"
        "oduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - n.birth_year) <= 15 THEN 1 ELSE 0 END), su"
        "m(CASE WHEN (CAST(to_char((n.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - n.birth_y"
        "ear) >= 16 AND (CAST(to_char((n.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - n.birt"
        "h_year) <= 18 THEN 1 ELSE 0 END), sum(CASE WHEN (CAST(to_char((n.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Mi"
        "nh', 'YYYY') AS INTEGER) - n.birth_year) >= 19 AND (CAST(to_char((n.introduced_at) AT TIME ZONE 'Asia/Ho_Chi"
        "_Minh', 'YYYY') AS INTEGER) - n.birth_year) <= 24 THEN 1 ELSE 0 END), sum(CASE WHEN (CAST(to_char((n.introdu"
        "ced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - n.birth_year) >= 25 AND (CAST(to_char((n.intr"
        "oduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - n.birth_year) <= 30 THEN 1 ELSE 0 END), su"
        "m(CASE WHEN (CAST(to_char((n.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - n.birth_y"
        'ear) >= 31 THEN 1 ELSE 0 END) FROM new_rows n CROSS JOIN LATERAL (SELECT (to_char((n.introduced_at) AT TIME '
        "ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (n.introduced_at) AT TIME ZONE 'Asia/Ho_Chi"
        "_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((n.introduced_at) AT TIME ZONE 'Asi"
        "a/Ho_Chi_Minh', 'YYYY')) p GROUP BY n.unit_id, p.code; INSERT INTO report_rollup_pending (unit_id, period, f"
        'ulfilled) SELECT k.unit_id, k.code, count(*) FROM (SELECT DISTINCT n.introduced_by, n.unit_id, p.code FROM n'
        "ew_rows n CROSS JOIN LATERAL (SELECT (to_char((n.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || "
        "CASE WHEN extract(month FROM (n.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' E"
        "ND) AS code UNION ALL SELECT to_char((n.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p) k WHERE "
        'NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = k.introduced_by AND o.unit_id = k.unit_id AND ((to'
        "_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduc"
        "ed_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = k.code OR to_char((o.introduced_at"
        ") AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = k.code) AND NOT EXISTS (SELECT 1 FROM new_rows x WHERE x.id = o"
        '.id)) GROUP BY k.unit_id, k.code; INSERT INTO report_group_pending (unit_id, period, group_code, n) SELECT n'
        '.unit_id, p.code, n.group_code, count(*) FROM new_rows n CROSS JOIN LATERAL (SELECT (to_char((n.introduced_a'
        "t) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (n.introduced_at) AT TIME ZONE '"
        "Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((n.introduced_at) AT TIM"
        "E ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p GROUP BY n.unit_id, p.code, n.group_code; INSERT INTO report_unit_pend"
        "ing (unit_id, engaged) SELECT n.unit_id, count(*) FROM new_rows n WHERE n.status IN ('participating', 'joine"
        "d_hoi', 'admitted') GROUP BY n.unit_id; RETURN NULL; END $$"
    ),
    (
        'CREATE TRIGGER report_youth_ins AFTER INSERT ON youth REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT E'
        'XECUTE FUNCTION report_youth_ins()'
    ),
    (
        'CREATE FUNCTION report_youth_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_loc'
        'k(1011002, b) FROM (SELECT DISTINCT (v % 1024)::int AS b FROM (VALUES (OLD.introduced_by), (NEW.introduced_b'
        'y)) AS t(v) WHERE v IS NOT NULL) s ORDER BY b; INSERT INTO report_rollup_pending (unit_id, period, introduce'
        'd, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_over_30) SELECT'
        ' OLD.unit_id, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = OLD.i'
        "ntroduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((to_char((o.introduced_at) AT TIME ZONE 'As"
        "ia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') "
        "<= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY"
        "') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'male' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.ge"
        "nder = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, -1"
        " * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.bi"
        "rth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Ch"
        "i_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asi"
        "a/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char("
        "(OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(t"
        "o_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 24 THEN"
        " 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS "
        "INTEGER) - OLD.birth_year) >= 25 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYY"
        "Y') AS INTEGER) - OLD.birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) "
        "AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END FROM (SELECT "
        "(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.i"
        "ntroduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_c"
        "har((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; INSERT INTO report_group_pending (unit_"
        'id, period, group_code, n) SELECT OLD.unit_id, p.code, OLD.group_code, -1 FROM (SELECT (to_char((OLD.introdu'
        "ced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.introduced_at) AT TIME"
        " ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((OLD.introduced_a"
        "t) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; INSERT INTO report_rollup_pending (unit_id, period, introduc"
        'ed, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_over_30) SELEC'
        'T NEW.unit_id, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = NEW.in'
        "troduced_by AND o.unit_id = NEW.unit_id AND o.id <> NEW.id AND ((to_char((o.introduced_at) AT TIME ZONE 'Asi"
        "a/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <"
        "= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY'"
        ") = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'male' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gende"
        "r = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, 1 * CA"
        "SE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_y"
        "ear) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh"
        "', 'YYYY') AS INTEGER) - NEW.birth_year) >= 16 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_C"
        "hi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.in"
        "troduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 19 AND (CAST(to_char("
        "(NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 24 THEN 1 ELSE"
        " 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER)"
        " - NEW.birth_year) >= 25 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS I"
        'NTEGER) - NEW.birth_year) <= 30 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME Z'
        "ONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 31 THEN 1 ELSE 0 END FROM (SELECT (to_char("
        "(NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW.introduced"
        "_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((NEW."
        "introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; INSERT INTO report_group_pending (unit_id, perio"
        'd, group_code, n) SELECT NEW.unit_id, p.code, NEW.group_code, 1 FROM (SELECT (to_char((NEW.introduced_at) AT'
        " TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW.introduced_at) AT TIME ZONE 'Asi"
        "a/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((NEW.introduced_at) AT TIME"
        " ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; RETURN NEW; END $$"
    ),
    (
        'CREATE TRIGGER report_youth_upd BEFORE UPDATE OF unit_id, introduced_at, introduced_by, gender, group_code, '
        'birth_year ON youth FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.introduced_at IS DIST'
        'INCT FROM NEW.introduced_at OR OLD.introduced_by IS DISTINCT FROM NEW.introduced_by OR OLD.gender IS DISTINC'
        'T FROM NEW.gender OR OLD.group_code IS DISTINCT FROM NEW.group_code OR OLD.birth_year IS DISTINCT FROM NEW.b'
        'irth_year) EXECUTE FUNCTION report_youth_upd()'
    ),
    (
        'CREATE FUNCTION report_youth_move() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup_p'
        'ending (unit_id, period, participating, joined_hoi, admitted) SELECT OLD.unit_id, v.code, -1 * max(CASE WHEN'
        " v.kind = 'activity' THEN 1 ELSE 0 END), -1 * max(CASE WHEN v.kind = 'joined_hoi' THEN 1 ELSE 0 END), -1 * m"
        "ax(CASE WHEN v.kind = 'admitted' THEN 1 ELSE 0 END) FROM (SELECT (to_char(e.on_date, 'YYYY') || CASE WHEN ex"
        "tract(month FROM e.on_date) <= 6 THEN '-H1' ELSE '-H2' END) AS code, e.kind FROM participation e WHERE e.you"
        "th_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitted') UNION ALL SELECT to_char(e.on_date, 'YYY"
        "Y'), e.kind FROM participation e WHERE e.youth_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitte"
        "d')) v GROUP BY v.code; INSERT INTO report_rollup_pending (unit_id, period, participating, joined_hoi, admit"
        "ted) SELECT NEW.unit_id, v.code, 1 * max(CASE WHEN v.kind = 'activity' THEN 1 ELSE 0 END), 1 * max(CASE WHEN"
        " v.kind = 'joined_hoi' THEN 1 ELSE 0 END), 1 * max(CASE WHEN v.kind = 'admitted' THEN 1 ELSE 0 END) FROM (SE"
        "LECT (to_char(e.on_date, 'YYYY') || CASE WHEN extract(month FROM e.on_date) <= 6 THEN '-H1' ELSE '-H2' END) "
        "AS code, e.kind FROM participation e WHERE e.youth_id = NEW.id AND e.kind IN ('activity', 'joined_hoi', 'adm"
        "itted') UNION ALL SELECT to_char(e.on_date, 'YYYY'), e.kind FROM participation e WHERE e.youth_id = NEW.id A"
        "ND e.kind IN ('activity', 'joined_hoi', 'admitted')) v GROUP BY v.code; RETURN NEW; END $$"
    ),
    (
        'CREATE TRIGGER report_youth_move BEFORE UPDATE OF unit_id ON youth FOR EACH ROW WHEN (OLD.unit_id <> NEW.uni'
        't_id) EXECUTE FUNCTION report_youth_move()'
    ),
    (
        'CREATE FUNCTION report_youth_del() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_loc'
        'k(1011002, b) FROM (SELECT DISTINCT (v % 1024)::int AS b FROM (VALUES (OLD.introduced_by)) AS t(v) WHERE v I'
        'S NOT NULL) s ORDER BY b; INSERT INTO report_rollup_pending (unit_id, period, introduced, fulfilled, male, f'
        'emale, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_over_30) SELECT OLD.unit_id, p.code,'
        ' -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = OLD.introduced_by AND o.un'
        "it_id = OLD.unit_id AND o.id <> OLD.id AND ((to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYY"
        "Y') || CASE WHEN extract(month FROM (o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE "
        "'-H2' END) = p.code OR to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 "
        "ELSE 0 END, -1 * CASE WHEN OLD.gender = 'male' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'female' THEN "
        "1 ELSE 0 END, -1 * CASE WHEN OLD.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to"
        "_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 15 THEN "
        "1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS I"
        "NTEGER) - OLD.birth_year) >= 16 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY"
        "') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) A"
        "T TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(to_char((OLD.introduce"
        "d_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 24 THEN 1 ELSE 0 END, -1 * C"
        "ASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_"
        "year) >= 25 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD"
        ".birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho"
        "_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END FROM (SELECT (to_char((OLD.introdu"
        "ced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.introduced_at) AT TIME"
        " ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((OLD.introduced_a"
        "t) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; INSERT INTO report_group_pending (unit_id, period, group_cod"
        'e, n) SELECT OLD.unit_id, p.code, OLD.group_code, -1 FROM (SELECT (to_char((OLD.introduced_at) AT TIME ZONE '
        "'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Mi"
        "nh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((OLD.introduced_at) AT TIME ZONE 'Asia"
        "/Ho_Chi_Minh', 'YYYY')) p; INSERT INTO report_rollup_pending (unit_id, period, participating, joined_hoi, ad"
        "mitted) SELECT OLD.unit_id, v.code, -1 * max(CASE WHEN v.kind = 'activity' THEN 1 ELSE 0 END), -1 * max(CASE"
        " WHEN v.kind = 'joined_hoi' THEN 1 ELSE 0 END), -1 * max(CASE WHEN v.kind = 'admitted' THEN 1 ELSE 0 END) FR"
        "OM (SELECT (to_char(e.on_date, 'YYYY') || CASE WHEN extract(month FROM e.on_date) <= 6 THEN '-H1' ELSE '-H2'"
        " END) AS code, e.kind FROM participation e WHERE e.youth_id = OLD.id AND e.kind IN ('activity', 'joined_hoi'"
        ", 'admitted') UNION ALL SELECT to_char(e.on_date, 'YYYY'), e.kind FROM participation e WHERE e.youth_id = OL"
        "D.id AND e.kind IN ('activity', 'joined_hoi', 'admitted')) v GROUP BY v.code; INSERT INTO report_unit_pendin"
        "g (unit_id, engaged) SELECT OLD.unit_id, -1 WHERE OLD.status IN ('participating', 'joined_hoi', 'admitted');"
        ' RETURN OLD; END $$'
    ),
    'CREATE TRIGGER report_youth_del BEFORE DELETE ON youth FOR EACH ROW EXECUTE FUNCTION report_youth_del()',
    (
        'CREATE FUNCTION report_youth_status() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_unit_p'
        "ending (unit_id, engaged) SELECT OLD.unit_id, -1 WHERE OLD.status IN ('participating', 'joined_hoi', 'admitt"
        "ed'); INSERT INTO report_unit_pending (unit_id, engaged) SELECT NEW.unit_id, 1 WHERE NEW.status IN ('partici"
        "pating', 'joined_hoi', 'admitted'); RETURN NEW; END $$"
    ),
    (
        'CREATE TRIGGER report_youth_status AFTER UPDATE OF unit_id, status ON youth FOR EACH ROW WHEN (OLD.unit_id <'
        '> NEW.unit_id OR OLD.status <> NEW.status) EXECUTE FUNCTION report_youth_status()'
    ),
    (
        'CREATE FUNCTION report_event_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_loc'
        'k(1011001, b) FROM (SELECT DISTINCT (v % 1024)::int AS b FROM (SELECT youth_id FROM new_rows WHERE kind IN ('
        "'activity', 'joined_hoi', 'admitted')) AS t(v) WHERE v IS NOT NULL) s ORDER BY b; INSERT INTO report_rollup_"
        'pending (unit_id, period, participating, joined_hoi, admitted) SELECT y.unit_id, k.code, sum(CASE WHEN k.kin'
        "d = 'activity' THEN 1 ELSE 0 END), sum(CASE WHEN k.kind = 'joined_hoi' THEN 1 ELSE 0 END), sum(CASE WHEN k.k"
        "ind = 'admitted' THEN 1 ELSE 0 END) FROM (SELECT DISTINCT n.youth_id, n.kind, p.code FROM new_rows n CROSS J"
        "OIN LATERAL (SELECT (to_char(n.on_date, 'YYYY') || CASE WHEN extract(month FROM n.on_date) <= 6 THEN '-H1' E"
        "LSE '-H2' END) AS code UNION ALL SELECT to_char(n.on_date, 'YYYY')) p WHERE n.kind IN ('activity', 'joined_h"
        "oi', 'admitted')) k JOIN youth y ON y.id = k.youth_id WHERE NOT EXISTS (SELECT 1 FROM participation o WHERE "
        "o.youth_id = k.youth_id AND o.kind = k.kind AND ((to_char(o.on_date, 'YYYY') || CASE WHEN extract(month FROM"
        " o.on_date) <= 6 THEN '-H1' ELSE '-H2' END) = k.code OR to_char(o.on_date, 'YYYY') = k.code) AND NOT EXISTS "
        '(SELECT 1 FROM new_rows x WHERE x.id = o.id)) GROUP BY y.unit_id, k.code; RETURN NULL; END $$'
    ),
    (
        'CREATE TRIGGER report_event_ins AFTER INSERT ON participation REFERENCING NEW TABLE AS new_rows FOR EACH STA'
        'TEMENT EXECUTE FUNCTION report_event_ins()'
    ),
    (
        'CREATE FUNCTION report_event_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_loc'
        'k(1011001, b) FROM (SELECT DISTINCT (v % 1024)::int AS b FROM (VALUES (OLD.youth_id), (NEW.youth_id)) AS t(v'
        ') WHERE v IS NOT NULL) s ORDER BY b; INSERT INTO report_rollup_pending (unit_id, period, participating, join'
        "ed_hoi, admitted) SELECT y.unit_id, p.code, -1 * CASE WHEN OLD.kind = 'activity' THEN 1 ELSE 0 END, -1 * CAS"
        "E WHEN OLD.kind = 'joined_hoi' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.kind = 'admitted' THEN 1 ELSE 0 END FRO"
        "M youth y, (SELECT (to_char(OLD.on_date, 'YYYY') || CASE WHEN extract(month FROM OLD.on_date) <= 6 THEN '-H1"
        "' ELSE '-H2' END) AS code UNION ALL SELECT to_char(OLD.on_date, 'YYYY')) p WHERE y.id = OLD.youth_id AND OLD"
        ".kind IN ('activity', 'joined_hoi', 'admitted') AND NOT EXISTS (SELECT 1 FROM participation o WHERE o.youth_"
        "id = OLD.youth_id AND o.kind = OLD.kind AND o.id <> OLD.id AND ((to_char(o.on_date, 'YYYY') || CASE WHEN ext"
        "ract(month FROM o.on_date) <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char(o.on_date, 'YYYY') = p.code))"
        '; INSERT INTO report_rollup_pending (unit_id, period, participating, joined_hoi, admitted) SELECT y.unit_id,'
        " p.code, 1 * CASE WHEN NEW.kind = 'activity' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.kind = 'joined_hoi' THEN 1"
        " ELSE 0 END, 1 * CASE WHEN NEW.kind = 'admitted' THEN 1 ELSE 0 END FROM youth y, (SELECT (to_char(NEW.on_dat"
        "e, 'YYYY') || CASE WHEN extract(month FROM NEW.on_date) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SE"
        "LECT to_char(NEW.on_date, 'YYYY')) p WHERE y.id = NEW.youth_id AND NEW.kind IN ('activity', 'joined_hoi', 'a"
        "dmitted') AND NOT EXISTS (SELECT 1 FROM participation o WHERE o.youth_id = NEW.youth_id AND o.kind = NEW.kin"
        "d AND o.id <> NEW.id AND ((to_char(o.on_date, 'YYYY') || CASE WHEN extract(month FROM o.on_date) <= 6 THEN '"
        "-H1' ELSE '-H2' END) = p.code OR to_char(o.on_date, 'YYYY') = p.code)); RETURN NEW; END $$"
    ),
    (
        'CREATE TRIGGER report_event_upd BEFORE UPDATE OF youth_id, kind, on_date ON participation FOR EACH ROW WHEN '
        '(OLD.youth_id IS DISTINCT FROM NEW.youth_id OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.on_date IS DISTINCT'
        ' FROM NEW.on_date) EXECUTE FUNCTION report_event_upd()'
    ),
    (
        'CREATE FUNCTION report_event_del() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_loc'
        'k(1011001, b) FROM (SELECT DISTINCT (v % 1024)::int AS b FROM (VALUES (OLD.youth_id)) AS t(v) WHERE v IS NOT'
        ' NULL) s ORDER BY b; INSERT INTO report_rollup_pending (unit_id, period, participating, joined_hoi, admitted'
        ") SELECT y.unit_id, p.code, -1 * CASE WHEN OLD.kind = 'activity' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.kind "
        "= 'joined_hoi' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.kind = 'admitted' THEN 1 ELSE 0 END FROM youth y, (SELE"
        "CT (to_char(OLD.on_date, 'YYYY') || CASE WHEN extract(month FROM OLD.on_date) <= 6 THEN '-H1' ELSE '-H2' END"
        ") AS code UNION ALL SELECT to_char(OLD.on_date, 'YYYY')) p WHERE y.id = OLD.youth_id AND OLD.kind IN ('activ"
        "ity', 'joined_hoi', 'admitted') AND NOT EXISTS (SELECT 1 FROM participation o WHERE o.youth_id = OLD.youth_i"
        "d AND o.kind = OLD.kind AND o.id <> OLD.id AND ((to_char(o.on_date, 'YYYY') || CASE WHEN extract(month FROM "
        "o.on_date) <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char(o.on_date, 'YYYY') = p.code)); RETURN OLD; EN"
        'D $$'
    ),
    (
        'CREATE TRIGGER report_event_del BEFORE DELETE ON participation FOR EACH ROW EXECUTE FUNCTION report_event_de'
        'l()'
    ),
    (
        'CREATE FUNCTION report_member_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_unit_pen'
        "ding (unit_id, members) SELECT NEW.unit_id, 1 WHERE NEW.status = 'active'; RETURN NEW; END $$"
    ),
    'CREATE TRIGGER report_member_ins AFTER INSERT ON member FOR EACH ROW EXECUTE FUNCTION report_member_ins()',
    (
        'CREATE FUNCTION report_member_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_unit_pen'
        "ding (unit_id, members) SELECT OLD.unit_id, -1 WHERE OLD.status = 'active'; INSERT INTO report_unit_pending "
        "(unit_id, members) SELECT NEW.unit_id, 1 WHERE NEW.status = 'active'; RETURN NEW; END $$"
    ),
    (
        'CREATE TRIGGER report_member_upd AFTER UPDATE OF unit_id, status ON member FOR EACH ROW WHEN (OLD.unit_id <>'
        ' NEW.unit_id OR OLD.status <> NEW.status) EXECUTE FUNCTION report_member_upd()'
    ),
    (
        'CREATE FUNCTION report_member_del() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_unit_pen'
        "ding (unit_id, members) SELECT OLD.unit_id, -1 WHERE OLD.status = 'active'; RETURN OLD; END $$"
    ),
    'CREATE TRIGGER report_member_del AFTER DELETE ON member FOR EACH ROW EXECUTE FUNCTION report_member_del()',
)

# The PostgreSQL triggers as 0010 installed them.

_BEFORE = (
    (
        'CREATE FUNCTION report_youth_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup_pe'
        'nding (unit_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_2'
        '4, age_25_30, age_over_30) SELECT NEW.unit_id, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth '
        'o WHERE o.introduced_by = NEW.introduced_by AND o.unit_id = NEW.unit_id AND o.id < NEW.id AND ((to_char((o.i'
        "ntroduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) AT "
        "TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TIME "
        "ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'male' THEN 1 ELSE"
        " 0 END, 1 * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender NOT IN ('male', 'fem"
        "ale') THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'Y"
        "YYY') AS INTEGER) - NEW.birth_year) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at)"
        " AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 16 AND (CAST(to_char((NEW.introdu"
        "ced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 * "
        "CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth"
        "_year) >= 19 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NE"
        "W.birth_year) <= 24 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho"
        "_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 25 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE '"
        "Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 30 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_cha"
        "r((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 31 THEN 1 EL"
        "SE 0 END FROM (SELECT (to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN ext"
        "ract(month FROM (NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code"
        " UNION ALL SELECT to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; INSERT INTO repor"
        't_group_pending (unit_id, period, group_code, n) SELECT NEW.unit_id, p.code, NEW.group_code, 1 FROM (SELECT '
        "(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW.i"
        "ntroduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_c"
        "har((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; INSERT INTO report_unit_pending (unit_i"
        "d, engaged) SELECT NEW.unit_id, 1 WHERE NEW.status IN ('participating', 'joined_hoi', 'admitted'); RETURN NE"
        'W; END $$'
    ),
    'CREATE TRIGGER report_youth_ins AFTER INSERT ON youth FOR EACH ROW EXECUTE FUNCTION report_youth_ins()',
    (
        'CREATE FUNCTION report_youth_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup_pe'
        'nding (unit_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_2'
        '4, age_25_30, age_over_30) SELECT OLD.unit_id, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM yout'
        'h o WHERE o.introduced_by = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((to_char(('
        "o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) "
        "AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TI"
        "ME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'male' THEN 1 "
        "ELSE 0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender NOT IN ('male'"
        ", 'female') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Mi"
        "nh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introd"
        "uced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(to_char((OLD"
        ".introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 E"
        "ND, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - "
        "OLD.birth_year) >= 19 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTE"
        'GER) - OLD.birth_year) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZON'
        "E 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 25 AND (CAST(to_char((OLD.introduced_at) AT T"
        "IME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN ("
        "CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 3"
        "1 THEN 1 ELSE 0 END FROM (SELECT (to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CA"
        "SE WHEN extract(month FROM (OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' E"
        "ND) AS code UNION ALL SELECT to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; INSERT"
        ' INTO report_group_pending (unit_id, period, group_code, n) SELECT OLD.unit_id, p.code, OLD.group_code, -1 F'
        "ROM (SELECT (to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month"
        " FROM (OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL"
        " SELECT to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; INSERT INTO report_rollup_p"
        'ending (unit_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_'
        '24, age_25_30, age_over_30) SELECT NEW.unit_id, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth'
        ' o WHERE o.introduced_by = NEW.introduced_by AND o.unit_id = NEW.unit_id AND o.id <> NEW.id AND ((to_char((o'
        ".introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) A"
        "T TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TIM"
        "E ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'male' THEN 1 EL"
        "SE 0 END, 1 * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender NOT IN ('male', 'f"
        "emale') THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', "
        "'YYYY') AS INTEGER) - NEW.birth_year) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_a"
        "t) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 16 AND (CAST(to_char((NEW.intro"
        "duced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 "
        "* CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.bir"
        "th_year) >= 19 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - "
        "NEW.birth_year) <= 24 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/"
        "Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 25 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE"
        " 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 30 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_c"
        "har((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 31 THEN 1 "
        "ELSE 0 END FROM (SELECT (to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN e"
        "xtract(month FROM (NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS co"
        "de UNION ALL SELECT to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; INSERT INTO rep"
        'ort_group_pending (unit_id, period, group_code, n) SELECT NEW.unit_id, p.code, NEW.group_code, 1 FROM (SELEC'
        "T (to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW"
        ".introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to"
        "_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; RETURN NEW; END $$"
    ),
    (
        'CREATE TRIGGER report_youth_upd BEFORE UPDATE OF unit_id, introduced_at, introduced_by, gender, group_code, '
        'birth_year ON youth FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.introduced_at IS DIST'
        'INCT FROM NEW.introduced_at OR OLD.introduced_by IS DISTINCT FROM NEW.introduced_by OR OLD.gender IS DISTINC'
        'T FROM NEW.gender OR OLD.group_code IS DISTINCT FROM NEW.group_code OR OLD.birth_year IS DISTINCT FROM NEW.b'
        'irth_year) EXECUTE FUNCTION report_youth_upd()'
    ),
    (
        'CREATE FUNCTION report_youth_move() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup_p'
        'ending (unit_id, period, participating, joined_hoi, admitted) SELECT OLD.unit_id, v.code, -1 * max(CASE WHEN'
        " v.kind = 'activity' THEN 1 ELSE 0 END), -1 * max(CASE WHEN v.kind = 'joined_hoi' THEN 1 ELSE 0 END), -1 * m"
        "ax(CASE WHEN v.kind = 'admitted' THEN 1 ELSE 0 END) FROM (SELECT (to_char(e.on_date, 'YYYY') || CASE WHEN ex"
        "tract(month FROM e.on_date) <= 6 THEN '-H1' ELSE '-H2' END) AS code, e.kind FROM participation e WHERE e.you"
        "th_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitted') UNION ALL SELECT to_char(e.on_date, 'YYY"
        "Y'), e.kind FROM participation e WHERE e.youth_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitte"
        "d')) v GROUP BY v.code; INSERT INTO report_rollup_pending (unit_id, period, participating, joined_hoi, admit"
        "ted) SELECT NEW.unit_id, v.code, 1 * max(CASE WHEN v.kind = 'activity' THEN 1 ELSE 0 END), 1 * max(CASE WHEN"
        " v.kind = 'joined_hoi' THEN 1 ELSE 0 END), 1 * max(CASE WHEN v.kind = 'admitted' THEN 1 ELSE 0 END) FROM (SE"
        "LECT (to_char(e.on_date, 'YYYY') || CASE WHEN extract(month FROM e.on_date) <= 6 THEN '-H1' ELSE '-H2' END) "
        "AS code, e.kind FROM participation e WHERE e.youth_id = NEW.id AND e.kind IN ('activity', 'joined_hoi', 'adm"
        "itted') UNION ALL SELECT to_char(e.on_date, 'YYYY'), e.kind FROM participation e WHERE e.youth_id = NEW.id A"
        "ND e.kind IN ('activity', 'joined_hoi', 'admitted')) v GROUP BY v.code; RETURN NEW; END $$"
    ),
    (
        'CREATE TRIGGER report_youth_move BEFORE UPDATE OF unit_id ON youth FOR EACH ROW WHEN (OLD.unit_id <> NEW.uni'
        't_id) EXECUTE FUNCTION report_youth_move()'
    ),
    (
        'CREATE FUNCTION report_youth_del() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup_pe'
        'nding (unit_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_2'
        '4, age_25_30, age_over_30) SELECT OLD.unit_id, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM yout'
        'h o WHERE o.introduced_by = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((to_char(('
        "o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) "
        "AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char((o.introduced_at) AT TI"
        "ME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'male' THEN 1 "
        "ELSE 0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender NOT IN ('male'"
        ", 'female') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Mi"
        "nh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introd"
        "uced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(to_char((OLD"
        ".introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 E"
        "ND, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - "
        "OLD.birth_year) >= 19 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTE"
        'GER) - OLD.birth_year) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZON'
        "E 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 25 AND (CAST(to_char((OLD.introduced_at) AT T"
        "IME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN ("
        "CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 3"
        "1 THEN 1 ELSE 0 END FROM (SELECT (to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CA"
        "SE WHEN extract(month FROM (OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' E"
        "ND) AS code UNION ALL SELECT to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; INSERT"
        ' INTO report_group_pending (unit_id, period, group_code, n) SELECT OLD.unit_id, p.code, OLD.group_code, -1 F'
        "ROM (SELECT (to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month"
        " FROM (OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL"
        " SELECT to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p; INSERT INTO report_rollup_p"
        'ending (unit_id, period, participating, joined_hoi, admitted) SELECT OLD.unit_id, v.code, -1 * max(CASE WHEN'
        " v.kind = 'activity' THEN 1 ELSE 0 END), -1 * max(CASE WHEN v.kind = 'joined_hoi' THEN 1 ELSE 0 END), -1 * m"
        "ax(CASE WHEN v.kind = 'admitted' THEN 1 ELSE 0 END) FROM (SELECT (to_char(e.on_date, 'YYYY') || CASE WHEN ex"
        "tract(month FROM e.on_date) <= 6 THEN '-H1' ELSE '-H2' END) AS code, e.kind FROM participation e WHERE e.you"
        "th_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitted') UNION ALL SELECT to_char(e.on_date, 'YYY"
        "Y'), e.kind FROM participation e WHERE e.youth_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitte"
        "d')) v GROUP BY v.code; INSERT INTO report_unit_pending (unit_id, engaged) SELECT OLD.unit_id, -1 WHERE OLD."
        "status IN ('participating', 'joined_hoi', 'admitted'); RETURN OLD; END $$"
    ),
    'CREATE TRIGGER report_youth_del BEFORE DELETE ON youth FOR EACH ROW EXECUTE FUNCTION report_youth_del()',
    (
        'CREATE FUNCTION report_youth_status() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_unit_p'
        "ending (unit_id, engaged) SELECT OLD.unit_id, -1 WHERE OLD.status IN ('participating', 'joined_hoi', 'admitt"
        "ed'); INSERT INTO report_unit_pending (unit_id, engaged) SELECT NEW.unit_id, 1 WHERE NEW.status IN ('partici"
        "pating', 'joined_hoi', 'admitted'); RETURN NEW; END $$"
    ),
    (
        'CREATE TRIGGER report_youth_status AFTER UPDATE OF unit_id, status ON youth FOR EACH ROW WHEN (OLD.unit_id <'
        '> NEW.unit_id OR OLD.status <> NEW.status) EXECUTE FUNCTION report_youth_status()'
    ),
    (
        'CREATE FUNCTION report_event_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup_pe'
        'nding (unit_id, period, participating, joined_hoi, admitted) SELECT y.unit_id, p.code, 1 * CASE WHEN NEW.kin'
        "d = 'activity' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.kind = 'joined_hoi' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW"
        ".kind = 'admitted' THEN 1 ELSE 0 END FROM youth y, (SELECT (to_char(NEW.on_date, 'YYYY') || CASE WHEN extrac"
        "t(month FROM NEW.on_date) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char(NEW.on_date, 'YYY"
        "Y')) p WHERE y.id = NEW.youth_id AND NEW.kind IN ('activity', 'joined_hoi', 'admitted') AND NOT EXISTS (SELE"
        'CT 1 FROM participation o WHERE o.youth_id = NEW.youth_id AND o.kind = NEW.kind AND o.id < NEW.id AND ((to_c'
        "har(o.on_date, 'YYYY') || CASE WHEN extract(month FROM o.on_date) <= 6 THEN '-H1' ELSE '-H2' END) = p.code O"
        "R to_char(o.on_date, 'YYYY') = p.code)); RETURN NEW; END $$"
    ),
    (
        'CREATE TRIGGER report_event_ins AFTER INSERT ON participation FOR EACH ROW EXECUTE FUNCTION report_event_ins'
        '()'
    ),
    (
        'CREATE FUNCTION report_event_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup_pe'
        'nding (unit_id, period, participating, joined_hoi, admitted) SELECT y.unit_id, p.code, -1 * CASE WHEN OLD.ki'
        "nd = 'activity' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.kind = 'joined_hoi' THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "OLD.kind = 'admitted' THEN 1 ELSE 0 END FROM youth y, (SELECT (to_char(OLD.on_date, 'YYYY') || CASE WHEN ext"
        "ract(month FROM OLD.on_date) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char(OLD.on_date, '"
        "YYYY')) p WHERE y.id = OLD.youth_id AND OLD.kind IN ('activity', 'joined_hoi', 'admitted') AND NOT EXISTS (S"
        'ELECT 1 FROM participation o WHERE o.youth_id = OLD.youth_id AND o.kind = OLD.kind AND o.id <> OLD.id AND (('
        "to_char(o.on_date, 'YYYY') || CASE WHEN extract(month FROM o.on_date) <= 6 THEN '-H1' ELSE '-H2' END) = p.co"
        "de OR to_char(o.on_date, 'YYYY') = p.code)); INSERT INTO report_rollup_pending (unit_id, period, participati"
        "ng, joined_hoi, admitted) SELECT y.unit_id, p.code, 1 * CASE WHEN NEW.kind = 'activity' THEN 1 ELSE 0 END, 1"
        " * CASE WHEN NEW.kind = 'joined_hoi' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.kind = 'admitted' THEN 1 ELSE 0 EN"
        "D FROM youth y, (SELECT (to_char(NEW.on_date, 'YYYY') || CASE WHEN extract(month FROM NEW.on_date) <= 6 THEN"
        " '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char(NEW.on_date, 'YYYY')) p WHERE y.id = NEW.youth_id AN"
        "D NEW.kind IN ('activity', 'joined_hoi', 'admitted') AND NOT EXISTS (SELECT 1 FROM participation o WHERE o.y"
        "outh_id = NEW.youth_id AND o.kind = NEW.kind AND o.id <> NEW.id AND ((to_char(o.on_date, 'YYYY') || CASE WHE"
        "N extract(month FROM o.on_date) <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR to_char(o.on_date, 'YYYY') = p.c"
        'ode)); RETURN NEW; END $$'
    ),
    (
        'CREATE TRIGGER report_event_upd BEFORE UPDATE OF youth_id, kind, on_date ON participation FOR EACH ROW WHEN '
        '(OLD.youth_id IS DISTINCT FROM NEW.youth_id OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.on_date IS DISTINCT'
        ' FROM NEW.on_date) EXECUTE FUNCTION report_event_upd()'
    ),
    (
        'CREATE FUNCTION report_event_del() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_rollup_pe'
        'nding (unit_id, period, participating, joined_hoi, admitted) SELECT y.unit_id, p.code, -1 * CASE WHEN OLD.ki'
        "nd = 'activity' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.kind = 'joined_hoi' THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "OLD.kind = 'admitted' THEN 1 ELSE 0 END FROM youth y, (SELECT (to_char(OLD.on_date, 'YYYY') || CASE WHEN ext"
        "ract(month FROM OLD.on_date) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char(OLD.on_date, '"
        "YYYY')) p WHERE y.id = OLD.youth_id AND OLD.kind IN ('activity', 'joined_hoi', 'admitted') AND NOT EXISTS (S"
        'ELECT 1 FROM participation o WHERE o.youth_id = OLD.youth_id AND o.kind = OLD.kind AND o.id <> OLD.id AND (('
        "to_char(o.on_date, 'YYYY') || CASE WHEN extract(month FROM o.on_date) <= 6 THEN '-H1' ELSE '-H2' END) = p.co"
        "de OR to_char(o.on_date, 'YYYY') = p.code)); RETURN OLD; END $$"
    ),
    (
        'CREATE TRIGGER report_event_del BEFORE DELETE ON participation FOR EACH ROW EXECUTE FUNCTION report_event_de'
        'l()'
    ),
    (
        'CREATE FUNCTION report_member_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_unit_pen'
        "ding (unit_id, members) SELECT NEW.unit_id, 1 WHERE NEW.status = 'active'; RETURN NEW; END $$"
    ),
    'CREATE TRIGGER report_member_ins AFTER INSERT ON member FOR EACH ROW EXECUTE FUNCTION report_member_ins()',
    (
        'CREATE FUNCTION report_member_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_unit_pen'
        "ding (unit_id, members) SELECT OLD.unit_id, -1 WHERE OLD.status = 'active'; INSERT INTO report_unit_pending "
        "(unit_id, members) SELECT NEW.unit_id, 1 WHERE NEW.status = 'active'; RETURN NEW; END $$"
    ),
    (
        'CREATE TRIGGER report_member_upd AFTER UPDATE OF unit_id, status ON member FOR EACH ROW WHEN (OLD.unit_id <>'
        ' NEW.unit_id OR OLD.status <> NEW.status) EXECUTE FUNCTION report_member_upd()'
    ),
    (
        'CREATE FUNCTION report_member_del() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO report_unit_pen'
        "ding (unit_id, members) SELECT OLD.unit_id, -1 WHERE OLD.status = 'active'; RETURN OLD; END $$"
    ),
    'CREATE TRIGGER report_member_del AFTER DELETE ON member FOR EACH ROW EXECUTE FUNCTION report_member_del()',
)
