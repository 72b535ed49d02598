"""Add event-frame relations: an annotation's links between its spans, and gold's

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:00:00

Existing annotations and gold have no relations: nothing to backfill.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('relation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('annotation_id', sa.Integer(), nullable=False),
    sa.Column('head_start', sa.Integer(), nullable=False),
    sa.Column('head_end', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('child_start', sa.Integer(), nullable=False),
    sa.Column('child_end', sa.Integer(), nullable=False),
    sa.CheckConstraint('head_start >= 0 AND head_start < head_end', name=op.f('ck_relation_head_offsets')),
    sa.CheckConstraint('child_start >= 0 AND child_start < child_end', name=op.f('ck_relation_child_offsets')),
    sa.ForeignKeyConstraint(['annotation_id'], ['annotation.id'], name=op.f('fk_relation_annotation_id_annotation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relation'))
    )
    with op.batch_alter_table('relation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relation_annotation_id'), ['annotation_id'], unique=False)

    op.create_table('gold_relation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('gold_id', sa.Integer(), nullable=False),
    sa.Column('head_start', sa.Integer(), nullable=False),
    sa.Column('head_end', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('child_start', sa.Integer(), nullable=False),
    sa.Column('child_end', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('voters', sa.Integer(), nullable=False),
    sa.Column('annotators', sa.JSON(), nullable=False),
    sa.Column('curator_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('head_start >= 0 AND head_start < head_end', name=op.f('ck_gold_relation_head_offsets')),
    sa.CheckConstraint('child_start >= 0 AND child_start < child_end', name=op.f('ck_gold_relation_child_offsets')),
    sa.CheckConstraint('votes >= 0 AND votes <= voters', name=op.f('ck_gold_relation_votes')),
    sa.ForeignKeyConstraint(['curator_id'], ['user.id'], name=op.f('fk_gold_relation_curator_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['gold_id'], ['gold_sentence.id'], name=op.f('fk_gold_relation_gold_id_gold_sentence'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gold_relation'))
    )
    with op.batch_alter_table('gold_relation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gold_relation_gold_id'), ['gold_id'], unique=False)


def downgrade():
    with op.batch_alter_table('gold_relation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gold_relation_gold_id'))
    op.drop_table('gold_relation')
    with op.batch_alter_table('relation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relation_annotation_id'))
    op.drop_table('relation')
