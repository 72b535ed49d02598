"""Add background jobs and their files

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 20:30:00

``job`` holds what a background job is, for whom, how far it got and how it ended (the queue
itself is Huey's, annotator/jobs/queue.py); ``job_file`` holds a job's uploads and output
files in pieces, so that any worker and any app server can read them.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('log', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('cancel_requested', sa.Boolean(), nullable=False),
        sa.Column('worker', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['project_id'], ['project.id'],
                                name=op.f('fk_job_project_id_project'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_job_user_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job')),
        sa.UniqueConstraint('key', name=op.f('uq_job_key')),
    )
    op.create_index('ix_job_state_heartbeat', 'job', ['state', 'heartbeat_at'], unique=False)
    op.create_index('ix_job_project_kind', 'job', ['project_id', 'kind', 'id'], unique=False)
    op.create_index('ix_job_user', 'job', ['user_id', 'id'], unique=False)
    op.create_table(
        'job_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=8), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('piece', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_job_file_job_id_job'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_file')),
    )
    op.create_index('ix_job_file_job', 'job_file', ['job_id', 'role', 'name', 'piece'],
                    unique=False)


def downgrade():
    op.drop_index('ix_job_file_job', table_name='job_file')
    op.drop_table('job_file')
    op.drop_index('ix_job_user', table_name='job')
    op.drop_index('ix_job_project_kind', table_name='job')
    op.drop_index('ix_job_state_heartbeat', table_name='job')
    op.drop_table('job')
