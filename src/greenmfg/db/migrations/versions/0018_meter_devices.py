"""monitoring: meter and gateway credentials (MQTT user + ACL grant, HTTP device token), issue #13 item 4

Revision ID: 0018_meter_devices
Revises: 0017_auth_hardening
Create Date: 2026-12-06 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import greenmfg.db.base

revision = '0018_meter_devices'
down_revision = '0017_auth_hardening'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('meter_devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('secret_hash', sa.String(length=200), nullable=False),
    sa.Column('meter_ids', JSON, nullable=True),
    sa.Column('created_at', greenmfg.db.base.UTCDateTime(), nullable=False),
    sa.Column('rotated_at', greenmfg.db.base.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', greenmfg.db.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_meter_devices_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meter_devices')),
    sa.UniqueConstraint('username', name=op.f('uq_meter_devices_username'))
    )
    with op.batch_alter_table('meter_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meter_devices_enterprise_id'), ['enterprise_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('meter_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meter_devices_enterprise_id'))
    op.drop_table('meter_devices')
