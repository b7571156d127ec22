"""The review queue (``/lists/entries``, review with optimistic locking) and 凡办必查 (``/check/{key}``).

A regulator sees and reviews only entries whose subject lies in its region; an entry outside it reads
exactly like an entry that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from jzcredit.api.deps import ReadSession, WriteSession, clock, settings_of, vault
from jzcredit.api.pagination import Page, PageParams, page_params
from jzcredit.api.policy import Principal, authorize_subject, requires, subjects_in_scope
from jzcredit.common.clock import today
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.errors import NotFound
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists import measures
from jzcredit.lists import service as lists_service
from jzcredit.lists.rules import lists_config
from jzcredit.lists.schemas import CheckOut, EntryStatus, ListEntryOut, ListName, MeasureOut, ReviewIn
from jzcredit.registry import service as registry
from jzcredit.registry.router import KEY_PATH, resolve_key

router = APIRouter(tags=["lists"])

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The entry changed since you saw it (stale version) or cannot be approved now"}}
HIDDEN: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such entry, or its subject is outside your region (the same answer)"}}


@router.get("/lists/entries", response_model=Page[ListEntryOut], summary="List entries (review queue)")
def list_entries(
    status: EntryStatus | None = Query(None, description="Only entries in this status, e.g. `candidate`"),
    list_name: ListName | None = Query(None, alias="list", description="red, black or watch"),
    paging: PageParams = Depends(page_params),
    principal: Principal = Depends(requires("lists.read")),
    session: Session = ReadSession,
    now: datetime = Depends(clock),
) -> Page[ListEntryOut]:
    """Entries oldest first, only those whose subject lies in your region."""
    rows = lists_service.entries(session, list_name=list_name, status=status)
    visible = subjects_in_scope(session, principal, {r["subject_id"] for r in rows}, now)
    rows = [r for r in rows if r["subject_id"] in visible]
    items = [ListEntryOut.model_validate(r) for r in rows[paging.offset:paging.offset + paging.size]]
    return Page[ListEntryOut](items=items, total=len(rows), page=paging.page, size=paging.size)


@router.post("/lists/entries/{entry_id}/review", response_model=ListEntryOut, responses=CONFLICT | HIDDEN,
             summary="Approve (publish) or reject a candidate")
def review_entry(
    body: ReviewIn,
    entry_id: int = Path(ge=1, le=2**62),
    principal: Principal = Depends(requires("lists.review")),
    session: Session = WriteSession,
    now: datetime = Depends(clock),
    settings: Settings = Depends(settings_of),
) -> dict[str, Any]:
    """Review the version you saw: of two reviewers acting at once, one succeeds and the other gets 409."""
    entry = lists_service.get_entry(session, entry_id=entry_id)
    try:
        authorize_subject(session, principal, "lists.review", entry["subject_id"], now=now)
    except NotFound:
        raise NotFound("list_entry.not_found", f"没有编号为 {entry_id} 的名单条目") from None
    return lists_service.review(session, entry_id=entry_id, approve=body.decision == "approve", by=principal.actor,
                                note=body.note, expected_version=body.version, now=now,
                                rules=lists_config(settings.config), models=load_models(settings.config))


@router.get("/check/{key}", response_model=CheckOut, responses={404: {"description": "No such subject, or "
                                                                                     "outside your region"}},
            summary="凡办必查: measures that apply to a subject for an action")
def check(
    key: str = KEY_PATH,
    action: str = Query(min_length=1, max_length=64, description="The matter being handled",
                        examples=["government_procurement"]),
    principal: Principal = Depends(requires("check.read")),
    session: Session = WriteSession,
    now: datetime = Depends(clock),
    secrets: Vault = Depends(vault),
    settings: Settings = Depends(settings_of),
) -> CheckOut:
    """The reward and sanction measures that apply now, each with its reasons; the check itself is audited."""
    subject_id = authorize_subject(session, principal, "check.read", resolve_key(session, secrets, key), now=now)
    rows = measures.check(session, subject_id=subject_id, action=action, now=now, actor=principal.actor,
                          rules=lists_config(settings.config))
    return CheckOut(subject_key=registry.subject_keys(session, [subject_id]).get(subject_id), action=action,
                    as_of=today(now), measures=[MeasureOut.model_validate(r) for r in rows])
