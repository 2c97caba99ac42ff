"""province scale: stored ``counted`` flag, indexes matching the regional queries, compact derivation lines

Revision ID: 0013_province_scale
Revises: 0012_stored_benchmarks
Create Date: 2026-12-06 00:40:00


* ``facility_results.counted``: the results regional sums count (current; an annual result
  supersedes the months of its facility-year), kept by the writers; filled here set-based.
* ``ix_facility_results_counted_year`` (counted, year, enterprise_id, then the period and the summed
  figures: the regional sums read the index only) and
  ``ix_facility_results_facility_year`` (facility_id, year, current) for keeping the flag.
* ``facility_results.lines_packed`` and ``line_templates``: derivation lines stored compactly
  (greenmfg.accounting.lines). Results stored before keep their JSON in ``lines`` and are read
  from there.
* ``facility_result_products``: each result's products as rows (regional product intensities are
  pooled in SQL); filled here from the JSON ``products`` of the current results (only current
  results can count in a regional view; new results of any kind get their rows when stored).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = '0013_province_scale'
down_revision = '0012_stored_benchmarks'
branch_labels = None
depends_on = None


_PRODUCT_FIELDS = ("product", "quantity", "unit", "energy_intensity", "energy_intensity_unit", "emission_intensity",
                   "emission_intensity_unit")
_BATCH = 5000


def _copy_products() -> None:
    connection = op.get_bind()
    products = sa.table("facility_result_products", *(sa.column(c) for c in ("result_id", *_PRODUCT_FIELDS)))
    last = 0
    while True:
        rows = connection.execute(sa.text(
            "SELECT id, products FROM facility_results WHERE current AND id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": _BATCH}).all()
        if not rows:
            return
        values = []
        for result_id, document in rows:
            items = json.loads(document) if isinstance(document, str) else document
            for item in items or []:
                values.append({"result_id": result_id, **{k: item.get(k) for k in _PRODUCT_FIELDS}})
        if values:
            connection.execute(sa.insert(products), values)
        last = rows[-1][0]


def upgrade() -> None:
    op.create_table(
        'facility_result_products',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('result_id', sa.Integer(), nullable=False),
        sa.Column('product', sa.String(length=64), nullable=False),
        sa.Column('quantity', sa.Float(), nullable=True),
        sa.Column('unit', sa.String(length=64), nullable=True),
        sa.Column('energy_intensity', sa.Float(), nullable=True),
        sa.Column('energy_intensity_unit', sa.String(length=64), nullable=True),
        sa.Column('emission_intensity', sa.Float(), nullable=True),
        sa.Column('emission_intensity_unit', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['result_id'], ['facility_results.id'],
                                name=op.f('fk_facility_result_products_result_id_facility_results'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_result_products')),
    )
    with op.batch_alter_table('facility_result_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_result_products_result_id'), ['result_id'], unique=False)
    op.create_table(
        'line_templates',
        sa.Column('digest', sa.String(length=32), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('digest', name=op.f('pk_line_templates')),
    )
    with op.batch_alter_table('facility_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('lines_packed', sa.LargeBinary(), nullable=True))
        batch_op.create_index('ix_facility_results_counted_year',
                              ['counted', 'year', 'enterprise_id', 'period', 'energy_tce', 'total_tco2e',
                               'scope1_tco2e', 'scope2_tco2e'], unique=False)
        batch_op.create_index('ix_facility_results_facility_year', ['facility_id', 'year', 'current'], unique=False)
    # the flag of the results already stored, in one statement (the facility-year index serves the probe)
    op.execute(
        "UPDATE facility_results SET counted = CASE WHEN length(period) = 4 OR NOT EXISTS ("
        "SELECT 1 FROM facility_results AS annual WHERE annual.facility_id = facility_results.facility_id "
        "AND annual.year = facility_results.year AND annual.current AND length(annual.period) = 4) "
        "THEN true ELSE false END WHERE current")
    _copy_products()


def downgrade() -> None:
    with op.batch_alter_table('facility_results', schema=None) as batch_op:
        batch_op.drop_index('ix_facility_results_facility_year')
        batch_op.drop_index('ix_facility_results_counted_year')
        batch_op.drop_column('lines_packed')
        batch_op.drop_column('counted')
    op.drop_table('line_templates')
    with op.batch_alter_table('facility_result_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_result_products_result_id'))
    op.drop_table('facility_result_products')
