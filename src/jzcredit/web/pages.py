"""Public web pages (简体中文). For now the start page: what the platform holds and the search box."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from jzcredit.common.clock import current_time, today
from jzcredit.config import Settings
from jzcredit.ingest.models import Batch
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord
from jzcredit.registry.models import Company, Worker
from jzcredit.web import templates

router = APIRouter(include_in_schema=False)

# the start page counts whole tables; a few seconds of staleness keeps it cheap under load
COUNTS_TTL_SECONDS = 15.0
MAX_QUERY_LENGTH = 200


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
    q: Annotated[str | None, Query(max_length=MAX_QUERY_LENGTH, description="服务员码、企业名称或信用代码")] = None,
) -> Response:
    """首页: what the platform holds, and the search box (search itself arrives with the public pages)."""
    settings: Settings = request.app.state.settings
    as_of = today(current_time(settings.now))
    counts = _cached_counts(request, as_of)
    query = " ".join((q or "").split())
    return templates.TemplateResponse(request, "index.html", {"counts": counts, "q": query})
