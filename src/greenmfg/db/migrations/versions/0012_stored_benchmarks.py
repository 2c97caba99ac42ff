"""compliance: stored benchmark results (per facility-period-product and edition option), pooled
plant-years and the benchmarking record of each calculation run (issue #11 part 4)

Revision ID: 0012_stored_benchmarks
Revises: 0011_diagnosis_pump_fields
Create Date: 2026-12-06 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import greenmfg.db.base

revision = '0012_stored_benchmarks'
down_revision = '0011_diagnosis_pump_fields'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('benchmark_plant_years',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('span', sa.String(length=7), nullable=False),
    sa.Column('by_period', sa.Boolean(), nullable=False),
    sa.Column('option', sa.String(length=16), nullable=False),
    sa.Column('reference_key', sa.String(length=64), nullable=False),
    sa.Column('product', sa.String(length=64), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=True),
    sa.Column('indicator_name', sa.String(length=255), nullable=False),
    sa.Column('indicator_name_zh', sa.String(length=255), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('edition', sa.String(length=16), nullable=True),
    sa.Column('benchmark_level', sa.Float(), nullable=True),
    sa.Column('baseline_level', sa.Float(), nullable=True),
    sa.Column('benchmark_key', sa.String(length=64), nullable=True),
    sa.Column('output', sa.Float(), nullable=False),
    sa.Column('output_unit', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('cls', sa.String(length=16), nullable=False),
    sa.Column('gap_to_benchmark', sa.Float(), nullable=True),
    sa.Column('gap_to_baseline', sa.Float(), nullable=True),
    sa.Column('savings_to_benchmark_tce', sa.Float(), nullable=False),
    sa.Column('savings_to_baseline_tce', sa.Float(), nullable=False),
    sa.Column('savings_to_benchmark_tco2', sa.Float(), nullable=False),
    sa.Column('savings_to_baseline_tco2', sa.Float(), nullable=False),
    sa.Column('quota_standard', sa.String(length=32), nullable=True),
    sa.Column('quota_grade', sa.String(length=8), nullable=True),
    sa.Column('periods', JSON, nullable=False),
    sa.Column('unverified', JSON, nullable=False),
    sa.Column('reasons', JSON, nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_benchmark_plant_years_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_benchmark_plant_years_facility_id_facilities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_benchmark_plant_years_run_id_calculation_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_plant_years'))
    )
    with op.batch_alter_table('benchmark_plant_years', schema=None) as batch_op:
        batch_op.create_index('ix_benchmark_plant_years_enterprise', ['enterprise_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_benchmark_plant_years_run_id'), ['run_id'], unique=False)
        batch_op.create_index('ix_benchmark_plant_years_view', ['year', 'option', 'by_period', 'enterprise_id'], unique=False)

    op.create_table('benchmark_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('data_version_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=64), nullable=False),
    sa.Column('option', sa.String(length=16), nullable=False),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('reference_key', sa.String(length=64), nullable=False),
    sa.Column('indicator', sa.String(length=64), nullable=True),
    sa.Column('variant', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('output', sa.Float(), nullable=True),
    sa.Column('output_unit', sa.String(length=32), nullable=False),
    sa.Column('edition', sa.String(length=16), nullable=True),
    sa.Column('benchmark_level', sa.Float(), nullable=True),
    sa.Column('baseline_level', sa.Float(), nullable=True),
    sa.Column('cls', sa.String(length=16), nullable=True),
    sa.Column('gap_to_benchmark', sa.Float(), nullable=True),
    sa.Column('gap_to_baseline', sa.Float(), nullable=True),
    sa.Column('savings_to_benchmark_tce', sa.Float(), nullable=True),
    sa.Column('savings_to_baseline_tce', sa.Float(), nullable=True),
    sa.Column('savings_to_benchmark_tco2', sa.Float(), nullable=True),
    sa.Column('savings_to_baseline_tco2', sa.Float(), nullable=True),
    sa.Column('quota_standard', sa.String(length=32), nullable=True),
    sa.Column('quota_grade', sa.String(length=8), nullable=True),
    sa.Column('quota_limits', JSON, nullable=False),
    sa.Column('levels', JSON, nullable=False),
    sa.Column('warnings', JSON, nullable=False),
    sa.Column('derivation', JSON, nullable=False),
    sa.ForeignKeyConstraint(['data_version_id'], ['data_versions.id'], name=op.f('fk_benchmark_results_data_version_id_data_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_benchmark_results_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_benchmark_results_facility_id_facilities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_benchmark_results_run_id_calculation_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_results'))
    )
    with op.batch_alter_table('benchmark_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_results_data_version_id'), ['data_version_id'], unique=False)
        batch_op.create_index('ix_benchmark_results_enterprise_current', ['enterprise_id', 'current', 'option', 'period'], unique=False)
        batch_op.create_index('ix_benchmark_results_facility_period', ['facility_id', 'period'], unique=False)
        batch_op.create_index(batch_op.f('ix_benchmark_results_run_id'), ['run_id'], unique=False)

    op.create_table('benchmark_runs',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('reference_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('provenance', JSON, nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_benchmark_runs_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_benchmark_runs_run_id_calculation_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_benchmark_runs'))
    )
    with op.batch_alter_table('benchmark_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_benchmark_runs_enterprise_id'), ['enterprise_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('benchmark_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benchmark_runs_enterprise_id'))

    op.drop_table('benchmark_runs')
    with op.batch_alter_table('benchmark_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benchmark_results_run_id'))
        batch_op.drop_index('ix_benchmark_results_facility_period')
        batch_op.drop_index('ix_benchmark_results_enterprise_current')
        batch_op.drop_index(batch_op.f('ix_benchmark_results_data_version_id'))

    op.drop_table('benchmark_results')
    with op.batch_alter_table('benchmark_plant_years', schema=None) as batch_op:
        batch_op.drop_index('ix_benchmark_plant_years_view')
        batch_op.drop_index(batch_op.f('ix_benchmark_plant_years_run_id'))
        batch_op.drop_index('ix_benchmark_plant_years_enterprise')

    op.drop_table('benchmark_plant_years')
