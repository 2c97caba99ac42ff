"""savings reports: avoided energy of a reporting period against a stored baseline (issue #5 items 5-7)

Revision ID: 0009_savings_reports
Revises: 0008_diagnosis
Create Date: 2026-11-21 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import greenmfg.db.base

revision = '0009_savings_reports'
down_revision = '0008_diagnosis'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('savings_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('baseline_id', sa.Integer(), nullable=False),
    sa.Column('meter_id', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('days', JSON, nullable=False),
    sa.Column('result', JSON, nullable=False),
    sa.Column('data_source', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_savings_reports_period_in_order')),
    sa.ForeignKeyConstraint(['baseline_id'], ['energy_baselines.id'], name=op.f('fk_savings_reports_baseline_id_energy_baselines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_savings_reports_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_savings_reports_meter_id_meters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_savings_reports'))
    )
    with op.batch_alter_table('savings_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_savings_reports_baseline_id'), ['baseline_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_savings_reports_meter_id'), ['meter_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('savings_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_savings_reports_meter_id'))
        batch_op.drop_index(batch_op.f('ix_savings_reports_baseline_id'))
    op.drop_table('savings_reports')
