"""Add annotator pseudonyms: a stable "Annotator <number>" per annotator and project

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 13:40:00.000000

Existing annotators are numbered at once, per project in the order of their first annotation
there, so that every page and export shows the same pseudonym from the start.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('annotator_pseudonym',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_annotator_pseudonym_number_positive')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'],
                            name=op.f('fk_annotator_pseudonym_project_id_project'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                            name=op.f('fk_annotator_pseudonym_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'user_id', name=op.f('pk_annotator_pseudonym')),
    sa.UniqueConstraint('project_id', 'number',
                        name=op.f('uq_annotator_pseudonym_project_id_number'))
    )
    # Backfill: window functions run alike on SQLite (3.25+) and PostgreSQL.
    op.execute(
        "INSERT INTO annotator_pseudonym (project_id, user_id, number) "
        "SELECT project_id, annotator_id, "
        "ROW_NUMBER() OVER (PARTITION BY project_id ORDER BY first_id) "
        "FROM (SELECT sentence.project_id AS project_id, annotation.annotator_id AS annotator_id, "
        "MIN(annotation.id) AS first_id FROM annotation "
        "JOIN sentence ON sentence.id = annotation.sentence_id "
        "GROUP BY sentence.project_id, annotation.annotator_id) AS firsts"
    )


def downgrade():
    op.drop_table('annotator_pseudonym')
