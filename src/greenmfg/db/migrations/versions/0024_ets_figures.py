"""ets: covered emissions by the guidelines stored per facility-period; PFCs of a filed month

Revision ID: 0024_ets_figures
Revises: 0023_ets_filings
Create Date: 2026-12-08 10:00:00

``ets_figures``: the ETS engine's covered emissions of each current facility-period of a
covered-sector enterprise (by source, PFC CF4/C2F6, purchased electricity and heat as
information, findings, data version and reference fingerprint). ``ets_filings.pfc_tco2e``: the
PFCs of a filed month (0 for months filed before). Data stored before have no figures until a
recalculation (``greenmfg recalc``) or a new import of the enterprise.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from greenmfg.db.base import UTCDateTime

revision = '0024_ets_figures'
down_revision = '0023_ets_filings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ets_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('data_version_id', sa.Integer(), nullable=False),
        sa.Column('sector', sa.String(length=16), nullable=False),
        sa.Column('combustion_tco2', sa.Float(), nullable=False),
        sa.Column('process_tco2', sa.Float(), nullable=False),
        sa.Column('cf4_t', sa.Float(), nullable=False),
        sa.Column('c2f6_t', sa.Float(), nullable=False),
        sa.Column('cf4_tco2e', sa.Float(), nullable=False),
        sa.Column('c2f6_tco2e', sa.Float(), nullable=False),
        sa.Column('covered_tco2e', sa.Float(), nullable=False),
        sa.Column('purchased_electricity_mwh', sa.Float(), nullable=False),
        sa.Column('purchased_electricity_tco2', sa.Float(), nullable=False),
        sa.Column('purchased_heat_tco2', sa.Float(), nullable=False),
        sa.Column('findings', sa.Integer(), nullable=False),
        sa.Column('unverified', sa.Boolean(), nullable=False),
        sa.Column('reference_fingerprint', sa.String(length=64), nullable=False),
        sa.Column('computed_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['data_version_id'], ['data_versions.id'],
                                name=op.f('fk_ets_figures_data_version_id_data_versions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'],
                                name=op.f('fk_ets_figures_enterprise_id_organisations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'],
                                name=op.f('fk_ets_figures_facility_id_facilities'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ets_figures')),
        sa.UniqueConstraint('facility_id', 'period', name=op.f('uq_ets_figures_facility_id_period')),
    )
    with op.batch_alter_table('ets_figures') as batch:
        batch.create_index(batch.f('ix_ets_figures_data_version_id'), ['data_version_id'], unique=False)
        batch.create_index(batch.f('ix_ets_figures_enterprise_id'), ['enterprise_id'], unique=False)
        batch.create_index(batch.f('ix_ets_figures_facility_id'), ['facility_id'], unique=False)
    with op.batch_alter_table('ets_filings') as batch:
        batch.add_column(sa.Column('pfc_tco2e', sa.Float(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('ets_filings') as batch:
        batch.drop_column('pfc_tco2e')
    with op.batch_alter_table('ets_figures') as batch:
        batch.drop_index(batch.f('ix_ets_figures_facility_id'))
        batch.drop_index(batch.f('ix_ets_figures_enterprise_id'))
        batch.drop_index(batch.f('ix_ets_figures_data_version_id'))
    op.drop_table('ets_figures')
