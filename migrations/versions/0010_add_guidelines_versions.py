"""Add the published versions of a project's guidelines

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guidelines_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('label_schema', sa.JSON(), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_guidelines_version_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by'], ['user.id'], name=op.f('fk_guidelines_version_published_by_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guidelines_version'))
    )
    with op.batch_alter_table('guidelines_version', schema=None) as batch_op:
        batch_op.create_index('ix_guidelines_version_project', ['project_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('guidelines_version', schema=None) as batch_op:
        batch_op.drop_index('ix_guidelines_version_project')
    op.drop_table('guidelines_version')
