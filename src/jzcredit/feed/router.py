"""``/changes``: the feed for an upper-level platform (spec §4.4) and the receiving end of a push.

``GET /changes?since=&limit=`` — admin (everything) or a regulator (changes of subjects in its region; a
record not linked to a subject is the admin's only). ``POST /changes`` — a lower-level platform's push,
as admin or a provider (a provider limited to some record types sends only those).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.api.deps import WriteSession, clock
from jzcredit.api.policy import Principal, authorize_record_types, requires
from jzcredit.api.workflow import problems, visible
from jzcredit.feed import sequencing
from jzcredit.feed import service as feed
from jzcredit.feed.schemas import BatchReceived, ChangeBatch, ChangesPage
from jzcredit.records.models import CreditRecord

router = APIRouter(prefix="/changes", tags=["changes"])


def _scope(session: Session, principal: Principal, now: datetime) -> feed.Keep | None:
    """What of a page this principal may see: the policy's subject scope, record by record."""
    if principal.role == "admin":
        return None

    def keep(page: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = sorted({c["record_id"] for c in page})
        owners: dict[int, int | None] = {rid: sid for rid, sid in session.execute(
            select(CreditRecord.id, CreditRecord.subject_id).where(CreditRecord.id.in_(ids)))}
        return visible(session, principal, page, lambda c: [owners.get(c["record_id"])], now=now)

    return keep


@router.get("", response_model=ChangesPage, responses=problems(401, 403, 422),
            summary="Changes of credit records after a cursor (the feed for an upper-level platform)")
def read_changes(since: str | None = Query(None, max_length=200, description="`next_cursor` of the last read; "
                                           "none: from the first change"),
                 limit: int = Query(feed.DEFAULT_LIMIT, ge=1, le=feed.MAX_LIMIT, description="Changes per page"),
                 principal: Principal = Depends(requires("changes.read")), session: Session = WriteSession,
                 now: datetime = Depends(clock)) -> dict[str, Any]:
    """Oldest first. Each change is the record as of that change and its subject's key — names and ID numbers
    of workers masked. A cursor of another platform, or one this feed never gave, is a 422."""
    return feed.read_changes(session, since=since, limit=limit, now=now, keep=_scope(session, principal, now))


@router.post("", response_model=BatchReceived, responses=problems(401, 403, 409, 422),
             summary="Receive a lower-level platform's changes (idempotent)")
def receive_changes(body: ChangeBatch, principal: Principal = Depends(requires("changes.receive")),
                    session: Session = WriteSession, now: datetime = Depends(clock)) -> dict[str, Any]:
    """A change received before is skipped; the same change id with other content is a 409 and nothing of the
    batch is kept. Received records are kept apart from this platform's own, by origin."""
    types = sorted({str(c.get("record", {}).get("type")) for c in body.changes if isinstance(c.get("record"), dict)})
    if principal.role == "provider" and types:
        authorize_record_types(principal, "changes.receive", types)
    assert principal.user_id is not None  # behind requires(): a user
    return feed.receive_changes(session, sender_id=principal.user_id, origin=body.origin, changes=body.changes,
                                now=now, actor=principal.actor, own_instance=sequencing.instance_of(session))
