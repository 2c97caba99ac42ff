"""attachments (PDF and images with their SHA-256) and the city pre-review of green-list applications
(issue #15 item 6)

Revision ID: 0022_gf_forms
Revises: 0021_notifications
Create Date: 2026-12-06 12:00:00

``attachments`` holds files attached to a record of another domain (first: green-list
applications). Green-list applications gain the state ``pre_reviewed`` (市级初审通过): the
city bureau pre-reviews, then the province recommends.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from greenmfg.db.base import UTCDateTime

revision = '0022_gf_forms'
down_revision = '0021_notifications'
branch_labels = None
depends_on = None

_BEFORE = ('draft', 'submitted', 'evaluator_assigned', 'evaluated', 'regulator_review', 'recommended', 'published',
           'returned', 'rejected', 'withdrawn', 'removed')
_AFTER = (*_BEFORE[:5], 'pre_reviewed', *_BEFORE[5:])


def _statuses(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.create_table(
        'attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('subject_type', sa.String(length=32), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('media_type', sa.String(length=64), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_attachments_organisation_id_organisations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_attachments_uploaded_by_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    )
    with op.batch_alter_table('attachments') as batch:
        batch.create_index(batch.f('ix_attachments_organisation_id'), ['organisation_id'], unique=False)
        batch.create_index('ix_attachments_subject', ['subject_type', 'subject_id'], unique=False)
    with op.batch_alter_table('green_list_applications') as batch:
        batch.drop_constraint(op.f('ck_green_list_applications_status'), type_='check')
        batch.create_check_constraint(op.f('ck_green_list_applications_status'), _statuses(_AFTER))


def downgrade() -> None:
    op.execute("UPDATE green_list_applications SET status = 'regulator_review' WHERE status = 'pre_reviewed'")
    with op.batch_alter_table('green_list_applications') as batch:
        batch.drop_constraint(op.f('ck_green_list_applications_status'), type_='check')
        batch.create_check_constraint(op.f('ck_green_list_applications_status'), _statuses(_BEFORE))
    op.drop_table('attachments')
