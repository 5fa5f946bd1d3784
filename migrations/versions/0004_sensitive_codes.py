"""sensitive fields as codes: ethnicity and religion hold the codes of storage/ethnic_groups.toml and
storage/religions.toml instead of free text; the report triggers classify them by code; an index for a
member's recent integrity flags

Revision ID: 0004_sensitive_codes
Revises: 0003_reports

Free text was classified by `lower()`: "Không tôn giáo" counted as a religion, "Việt" as an ethnic minority,
"KHÔNG" differently on SQLite (ASCII-only lower) and PostgreSQL. Existing values are folded (NFC/NFD, case,
diacritics, spaces, hyphens, apostrophes) and mapped to a code; text matching no listed name becomes `other`,
blank text NULL. The three youth triggers that count ethnic minorities and religion are recreated to classify
by code, and those two rollup counts are recomputed.

This text is frozen: the name tables and the SQL below were copied from the code when this was written
(storage/ethnic_groups.toml, storage/religions.toml, storage/rollups.py); nothing is imported from storage/,
so the migration does the same thing whatever that code becomes.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0004_sensitive_codes'
down_revision = '0003_reports'
branch_labels = None
depends_on = None

# Folded name (see _key) -> code, for every spelling the data files list.
_ETHNICITY = {
    'kinh': 'kinh', 'kinhviet': 'kinh', 'viet': 'kinh', 'nguoikinh': 'kinh', 'nguoiviet': 'kinh', 'tay': 'tay',
    'thai': 'thai', 'muong': 'muong', 'khmer': 'khmer', 'khome': 'khmer', 'khmerkrom': 'khmer', 'hoa': 'hoa',
    'hoachinese': 'hoa', 'hoahan': 'hoa', 'han': 'hoa', 'nguoihoa': 'hoa', 'nung': 'nung', 'hmong': 'hmong',
    'mong': 'hmong', 'dao': 'dao', 'daoyao': 'dao', 'giarai': 'gia_rai', 'jarai': 'gia_rai', 'jrai': 'gia_rai',
    'giorai': 'gia_rai', 'ede': 'e_de', 'rade': 'e_de', 'rhade': 'e_de', 'bana': 'ba_na', 'bahnar': 'ba_na',
    'sanchay': 'san_chay', 'caolan': 'san_chay', 'sanchi': 'san_chay', 'caolansanchi': 'san_chay', 'cham': 'cham',
    'coho': 'co_ho', 'koho': 'co_ho', 'kho': 'co_ho', 'xodang': 'xo_dang', 'sedang': 'xo_dang', 'sandiu': 'san_diu',
    'hre': 'hre', 'raglay': 'raglay', 'raglai': 'raglay', 'mnong': 'mnong', 'tho': 'tho', 'xtieng': 'xtieng',
    'stieng': 'xtieng', 'khomu': 'kho_mu', 'khmu': 'kho_mu', 'kmhmu': 'kho_mu', 'bruvankieu': 'bru_van_kieu',
    'bru': 'bru_van_kieu', 'vankieu': 'bru_van_kieu', 'cotu': 'co_tu', 'katu': 'co_tu', 'catu': 'co_tu',
    'giay': 'giay', 'taoi': 'ta_oi', 'paco': 'ta_oi', 'ma': 'ma', 'gietrieng': 'gie_trieng', 'co': 'co',
    'choro': 'cho_ro', 'xinhmun': 'xinh_mun', 'hanhi': 'ha_nhi', 'hani': 'ha_nhi', 'churu': 'chu_ru', 'lao': 'lao',
    'khang': 'khang', 'lachi': 'la_chi', 'phula': 'phu_la', 'lahu': 'la_hu', 'laha': 'la_ha', 'pathen': 'pa_then',
    'lu': 'lu', 'ngai': 'ngai', 'chut': 'chut', 'lolo': 'lo_lo', 'mang': 'mang', 'colao': 'co_lao',
    'gelao': 'co_lao', 'boy': 'bo_y', 'bouyei': 'bo_y', 'cong': 'cong', 'sila': 'si_la', 'pupeo': 'pu_peo',
    'romam': 'ro_mam', 'brau': 'brau', 'odu': 'o_du', 'khac': 'other', 'other': 'other',
}

_RELIGION = {
    'khong': 'none', 'none': 'none', 'khongtongiao': 'none', 'khongco': 'none', 'khongcotongiao': 'none',
    'khongtheotongiao': 'none', 'khongtheotongiaonao': 'none', 'khongtheodao': 'none', 'vothan': 'none',
    'ko': 'none', 'no': 'none', 'noreligion': 'none', 'phatgiao': 'buddhism', 'buddhism': 'buddhism',
    'daophat': 'buddhism', 'buddhist': 'buddhism', 'conggiao': 'catholicism', 'catholicism': 'catholicism',
    'thienchuagiao': 'catholicism', 'daothienchua': 'catholicism', 'catholic': 'catholicism',
    'tinlanh': 'protestantism', 'protestantism': 'protestantism', 'daotinlanh': 'protestantism',
    'protestant': 'protestantism', 'caodai': 'caodaism', 'daocaodai': 'caodaism', 'caodaism': 'caodaism',
    'phatgiaohoahao': 'hoa_hao', 'hoahaobuddhism': 'hoa_hao', 'hoahao': 'hoa_hao', 'daohoahao': 'hoa_hao',
    'hoigiao': 'islam', 'islam': 'islam', 'daohoi': 'islam', 'muslim': 'islam', 'tongiaobahai': 'bahai',
    'bahaifaith': 'bahai', 'bahai': 'bahai', 'daobahai': 'bahai', 'tinhdocusiphathoivietnam': 'tinh_do_cu_si',
    'tinhdocusi': 'tinh_do_cu_si', 'tinhdocusy': 'tinh_do_cu_si', 'codocphuclam': 'adventism',
    'seventhdayadventist': 'adventism', 'phuclam': 'adventism', 'adventist': 'adventism',
    'phatgiaotuanhieunghia': 'tu_an_hieu_nghia', 'tuanhieunghia': 'tu_an_hieu_nghia', 'minhsudao': 'minh_su_dao',
    'minhlydaotamtongmieu': 'minh_ly_dao', 'minhlydao': 'minh_ly_dao', 'balamongiao': 'brahmanism',
    'brahmanism': 'brahmanism', 'balamon': 'brahmanism', 'macmon': 'latter_day_saints',
    'latterdaysaintsmormon': 'latter_day_saints', 'mormon': 'latter_day_saints',
    'phatgiaohieunghiatalon': 'hieu_nghia_ta_lon', 'hieunghiatalon': 'hieu_nghia_ta_lon',
    'buusonkyhuong': 'buu_son_ky_huong', 'khac': 'other', 'other': 'other',
}

# Code -> the Vietnamese name a downgrade writes back.
_ETHNICITY_NAMES = {
    'kinh': 'Kinh', 'tay': 'Tày', 'thai': 'Thái', 'muong': 'Mường', 'khmer': 'Khmer', 'hoa': 'Hoa', 'nung': 'Nùng',
    'hmong': "H'Mông", 'dao': 'Dao', 'gia_rai': 'Gia Rai', 'e_de': 'Ê Đê', 'ba_na': 'Ba Na', 'san_chay': 'Sán Chay',
    'cham': 'Chăm', 'co_ho': 'Cơ Ho', 'xo_dang': 'Xơ Đăng', 'san_diu': 'Sán Dìu', 'hre': 'Hrê', 'raglay': 'Raglay',
    'mnong': 'Mnông', 'tho': 'Thổ', 'xtieng': 'Xtiêng', 'kho_mu': 'Khơ Mú', 'bru_van_kieu': 'Bru - Vân Kiều',
    'co_tu': 'Cơ Tu', 'giay': 'Giáy', 'ta_oi': 'Tà Ôi', 'ma': 'Mạ', 'gie_trieng': 'Giẻ Triêng', 'co': 'Co',
    'cho_ro': 'Chơ Ro', 'xinh_mun': 'Xinh Mun', 'ha_nhi': 'Hà Nhì', 'chu_ru': 'Chu Ru', 'lao': 'Lào',
    'khang': 'Kháng', 'la_chi': 'La Chí', 'phu_la': 'Phù Lá', 'la_hu': 'La Hủ', 'la_ha': 'La Ha',
    'pa_then': 'Pà Thẻn', 'lu': 'Lự', 'ngai': 'Ngái', 'chut': 'Chứt', 'lo_lo': 'Lô Lô', 'mang': 'Mảng',
    'co_lao': 'Cơ Lao', 'bo_y': 'Bố Y', 'cong': 'Cống', 'si_la': 'Si La', 'pu_peo': 'Pu Péo', 'ro_mam': 'Rơ Măm',
    'brau': 'Brâu', 'o_du': 'Ơ Đu', 'other': 'Khác',
}

_RELIGION_NAMES = {
    'none': 'Không', 'buddhism': 'Phật giáo', 'catholicism': 'Công giáo', 'protestantism': 'Tin Lành',
    'caodaism': 'Cao Đài', 'hoa_hao': 'Phật giáo Hòa Hảo', 'islam': 'Hồi giáo', 'bahai': "Tôn giáo Baha'i",
    'tinh_do_cu_si': 'Tịnh độ Cư sĩ Phật hội Việt Nam', 'adventism': 'Cơ đốc Phục lâm',
    'tu_an_hieu_nghia': 'Phật giáo Tứ Ân Hiếu Nghĩa', 'minh_su_dao': 'Minh Sư đạo',
    'minh_ly_dao': 'Minh Lý đạo - Tam Tông Miếu', 'brahmanism': 'Bà-la-môn giáo', 'latter_day_saints': 'Mặc môn',
    'hieu_nghia_ta_lon': 'Phật giáo Hiếu Nghĩa Tà Lơn', 'buu_son_ky_huong': 'Bửu Sơn Kỳ Hương', 'other': 'Khác',
}


def _minority(row: str) -> str:
    return f"{row}.ethnicity IS NOT NULL AND {row}.ethnicity NOT IN ('kinh', 'other')"


def _religious(row: str) -> str:
    return f"{row}.religion IS NOT NULL AND {row}.religion <> 'none'"


# How 0003_reports classified the free text (for the downgrade).
_NO_RELIGION_0003 = "'không', 'khong', 'không có', 'khong co', 'none', 'no', 'ko'"


def _minority_0003(row: str) -> str:
    return f"{row}.ethnicity IS NOT NULL AND trim({row}.ethnicity) <> '' AND lower(trim({row}.ethnicity)) <> 'kinh'"


def _religious_0003(row: str) -> str:
    return (f"{row}.religion IS NOT NULL AND trim({row}.religion) <> '' "
            f"AND lower(trim({row}.religion)) NOT IN ({_NO_RELIGION_0003})")


_YOUTH_TRIGGERS = ('report_youth_ins', 'report_youth_upd', 'report_youth_del')
# The period of an introduction and the ancestors of a unit, as storage/rollups.py writes them.
_DIALECT = {
    'sqlite': {
        'half': "(strftime('%Y', y.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', y.introduced_at, "
                "'+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END)",
        'year': "strftime('%Y', y.introduced_at, '+7 hours')",
        'ancestors': "json_each('[' || replace(trim(u.path, '/'), '/', ',') || ']') AS a",
    },
    'postgresql': {
        'half': "(to_char((y.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month "
                "FROM (y.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END)",
        'year': "to_char((y.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY')",
        'ancestors': "unnest(string_to_array(trim(both '/' from u.path), '/')::int[]) AS a(value)",
    },
}


def _key(text: str) -> str:
    """Fold a name for matching: composed, case-folded, without diacritics, spaces or punctuation."""
    decomposed = unicodedata.normalize('NFD', unicodedata.normalize('NFC', text).casefold())
    stripped = ''.join(ch for ch in decomposed if not unicodedata.combining(ch)).replace('đ', 'd')
    return ''.join(ch for ch in stripped if ch.isalnum())


def _code(value: str, names: dict[str, str]) -> str | None:
    key = _key(value)
    return names.get(key, 'other') if key else None


def _fill(statement: str, minority, religious) -> str:
    for row in ('NEW', 'OLD', 'v'):
        statement = statement.replace(f'<minority:{row}>', minority(row))
        statement = statement.replace(f'<religious:{row}>', religious(row))
    return statement


def _triggers_off(postgres: bool) -> None:
    """Stop the youth triggers while values change: the counts they keep are recomputed afterwards."""
    if postgres:
        op.execute('ALTER TABLE youth DISABLE TRIGGER report_youth_upd')
        return
    for name in _YOUTH_TRIGGERS:
        op.execute(f'DROP TRIGGER IF EXISTS {name}')


def _triggers_on(postgres: bool, minority, religious) -> None:
    """Install the youth triggers (their functions, on PostgreSQL) with the given classification."""
    for statement in _POSTGRES_TRIGGERS if postgres else _SQLITE_TRIGGERS:
        op.execute(_fill(statement, minority, religious))
    if postgres:
        op.execute('ALTER TABLE youth ENABLE TRIGGER report_youth_upd')


def _rewrite(pairs: list[tuple[str, str, str | None]]) -> None:
    """Set every youth's ethnicity and religion from (column, old value, new value) pairs, in one pass."""
    op.execute('CREATE TEMPORARY TABLE sensitive_code (field VARCHAR(16) NOT NULL, old VARCHAR(40) NOT NULL, '
               'code VARCHAR(40), PRIMARY KEY (field, old))')
    if pairs:
        table = sa.table('sensitive_code', sa.column('field'), sa.column('old'), sa.column('code'))
        op.bulk_insert(table, [{'field': f, 'old': old, 'code': code} for f, old, code in pairs])
    op.execute("UPDATE youth SET "
               "ethnicity = (SELECT c.code FROM sensitive_code c WHERE c.field = 'ethnicity' AND c.old = youth.ethnicity), "
               "religion = (SELECT c.code FROM sensitive_code c WHERE c.field = 'religion' AND c.old = youth.religion) "
               "WHERE ethnicity IS NOT NULL OR religion IS NOT NULL")
    op.execute('DROP TABLE sensitive_code')


