"""drop ix_youth_unit_id: ix_youth_unit_status (unit_id, status) answers every lookup by unit the same way

Revision ID: 0015_drop_youth_unit_index
Revises: 0014_counted_by_fold

Issue 13: on PostgreSQL the fold marks every new young person counted, an UPDATE that writes an entry in each of
the table's indexes; the writers benchmark's registrations kept 68-79% of their rate without the rollups, the
fold's UPDATE being most of the difference. The index on `unit_id` alone duplicates the leading column of
`ix_youth_unit_status`, which serves the lookups by unit (a branch's young people, a merge moving them, the
foreign key's checks when a unit is deleted): one index fewer to write on every registration and every fold.
Plain index operations on both databases (a batch operation would rebuild the SQLite table without its triggers).
"""

from alembic import op

revision = '0015_drop_youth_unit_index'
down_revision = '0014_counted_by_fold'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_youth_unit_id', table_name='youth')


def downgrade() -> None:
    op.create_index('ix_youth_unit_id', 'youth', ['unit_id'], unique=False)
