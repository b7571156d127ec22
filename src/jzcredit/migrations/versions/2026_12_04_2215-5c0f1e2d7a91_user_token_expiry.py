"""user token expiry

Revision ID: 5c0f1e2d7a91
Revises: ebfd4d8b6c91
Create Date: 2026-12-04 22:15:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jzcredit.db

revision: str = '5c0f1e2d7a91'
down_revision: str | None = 'ebfd4d8b6c91'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', jzcredit.db.Timestamp(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
