"""Add server-side log-in sessions, the normalised user-name key, and the log-in counters

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:40:00

- ``login_session``: one row per log-in; the cookie carries a secret whose SHA-256 is stored,
  so log-out and "log out everywhere" end sessions on the server. Sessions signed before this
  revision (whose id was ``<user id>:<session_token>``) no longer open anything: everyone
  logs in once more.
- ``user.username_key``: the NFKC case-folded name (``annotator.auth.names.username_key``),
  unique. Backfilled; when two existing names fold to one key the upgrade stops and names them
  (rename one, e.g. ``UPDATE "user" SET username = 'ann1-b' WHERE id = 7``, then upgrade again).
- ``user.session_token`` goes (the log-in sessions replace it).
- ``rate_limit_counter``: the log-in rate limits' counters (``RATELIMIT_STORAGE_URI =
  database://``), shared by every worker and app server.
"""
import unicodedata
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def username_key(name: str) -> str:
    """A copy of annotator.auth.names.username_key as of this revision (migrations must not
    change when the app's code does)."""
    folded = unicodedata.normalize("NFKC", name.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


def username_keys() -> dict[str, int]:
    """Each existing user's key, or (before any change: SQLite's DDL is not transactional)
    an error naming every group of accounts whose names fold to one key."""
    users = op.get_bind().execute(sa.text('SELECT id, username FROM "user" ORDER BY id')).all()
    by_key: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for user_id, username in users:
        by_key[username_key(username)].append((user_id, username))
    clashes = [rows for rows in by_key.values() if len(rows) > 1]
    if clashes:
        listed = "; ".join(", ".join(f"{name!r} (id {uid})" for uid, name in rows)
                           for rows in clashes)
        raise RuntimeError(
            "user names that differ only in case or width are now one name, and these "
            f"accounts clash: {listed}. Rename all but one of each group (e.g. UPDATE \"user\" "
            "SET username = 'new-name' WHERE id = N), then run the upgrade again.")
    return {key: rows[0][0] for key, rows in by_key.items()}


def upgrade():
    keys = username_keys()
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('username_key', sa.String(length=80), nullable=True))
    for key, user_id in keys.items():
        op.get_bind().execute(sa.text('UPDATE "user" SET username_key = :key WHERE id = :id'),
                              {"key": key, "id": user_id})
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('username_key', existing_type=sa.String(length=80), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_user_username_key'), ['username_key'])
        batch_op.drop_column('session_token')

    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                            name=op.f('fk_login_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_login_session_key_hash'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_expires_at'), ['expires_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)

    op.create_table('rate_limit_counter',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counter'))
    )
    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counter_expires_at'), ['expires_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('rate_limit_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counter_expires_at'))
    op.drop_table('rate_limit_counter')
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_session_expires_at'))
    op.drop_table('login_session')
    with op.batch_alter_table('user', schema=None) as batch_op:
        # Every session ends: a fresh random token per user.
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=False,
                                      server_default='downgraded'))
        batch_op.drop_constraint(batch_op.f('uq_user_username_key'), type_='unique')
        batch_op.drop_column('username_key')
