"""Add the folded search text of every sentence

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:50:00

The column is backfilled here from each document's text with the same ``fold`` the import
uses (annotator/corpus/folding.py: no accents, harakat or case), a document at a time.
"""
import sqlalchemy as sa
from alembic import op

from annotator.corpus.folding import fold

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

DOCUMENTS_PER_ROUND = 200


def upgrade():
    with op.batch_alter_table('sentence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='',
                                      nullable=False))
    _backfill(op.get_bind())


def _backfill(conn) -> None:
    """Fold every existing sentence's text into ``search_text``."""
    update = sa.text("UPDATE sentence SET search_text = :folded WHERE id = :id")
    last = 0
    while True:
        documents = conn.execute(sa.text(
            "SELECT id, text FROM document WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": DOCUMENTS_PER_ROUND}).all()
        if not documents:
            return
        texts = dict(documents)
        last = documents[-1][0]
        rows = conn.execute(sa.text(
            'SELECT id, document_id, start, "end" FROM sentence '
            "WHERE document_id > :low AND document_id <= :high"),
            {"low": documents[0][0] - 1, "high": last}).all()
        values = [{"id": sid, "folded": fold(texts[doc][start:end])}
                  for sid, doc, start, end in rows if doc in texts]
        if values:
            conn.execute(update, values)


def downgrade():
    with op.batch_alter_table('sentence', schema=None) as batch_op:
        batch_op.drop_column('search_text')
