"""Public search (企业查询) and the published red and black lists (红黑名单公示), page by page."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from jzcredit.api.pagination import PageParams
from jzcredit.common import ids
from jzcredit.common.text import normalise_company_name
from jzcredit.evaluation.models import EvaluationHead
from jzcredit.lists.models import ListEntry
from jzcredit.lists.rules import RULES
from jzcredit.public.privacy import redact
from jzcredit.public.service import listed_clause
from jzcredit.registry import name_index
from jzcredit.registry import service as registry
from jzcredit.registry.models import Company, CompanyNameGram, Subject, Worker

LIKE_ESCAPE = "\\"


def _contains(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, its own ``%`` and ``_`` taken literally."""
    escaped = text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"


def _as_uscc(q: str) -> str | None:
    try:
        return ids.validate_uscc(q)
    except ids.InvalidIdentifier:
        return None


class PostingSizes:
    """How many company names hold each piece of text (``company_name_grams``), per database.

    Counted on first use (up to :data:`POSTINGS_CAP`) and kept :data:`POSTINGS_TTL_SECONDS`: the sizes only
    choose which piece's postings a search starts from, never what it answers, so a stale size costs speed,
    not correctness — a query planner's statistics, which SQLite does not keep per value.
    """

    def __init__(self, ttl: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self._sizes: dict[tuple[str, str], tuple[int, float]] = {}

    def of(self, session: Session, pieces: set[str]) -> dict[str, int]:
        database, now = str(session.get_bind().engine.url), self.clock()
        sizes: dict[str, int] = {}
        for piece in pieces:
            known = self._sizes.get((database, piece))
            if known is None or known[1] < now:
                if len(self._sizes) >= POSTINGS_KEPT:
                    self._sizes.clear()
                known = (session.scalar(POSTINGS_COUNT, {"gram": piece}) or 0, now + self.ttl)
                self._sizes[(database, piece)] = known
            sizes[piece] = known[0]
        return sizes


POSTINGS_CAP = 50_000  # a piece in more names than this is common: counting stops, and such a piece never leads
POSTINGS_KEPT = 200_000
POSTINGS_COUNT = select(func.count()).select_from(
    select(CompanyNameGram.gram).where(CompanyNameGram.gram == bindparam("gram")).limit(POSTINGS_CAP).subquery())
POSTINGS = PostingSizes()


Hits = Select[int, str, str]  # subject_id, name, uscc of every company found


def _page(session: Session, hits: Hits, page: PageParams) -> tuple[list[dict[str, Any]], int]:
    """One page of ``hits`` by name then USCC, the total, and region and grade of the page's companies only.
    The page comes first: a first page that is not full is every hit, so the count (a second pass over the
    hits; a window count costs several times more on SQLite) is only run when needed."""
    name, uscc = hits.selected_columns.name, hits.selected_columns.uscc
    ranked = hits.order_by(name, uscc).offset(page.offset).limit(page.size).subquery()
    rows = session.execute(
        select(ranked.c.uscc, ranked.c.name, Company.region_code, EvaluationHead.grade)
        .join(Company, Company.subject_id == ranked.c.subject_id)
        .outerjoin(EvaluationHead, EvaluationHead.subject_id == ranked.c.subject_id)
        .order_by(ranked.c.name, ranked.c.uscc)).all()
    if page.offset == 0 and len(rows) < page.size:
        total = len(rows)
    else:
        total = session.scalar(select(func.count()).select_from(hits.subquery())) or 0
    items = [{"uscc": u, "name": redact(n) or u, "region_code": region, "grade": grade}
             for u, n, region, grade in rows]
    return items, total


def _holding(session: Session, piece: str, pattern: str) -> Hits:
    """The companies whose name holds ``piece`` and matches ``pattern`` (the scan's ``LIKE``).

    SQLite joins the piece's postings to the companies by key. PostgreSQL prices ``LIKE`` as nearly free and
    would rather read every name and hash-join (several times slower); a company's name and USCC read by a
    scalar subquery per posting cannot be turned into that scan, and ``OFFSET 0`` keeps each read once.
    """
    if session.get_bind().dialect.name == "sqlite":
        return (select(Company.subject_id, Company.name, Company.uscc).select_from(CompanyNameGram)
                .join(Company, Company.subject_id == CompanyNameGram.company_id)
                .where(CompanyNameGram.gram == piece, Company.name.like(pattern, escape=LIKE_ESCAPE)))
    of_posting = Company.subject_id == CompanyNameGram.company_id
    read = (select(CompanyNameGram.company_id.label("subject_id"),
                   select(Company.name).where(of_posting).scalar_subquery().label("name"),
                   select(Company.uscc).where(of_posting).scalar_subquery().label("uscc"))
            .where(CompanyNameGram.gram == piece).offset(0).subquery())
    return select(read.c.subject_id, read.c.name, read.c.uscc).where(read.c.name.like(pattern, escape=LIKE_ESCAPE))


def search_companies(session: Session, *, q: str, page: PageParams) -> tuple[list[dict[str, Any]], int]:
    """A valid USCC finds that company exactly; anything else is a part of the name (normalised as names
    are on import, so ``家政(济南)`` finds ``家政（济南）``). Ordered by name, then USCC.

    A part of a name is looked for only among the names holding its rarest two-character piece
    (``company_name_grams``), with the same ``LIKE`` as a full scan, so the answer is the scan's; a text of
    one character, or one whose every piece is common, is the full scan itself.
    """
    columns = (Company.subject_id, Company.name, Company.uscc)
    uscc = _as_uscc(q)
    if uscc is not None:
        return _page(session, select(*columns).where(Company.uscc == uscc), page)
    text = normalise_company_name(q)
    pieces = name_index.grams(text)
    sizes = POSTINGS.of(session, pieces)
    lead = min(pieces, key=lambda p: (sizes[p], p), default=None)
    if lead is None or sizes[lead] >= POSTINGS_CAP:
        return _page(session, select(*columns).where(Company.name.like(_contains(text), escape=LIKE_ESCAPE)), page)
    return _page(session, _holding(session, lead, _contains(text)), page)


def _reason(entry: ListEntry) -> str:
    """The rule's condition as it stood when the entry was proposed (with that deployment's numbers)."""
    condition = (entry.details or {}).get("condition")
    if isinstance(condition, str) and condition:
        return redact(condition) or condition
    rule = RULES.get(entry.rule)
    return rule.description_zh if rule else entry.rule


def _subjects(session: Session, subject_ids: list[int]) -> tuple[dict[int, Company], dict[int, Worker], dict[int, str]]:
    companies = {c.subject_id: c for c in session.scalars(select(Company).where(Company.subject_id.in_(subject_ids)))}
    workers = {w.subject_id: w for w in session.scalars(select(Worker).where(Worker.subject_id.in_(
        [s for s in subject_ids if s not in companies])))}
    return companies, workers, registry.active_codes(session, list(workers))


def published_entries(session: Session, *, list_name: str, as_of: date, page: PageParams
                      ) -> tuple[list[dict[str, Any]], int]:
    """Published entries in their window, newest publication first.

    A company shows by name, USCC and region. A worker shows by masked name (``张*芳``, whatever the
    card consents say: the list is a publication the worker did not choose) and the active card code,
    so a consumer can check a card against the list; no other identifier.
    """
    # consumers have no public identity: an entry on one is never published by name
    where = ((ListEntry.list_name == list_name) & listed_clause(as_of)
             & ListEntry.subject_id.in_(select(Subject.id).where(Subject.kind.in_(("company", "worker")))))
    total = session.scalar(select(func.count()).select_from(ListEntry).where(where)) or 0
    entries = list(session.scalars(select(ListEntry).where(where)
                                   .order_by(ListEntry.published_on.desc(), ListEntry.id.desc())
                                   .offset(page.offset).limit(page.size)))
    companies, workers, codes = _subjects(session, [e.subject_id for e in entries])
    items = []
    for e in entries:
        company, worker = companies.get(e.subject_id), workers.get(e.subject_id)
        item = {"entry_id": e.id, "list": e.list_name, "rule": e.rule, "reason": _reason(e),
                "published_on": e.published_on, "expires_on": e.expires_on}
        if company is not None:
            item |= {"kind": "company", "name": redact(company.name) or company.uscc, "uscc": company.uscc,
                     "worker_code": None, "region_code": company.region_code}
        elif worker is not None:
            item |= {"kind": "worker", "name": ids.mask_name(worker.name), "uscc": None,
                     "worker_code": codes.get(worker.subject_id), "region_code": None}
        else:
            continue  # a subject row without its company or worker row: nothing to show
        items.append(item)
    return items, total
