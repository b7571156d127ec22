"""What the list services share: labels, the entry document and the transition writer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from jzcredit.lists.models import ListEntry, ListTransition

LIST_LABELS = {"red": "守信联合激励对象名单（红名单）", "black": "失信联合惩戒对象名单（黑名单）",
               "watch": "重点关注对象名单"}
STATUS_LABELS = {"candidate": "待审核", "approved": "已批准", "published": "已公布", "rejected": "已驳回",
                 "removed": "已移出", "expired": "已到期", "active": "生效中", "closed": "已关闭"}


def record_transition(session: Session, entry: ListEntry, from_status: str | None, to_status: str, *, actor: str,
                      now: datetime, reason: str) -> ListTransition:
    row = ListTransition(entry_id=entry.id, at=now, from_status=from_status, to_status=to_status, actor=actor,
                         reason=reason)
    session.add(row)
    return row


def entry_dict(entry: ListEntry, subject_key: str | None) -> dict[str, Any]:
    """One entry as ``lists show --json`` prints it (spec §4.3 fields first, then the rest)."""
    return {
        "entry_id": entry.id, "list": entry.list_name, "rule": entry.rule, "subject_key": subject_key,
        "status": entry.status, "published_on": entry.published_on, "expires_on": entry.expires_on,
        "subject_id": entry.subject_id, "basis": list(entry.basis), "version": entry.version,
        "proposed_at": entry.proposed_at, "proposed_by": entry.proposed_by, "reviewed_by": entry.reviewed_by,
        "reviewed_at": entry.reviewed_at, "review_note": entry.review_note, "removed_on": entry.removed_on,
        "removal_reason": entry.removal_reason, "condition": (entry.details or {}).get("condition"),
    }
