"""Time- and fact-driven list transitions, run by ``tick`` (and after repairs, revocations, new records).

- published entries past ``expires_on`` → ``expired``;
- published black entries whose every basis record is ``repaired`` or ``revoked`` → ``removed``;
- published red entries → ``removed`` (reason ``negative_record``) once a negative record decided on or
  after the publication day arrives;
- active watch entries → ``closed`` when their rule no longer holds.

Each function returns what changed as a list of dicts and is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.lists.common import record_transition
from jzcredit.lists.models import ListEntry
from jzcredit.lists.rules import ListsConfig, current_config, rules_for
from jzcredit.records.models import CreditRecord
from jzcredit.registry import service as registry

CHUNK = 5000
GONE = ("repaired", "revoked")


def _finish(session: Session, entry: ListEntry, *, to: str, code: str, why: str, actor: str,
            now: datetime) -> dict[str, Any]:
    """Move an open entry to a final status with its transition and audit entry."""
    before = entry.status
    entry.status = to
    entry.version += 1
    if to in ("removed", "closed"):
        entry.removed_on = today(now)
        entry.removal_reason = code
    record_transition(session, entry, before, to, actor=actor, now=now, reason=why)
    audit.append(session, actor=actor, action=f"list.{to}", obj=f"list_entry:{entry.id}", now=now,
                 detail={"list": entry.list_name, "rule": entry.rule, "subject_id": entry.subject_id,
                         "from": before, "reason": code})
    return {"entry_id": entry.id, "list": entry.list_name, "rule": entry.rule, "subject_id": entry.subject_id,
            "from_status": before, "to_status": to, "reason": code}


def _with_keys(session: Session, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = registry.subject_keys(session, [c["subject_id"] for c in changes])
    return [c | {"subject_key": keys.get(c["subject_id"])} for c in changes]


def _in_chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def expire_entries(session: Session, *, now: datetime, actor: str) -> list[dict[str, Any]]:
    """Published entries whose ``expires_on`` is before today → ``expired``."""
    as_of = today(now)
    due = session.scalars(select(ListEntry).where(ListEntry.status == "published", ListEntry.expires_on < as_of)
                          .order_by(ListEntry.id)).all()
    changes = [_finish(session, e, to="expired", code="expired", why=f"有效期已于 {e.expires_on} 届满", actor=actor,
                       now=now) for e in due]
    return _with_keys(session, changes)


def _subjects_of(session: Session, record_ids: Iterable[int] | None) -> list[int] | None:
    if record_ids is None:
        return None
    ids = sorted(set(record_ids))
    found: set[int] = set()
    for chunk in _in_chunks(ids):
        found.update(s for s in session.scalars(select(CreditRecord.subject_id).where(CreditRecord.id.in_(chunk)))
                     if s is not None)
    return sorted(found)


def _published(session: Session, list_name: str, subjects: list[int] | None) -> list[ListEntry]:
    stmt = select(ListEntry).where(ListEntry.list_name == list_name, ListEntry.status == "published")
    if subjects is None:
        return list(session.scalars(stmt.order_by(ListEntry.id)))
    rows: list[ListEntry] = []
    for chunk in _in_chunks(subjects):
        rows.extend(session.scalars(stmt.where(ListEntry.subject_id.in_(chunk))))
    return sorted(rows, key=lambda e: e.id)


def _remove_black(session: Session, subjects: list[int] | None, *, now: datetime,
                  actor: str) -> list[dict[str, Any]]:
    entries = [e for e in _published(session, "black", subjects) if e.basis]
    basis_ids = sorted({r for e in entries for r in e.basis})
    status: dict[int, str] = {}
    for chunk in _in_chunks(basis_ids):
        rows = session.execute(select(CreditRecord.id, CreditRecord.status).where(CreditRecord.id.in_(chunk)))
        status.update((record_id, state) for record_id, state in rows)
    changes = []
    for entry in entries:
        states = {status.get(r) for r in entry.basis}
        if not states <= set(GONE):
            continue
        code = states.pop() if len(states) == 1 else "repaired_or_revoked"
        why = f"依据记录 {'、'.join(map(str, entry.basis))} 均已信用修复或撤销"
        changes.append(_finish(session, entry, to="removed", code=str(code), why=why, actor=actor, now=now))
    return changes


def _remove_red(session: Session, subjects: list[int] | None, *, now: datetime,
                actor: str) -> list[dict[str, Any]]:
    entries = {e.id: e for e in _published(session, "red", subjects)}
    first: dict[int, tuple[int, date | None]] = {}
    for chunk in _in_chunks(sorted(entries)):
        rows = session.execute(
            select(ListEntry.id, CreditRecord.id, CreditRecord.decided_on)
            .join(CreditRecord, and_(CreditRecord.subject_id == ListEntry.subject_id,
                                     CreditRecord.decided_on >= ListEntry.published_on))
            .where(ListEntry.id.in_(chunk), CreditRecord.category == "negative", CreditRecord.type != "complaint",
                   CreditRecord.status != "revoked")
            .order_by(CreditRecord.id))
        for entry_id, record_id, decided_on in rows:
            first.setdefault(entry_id, (record_id, decided_on))
    changes = []
    for entry_id, (record_id, decided_on) in sorted(first.items()):
        why = f"公布后出现失信记录 {record_id}（决定日期 {decided_on}），立即移出"
        changes.append(_finish(session, entries[entry_id], to="removed", code="negative_record", why=why,
                               actor=actor, now=now))
    return changes


def remove_entries_for_records(session: Session, *, now: datetime, actor: str,
                               record_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Remove published black entries whose basis is all repaired/revoked, and red entries hit by a new
    negative record. ``record_ids`` (records just changed or added) limits the work to their subjects."""
    subjects = _subjects_of(session, record_ids)
    if subjects == []:
        return []
    changes = _remove_black(session, subjects, now=now, actor=actor)
    changes += _remove_red(session, subjects, now=now, actor=actor)
    return _with_keys(session, changes)


