"""The company's credit report page (``/c/{uscc}``) and the published red and black lists (``/lists/…``).

Both read through the same services as the public API (``public.service.company_report``,
``public.search.published_entries``), so a page never shows what the API would not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from jzcredit.api.deps import ReadSession, clock
from jzcredit.common.clock import today
from jzcredit.evaluation.rulesets import Models
from jzcredit.public import search as public_search
from jzcredit.public import service as public_service
from jzcredit.public.router import models
from jzcredit.web import templates
from jzcredit.web.pager import PageNumber, Pager

router = APIRouter(include_in_schema=False)

# any text reaches the service, which answers "not found" for a malformed code without echoing it
UsccPath = Annotated[str, Path(description="统一社会信用代码")]


@router.get("/c/{uscc}", response_class=HTMLResponse)
def company_page(request: Request, uscc: UsccPath, session: Session = ReadSession,
                 now: datetime = Depends(clock), m: Models = Depends(models)) -> Response:
    """企业信用报告: the report body (``partials/company_report.html``, shared with the PDF) and its download."""
    report = public_service.company_report(session, uscc=uscc, now=now, models=m)
    return templates.TemplateResponse(request, "company.html", {"report": report})


def _list_page(request: Request, list_name: str, page: int, session: Session, now: datetime) -> Response:
    pager = Pager(path=f"/lists/{list_name}", params=(), page=page, total=0)
    items, total = public_search.published_entries(session, list_name=list_name, as_of=today(now),
                                                   page=pager.params_for_query)
    pager = Pager(path=pager.path, params=(), page=page, total=total)
    return templates.TemplateResponse(request, "list.html", {"list_name": list_name, "entries": items,
                                                             "pager": pager, "as_of": today(now)})


@router.get("/lists/red", response_class=HTMLResponse)
def red_list_page(request: Request, page: PageNumber = 1, session: Session = ReadSession,
                  now: datetime = Depends(clock)) -> Response:
    """红名单公示 (守信激励对象), newest publication first."""
    return _list_page(request, "red", page, session, now)


@router.get("/lists/black", response_class=HTMLResponse)
def black_list_page(request: Request, page: PageNumber = 1, session: Session = ReadSession,
                    now: datetime = Depends(clock)) -> Response:
    """黑名单公示 (失信惩戒对象), newest publication first."""
    return _list_page(request, "black", page, session, now)
