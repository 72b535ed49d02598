"""Add document.import_id (documents a chunked import is still writing stay hidden) and an
index of excluded sentences (counted without reading every sentence)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Existing documents are published: NULL (the default) is what they need, no backfill.
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_id', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_document_project_import', ['project_id', 'import_id'],
                              unique=False)
    op.create_index('ix_sentence_excluded', 'sentence', ['project_id'], unique=False,
                    sqlite_where=sa.text('excluded = 1'), postgresql_where=sa.text('excluded'))


def downgrade():
    op.drop_index('ix_sentence_excluded', table_name='sentence')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index('ix_document_project_import')
        batch_op.drop_column('import_id')
