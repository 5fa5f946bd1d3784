"""report rollups: per-unit counts for reports, kept exact by triggers on youth, participation and member

Revision ID: 0003_reports
Revises: 0002

The trigger and backfill SQL lives in storage/rollups.py, shared with the benchmark's bulk rebuild.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.rollups import ROLLUP_COLUMNS, drop_sql, install_sql, rebuild_sql

revision = '0003_reports'
down_revision = '0002'
branch_labels = None
depends_on = None


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False, server_default='0')


def upgrade() -> None:
    op.create_table('report_rollup',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    *(_count(name) for name in ROLLUP_COLUMNS),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('unit_id', 'period')
    )
    with op.batch_alter_table('report_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_report_rollup_period', ['period', 'unit_id'], unique=False)

    op.create_table('report_group',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('group_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    _count('n'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('unit_id', 'period', 'group_code')
    )
    op.create_table('report_unit',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    _count('members'),
    _count('engaged'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('unit_id')
    )
    postgres = op.get_bind().dialect.name == 'postgresql'
    for statement in [*rebuild_sql(postgres=postgres), *install_sql(postgres=postgres)]:
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_sql(postgres=op.get_bind().dialect.name == 'postgresql'):
        op.execute(statement)
    with op.batch_alter_table('report_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_report_rollup_period')
    op.drop_table('report_unit')
    op.drop_table('report_group')
    op.drop_table('report_rollup')
