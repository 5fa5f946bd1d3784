"""officers on the web: one-time login links that /web gives a chat identity (only the token's SHA-256 kept);
files sent by link (Zalo takes photos only by URL), kept for a day

Revision ID: 0006_web
Revises: 0005_roster
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_web'
down_revision = '0005_roster'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('identity_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['identity_id'], ['chat_identity.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_login_link_identity', 'login_link', ['identity_id', 'created_at'])
    op.create_table(
        'shared_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=100), nullable=False),
        sa.Column('mime_type', sa.String(length=100), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_shared_file_expires_at', 'shared_file', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_shared_file_expires_at', table_name='shared_file')
    op.drop_table('shared_file')
    op.drop_index('ix_login_link_identity', table_name='login_link')
    op.drop_table('login_link')