def close_watch_entries(session: Session, *, now: datetime, actor: str, rules: ListsConfig | None = None,
                        subject_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Active watch entries whose own rule no longer holds → ``closed`` (a subject leaves the watch list
    exactly when no watch rule holds for it)."""
    cfg = rules or current_config()
    as_of = today(now)
    active = list(session.scalars(select(ListEntry).where(ListEntry.list_name == "watch", ListEntry.status == "active")
                                  .order_by(ListEntry.id)))
    if subject_ids is not None:  # filtered here: a long id list would not fit in one IN (...)
        wanted = set(subject_ids)
        active = [e for e in active if e.subject_id in wanted]
    changes = []
    for rule in rules_for("watch"):
        mine = [e for e in active if e.rule == rule.id]
        if not mine:
            continue
        holds = rule.holds(session, as_of=as_of, params=cfg.rules[rule.id].without_grace(),
                           subject_ids=[e.subject_id for e in mine])
        for entry in mine:
            if entry.subject_id not in holds:
                why = f"规则 {rule.id} 不再成立"
                changes.append(_finish(session, entry, to="closed", code="rule_no_longer_holds", why=why,
                                       actor=actor, now=now))
    return _with_keys(session, sorted(changes, key=lambda c: c["entry_id"]))


def run_time_transitions(session: Session, *, now: datetime, actor: str,
                         rules: ListsConfig | None = None) -> dict[str, list[dict[str, Any]]]:
    """Everything ``tick`` does for lists on a date, in one call (idempotent)."""
    cfg = rules or current_config()
    return {"expired": expire_entries(session, now=now, actor=actor),
            "removed": remove_entries_for_records(session, now=now, actor=actor),
            "closed": close_watch_entries(session, now=now, actor=actor, rules=cfg)}

