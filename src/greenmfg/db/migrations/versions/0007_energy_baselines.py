"""energy baselines: fitted M&V models with method version, data window and metrics (issue #5 item 5)

Revision ID: 0007_energy_baselines
Revises: 0006_monitoring
Create Date: 2026-11-21 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import greenmfg.db.base

revision = '0007_energy_baselines'
down_revision = '0006_monitoring'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('energy_baselines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meter_id', sa.Integer(), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=64), nullable=False),
    sa.Column('method_version', sa.String(length=128), nullable=False),
    sa.Column('ipmvp_option', sa.String(length=1), nullable=False),
    sa.Column('window_start', sa.Date(), nullable=False),
    sa.Column('window_end', sa.Date(), nullable=False),
    sa.Column('drivers', JSON, nullable=False),
    sa.Column('coefficients', JSON, nullable=False),
    sa.Column('metrics', JSON, nullable=False),
    sa.Column('sufficiency', JSON, nullable=False),
    sa.Column('energy_unit', sa.String(length=32), nullable=True),
    sa.Column('data_source', sa.String(length=32), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('meter_id IS NOT NULL OR facility_id IS NOT NULL', name=op.f('ck_energy_baselines_owner')),
    sa.CheckConstraint('window_end >= window_start', name=op.f('ck_energy_baselines_window_in_order')),
    sa.CheckConstraint("ipmvp_option IN ('B', 'C')", name=op.f('ck_energy_baselines_ipmvp_option')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_energy_baselines_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_energy_baselines_facility_id_facilities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meter_id'], ['meters.id'], name=op.f('fk_energy_baselines_meter_id_meters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_energy_baselines'))
    )
    with op.batch_alter_table('energy_baselines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_energy_baselines_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_energy_baselines_meter_id'), ['meter_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('energy_baselines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_energy_baselines_meter_id'))
        batch_op.drop_index(batch_op.f('ix_energy_baselines_facility_id'))
    op.drop_table('energy_baselines')
