"""green evaluations: green-factory, green-park and green-supply-chain self-evaluations (issue #4 item 3)

Revision ID: 0004_green_evaluations
Revises: 0002_capacity
Create Date: 2026-11-21 17:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import greenmfg.db.base

revision = '0004_green_evaluations'
down_revision = '0002_capacity'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('green_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('framework', sa.String(length=32), nullable=False),
    sa.Column('edition', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('inputs', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('total_score', sa.Float(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'final')", name=op.f('ck_green_evaluations_status')),
    sa.CheckConstraint("subject IN ('factory', 'park', 'supply_chain')", name=op.f('ck_green_evaluations_subject')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_green_evaluations_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_green_evaluations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_evaluations'))
    )
    with op.batch_alter_table('green_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_evaluations_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_green_evaluations_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('green_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_evaluations_status'))
        batch_op.drop_index(batch_op.f('ix_green_evaluations_organisation_id'))

    op.drop_table('green_evaluations')
