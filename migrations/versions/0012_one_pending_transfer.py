"""one pending transfer per member, held by the database: a partial unique index on transfer(member_id) where the
status is pending (the dialog already refuses a second request under a row lock; this holds for any writer)

Revision ID: 0012_one_pending_transfer
Revises: 0011_trigger_locks

A database that somehow holds two pending transfers of one member keeps the earliest and withdraws the others
(status cancelled, dated now) before the index is built, so the upgrade never fails on old data.
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_one_pending_transfer'
down_revision = '0011_trigger_locks'
branch_labels = None
depends_on = None

_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.execute(
        "UPDATE transfer SET status = 'cancelled', decided_at = CURRENT_TIMESTAMP "
        "WHERE status = 'pending' AND EXISTS (SELECT 1 FROM transfer earlier WHERE earlier.member_id = "
        "transfer.member_id AND earlier.status = 'pending' AND earlier.id < transfer.id)")
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.create_index('uq_transfer_pending_member', ['member_id'], unique=True,
                              sqlite_where=_PENDING, postgresql_where=_PENDING)


def downgrade() -> None:
    with op.batch_alter_table('transfer', schema=None) as batch_op:
        batch_op.drop_index('uq_transfer_pending_member', sqlite_where=_PENDING, postgresql_where=_PENDING)
