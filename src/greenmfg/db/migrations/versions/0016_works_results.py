"""compliance: the crude-steel result of an iron and steel works reported as process units
(吨钢综合能耗, GB 21256), stored per enterprise, period and edition option apart from the facility
rows (issue #12 item 9)

Revision ID: 0016_works_results
Revises: 0015_plant_year_caveats
Create Date: 2026-12-06 03:40:00

Data stored before have no works rows until a new import of the period or a recalculation
re-accounts them: a plain ``greenmfg recalc`` does when the installed reference data differ from
those the results were computed with (so after the upgrade that brought this migration, whose
reference fingerprint also covers the methodology, process-method and steel datasets),
``greenmfg recalc --force`` otherwise.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = '0016_works_results'
down_revision = '0015_plant_year_caveats'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('benchmark_works',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('option', sa.String(length=16), nullable=False),
    sa.Column('reference_key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('cls', sa.String(length=16), nullable=True),
    sa.Column('result', JSON, nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_benchmark_works_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['calculation_runs.id'], name=op.f('fk_benchmark_works_run_id_calculation_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_benchmark_works'))
    )
    with op.batch_alter_table('benchmark_works', schema=None) as batch_op:
        batch_op.create_index('ix_benchmark_works_enterprise', ['enterprise_id', 'option', 'period'], unique=False)
        batch_op.create_index(batch_op.f('ix_benchmark_works_run_id'), ['run_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('benchmark_works', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_benchmark_works_run_id'))
        batch_op.drop_index('ix_benchmark_works_enterprise')
    op.drop_table('benchmark_works')
