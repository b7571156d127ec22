"""The time-based transitions of spec §3.5, in the order they depend on each other.

0. workflow deadlines: rectification notices past their deadline → ``overdue`` (a
   ``rectification_overdue`` record and a B3 candidate); forwarded complaints past ``respond_by``
   without a response → unanswered (a ``complaint`` record with finding ``unanswered``);
1. records past ``publish_until`` → ``expired``;
2. list entries: published past ``expires_on`` → ``expired``; black entries whose every basis is
   repaired or revoked → ``removed``; red entries hit by a new negative record → ``removed``;
3. every subject re-evaluated on the date (a new evaluation only where the result changed: windows
   move, health checks lapse, years pass, records expire, black entries go);
4. watch entries whose rule no longer holds (grades just changed) → ``closed``.

Steps 1–2 and 4 run inside the caller's transaction; step 3 is chunked by the caller. Running it twice
for the same date changes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.complaints import service as complaints_service
from jzcredit.lists import lifecycle
from jzcredit.lists.rules import ListsConfig
from jzcredit.records import service as records_service
from jzcredit.rectification import service as rectification_service


def expire_and_remove(session: Session, *, now: datetime, actor: str, lists_cfg: ListsConfig) -> dict[str, Any]:
    """Steps 0, 1 and 2."""
    overdue = rectification_service.mark_overdue(session, now=now, actor=actor, lists_cfg=lists_cfg)
    unanswered = complaints_service.mark_unanswered(session, now=now, actor=actor)
    expired = records_service.expire_records(session, now=now, actor=actor)
    lists = {"expired": lifecycle.expire_entries(session, now=now, actor=actor),
             "removed": lifecycle.remove_entries_for_records(session, now=now, actor=actor)}
    return {"notices_overdue": overdue, "complaints_unanswered": unanswered, "records_expired": expired,
            "list_entries_expired": lists["expired"],
            "list_entries_removed": lists["removed"]}


def close_watch(session: Session, *, now: datetime, actor: str, lists_cfg: ListsConfig) -> list[dict[str, Any]]:
    """Step 4."""
    return lifecycle.close_watch_entries(session, now=now, actor=actor, rules=lists_cfg)


def record_run(session: Session, *, now: datetime, actor: str, report: dict[str, Any]) -> None:
    """One audit entry per tick with what it changed (the records and entries carry their own history)."""
    audit.append(session, actor=actor, action="tick", obj="platform", now=now, detail={
        "as_of": today(now).isoformat(), "notices_overdue": len(report["notices_overdue"]),
        "complaints_unanswered": len(report["complaints_unanswered"]),
        "records_expired": len(report["records_expired"]),
        "list_entries_expired": len(report["list_entries_expired"]),
        "list_entries_removed": len(report["list_entries_removed"]),
        "watch_closed": len(report["watch_closed"]), "evaluations_changed": report["evaluation"]["changed"]})


def changed_anything(report: dict[str, Any]) -> bool:
    return bool(report["notices_overdue"] or report["complaints_unanswered"] or report["records_expired"]
                or report["list_entries_expired"] or report["list_entries_removed"]
                or report["watch_closed"] or report["evaluation"]["changed"])
