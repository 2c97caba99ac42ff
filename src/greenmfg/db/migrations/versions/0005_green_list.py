"""green-manufacturing list workflow and regional targets (issue #4 items 4 and 5)

Revision ID: 0005_green_list
Revises: 0004_green_evaluations
Create Date: 2026-11-21 16:37:49.123706

The lead re-chains this revision at merge (down_revision is the capacity revision of main).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import greenmfg.db.base

revision = '0005_green_list'
down_revision = '0004_green_evaluations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('region_output_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('city', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('output_value', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('source_note', sa.Text(), nullable=False),
    sa.Column('entered_by', sa.Integer(), nullable=True),
    sa.Column('entered_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('output_value > 0', name=op.f('ck_region_output_values_positive')),
    sa.ForeignKeyConstraint(['entered_by'], ['users.id'], name=op.f('fk_region_output_values_entered_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region_output_values')),
    sa.UniqueConstraint('province', 'city', 'year', name=op.f('uq_region_output_values_province_city_year'))
    )
    op.create_table('enterprise_output_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('output_value', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('source_note', sa.Text(), nullable=True),
    sa.Column('entered_by', sa.Integer(), nullable=True),
    sa.Column('entered_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('output_value >= 0', name=op.f('ck_enterprise_output_values_non_negative')),
    sa.ForeignKeyConstraint(['entered_by'], ['users.id'], name=op.f('fk_enterprise_output_values_entered_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_enterprise_output_values_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_output_values')),
    sa.UniqueConstraint('organisation_id', 'year', name=op.f('uq_enterprise_output_values_organisation_id_year'))
    )
    with op.batch_alter_table('enterprise_output_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_output_values_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('green_list_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('park_id', sa.Integer(), nullable=True),
    sa.Column('list_year', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=True),
    sa.Column('self_evaluation', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('evaluator_id', sa.Integer(), nullable=True),
    sa.Column('review', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.Column('published_year', sa.Integer(), nullable=True),
    sa.Column('removed_year', sa.Integer(), nullable=True),
    sa.Column('removal_criterion', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind <> 'park' OR park_id IS NOT NULL", name=op.f('ck_green_list_applications_park_given')),
    sa.CheckConstraint("kind IN ('factory', 'park', 'supply_chain')", name=op.f('ck_green_list_applications_kind')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'evaluator_assigned', 'evaluated', 'regulator_review', 'recommended', 'published', 'returned', 'rejected', 'withdrawn', 'removed')", name=op.f('ck_green_list_applications_status')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_green_list_applications_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evaluator_id'], ['organisations.id'], name=op.f('fk_green_list_applications_evaluator_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_green_list_applications_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['park_id'], ['parks.id'], name=op.f('fk_green_list_applications_park_id_parks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_list_applications'))
    )
    with op.batch_alter_table('green_list_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_list_applications_evaluator_id'), ['evaluator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_green_list_applications_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_green_list_applications_list_year'), ['list_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_green_list_applications_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_green_list_applications_status'), ['status'], unique=False)

    op.create_table('green_list_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_green_list_events_actor_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['green_list_applications.id'], name=op.f('fk_green_list_events_application_id_green_list_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_list_events'))
    )
    with op.batch_alter_table('green_list_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_list_events_application_id'), ['application_id'], unique=False)

    op.create_table('green_list_rechecks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('criterion', sa.String(length=64), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('checked_by', sa.Integer(), nullable=True),
    sa.Column('checked_at', greenmfg.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('retained', 'removed')", name=op.f('ck_green_list_rechecks_outcome')),
    sa.ForeignKeyConstraint(['application_id'], ['green_list_applications.id'], name=op.f('fk_green_list_rechecks_application_id_green_list_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['checked_by'], ['users.id'], name=op.f('fk_green_list_rechecks_checked_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_list_rechecks')),
    sa.UniqueConstraint('application_id', 'year', name=op.f('uq_green_list_rechecks_application_id_year'))
    )
    with op.batch_alter_table('green_list_rechecks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_green_list_rechecks_application_id'), ['application_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('green_list_rechecks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_list_rechecks_application_id'))

    op.drop_table('green_list_rechecks')
    with op.batch_alter_table('green_list_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_list_events_application_id'))

    op.drop_table('green_list_events')
    with op.batch_alter_table('green_list_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_green_list_applications_status'))
        batch_op.drop_index(batch_op.f('ix_green_list_applications_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_green_list_applications_list_year'))
        batch_op.drop_index(batch_op.f('ix_green_list_applications_kind'))
        batch_op.drop_index(batch_op.f('ix_green_list_applications_evaluator_id'))

    op.drop_table('green_list_applications')
    with op.batch_alter_table('enterprise_output_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_output_values_organisation_id'))

    op.drop_table('enterprise_output_values')
    op.drop_table('region_output_values')
