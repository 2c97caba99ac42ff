"""compact warnings: a result's warnings stored once per text, its count kept beside

Revision ID: 0014_compact_warnings
Revises: 0013_province_scale
Create Date: 2026-12-06 03:00:00


* ``facility_results.warnings_packed``: the compressed list of the digests of the result's
  warnings, each warning's JSON text stored once in ``line_templates`` (greenmfg.accounting.lines);
  results stored before keep their JSON list in ``warnings`` (now nullable) and are read from there.
* ``facility_results.warning_count``: the number of warnings (the dashboards sum it in SQL instead
  of measuring JSON arrays); filled here from the stored lists.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014_compact_warnings'
down_revision = '0013_province_scale'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('facility_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warnings_packed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('warning_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.alter_column('warnings', nullable=True)
    length = "jsonb_array_length" if op.get_bind().dialect.name == "postgresql" else "json_array_length"
    op.execute(f"UPDATE facility_results SET warning_count = {length}(warnings) WHERE warnings IS NOT NULL")


def downgrade() -> None:
    # warnings stored compactly have no JSON list to go back to: the downgrade refuses to drop them
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT 1 FROM facility_results WHERE warnings_packed IS NOT NULL LIMIT 1")).first():
        raise RuntimeError("results with compact warnings exist: recalculate them after the downgrade instead")
    with op.batch_alter_table('facility_results', schema=None) as batch_op:
        batch_op.alter_column('warnings', nullable=False)
        batch_op.drop_column('warning_count')
        batch_op.drop_column('warnings_packed')
