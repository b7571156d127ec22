"""The index of company names for search (``company_name_grams``): every two-character piece of each name.

``public/search.py`` reads it; this module writes it, wherever a company's name is written:

- ORM writes (a ``Company`` added, its ``name`` changed or the company deleted, e.g. ingest's registry rows,
  the tests' factories) through the mapper events below, on the flush's own connection, so the pieces change
  in the same transaction as the name;
- Core writes call :func:`write_names` themselves (``registry.service.ensure_companies``);
- the migration that created the table filled it for the companies there were; a backup carries it as it
  carries every table.

ASCII letters are indexed in lower case because SQLite's ``LIKE`` ignores their case: the pieces of a text are
then a subset of the pieces of every name that contains it on either engine (PostgreSQL's ``LIKE``, which does
not ignore case, only finds fewer).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, event, insert, inspect
from sqlalchemy.orm import Mapper

from jzcredit.db import table_of
from jzcredit.registry.models import Company, CompanyNameGram

GRAM = 2
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """ASCII letters in lower case, nothing else changed (what SQLite's ``LIKE`` treats as equal)."""
    return text.translate(_ASCII_LOWER)


def grams(text: str) -> set[str]:
    """The distinct two-character pieces of ``text``, folded (none for a text of one character)."""
    folded = fold(text)
    return {folded[i:i + GRAM] for i in range(len(folded) - GRAM + 1)}


def write_names(conn: Connection, names: Mapping[int, str]) -> None:
    """Replace the pieces of these companies' names (company id → name) in the caller's transaction."""
    if not names:
        return
    table = table_of(CompanyNameGram)
    conn.execute(delete(table).where(table.c.company_id.in_(list(names))))
    rows = [{"gram": g, "company_id": cid} for cid, name in names.items() for g in sorted(grams(name or ""))]
    if rows:
        conn.execute(insert(table), rows)


@event.listens_for(Company, "after_insert")
def _company_added(_mapper: Mapper[Any], conn: Connection, company: Company) -> None:
    write_names(conn, {company.subject_id: company.name})


@event.listens_for(Company, "after_update")
def _company_changed(_mapper: Mapper[Any], conn: Connection, company: Company) -> None:
    if inspect(company).attrs.name.history.has_changes():
        write_names(conn, {company.subject_id: company.name})


@event.listens_for(Company, "before_delete")
def _company_removed(_mapper: Mapper[Any], conn: Connection, company: Company) -> None:
    write_names(conn, {company.subject_id: ""})  # no pieces: the company's go before the company does
