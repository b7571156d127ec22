"""card scan log: each opening of a worker card's QR link (time, code, verdict; nothing about the scanner)

Revision ID: c4a7d2e91b03
Revises: 5c0f1e2d7a91
Create Date: 2026-12-05 22:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jzcredit.db

revision: str = 'c4a7d2e91b03'
down_revision: str | None = '5c0f1e2d7a91'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('card_scans',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('worker_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('scanned_at', jzcredit.db.Timestamp(timezone=True), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('token_issued_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['code_id'], ['worker_codes.id'], name=op.f('fk_card_scans_code_id_worker_codes')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.subject_id'], name=op.f('fk_card_scans_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_scans'))
    )
    op.create_index('ix_card_scans_worker_id_scanned_at', 'card_scans', ['worker_id', 'scanned_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_card_scans_worker_id_scanned_at', table_name='card_scans')
    op.drop_table('card_scans')
