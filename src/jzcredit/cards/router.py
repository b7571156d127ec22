"""``GET /api/v1/workers/{worker_code}/scans``: when the worker's card was scanned (spec 02: "each scan is
logged and the worker and current employers can see the log").

The worker sees its own log; a company the log of a worker it employs now, from the day that employment began
(not what happened at an earlier employer); a regulator the workers in its region; the admin everyone. The
log is the worker's personal data: every read is audited.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.api.deps import WriteSession, clock
from jzcredit.api.pagination import PageParams, page_params
from jzcredit.api.policy import Principal, authorize_subject, requires
from jzcredit.cards import service as card_service
from jzcredit.cards.schemas import ScanPage
from jzcredit.common import audit, ids
from jzcredit.common.clock import SHANGHAI, today
from jzcredit.registry.models import WorkerCode

router = APIRouter(tags=["cards"])

ACTION = "cards.scans"
Code = Annotated[str, Path(min_length=1, max_length=64, description="Any of the worker's codes, current or revoked",
                           examples=["JZ7K3M9Q2XWD"])]


def _worker_of(session: Session, worker_code: str) -> int | None:
    typed = ids.normalise_worker_code(worker_code)
    if not ids.is_worker_code(typed):
        return None
    return session.scalar(select(WorkerCode.worker_id).where(WorkerCode.code == typed))


@router.get("/workers/{worker_code}/scans", response_model=ScanPage, summary="When the worker's card was scanned",
            responses={404: {"description": "No such code, or the worker is outside your scope (the same answer)"}})
def card_scans(worker_code: Code, principal: Principal = Depends(requires(ACTION)),
               page: PageParams = Depends(page_params), session: Session = WriteSession,
               now: datetime = Depends(clock)) -> dict[str, Any]:
    """扫码记录: each opening of the card's QR link, newest first — time, code and verdict, never the scanner."""
    worker_id = authorize_subject(session, principal, ACTION, _worker_of(session, worker_code), now=now)
    since = None
    if principal.role == "company" and principal.subject_id is not None:
        began = card_service.employed_since(session, company_id=principal.subject_id, worker_id=worker_id,
                                            as_of=today(now))
        since = None if began is None else datetime.combine(began, time(0, 0), SHANGHAI)
    items, total = card_service.scans(session, worker_id=worker_id, since=since, offset=page.offset, limit=page.size)
    audit.append(session, actor=principal.actor, action="card_scans.read", obj=f"subject:{worker_id}", now=now,
                 detail={"count": len(items)})
    return {"items": items, "total": total, "page": page.page, "size": page.size}
