"""province scale: stored ``counted`` flag, indexes matching the regional queries, compact derivation lines

Revision ID: 0013_province_scale
Revises: 0011_diagnosis_pump_fields
Create Date: 2026-12-06 00:40:00

MERGE NOTE: written beside ``0012_stored_benchmarks`` (another branch); at merge time
``down_revision`` must become ``'0012_stored_benchmarks'``.

* ``facility_results.counted``: the results regional sums count (current; an annual result
  supersedes the months of its facility-year), kept by the writers; filled here set-based.
* ``ix_facility_results_counted_year`` (counted, year, enterprise_id) for the regional sums and
  ``ix_facility_results_facility_year`` (facility_id, year, current) for keeping the flag.
* ``facility_results.lines_packed`` and ``line_templates``: derivation lines stored compactly
  (greenmfg.accounting.lines). Results stored before keep their JSON in ``lines`` and are read
  from there.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013_province_scale'
down_revision = '0011_diagnosis_pump_fields'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'line_templates',
        sa.Column('digest', sa.String(length=32), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('digest', name=op.f('pk_line_templates')),
    )
    with op.batch_alter_table('facility_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('lines_packed', sa.LargeBinary(), nullable=True))
        batch_op.create_index('ix_facility_results_counted_year', ['counted', 'year', 'enterprise_id'], unique=False)
        batch_op.create_index('ix_facility_results_facility_year', ['facility_id', 'year', 'current'], unique=False)
    # the flag of the results already stored, in one statement (the facility-year index serves the probe)
    op.execute(
        "UPDATE facility_results SET counted = CASE WHEN length(period) = 4 OR NOT EXISTS ("
        "SELECT 1 FROM facility_results AS annual WHERE annual.facility_id = facility_results.facility_id "
        "AND annual.year = facility_results.year AND annual.current AND length(annual.period) = 4) "
        "THEN true ELSE false END WHERE current")


def downgrade() -> None:
    with op.batch_alter_table('facility_results', schema=None) as batch_op:
        batch_op.drop_index('ix_facility_results_facility_year')
        batch_op.drop_index('ix_facility_results_counted_year')
        batch_op.drop_column('lines_packed')
        batch_op.drop_column('counted')
    op.drop_table('line_templates')
