"""The start page (首页): what the platform holds, the search box and the search results."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from jzcredit.common.clock import current_time, today
from jzcredit.config import Settings
from jzcredit.ingest.models import Batch
from jzcredit.public import search as public_search
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord
from jzcredit.registry.models import Company, Worker
from jzcredit.web import search_pages, templates
from jzcredit.web.pager import PageNumber, Pager

router = APIRouter(include_in_schema=False)

# the start page counts whole tables; a few seconds of staleness keeps it cheap under load
COUNTS_TTL_SECONDS = 15.0


@dataclass(frozen=True)
class PlatformCounts:
    as_of: date
    companies: int
    workers: int
    records_in_force: int
    batches: int


def platform_counts(session: Session, *, as_of: date) -> PlatformCounts:
    """How many companies, workers, records in force on ``as_of`` and ingest batches the platform holds."""

    def count(table: type[Company | Worker | CreditRecord | Batch], *where: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).select_from(table).where(*where)) or 0

    return PlatformCounts(
        as_of=as_of,
        companies=count(Company),
        workers=count(Worker),
        records_in_force=count(CreditRecord, records_service.in_force_clause(as_of)),
        batches=count(Batch),
    )


def _cached_counts(request: Request, as_of: date) -> PlatformCounts:
    state = request.app.state
    cached: tuple[float, PlatformCounts] | None = getattr(state, "start_page_counts", None)
    if cached is not None and cached[1].as_of == as_of and time.monotonic() < cached[0]:
        return cached[1]
    with state.read_sessions() as session:
        counts = platform_counts(session, as_of=as_of)
    state.start_page_counts = (time.monotonic() + COUNTS_TTL_SECONDS, counts)
    return counts


@router.get("/", response_class=HTMLResponse)
def start_page(
    request: Request,
    q: Annotated[str | None, Query(description="服务员码、企业名称或统一社会信用代码")] = None,
    page: PageNumber = 1,
) -> Response:
    """首页 and search: a worker code goes to its card, a USCC to the company's report, other words list the
    companies whose name holds them (spec §4.5)."""
    if q is None:
        settings: Settings = request.app.state.settings
        counts = _cached_counts(request, today(current_time(settings.now)))
        return templates.TemplateResponse(request, "index.html", {"counts": counts, "q": ""})
    outcome = search_pages.understand(q)
    if outcome.redirect is not None:
        return RedirectResponse(outcome.redirect, status_code=303)
    context: dict[str, object] = {"q": outcome.shown, "search_error": outcome.error, "searched": True}
    if outcome.error is None:
        pager = Pager(path="/", params=(("q", outcome.query),), page=page, total=0)
        with request.app.state.read_sessions() as session:
            items, total = public_search.search_companies(session, q=outcome.query, page=pager.params_for_query)
        context |= {"results": items, "pager": replace(pager, total=total), "hint": outcome.hint}
    return templates.TemplateResponse(request, "index.html", context, status_code=outcome.status)
