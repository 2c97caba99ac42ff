"""auth: demo and must-change-password flags on users, password change time, an index for the
per-(account, client) sign-in throttle (issue #13 items 7 and 8)

Revision ID: 0017_auth_hardening
Revises: 0016_works_results
Create Date: 2026-12-06 05:40:00

Users seeded by the demo region before this migration are recognised by their ``demo-`` username
prefix (the only accounts the seeding created) and flagged as demo accounts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import greenmfg.db.base

revision = '0017_auth_hardening'
down_revision = '0016_works_results'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('demo', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('password_changed_at', greenmfg.db.base.UTCDateTime(timezone=True),
                                      nullable=True))
    op.execute(sa.text("UPDATE users SET demo = :yes WHERE username LIKE 'demo-%'").bindparams(yes=True))
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_pair', ['username', 'client', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_pair')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('demo')
