"""ets: a line's declared special case of the allocation rules; steel process level in the figures

Revision ID: 0025_ets_declarations
Revises: 0024_ets_figures
Create Date: 2026-12-09 10:00:00

``ets_declarations``: per facility and compliance year, the special case of the allocation rules the
enterprise declared (white clinker, carbide slag substitution, gypsum-sulphuric acid, a line new in
the year …) with its evidence. ``ets_figures.steel_process`` and ``process_level_tco2``: a steel
facility's process and its process-level emissions (CETS-AG-03.01 formulas (2)/(3)), the steel
allocation's intensity basis; figures stored before have none until a recalculation.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from greenmfg.db.base import UTCDateTime

revision = '0025_ets_declarations'
down_revision = '0024_ets_figures'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ets_declarations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('case', sa.String(length=40), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('declared_by', sa.Integer(), nullable=True),
        sa.Column('declared_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['declared_by'], ['users.id'],
                                name=op.f('fk_ets_declarations_declared_by_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'],
                                name=op.f('fk_ets_declarations_enterprise_id_organisations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'],
                                name=op.f('fk_ets_declarations_facility_id_facilities'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ets_declarations')),
        sa.UniqueConstraint('facility_id', 'year', name=op.f('uq_ets_declarations_facility_id_year')),
    )
    with op.batch_alter_table('ets_declarations') as batch:
        batch.create_index(batch.f('ix_ets_declarations_enterprise_id'), ['enterprise_id'], unique=False)
        batch.create_index(batch.f('ix_ets_declarations_facility_id'), ['facility_id'], unique=False)
    with op.batch_alter_table('ets_figures') as batch:
        batch.add_column(sa.Column('steel_process', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('process_level_tco2', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ets_figures') as batch:
        batch.drop_column('process_level_tco2')
        batch.drop_column('steel_process')
    with op.batch_alter_table('ets_declarations') as batch:
        batch.drop_index(batch.f('ix_ets_declarations_facility_id'))
        batch.drop_index(batch.f('ix_ets_declarations_enterprise_id'))
    op.drop_table('ets_declarations')
