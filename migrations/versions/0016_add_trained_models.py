"""Add trained models

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 20:45:00

``trained_model`` keeps every model trained on a project's gold (annotator/learning): its
version, data sizes, scores per label and overall, the gazetteer baseline, the training curve,
the folder it was saved to, and whether it is the project's active one (at most one: a partial
unique index). New table, nothing to backfill.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'trained_model',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('epochs', sa.Integer(), nullable=False),
        sa.Column('split', sa.String(length=16), nullable=False),
        sa.Column('seed', sa.Integer(), nullable=False),
        sa.Column('train_sentences', sa.Integer(), nullable=False),
        sa.Column('train_spans', sa.Integer(), nullable=False),
        sa.Column('dev_sentences', sa.Integer(), nullable=False),
        sa.Column('dev_spans', sa.Integer(), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('baseline', sa.JSON(), nullable=False),
        sa.Column('curve', sa.JSON(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('path', sa.String(length=1000), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['job.id'],
                                name=op.f('fk_trained_model_job_id_job'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['project_id'], ['project.id'],
                                name=op.f('fk_trained_model_project_id_project'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trained_model')),
        sa.UniqueConstraint('project_id', 'version',
                            name=op.f('uq_trained_model_project_id_version')),
    )
    op.create_index('uq_trained_model_active', 'trained_model', ['project_id'], unique=True,
                    sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))


def downgrade():
    op.drop_index('uq_trained_model_active', table_name='trained_model')
    op.drop_table('trained_model')
