"""targets: an enterprise's yearly targets for energy, emissions and intensities (issue #15 item 8)

Revision ID: 0020_enterprise_targets
Revises: 0019_audit_keys
Create Date: 2026-12-06 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import greenmfg.db.base

revision = '0020_enterprise_targets'
down_revision = '0019_audit_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('enterprise_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('product', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_at', greenmfg.db.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint("metric IN ('energy_tce', 'emissions_tco2e', 'energy_intensity', 'emission_intensity', 'energy_per_output', 'emissions_per_output')", name=op.f('ck_enterprise_targets_metric')),
    sa.CheckConstraint('value > 0', name=op.f('ck_enterprise_targets_positive')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_enterprise_targets_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_enterprise_targets_set_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_targets')),
    sa.UniqueConstraint('enterprise_id', 'year', 'metric', 'product', name=op.f('uq_enterprise_targets_enterprise_id_year_metric_product'))
    )
    with op.batch_alter_table('enterprise_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_targets_enterprise_id'), ['enterprise_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('enterprise_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_targets_enterprise_id'))
    op.drop_table('enterprise_targets')