def _values(column: str) -> list[str]:
    query = sa.text(f'SELECT DISTINCT {column} FROM youth WHERE {column} IS NOT NULL')
    return list(op.get_bind().execute(query).scalars())


def _recount(dialect: str, minority, religious) -> None:
    """Recompute the minority and religion counts of every rollup row from the young people: per unit and
    period first, then summed into the unit and every unit above it."""
    d = _DIALECT[dialect]
    flags = (f"sum(CASE WHEN {minority('v')} THEN 1 ELSE 0 END) AS minority, "
             f"sum(CASE WHEN {religious('v')} THEN 1 ELSE 0 END) AS religious")
    rows = (f"(SELECT y.unit_id, y.ethnicity, y.religion, {d['half']} AS code FROM youth y "
            f"UNION ALL SELECT y.unit_id, y.ethnicity, y.religion, {d['year']} FROM youth y)")
    for name in ('sensitive_own', 'sensitive_sums'):
        op.execute(f'DROP TABLE IF EXISTS {name}')
    op.execute(f'CREATE TEMPORARY TABLE sensitive_own AS SELECT v.unit_id, v.code AS period, {flags} '
               f'FROM {rows} v GROUP BY v.unit_id, v.code')
    op.execute('CREATE TEMPORARY TABLE sensitive_sums AS SELECT a.value AS unit_id, o.period, '
               'sum(o.minority) AS minority, sum(o.religious) AS religious '
               f"FROM sensitive_own o JOIN unit u ON u.id = o.unit_id, {d['ancestors']} GROUP BY a.value, o.period")
    op.execute('CREATE INDEX ix_sensitive_sums ON sensitive_sums (unit_id, period)')
    found = ('FROM sensitive_sums s WHERE s.unit_id = report_rollup.unit_id AND s.period = report_rollup.period')
    op.execute(f'UPDATE report_rollup SET minority = coalesce((SELECT s.minority {found}), 0), '
               f'religious = coalesce((SELECT s.religious {found}), 0)')
    op.execute('DROP TABLE sensitive_own')
    op.execute('DROP TABLE sensitive_sums')


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    postgres = dialect == 'postgresql'
    pairs = [(column, value, _code(value, names))
             for column, names in (('ethnicity', _ETHNICITY), ('religion', _RELIGION))
             for value in _values(column)]
    _triggers_off(postgres)
    _rewrite(pairs)
    _triggers_on(postgres, _minority, _religious)
    _recount(dialect, _minority, _religious)
    with op.batch_alter_table('integrity_flag', schema=None) as batch_op:
        batch_op.create_index('ix_integrity_flag_member', ['member_id', 'kind', 'created_at'], unique=False)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    postgres = dialect == 'postgresql'
    with op.batch_alter_table('integrity_flag', schema=None) as batch_op:
        batch_op.drop_index('ix_integrity_flag_member')
    pairs = [(column, value, names.get(value, value))
             for column, names in (('ethnicity', _ETHNICITY_NAMES), ('religion', _RELIGION_NAMES))
             for value in _values(column)]
    _triggers_off(postgres)
    _rewrite(pairs)
    _triggers_on(postgres, _minority_0003, _religious_0003)
    _recount(dialect, _minority_0003, _religious_0003)


