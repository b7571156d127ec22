"""company name grams: every two-character piece of each company name, for search (filled here for the companies there are)

Revision ID: 18db9e6fc504
Revises: c4a7d2e91b03
Create Date: 2026-12-05 22:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jzcredit.db

revision: str = '18db9e6fc504'
down_revision: str | None = 'c4a7d2e91b03'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5_000
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _grams(name: str) -> set[str]:
    """As ``jzcredit.registry.name_index.grams`` was when this revision was written (frozen here)."""
    folded = name.translate(_ASCII_LOWER)
    return {folded[i:i + 2] for i in range(len(folded) - 1)}


def upgrade() -> None:
    grams = op.create_table('company_name_grams',
    sa.Column('gram', sa.String(length=2), nullable=False),
    sa.Column('company_id', jzcredit.db.BigId, nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.subject_id'],
                            name=op.f('fk_company_name_grams_company_id_companies')),
    sa.PrimaryKeyConstraint('gram', 'company_id', name=op.f('pk_company_name_grams')),
    sqlite_with_rowid=False,
    )
    op.create_index('ix_company_name_grams_company_id', 'company_name_grams', ['company_id'], unique=False)
    conn = op.get_bind()
    companies = sa.table('companies', sa.column('subject_id', sa.Integer), sa.column('name', sa.Text))
    last = None
    while True:
        query = sa.select(companies.c.subject_id, companies.c.name).order_by(companies.c.subject_id).limit(CHUNK)
        if last is not None:
            query = query.where(companies.c.subject_id > last)
        rows = conn.execute(query).all()
        if not rows:
            break
        pieces = [{"gram": g, "company_id": sid} for sid, name in rows for g in sorted(_grams(name or ""))]
        if pieces:
            conn.execute(grams.insert(), pieces)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index('ix_company_name_grams_company_id', table_name='company_name_grams')
    op.drop_table('company_name_grams')
