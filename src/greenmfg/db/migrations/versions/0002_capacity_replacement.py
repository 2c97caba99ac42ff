"""capacity replacement: plans and the retired capacity they count (issue #4 item 6)

Revision ID: 0002_capacity
Revises: 0001
Create Date: 2026-11-21 14:41:04.417562
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import greenmfg.db.base

revision = '0002_capacity'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('capacity_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('project_name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=32), nullable=False),
    sa.Column('process', sa.String(length=32), nullable=False),
    sa.Column('capacity', sa.Numeric(precision=18, scale=3), nullable=False),
    sa.Column('unit', sa.String(length=8), nullable=False),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('city', sa.String(length=64), nullable=True),
    sa.Column('application_date', sa.Date(), nullable=False),
    sa.Column('commissioning_date', sa.Date(), nullable=False),
    sa.Column('merger', sa.Boolean(), nullable=False),
    sa.Column('restricted_category', sa.Boolean(), nullable=False),
    sa.Column('cases', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requirement', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('ratio', sa.Numeric(precision=8, scale=4), nullable=False),
    sa.Column('required_capacity', sa.Numeric(precision=18, scale=3), nullable=False),
    sa.Column('strictly_greater', sa.Boolean(), nullable=False),
    sa.Column('warnings', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'approved', 'rejected')", name=op.f('ck_capacity_plans_status')),
    sa.CheckConstraint("unit IN ('t/a', 't/d')", name=op.f('ck_capacity_plans_unit')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_capacity_plans_capacity_positive')),
    sa.CheckConstraint('commissioning_date >= application_date', name=op.f('ck_capacity_plans_dates_in_order')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_capacity_plans_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_capacity_plans_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_capacity_plans_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_capacity_plans_submitted_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capacity_plans'))
    )
    with op.batch_alter_table('capacity_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capacity_plans_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_capacity_plans_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_capacity_plans_province'), ['province'], unique=False)
        batch_op.create_index(batch_op.f('ix_capacity_plans_sector'), ['sector'], unique=False)
        batch_op.create_index(batch_op.f('ix_capacity_plans_status'), ['status'], unique=False)

    op.create_table('capacity_retired_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('facility_code', sa.String(length=64), nullable=False),
    sa.Column('facility_name', sa.String(length=200), nullable=True),
    sa.Column('process', sa.String(length=32), nullable=False),
    sa.Column('capacity', sa.Numeric(precision=18, scale=3), nullable=False),
    sa.Column('unit', sa.String(length=8), nullable=False),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('city', sa.String(length=64), nullable=True),
    sa.Column('retirement_date', sa.Date(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('claim_key', sa.String(length=200), nullable=True),
    sa.CheckConstraint("unit IN ('t/a', 't/d')", name=op.f('ck_capacity_retired_items_unit')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_capacity_retired_items_capacity_positive')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_capacity_retired_items_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['capacity_plans.id'], name=op.f('fk_capacity_retired_items_plan_id_capacity_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_capacity_retired_items')),
    sa.UniqueConstraint('claim_key', name=op.f('uq_capacity_retired_items_claim_key')),
    sa.UniqueConstraint('plan_id', 'position', name=op.f('uq_capacity_retired_items_plan_id_position'))
    )
    with op.batch_alter_table('capacity_retired_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_capacity_retired_items_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_capacity_retired_items_plan_id'), ['plan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('capacity_retired_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capacity_retired_items_plan_id'))
        batch_op.drop_index(batch_op.f('ix_capacity_retired_items_enterprise_id'))

    op.drop_table('capacity_retired_items')
    with op.batch_alter_table('capacity_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_capacity_plans_status'))
        batch_op.drop_index(batch_op.f('ix_capacity_plans_sector'))
        batch_op.drop_index(batch_op.f('ix_capacity_plans_province'))
        batch_op.drop_index(batch_op.f('ix_capacity_plans_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_capacity_plans_city'))

    op.drop_table('capacity_plans')
