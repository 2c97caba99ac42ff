"""audit: the chain is keyed (HMAC-SHA-256); each event records the id of its key (issue #13 item 6)

Revision ID: 0019_audit_keys
Revises: 0018_meter_devices
Create Date: 2026-12-06 05:30:00

Events stored before have no key id: they stay verifiable as the legacy SHA-256 prefix of the
chain; every event appended after the upgrade is keyed (see docs/security.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019_audit_keys'
down_revision = '0018_meter_devices'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_events') as batch:
        batch.add_column(sa.Column('key_id', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_events') as batch:
        batch.drop_column('key_id')
