"""personal data and inspection: who consented for a child; when a
young person's record was last written and when it was anonymised; when a member's data was erased; the unit of
an audit line; what an integrity check found, its dedupe key and the inspector's review

Revision ID: 0007_privacy
Revises: 0006_web

New columns carry no foreign key, so that SQLite adds them in place instead of rebuilding `youth` and `member`
with their triggers. `youth.updated_at` starts as the later of the registration and the last status change.
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_privacy'
down_revision = '0006_web'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('youth', sa.Column('consent_by', sa.String(length=16), nullable=True))
    op.add_column('youth', sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('youth', sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE youth SET updated_at = CASE WHEN status_at > introduced_at THEN status_at ELSE introduced_at END"
    )
    op.create_index('ix_youth_updated_at', 'youth', ['updated_at'])
    op.add_column('member', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('audit', sa.Column('unit_id', sa.Integer(), nullable=True))
    op.create_index('ix_audit_unit_id', 'audit', ['unit_id'])
    with op.batch_alter_table('integrity_flag') as batch_op:
        batch_op.add_column(sa.Column('detail', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=96), nullable=True))
        batch_op.add_column(sa.Column('review', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint('uq_integrity_flag_dedupe_key', ['dedupe_key'])


def downgrade() -> None:
    with op.batch_alter_table('integrity_flag') as batch_op:
        batch_op.drop_constraint('uq_integrity_flag_dedupe_key', type_='unique')
        for column in ('reviewed_at', 'reviewed_by', 'review_note', 'review', 'dedupe_key', 'detail'):
            batch_op.drop_column(column)
    op.drop_index('ix_audit_unit_id', table_name='audit')
    op.drop_column('audit', 'unit_id')
    op.drop_column('member', 'erased_at')
    op.drop_index('ix_youth_updated_at', table_name='youth')
    for column in ('anonymised_at', 'updated_at', 'consent_by'):
        op.drop_column('youth', column)
