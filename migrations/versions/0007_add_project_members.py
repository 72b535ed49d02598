"""Add project members, each with a role in the project; backfill them from existing work

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 13:30:00.000000

Everyone who has work in a project (an assignment, an annotation, a batch they created, gold
they curated or closed, a change in the audit trail) becomes a member of it, with their site
role as their role there: what worked for them before the upgrade keeps working.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# (user id, project id) pairs of existing work, one SELECT per kind.
WORK = """
    SELECT a.annotator_id AS user_id, b.project_id AS project_id
      FROM assignment a JOIN batch b ON b.id = a.batch_id
    UNION SELECT b.created_by_id, b.project_id FROM batch b WHERE b.created_by_id IS NOT NULL
    UNION SELECT n.annotator_id, s.project_id
      FROM annotation n JOIN sentence s ON s.id = n.sentence_id
    UNION SELECT d.curator_id, s.project_id
      FROM gold_decision d JOIN gold_sentence g ON g.id = d.gold_id
      JOIN sentence s ON s.id = g.sentence_id WHERE d.curator_id IS NOT NULL
    UNION SELECT p.curator_id, s.project_id
      FROM gold_span p JOIN gold_sentence g ON g.id = p.gold_id
      JOIN sentence s ON s.id = g.sentence_id WHERE p.curator_id IS NOT NULL
    UNION SELECT g.closed_by_id, s.project_id
      FROM gold_sentence g JOIN sentence s ON s.id = g.sentence_id
      WHERE g.closed_by_id IS NOT NULL
    UNION SELECT e.actor_id, s.project_id
      FROM audit_event e JOIN sentence s ON s.id = e.sentence_id WHERE e.actor_id IS NOT NULL
"""


def upgrade():
    op.create_table('project_member',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('annotator', 'curator', 'admin')", name=op.f('ck_project_member_role')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_project_member_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_project_member_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('project_id', 'user_id', name=op.f('pk_project_member'))
    )
    with op.batch_alter_table('project_member', schema=None) as batch_op:
        batch_op.create_index('ix_project_member_user', ['user_id'], unique=False)

    op.execute(
        'INSERT INTO project_member (project_id, user_id, role, added_at) '
        'SELECT w.project_id, w.user_id, u.role, CURRENT_TIMESTAMP '
        f'FROM ({WORK}) w JOIN "user" u ON u.id = w.user_id'
    )


def downgrade():
    with op.batch_alter_table('project_member', schema=None) as batch_op:
        batch_op.drop_index('ix_project_member_user')

    op.drop_table('project_member')
