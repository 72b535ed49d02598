"""Add suggestion sources (gazetteer lists, token patterns, settings), their event record, the
batch's suggestions switch and the origin of a span made from an accepted suggestion

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 20:20:00

Existing batches get suggestions off (the server default: the bias-free setting every batch
had), existing spans no origin (they were all drawn by hand): nothing else to backfill.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suggestions', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('span', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.JSON(none_as_null=True), nullable=True))

    op.create_table('suggestion_setting',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('ignore_case', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'],
        name=op.f('fk_suggestion_setting_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', name=op.f('pk_suggestion_setting'))
    )
    op.create_table('gazetteer_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
        name=op.f('fk_gazetteer_list_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'],
        name=op.f('fk_gazetteer_list_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gazetteer_list')),
    sa.UniqueConstraint('project_id', 'name', name=op.f('uq_gazetteer_list_project_id_name'))
    )
    op.create_table('gazetteer_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('label', sa.String(length=32), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['list_id'], ['gazetteer_list.id'],
        name=op.f('fk_gazetteer_entry_list_id_gazetteer_list'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gazetteer_entry'))
    )
    with op.batch_alter_table('gazetteer_entry', schema=None) as batch_op:
        batch_op.create_index('ix_gazetteer_entry_list', ['list_id'], unique=False)
    op.create_table('suggestion_pattern',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=32), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=True),
    sa.Column('pattern', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'],
        name=op.f('fk_suggestion_pattern_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_pattern')),
    sa.UniqueConstraint('project_id', 'name', name=op.f('uq_suggestion_pattern_project_id_name'))
    )
    op.create_table('suggestion_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('sentence_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('start >= 0 AND start < "end"', name=op.f('ck_suggestion_event_offsets')),
    sa.CheckConstraint("action IN ('shown', 'accepted', 'rejected')",
        name=op.f('ck_suggestion_event_action')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'],
        name=op.f('fk_suggestion_event_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sentence_id'], ['sentence.id'],
        name=op.f('fk_suggestion_event_sentence_id_sentence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'],
        name=op.f('fk_suggestion_event_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_event')),
    sa.UniqueConstraint('user_id', 'sentence_id', 'action', 'source', 'name', 'start', 'end',
        'label',
        name='uq_suggestion_event_once')
    )
    with op.batch_alter_table('suggestion_event', schema=None) as batch_op:
        batch_op.create_index('ix_suggestion_event_project',
            ['project_id', 'source', 'name'], unique=False)


def downgrade():
    with op.batch_alter_table('suggestion_event', schema=None) as batch_op:
        batch_op.drop_index('ix_suggestion_event_project')
    op.drop_table('suggestion_event')
    op.drop_table('suggestion_pattern')
    with op.batch_alter_table('gazetteer_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_gazetteer_entry_list')
    op.drop_table('gazetteer_entry')
    op.drop_table('gazetteer_list')
    op.drop_table('suggestion_setting')
    with op.batch_alter_table('span', schema=None) as batch_op:
        batch_op.drop_column('origin')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_column('suggestions')
