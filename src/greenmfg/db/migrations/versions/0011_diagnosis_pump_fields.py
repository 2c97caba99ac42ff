"""diagnosis: centrifugal pump (GB 19762-2025) and fan (GB 19761-2020) fields of the equipment register

Revision ID: 0011_diagnosis_pump_fields
Revises: 0010_green_list_evaluation_link
Create Date: 2026-11-21 20:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_diagnosis_pump_fields'
down_revision = '0010_green_list_evaluation_link'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('diagnosis_equipment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pump_type', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('flow_m3_h', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('head_m', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('speed_rpm', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('stages', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fan_type', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('pressure_coefficient', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('fan_specific_speed', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('hub_ratio', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('machine_number', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('diagnosis_equipment', schema=None) as batch_op:
        for column in ('machine_number', 'hub_ratio', 'fan_specific_speed', 'pressure_coefficient', 'fan_type',
                       'stages', 'speed_rpm', 'head_m', 'flow_m3_h', 'pump_type'):
            batch_op.drop_column(column)
