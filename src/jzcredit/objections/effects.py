"""What an upheld objection does to list entries built on the record, before grades are recomputed.

An open black or red entry whose basis includes the record is re-checked against its own rule (without
grace, as approval does): if the rule no longer holds on the entry's basis, a ``candidate`` is rejected
(through the normal review, with the reason as the note) and a ``published`` entry is removed with reason
``objection_upheld``. An entry whose rule still holds on the rest of its basis stays.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.lists import service as lists_service
from jzcredit.lists.common import record_transition
from jzcredit.lists.models import ListEntry
from jzcredit.lists.rules import RULES, ListsConfig
from jzcredit.records.models import CreditRecord

REMOVAL_REASON = "objection_upheld"


def _still_holds(session: Session, entry: ListEntry, *, now: datetime, cfg: ListsConfig) -> bool:
    rule = RULES.get(entry.rule)
    if rule is None:  # an unknown rule cannot be re-checked: leave the entry to its reviewer
        return True
    hits = rule.holds(session, as_of=today(now), params=cfg.rules[rule.id].without_grace(),
                      subject_ids=[entry.subject_id])
    hit = hits.get(entry.subject_id)
    return hit is not None and bool(set(hit.records) & set(entry.basis or []))


def _remove(session: Session, entry: ListEntry, *, why: str, now: datetime, actor: str) -> None:
    entry.status = "removed"
    entry.removed_on = today(now)
    entry.removal_reason = REMOVAL_REASON
    entry.version += 1
    record_transition(session, entry, "published", "removed", actor=actor, now=now, reason=why)
    audit.append(session, actor=actor, action="list.removed", obj=f"list_entry:{entry.id}", now=now,
                 detail={"list": entry.list_name, "rule": entry.rule, "subject_id": entry.subject_id,
                         "from": "published", "reason": REMOVAL_REASON})


def settle_entries(session: Session, *, record: CreditRecord, objection_id: int, outcome_zh: str, now: datetime,
                   actor: str, cfg: ListsConfig) -> list[dict[str, Any]]:
    """Reject or remove the open black/red entries the upheld objection leaves without a basis."""
    if record.subject_id is None:
        return []
    rows = session.scalars(select(ListEntry).where(
        ListEntry.subject_id == record.subject_id, ListEntry.list_name.in_(("black", "red")),
        ListEntry.status.in_(("candidate", "published"))).order_by(ListEntry.id).with_for_update())
    changes: list[dict[str, Any]] = []
    for entry in [e for e in rows if record.id in (e.basis or [])]:
        if _still_holds(session, entry, now=now, cfg=cfg):
            continue
        why = (f"异议 {objection_id} 成立，依据记录 {record.id} 已{outcome_zh}；"
               f"规则 {entry.rule} 依该条目的依据不再成立")
        before = entry.status
        if before == "candidate":
            lists_service.review(session, entry_id=entry.id, approve=False, by=actor, note=why, now=now, rules=cfg)
        else:
            _remove(session, entry, why=why, now=now, actor=actor)
        changes.append({"entry_id": entry.id, "list": entry.list_name, "rule": entry.rule,
                        "from_status": before, "to_status": entry.status, "reason": why})
    return changes
