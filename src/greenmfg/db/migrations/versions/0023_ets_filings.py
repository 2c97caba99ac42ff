"""ets: covered companies and monthly filings of the national carbon market (issue #16 item 3)

Revision ID: 0023_ets_filings
Revises: 0022_gf_forms
Create Date: 2026-12-06 15:00:00

``ets_coverage`` (covered status per enterprise and year), ``ets_months`` (a month's evidence and
amendment state) and ``ets_filings`` (the filed versions of a month, with their frozen snapshot);
``attachments.media_type`` widened to 100 characters (the .xlsx media type has 65).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from greenmfg.db.base import JSONType, UTCDateTime

revision = '0023_ets_filings'
down_revision = '0022_gf_forms'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # evidence may be an .xlsx workbook, whose media type has 65 characters
    with op.batch_alter_table('attachments') as batch:
        batch.alter_column('media_type', existing_type=sa.String(length=64), type_=sa.String(length=100),
                           existing_nullable=False)
    op.create_table(
        'ets_coverage',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('covered', sa.Boolean(), nullable=False),
        sa.Column('basis', sa.String(length=16), nullable=False),
        sa.Column('sector', sa.String(length=64), nullable=True),
        sa.Column('direct_tco2e', sa.Float(), nullable=True),
        sa.Column('threshold_tco2e', sa.Float(), nullable=True),
        sa.Column('source', sa.String(length=120), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('set_by', sa.Integer(), nullable=True),
        sa.Column('set_at', UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("basis IN ('emissions', 'regulator')", name=op.f('ck_ets_coverage_basis')),
        sa.CheckConstraint("basis <> 'regulator' OR reason IS NOT NULL", name=op.f('ck_ets_coverage_reason_given')),
        sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'],
                                name=op.f('fk_ets_coverage_enterprise_id_organisations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_ets_coverage_set_by_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ets_coverage')),
        sa.UniqueConstraint('enterprise_id', 'year', name=op.f('uq_ets_coverage_enterprise_id_year')),
    )
    with op.batch_alter_table('ets_coverage') as batch:
        batch.create_index(batch.f('ix_ets_coverage_enterprise_id'), ['enterprise_id'], unique=False)
    op.create_table(
        'ets_months',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('amending', sa.Boolean(), nullable=False),
        sa.Column('amendment_reason', sa.Text(), nullable=True),
        sa.Column('amendment_opened_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('amendment_opened_by', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['amendment_opened_by'], ['users.id'],
                                name=op.f('fk_ets_months_amendment_opened_by_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'],
                                name=op.f('fk_ets_months_enterprise_id_organisations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ets_months')),
        sa.UniqueConstraint('enterprise_id', 'period', name=op.f('uq_ets_months_enterprise_id_period')),
    )
    with op.batch_alter_table('ets_months') as batch:
        batch.create_index(batch.f('ix_ets_months_enterprise_id'), ['enterprise_id'], unique=False)
    op.create_table(
        'ets_filings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('current', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('deadline_rule', sa.String(length=120), nullable=False),
        sa.Column('filed_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('filed_by', sa.Integer(), nullable=True),
        sa.Column('covered_tco2e', sa.Float(), nullable=False),
        sa.Column('combustion_tco2e', sa.Float(), nullable=False),
        sa.Column('process_tco2e', sa.Float(), nullable=False),
        sa.Column('purchased_electricity_tco2e', sa.Float(), nullable=False),
        sa.Column('purchased_heat_tco2e', sa.Float(), nullable=False),
        sa.Column('snapshot', JSONType, nullable=False),
        sa.CheckConstraint('version = 1 OR reason IS NOT NULL', name=op.f('ck_ets_filings_amendment_reason')),
        sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'],
                                name=op.f('fk_ets_filings_enterprise_id_organisations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['filed_by'], ['users.id'], name=op.f('fk_ets_filings_filed_by_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['month_id'], ['ets_months.id'], name=op.f('fk_ets_filings_month_id_ets_months'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ets_filings')),
        sa.UniqueConstraint('month_id', 'version', name=op.f('uq_ets_filings_month_id_version')),
    )
    with op.batch_alter_table('ets_filings') as batch:
        batch.create_index(batch.f('ix_ets_filings_enterprise_id'), ['enterprise_id'], unique=False)
        batch.create_index(batch.f('ix_ets_filings_month_id'), ['month_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ets_filings') as batch:
        batch.drop_index(batch.f('ix_ets_filings_month_id'))
        batch.drop_index(batch.f('ix_ets_filings_enterprise_id'))
    op.drop_table('ets_filings')
    with op.batch_alter_table('ets_months') as batch:
        batch.drop_index(batch.f('ix_ets_months_enterprise_id'))
    op.drop_table('ets_months')
    with op.batch_alter_table('ets_coverage') as batch:
        batch.drop_index(batch.f('ix_ets_coverage_enterprise_id'))
    op.drop_table('ets_coverage')
    with op.batch_alter_table('attachments') as batch:
        batch.alter_column('media_type', existing_type=sa.String(length=100), type_=sa.String(length=64),
                           existing_nullable=False)