# The youth triggers of storage/rollups.py with the classification left as <minority:ROW> and <religious:ROW>.
_SQLITE_TRIGGERS = (
    (
        "CREATE TRIGGER report_youth_ins AFTER INSERT ON youth FOR EACH ROW BEGIN INSERT INTO report_rollup (unit_id, "
        "period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, "
        "age_over_30, minority, religious) SELECT a.value, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o"
        " WHERE o.introduced_by = NEW.introduced_by AND o.unit_id = NEW.unit_id AND o.id <> NEW.id AND ((strftime('%Y', "
        "o.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN"
        " '-H1' ELSE '-H2' END) = p.code OR strftime('%Y', o.introduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END, 1 *"
        " CASE WHEN NEW.gender = 'male' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 * "
        "CASE WHEN NEW.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', "
        "NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "(CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 16 AND (CAST(strftime('%Y',"
        " NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "(CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 19 AND (CAST(strftime('%Y',"
        " NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 24 THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "(CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 25 AND (CAST(strftime('%Y',"
        " NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) <= 30 THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "(CAST(strftime('%Y', NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 31 THEN 1 ELSE 0 END, 1 * "
        "CASE WHEN <minority:NEW> THEN 1 ELSE 0 END, 1 * CASE WHEN <religious:NEW> THEN 1 ELSE 0 END FROM (SELECT "
        "(strftime('%Y', NEW.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', NEW.introduced_at, '+7 hours') "
        "AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT strftime('%Y', NEW.introduced_at, '+7 "
        "hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id = NEW.unit_id), '/'), '/', ',') || "
        "']') AS a WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = report_rollup.introduced + "
        "excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, male = report_rollup.male + "
        "excluded.male, female = report_rollup.female + excluded.female, other_gender = report_rollup.other_gender + "
        "excluded.other_gender, age_under_16 = report_rollup.age_under_16 + excluded.age_under_16, age_16_18 = "
        "report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded.age_19_24, "
        "age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 + "
        "excluded.age_over_30, minority = report_rollup.minority + excluded.minority, religious = report_rollup.religious"
        " + excluded.religious; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.code, "
        "NEW.group_code, 1 FROM (SELECT (strftime('%Y', NEW.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', "
        "NEW.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT "
        "strftime('%Y', NEW.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id "
        "= NEW.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET "
        "n = report_group.n + excluded.n; INSERT INTO report_unit (unit_id, engaged) SELECT a.value, 1 FROM json_each('['"
        " || replace(trim((SELECT path FROM unit WHERE id = NEW.unit_id), '/'), '/', ',') || ']') AS a WHERE NEW.status "
        "IN ('participating', 'joined_hoi', 'admitted') ON CONFLICT (unit_id) DO UPDATE SET engaged = report_unit.engaged"
        " + excluded.engaged; END"
    ),
    (
        "CREATE TRIGGER report_youth_upd BEFORE UPDATE OF unit_id, introduced_at, introduced_by, gender, group_code, "
        "birth_year, ethnicity, religion ON youth FOR EACH ROW WHEN (OLD.unit_id IS NOT NEW.unit_id OR OLD.introduced_at "
        "IS NOT NEW.introduced_at OR OLD.introduced_by IS NOT NEW.introduced_by OR OLD.gender IS NOT NEW.gender OR "
        "OLD.group_code IS NOT NEW.group_code OR OLD.birth_year IS NOT NEW.birth_year OR OLD.ethnicity IS NOT "
        "NEW.ethnicity OR OLD.religion IS NOT NEW.religion) BEGIN INSERT INTO report_rollup (unit_id, period, introduced,"
        " fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_over_30, minority, "
        "religious) SELECT a.value, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE "
        "o.introduced_by = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((strftime('%Y', "
        "o.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN"
        " '-H1' ELSE '-H2' END) = p.code OR strftime('%Y', o.introduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END, -1 "
        "* CASE WHEN OLD.gender = 'male' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * "
        "CASE WHEN OLD.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', "
        "OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "(CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(strftime('%Y',"
        " OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "(CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(strftime('%Y',"
        " OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "(CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 25 AND (CAST(strftime('%Y',"
        " OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "(CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END, -1 * "
        "CASE WHEN <minority:OLD> THEN 1 ELSE 0 END, -1 * CASE WHEN <religious:OLD> THEN 1 ELSE 0 END FROM (SELECT "
        "(strftime('%Y', OLD.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', OLD.introduced_at, '+7 hours') "
        "AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT strftime('%Y', OLD.introduced_at, '+7 "
        "hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id = OLD.unit_id), '/'), '/', ',') || "
        "']') AS a WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = report_rollup.introduced + "
        "excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, male = report_rollup.male + "
        "excluded.male, female = report_rollup.female + excluded.female, other_gender = report_rollup.other_gender + "
        "excluded.other_gender, age_under_16 = report_rollup.age_under_16 + excluded.age_under_16, age_16_18 = "
        "report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded.age_19_24, "
        "age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 + "
        "excluded.age_over_30, minority = report_rollup.minority + excluded.minority, religious = report_rollup.religious"
        " + excluded.religious; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.code, "
        "OLD.group_code, -1 FROM (SELECT (strftime('%Y', OLD.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', "
        "OLD.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT "
        "strftime('%Y', OLD.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id "
        "= OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET "
        "n = report_group.n + excluded.n; INSERT INTO report_rollup (unit_id, period, introduced, fulfilled, male, "
        "female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_over_30, minority, religious) SELECT "
        "a.value, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = "
        "NEW.introduced_by AND o.unit_id = NEW.unit_id AND o.id <> NEW.id AND ((strftime('%Y', o.introduced_at, '+7 "
        "hours') || CASE WHEN CAST(strftime('%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' "
        "END) = p.code OR strftime('%Y', o.introduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "NEW.gender = 'male' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "NEW.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', NEW.introduced_at, "
        "'+7 hours') AS INTEGER) - NEW.birth_year) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', "
        "NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 16 AND (CAST(strftime('%Y', NEW.introduced_at, "
        "'+7 hours') AS INTEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', "
        "NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 19 AND (CAST(strftime('%Y', NEW.introduced_at, "
        "'+7 hours') AS INTEGER) - NEW.birth_year) <= 24 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', "
        "NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 25 AND (CAST(strftime('%Y', NEW.introduced_at, "
        "'+7 hours') AS INTEGER) - NEW.birth_year) <= 30 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(strftime('%Y', "
        "NEW.introduced_at, '+7 hours') AS INTEGER) - NEW.birth_year) >= 31 THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "<minority:NEW> THEN 1 ELSE 0 END, 1 * CASE WHEN <religious:NEW> THEN 1 ELSE 0 END FROM (SELECT (strftime('%Y', "
        "NEW.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', NEW.introduced_at, '+7 hours') AS INTEGER) <= 6 "
        "THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT strftime('%Y', NEW.introduced_at, '+7 hours')) p, "
        "json_each('[' || replace(trim((SELECT path FROM unit WHERE id = NEW.unit_id), '/'), '/', ',') || ']') AS a WHERE"
        " true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = report_rollup.introduced + excluded.introduced, "
        "fulfilled = report_rollup.fulfilled + excluded.fulfilled, male = report_rollup.male + excluded.male, female = "
        "report_rollup.female + excluded.female, other_gender = report_rollup.other_gender + excluded.other_gender, "
        "age_under_16 = report_rollup.age_under_16 + excluded.age_under_16, age_16_18 = report_rollup.age_16_18 + "
        "excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded.age_19_24, age_25_30 = "
        "report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 + excluded.age_over_30, "
        "minority = report_rollup.minority + excluded.minority, religious = report_rollup.religious + excluded.religious;"
        " INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.code, NEW.group_code, 1 FROM "
        "(SELECT (strftime('%Y', NEW.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', NEW.introduced_at, '+7 "
        "hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT strftime('%Y', NEW.introduced_at, "
        "'+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id = NEW.unit_id), '/'), '/', ',') ||"
        " ']') AS a WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n = report_group.n + excluded.n; "
        "END"
    ),
    (
        "CREATE TRIGGER report_youth_del BEFORE DELETE ON youth FOR EACH ROW BEGIN INSERT INTO report_rollup (unit_id, "
        "period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, age_19_24, age_25_30, "
        "age_over_30, minority, religious) SELECT a.value, p.code, -1 * 1, -1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth"
        " o WHERE o.introduced_by = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> OLD.id AND ((strftime('%Y',"
        " o.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', o.introduced_at, '+7 hours') AS INTEGER) <= 6 "
        "THEN '-H1' ELSE '-H2' END) = p.code OR strftime('%Y', o.introduced_at, '+7 hours') = p.code)) THEN 1 ELSE 0 END,"
        " -1 * CASE WHEN OLD.gender = 'male' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END, "
        "-1 * CASE WHEN OLD.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(strftime('%Y', "
        "OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "(CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 16 AND (CAST(strftime('%Y',"
        " OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) <= 18 THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "(CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(strftime('%Y',"
        " OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "(CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 25 AND (CAST(strftime('%Y',"
        " OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) <= 30 THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "(CAST(strftime('%Y', OLD.introduced_at, '+7 hours') AS INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END, -1 * "
        "CASE WHEN <minority:OLD> THEN 1 ELSE 0 END, -1 * CASE WHEN <religious:OLD> THEN 1 ELSE 0 END FROM (SELECT "
        "(strftime('%Y', OLD.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', OLD.introduced_at, '+7 hours') "
        "AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT strftime('%Y', OLD.introduced_at, '+7 "
        "hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id = OLD.unit_id), '/'), '/', ',') || "
        "']') AS a WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = report_rollup.introduced + "
        "excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, male = report_rollup.male + "
        "excluded.male, female = report_rollup.female + excluded.female, other_gender = report_rollup.other_gender + "
        "excluded.other_gender, age_under_16 = report_rollup.age_under_16 + excluded.age_under_16, age_16_18 = "
        "report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = report_rollup.age_19_24 + excluded.age_19_24, "
        "age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, age_over_30 = report_rollup.age_over_30 + "
        "excluded.age_over_30, minority = report_rollup.minority + excluded.minority, religious = report_rollup.religious"
        " + excluded.religious; INSERT INTO report_group (unit_id, period, group_code, n) SELECT a.value, p.code, "
        "OLD.group_code, -1 FROM (SELECT (strftime('%Y', OLD.introduced_at, '+7 hours') || CASE WHEN CAST(strftime('%m', "
        "OLD.introduced_at, '+7 hours') AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT "
        "strftime('%Y', OLD.introduced_at, '+7 hours')) p, json_each('[' || replace(trim((SELECT path FROM unit WHERE id "
        "= OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET "
        "n = report_group.n + excluded.n; INSERT INTO report_rollup (unit_id, period, participating, joined_hoi, "
        "admitted) SELECT a.value, v.code, -1 * max(CASE WHEN v.kind = 'activity' THEN 1 ELSE 0 END), -1 * max(CASE WHEN "
        "v.kind = 'joined_hoi' THEN 1 ELSE 0 END), -1 * max(CASE WHEN v.kind = 'admitted' THEN 1 ELSE 0 END) FROM (SELECT"
        " (strftime('%Y', e.on_date) || CASE WHEN CAST(strftime('%m', e.on_date) AS INTEGER) <= 6 THEN '-H1' ELSE '-H2' "
        "END) AS code, e.kind FROM participation e WHERE e.youth_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', "
        "'admitted') UNION ALL SELECT strftime('%Y', e.on_date), e.kind FROM participation e WHERE e.youth_id = OLD.id "
        "AND e.kind IN ('activity', 'joined_hoi', 'admitted')) v, json_each('[' || replace(trim((SELECT path FROM unit "
        "WHERE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE true GROUP BY a.value, v.code ON CONFLICT (unit_id, "
        "period) DO UPDATE SET participating = report_rollup.participating + excluded.participating, joined_hoi = "
        "report_rollup.joined_hoi + excluded.joined_hoi, admitted = report_rollup.admitted + excluded.admitted; INSERT "
        "INTO report_unit (unit_id, engaged) SELECT a.value, -1 FROM json_each('[' || replace(trim((SELECT path FROM unit"
        " WHERE id = OLD.unit_id), '/'), '/', ',') || ']') AS a WHERE OLD.status IN ('participating', 'joined_hoi', "
        "'admitted') ON CONFLICT (unit_id) DO UPDATE SET engaged = report_unit.engaged + excluded.engaged; END"
    ),
)

# The same on PostgreSQL: the trigger functions (the triggers calling them stay as they are).
_POSTGRES_TRIGGERS = (
    (
        "CREATE OR REPLACE FUNCTION report_youth_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "
        "report_rollup (unit_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, "
        "age_19_24, age_25_30, age_over_30, minority, religious) SELECT a.value, p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS "
        "(SELECT 1 FROM youth o WHERE o.introduced_by = NEW.introduced_by AND o.unit_id = NEW.unit_id AND o.id < NEW.id "
        "AND ((to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM "
        "(o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR "
        "to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "NEW.gender = 'male' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "NEW.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME "
        "ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 15 THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "(CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 16 "
        "AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= "
        "18 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') "
        "AS INTEGER) - NEW.birth_year) >= 19 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', "
        "'YYYY') AS INTEGER) - NEW.birth_year) <= 24 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) "
        "AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 25 AND "
        "(CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 30 "
        "THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS "
        "INTEGER) - NEW.birth_year) >= 31 THEN 1 ELSE 0 END, 1 * CASE WHEN <minority:NEW> THEN 1 ELSE 0 END, 1 * CASE "
        "WHEN <religious:NEW> THEN 1 ELSE 0 END FROM (SELECT (to_char((NEW.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')"
        " <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((NEW.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = "
        "NEW.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = "
        "report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, male ="
        " report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gender = "
        "report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + "
        "excluded.age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = "
        "report_rollup.age_19_24 + excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, "
        "age_over_30 = report_rollup.age_over_30 + excluded.age_over_30, minority = report_rollup.minority + "
        "excluded.minority, religious = report_rollup.religious + excluded.religious; INSERT INTO report_group (unit_id, "
        "period, group_code, n) SELECT a.value, p.code, NEW.group_code, 1 FROM (SELECT (to_char((NEW.introduced_at) AT "
        "TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((NEW.introduced_at) AT TIME"
        " ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id "
        "= NEW.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n ="
        " report_group.n + excluded.n; INSERT INTO report_unit (unit_id, engaged) SELECT a.value, 1 FROM "
        "unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = NEW.unit_id)), '/')::int[]) AS "
        "a(value) WHERE NEW.status IN ('participating', 'joined_hoi', 'admitted') ON CONFLICT (unit_id) DO UPDATE SET "
        "engaged = report_unit.engaged + excluded.engaged; RETURN NEW; END $$"
    ),
    (
        "CREATE OR REPLACE FUNCTION report_youth_upd() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "
        "report_rollup (unit_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, "
        "age_19_24, age_25_30, age_over_30, minority, religious) SELECT a.value, p.code, -1 * 1, -1 * CASE WHEN NOT "
        "EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> "
        "OLD.id AND ((to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM "
        "(o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR "
        "to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "OLD.gender = 'male' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "OLD.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME"
        " ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "(CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 16 "
        "AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= "
        "18 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') "
        "AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', "
        "'YYYY') AS INTEGER) - OLD.birth_year) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) "
        "AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 25 AND "
        "(CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 30 "
        "THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS "
        "INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END, -1 * CASE WHEN <minority:OLD> THEN 1 ELSE 0 END, -1 * CASE "
        "WHEN <religious:OLD> THEN 1 ELSE 0 END FROM (SELECT (to_char((OLD.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')"
        " <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((OLD.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = "
        "OLD.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = "
        "report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, male ="
        " report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gender = "
        "report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + "
        "excluded.age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = "
        "report_rollup.age_19_24 + excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, "
        "age_over_30 = report_rollup.age_over_30 + excluded.age_over_30, minority = report_rollup.minority + "
        "excluded.minority, religious = report_rollup.religious + excluded.religious; INSERT INTO report_group (unit_id, "
        "period, group_code, n) SELECT a.value, p.code, OLD.group_code, -1 FROM (SELECT (to_char((OLD.introduced_at) AT "
        "TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((OLD.introduced_at) AT TIME"
        " ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id "
        "= OLD.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n ="
        " report_group.n + excluded.n; INSERT INTO report_rollup (unit_id, period, introduced, fulfilled, male, female, "
        "other_gender, age_under_16, age_16_18, age_19_24, age_25_30, age_over_30, minority, religious) SELECT a.value, "
        "p.code, 1 * 1, 1 * CASE WHEN NOT EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = NEW.introduced_by AND "
        "o.unit_id = NEW.unit_id AND o.id <> NEW.id AND ((to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', "
        "'YYYY') || CASE WHEN extract(month FROM (o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE "
        "'-H2' END) = p.code OR to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE"
        " 0 END, 1 * CASE WHEN NEW.gender = 'male' THEN 1 ELSE 0 END, 1 * CASE WHEN NEW.gender = 'female' THEN 1 ELSE 0 "
        "END, 1 * CASE WHEN NEW.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "(CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 15 "
        "THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS "
        "INTEGER) - NEW.birth_year) >= 16 AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') "
        "AS INTEGER) - NEW.birth_year) <= 18 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME "
        "ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 19 AND (CAST(to_char((NEW.introduced_at) AT "
        "TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= 24 THEN 1 ELSE 0 END, 1 * CASE WHEN "
        "(CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) >= 25 "
        "AND (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - NEW.birth_year) <= "
        "30 THEN 1 ELSE 0 END, 1 * CASE WHEN (CAST(to_char((NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') "
        "AS INTEGER) - NEW.birth_year) >= 31 THEN 1 ELSE 0 END, 1 * CASE WHEN <minority:NEW> THEN 1 ELSE 0 END, 1 * CASE "
        "WHEN <religious:NEW> THEN 1 ELSE 0 END FROM (SELECT (to_char((NEW.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')"
        " <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((NEW.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = "
        "NEW.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = "
        "report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, male ="
        " report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gender = "
        "report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + "
        "excluded.age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = "
        "report_rollup.age_19_24 + excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, "
        "age_over_30 = report_rollup.age_over_30 + excluded.age_over_30, minority = report_rollup.minority + "
        "excluded.minority, religious = report_rollup.religious + excluded.religious; INSERT INTO report_group (unit_id, "
        "period, group_code, n) SELECT a.value, p.code, NEW.group_code, 1 FROM (SELECT (to_char((NEW.introduced_at) AT "
        "TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (NEW.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((NEW.introduced_at) AT TIME"
        " ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id "
        "= NEW.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n ="
        " report_group.n + excluded.n; RETURN NEW; END $$"
    ),
    (
        "CREATE OR REPLACE FUNCTION report_youth_del() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO "
        "report_rollup (unit_id, period, introduced, fulfilled, male, female, other_gender, age_under_16, age_16_18, "
        "age_19_24, age_25_30, age_over_30, minority, religious) SELECT a.value, p.code, -1 * 1, -1 * CASE WHEN NOT "
        "EXISTS (SELECT 1 FROM youth o WHERE o.introduced_by = OLD.introduced_by AND o.unit_id = OLD.unit_id AND o.id <> "
        "OLD.id AND ((to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM "
        "(o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) = p.code OR "
        "to_char((o.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') = p.code)) THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "OLD.gender = 'male' THEN 1 ELSE 0 END, -1 * CASE WHEN OLD.gender = 'female' THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "OLD.gender NOT IN ('male', 'female') THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME"
        " ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 15 THEN 1 ELSE 0 END, -1 * CASE WHEN "
        "(CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 16 "
        "AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= "
        "18 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') "
        "AS INTEGER) - OLD.birth_year) >= 19 AND (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', "
        "'YYYY') AS INTEGER) - OLD.birth_year) <= 24 THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) "
        "AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) >= 25 AND "
        "(CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS INTEGER) - OLD.birth_year) <= 30 "
        "THEN 1 ELSE 0 END, -1 * CASE WHEN (CAST(to_char((OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') AS "
        "INTEGER) - OLD.birth_year) >= 31 THEN 1 ELSE 0 END, -1 * CASE WHEN <minority:OLD> THEN 1 ELSE 0 END, -1 * CASE "
        "WHEN <religious:OLD> THEN 1 ELSE 0 END FROM (SELECT (to_char((OLD.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.introduced_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')"
        " <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((OLD.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id = "
        "OLD.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period) DO UPDATE SET introduced = "
        "report_rollup.introduced + excluded.introduced, fulfilled = report_rollup.fulfilled + excluded.fulfilled, male ="
        " report_rollup.male + excluded.male, female = report_rollup.female + excluded.female, other_gender = "
        "report_rollup.other_gender + excluded.other_gender, age_under_16 = report_rollup.age_under_16 + "
        "excluded.age_under_16, age_16_18 = report_rollup.age_16_18 + excluded.age_16_18, age_19_24 = "
        "report_rollup.age_19_24 + excluded.age_19_24, age_25_30 = report_rollup.age_25_30 + excluded.age_25_30, "
        "age_over_30 = report_rollup.age_over_30 + excluded.age_over_30, minority = report_rollup.minority + "
        "excluded.minority, religious = report_rollup.religious + excluded.religious; INSERT INTO report_group (unit_id, "
        "period, group_code, n) SELECT a.value, p.code, OLD.group_code, -1 FROM (SELECT (to_char((OLD.introduced_at) AT "
        "TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY') || CASE WHEN extract(month FROM (OLD.introduced_at) AT TIME ZONE "
        "'Asia/Ho_Chi_Minh') <= 6 THEN '-H1' ELSE '-H2' END) AS code UNION ALL SELECT to_char((OLD.introduced_at) AT TIME"
        " ZONE 'Asia/Ho_Chi_Minh', 'YYYY')) p, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit WHERE id "
        "= OLD.unit_id)), '/')::int[]) AS a(value) WHERE true ON CONFLICT (unit_id, period, group_code) DO UPDATE SET n ="
        " report_group.n + excluded.n; INSERT INTO report_rollup (unit_id, period, participating, joined_hoi, admitted) "
        "SELECT a.value, v.code, -1 * max(CASE WHEN v.kind = 'activity' THEN 1 ELSE 0 END), -1 * max(CASE WHEN v.kind = "
        "'joined_hoi' THEN 1 ELSE 0 END), -1 * max(CASE WHEN v.kind = 'admitted' THEN 1 ELSE 0 END) FROM (SELECT "
        "(to_char(e.on_date, 'YYYY') || CASE WHEN extract(month FROM e.on_date) <= 6 THEN '-H1' ELSE '-H2' END) AS code, "
        "e.kind FROM participation e WHERE e.youth_id = OLD.id AND e.kind IN ('activity', 'joined_hoi', 'admitted') UNION"
        " ALL SELECT to_char(e.on_date, 'YYYY'), e.kind FROM participation e WHERE e.youth_id = OLD.id AND e.kind IN "
        "('activity', 'joined_hoi', 'admitted')) v, unnest(string_to_array(trim(both '/' from (SELECT path FROM unit "
        "WHERE id = OLD.unit_id)), '/')::int[]) AS a(value) WHERE true GROUP BY a.value, v.code ON CONFLICT (unit_id, "
        "period) DO UPDATE SET participating = report_rollup.participating + excluded.participating, joined_hoi = "
        "report_rollup.joined_hoi + excluded.joined_hoi, admitted = report_rollup.admitted + excluded.admitted; INSERT "
        "INTO report_unit (unit_id, engaged) SELECT a.value, -1 FROM unnest(string_to_array(trim(both '/' from (SELECT "
        "path FROM unit WHERE id = OLD.unit_id)), '/')::int[]) AS a(value) WHERE OLD.status IN ('participating', "
        "'joined_hoi', 'admitted') ON CONFLICT (unit_id) DO UPDATE SET engaged = report_unit.engaged + excluded.engaged; "
        "RETURN OLD; END $$"
    ),
)
