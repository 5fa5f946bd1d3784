"""the roster: member numbers, folded names, birth dates and positions for matching imported rows; members
who left (reason, date); officers' records no longer counted as members; transfers between branches; units
merged into another; who recorded a young person on someone's behalf

Revision ID: 0005_roster
Revises: 0004_sensitive_codes

Existing members get `name_key`, their name folded as storage.members.person_key folds it (copied below, so
that this text does the same whatever that code becomes). A member whose unit has units below it joined with
an officer invite and is nobody's branch member: their status becomes `staff`, and the report trigger on
`member` takes them out of the member counts. New columns carry no foreign key, so that SQLite adds them in
place instead of rebuilding `member`, `unit` and `youth` with their triggers.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0005_roster'
down_revision = '0004_sensitive_codes'
branch_labels = None
depends_on = None


def _person_key(name: str) -> str:
    composed = " ".join(unicodedata.normalize("NFC", name).split()).casefold()
    bare = "".join(ch for ch in unicodedata.normalize("NFD", composed) if not unicodedata.combining(ch))
    return bare.replace("đ", "d")[:100]


def upgrade() -> None:
    op.add_column('member', sa.Column('name_key', sa.String(length=100), server_default='', nullable=False))
    op.add_column('member', sa.Column('birth_date', sa.Date(), nullable=True))
    op.add_column('member', sa.Column('member_no', sa.String(length=20), nullable=True))
    op.add_column('member', sa.Column('position', sa.String(length=16), nullable=True))
    op.add_column('member', sa.Column('left_reason', sa.String(length=16), nullable=True))
    op.add_column('member', sa.Column('left_on', sa.Date(), nullable=True))
    op.create_index('ix_member_unit_name', 'member', ['unit_id', 'name_key'])
    op.create_index('ix_member_phone', 'member', ['phone'])
    op.create_index('uq_member_no', 'member', ['member_no'], unique=True)
    op.add_column('unit', sa.Column('merged_into_id', sa.Integer(), nullable=True))
    op.add_column('youth', sa.Column('recorded_by', sa.Integer(), nullable=True))
    op.create_table(
        'transfer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('from_unit_id', sa.Integer(), nullable=False),
        sa.Column('to_unit_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('requested_by', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['member.id']),
        sa.ForeignKeyConstraint(['from_unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['to_unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['requested_by'], ['member.id']),
        sa.ForeignKeyConstraint(['decided_by'], ['member.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_transfer_member_id', 'transfer', ['member_id'])
    op.create_index('ix_transfer_to_status', 'transfer', ['to_unit_id', 'status'])

    connection = op.get_bind()
    members = connection.execute(sa.text('SELECT id, full_name FROM member')).all()
    for member_id, full_name in members:
        connection.execute(sa.text('UPDATE member SET name_key = :key WHERE id = :id'),
                           {'key': _person_key(full_name), 'id': member_id})
    connection.execute(sa.text(
        "UPDATE member SET status = 'staff' WHERE status = 'active' "
        "AND unit_id IN (SELECT parent_id FROM unit WHERE parent_id IS NOT NULL)"))


def downgrade() -> None:
    connection = op.get_bind()
    connection.execute(sa.text("UPDATE member SET status = 'active' WHERE status IN ('staff', 'pending')"))
    op.drop_index('ix_transfer_to_status', table_name='transfer')
    op.drop_index('ix_transfer_member_id', table_name='transfer')
    op.drop_table('transfer')
    op.drop_column('youth', 'recorded_by')
    op.drop_column('unit', 'merged_into_id')
    op.drop_index('uq_member_no', table_name='member')
    op.drop_index('ix_member_phone', table_name='member')
    op.drop_index('ix_member_unit_name', table_name='member')
    for column in ('left_on', 'left_reason', 'position', 'member_no', 'birth_date', 'name_key'):
        op.drop_column('member', column)
