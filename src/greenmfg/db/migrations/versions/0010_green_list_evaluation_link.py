"""green list: an application's self-evaluation links to the stored green-manufacturing evaluation

Revision ID: 0010_green_list_evaluation_link
Revises: 0009_savings_reports
Create Date: 2026-11-21 18:05:00
"""

from __future__ import annotations

from alembic import op

revision = '0010_green_list_evaluation_link'
down_revision = '0009_savings_reports'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('green_list_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_list_applications_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_green_list_applications_evaluation_id_green_evaluations'),
                                    'green_evaluations', ['evaluation_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('green_list_applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_green_list_applications_evaluation_id_green_evaluations'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_green_list_applications_evaluation_id'))
