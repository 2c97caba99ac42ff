"""cbam: the exporter's goods, EU customers, CBAM calculations, communications sent and received,
product footprints and sharing grants (issue #17 part 5)

Revision ID: 0026_cbam
Revises: 0025_ets_declarations
Create Date: 2026-12-06 18:09:11.423091
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from greenmfg.db.base import JSONType, UTCDateTime

revision = '0026_cbam'
down_revision = '0025_ets_declarations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cbam_calculations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('inputs', JSONType, nullable=False),
    sa.Column('data_versions', JSONType, nullable=False),
    sa.Column('document', JSONType, nullable=False),
    sa.Column('embedded_tco2e', sa.Float(), nullable=False),
    sa.Column('certificates', sa.Float(), nullable=False),
    sa.Column('cost_eur', sa.Float(), nullable=True),
    sa.Column('reference_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_cbam_calculations_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_cbam_calculations_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cbam_calculations'))
    )
    with op.batch_alter_table('cbam_calculations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cbam_calculations_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('cbam_customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('eori', sa.String(length=17), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_cbam_customers_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_cbam_customers_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cbam_customers'))
    )
    with op.batch_alter_table('cbam_customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cbam_customers_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('cbam_footprints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('options', JSONType, nullable=False),
    sa.Column('inputs', JSONType, nullable=False),
    sa.Column('document', JSONType, nullable=False),
    sa.Column('products', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_cbam_footprints_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_cbam_footprints_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cbam_footprints'))
    )
    with op.batch_alter_table('cbam_footprints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cbam_footprints_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('cbam_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('grantee_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('granted_by', sa.Integer(), nullable=True),
    sa.Column('granted_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("subject_type IN ('calculation', 'communication', 'footprint')", name=op.f('ck_cbam_shares_subject_type')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_cbam_shares_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by'], ['users.id'], name=op.f('fk_cbam_shares_granted_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['grantee_id'], ['organisations.id'], name=op.f('fk_cbam_shares_grantee_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], name=op.f('fk_cbam_shares_revoked_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cbam_shares'))
    )
    with op.batch_alter_table('cbam_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cbam_shares_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cbam_shares_grantee_id'), ['grantee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cbam_shares_subject_id'), ['subject_id'], unique=False)

    op.create_table('cbam_communications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('calculation_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('supplier', sa.String(length=200), nullable=True),
    sa.Column('records', JSONType, nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('verification', sa.String(length=16), nullable=False),
    sa.Column('verified_by', sa.String(length=200), nullable=True),
    sa.Column('verified_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('verifier_report_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction IN ('sent', 'received')", name=op.f('ck_cbam_communications_direction')),
    sa.CheckConstraint("status IN ('draft', 'sent', 'received', 'used')", name=op.f('ck_cbam_communications_status')),
    sa.CheckConstraint("verification IN ('not_verified', 'verified')", name=op.f('ck_cbam_communications_verification')),
    sa.ForeignKeyConstraint(['calculation_id'], ['cbam_calculations.id'], name=op.f('fk_cbam_communications_calculation_id_cbam_calculations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_cbam_communications_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['cbam_customers.id'], name=op.f('fk_cbam_communications_customer_id_cbam_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_cbam_communications_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cbam_communications'))
    )
    with op.batch_alter_table('cbam_communications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cbam_communications_calculation_id'), ['calculation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cbam_communications_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cbam_communications_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('cbam_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('cn_code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_cbam_products_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['organisations.id'], name=op.f('fk_cbam_products_enterprise_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_cbam_products_facility_id_facilities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cbam_products')),
    sa.UniqueConstraint('enterprise_id', 'cn_code', 'facility_id', name=op.f('uq_cbam_products_enterprise_id_cn_code_facility_id'))
    )
    with op.batch_alter_table('cbam_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cbam_products_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cbam_products_facility_id'), ['facility_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('cbam_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cbam_products_facility_id'))
        batch_op.drop_index(batch_op.f('ix_cbam_products_enterprise_id'))

    op.drop_table('cbam_products')
    with op.batch_alter_table('cbam_communications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cbam_communications_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_cbam_communications_customer_id'))
        batch_op.drop_index(batch_op.f('ix_cbam_communications_calculation_id'))

    op.drop_table('cbam_communications')
    with op.batch_alter_table('cbam_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cbam_shares_subject_id'))
        batch_op.drop_index(batch_op.f('ix_cbam_shares_grantee_id'))
        batch_op.drop_index(batch_op.f('ix_cbam_shares_enterprise_id'))

    op.drop_table('cbam_shares')
    with op.batch_alter_table('cbam_footprints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cbam_footprints_enterprise_id'))

    op.drop_table('cbam_footprints')
    with op.batch_alter_table('cbam_customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cbam_customers_enterprise_id'))

    op.drop_table('cbam_customers')
    with op.batch_alter_table('cbam_calculations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cbam_calculations_enterprise_id'))

    op.drop_table('cbam_calculations')
