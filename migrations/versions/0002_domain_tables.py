"""domain tables: youth, participation, integrity flags, evaluation, survey, target, outbox

Revision ID: 0002
Revises: 0001

"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'channel', 'not_before'], unique=False)

    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lessons', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('difficulties', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('proposals', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.ForeignKeyConstraint(['submitted_by'], ['member.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period', 'unit_id', name='uq_evaluation')
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_unit_id'), ['unit_id'], unique=False)

    op.create_table('integrity_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('youth_id', sa.Integer(), nullable=True),
    sa.Column('other_youth_id', sa.Integer(), nullable=True),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('integrity_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integrity_flag_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_integrity_flag_youth_id'), ['youth_id'], unique=False)

    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('youth_population', sa.Integer(), nullable=False),
    sa.Column('youth_reached', sa.Integer(), nullable=True),
    sa.Column('groups', sa.Integer(), nullable=False),
    sa.Column('groups_note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['member.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period', 'unit_id', name='uq_survey')
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_unit_id'), ['unit_id'], unique=False)

    op.create_table('target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['set_by'], ['member.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'year', 'metric', name='uq_target')
    )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_unit_id'), ['unit_id'], unique=False)

    op.create_table('youth',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('gender', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('group_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('introduced_to', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('ethnicity', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('religion', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('introduced_by', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('introduced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['introduced_by'], ['member.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('phone')
    )
    with op.batch_alter_table('youth', schema=None) as batch_op:
        batch_op.create_index('ix_youth_dup', ['name_key', 'birth_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_youth_introduced_at'), ['introduced_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_youth_introduced_by'), ['introduced_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_youth_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_youth_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('evaluation_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('introduced', sa.Integer(), nullable=False),
    sa.Column('fulfilled', sa.Boolean(), nullable=False),
    sa.Column('corrected', sa.Boolean(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('propose_admission_youth_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('evaluation_id', 'member_id', name='uq_evaluation_line')
    )
    with op.batch_alter_table('evaluation_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_line_evaluation_id'), ['evaluation_id'], unique=False)

    op.create_table('participation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('youth_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('activity', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('decision_no', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by'], ['member.id'], ),
    sa.ForeignKeyConstraint(['youth_id'], ['youth.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participation_youth_id'), ['youth_id'], unique=False)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nudges', sa.Boolean(), nullable=False, server_default=sa.true()))



def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('nudges')

    with op.batch_alter_table('participation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participation_youth_id'))

    op.drop_table('participation')
    with op.batch_alter_table('evaluation_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_line_evaluation_id'))

    op.drop_table('evaluation_line')
    with op.batch_alter_table('youth', schema=None) as batch_op:
        batch_op.drop_index('ix_youth_unit_status')
        batch_op.drop_index(batch_op.f('ix_youth_unit_id'))
        batch_op.drop_index(batch_op.f('ix_youth_introduced_by'))
        batch_op.drop_index(batch_op.f('ix_youth_introduced_at'))
        batch_op.drop_index('ix_youth_dup')

    op.drop_table('youth')
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_unit_id'))

    op.drop_table('target')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_unit_id'))
        batch_op.drop_index(batch_op.f('ix_survey_period'))

    op.drop_table('survey')
    with op.batch_alter_table('integrity_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integrity_flag_youth_id'))
        batch_op.drop_index(batch_op.f('ix_integrity_flag_unit_id'))

    op.drop_table('integrity_flag')
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_unit_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_period'))

    op.drop_table('evaluation')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outbox')
