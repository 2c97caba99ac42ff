"""compliance: the caveats of a stored plant-year (an upper-bound value, an approximate boundary,
an inferred or assumed variant) and its unverified levels in words, so the views, reports and
workbooks show them beside the number (issue #12 item 6)

Revision ID: 0015_plant_year_caveats
Revises: 0014_compact_warnings
Create Date: 2026-12-06 02:50:00

Rows stored before have empty lists until ``greenmfg recalc`` recomputes them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = '0015_plant_year_caveats'
down_revision = '0014_compact_warnings'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('benchmark_plant_years') as batch:
        batch.add_column(sa.Column('caveats', JSON, nullable=False, server_default='[]'))
        batch.add_column(sa.Column('unverified_notes', JSON, nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('benchmark_plant_years') as batch:
        batch.drop_column('unverified_notes')
        batch.drop_column('caveats')
