"""Proposing list candidates, reviewing them with optimistic locking, and reading entries.

Every status change writes a ``ListTransition`` (who, when, why) and an audit
entry. The time-based transitions (expiry, removal, closing watch entries) are
in ``lists/lifecycle.py`` and re-exported here for ``tick``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.rulesets import Models, load_models
from jzcredit.lists.common import LIST_LABELS, STATUS_LABELS, entry_dict, record_transition
from jzcredit.lists.lifecycle import (
    close_watch_entries,
    expire_entries,
    remove_entries_for_records,
    run_time_transitions,
)
from jzcredit.lists.models import LISTS, OPEN_STATUSES, STATUSES, ListEntry, ListTransition, PriorNotice
from jzcredit.lists.rules import RULES, Hit, ListRule, ListsConfig, current_config, rules_for
from jzcredit.objections.models import Objection
from jzcredit.records.models import CreditRecord
from jzcredit.records.policy import add_years
from jzcredit.registry import service as registry

__all__ = ["close_watch_entries", "entries", "entries_for_subject", "expire_entries", "get_entry",
           "notices_for_subject", "propose", "remove_entries_for_records", "review", "run_time_transitions"]

# --- propose --------------------------------------------------------------------------------


def propose(session: Session, *, now: datetime, actor: str, rules: ListsConfig | None = None,
            rule_ids: Iterable[str] | None = None, subject_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Apply the list rules as of today: one new entry per subject, list and rule that has no open one.

    Black and red entries start as ``candidate`` (a regulator reviews them); a black candidate sends a
    prior notice (事前告知). Watch entries go straight to ``active``. ``rule_ids`` / ``subject_ids`` narrow
    the run (``tick`` proposes B3 for one subject when a notice goes overdue).
    """
    cfg = rules or current_config()
    as_of = today(now)
    wanted = None if subject_ids is None else sorted(set(subject_ids))
    created: list[ListEntry] = []
    for rule in rules_for(ids=rule_ids):
        hits = rule.holds(session, as_of=as_of, params=cfg.rules[rule.id], subject_ids=wanted)
        if not hits:
            continue
        already = _open_subjects(session, rule, list(hits)) | _rejected_on_same_facts(session, rule, hits)
        for subject_id in sorted(hits.keys() - already):
            created.append(_create_entry(session, rule=rule, subject_id=subject_id, hit=hits[subject_id], cfg=cfg,
                                         now=now, actor=actor))
    keys = registry.subject_keys(session, [e.subject_id for e in created])
    return [{"entry_id": e.id, "list": e.list_name, "rule": e.rule, "subject_key": keys.get(e.subject_id),
             "status": e.status, "basis": e.basis} for e in created]


def _open_subjects(session: Session, rule: ListRule, subject_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(subject_ids), 5000):
        found.update(session.scalars(select(ListEntry.subject_id).where(
            ListEntry.list_name == rule.list_name, ListEntry.rule == rule.id,
            ListEntry.status.in_(OPEN_STATUSES), ListEntry.subject_id.in_(subject_ids[start:start + 5000]))))
    return found


def _signature(basis: Iterable[int], facts: dict[str, Any]) -> tuple[tuple[int, ...], Any]:
    return tuple(sorted(basis)), facts.get("evaluation_id")


def _rejected_on_same_facts(session: Session, rule: ListRule, hits: dict[int, Hit]) -> set[int]:
    """Subjects whose candidate for this rule a regulator already rejected on the very same basis (records,
    and the evaluation for grade rules): proposing it again would only repeat the question."""
    if rule.list_name == "watch":
        return set()
    skip: set[int] = set()
    subjects = list(hits)
    for start in range(0, len(subjects), 5000):
        rows = session.execute(select(ListEntry.subject_id, ListEntry.basis, ListEntry.details).where(
            ListEntry.list_name == rule.list_name, ListEntry.rule == rule.id, ListEntry.status == "rejected",
            ListEntry.subject_id.in_(subjects[start:start + 5000])))
        for subject_id, basis, details in rows:
            hit = hits[subject_id]
            if _signature(basis, details or {}) == _signature(hit.records, hit.facts):
                skip.add(subject_id)
    return skip


def _create_entry(session: Session, *, rule: ListRule, subject_id: int, hit: Hit, cfg: ListsConfig, now: datetime,
                  actor: str) -> ListEntry:
    description = rule.describe(cfg.rules[rule.id])
    entry = ListEntry(list_name=rule.list_name, subject_id=subject_id, rule=rule.id, basis=list(hit.records),
                      status="candidate", proposed_at=now, proposed_by=actor, version=1,
                      details={"ruleset": cfg.ruleset, "condition": description, **hit.facts})
    session.add(entry)
    session.flush()
    basis = "、".join(str(r) for r in hit.records) or "无（依据当前信用评价）"
    record_transition(session, entry, None, "candidate", actor=actor, now=now,
                      reason=f"规则 {rule.id}（{description}）成立；依据记录：{basis}")
    if rule.list_name == "watch":  # internal list: no review, no publication
        entry.status = "active"
        record_transition(session, entry, "candidate", "active", actor=actor, now=now,
                          reason="重点关注名单无需审核，直接生效")
    notice = _prior_notice(session, entry, description, cfg, now) if rule.list_name == "black" else None
    audit.append(session, actor=actor, action="list.propose", obj=f"list_entry:{entry.id}", now=now,
                 detail={"list": entry.list_name, "rule": rule.id, "subject_id": subject_id, "basis": entry.basis,
                         "status": entry.status, "prior_notice": notice.notice_number if notice else None})
    return entry


def _prior_notice(session: Session, entry: ListEntry, description: str, cfg: ListsConfig,
                  now: datetime) -> PriorNotice:
    """事前告知: the basis, the right to object and the last day to do so."""
    issued_on = today(now)
    object_by = issued_on + timedelta(days=cfg.objection_days)
    number = f"GZ-{issued_on.year}-{entry.id:06d}"  # entry ids are unique, so are the numbers
    records = session.execute(select(CreditRecord.id, CreditRecord.doc_number, CreditRecord.decided_on)
                              .where(CreditRecord.id.in_(entry.basis)).order_by(CreditRecord.id)).all()
    basis = "；".join(f"记录 {rid}（文号 {doc or '无'}，决定日期 {day}）" for rid, doc, day in records)
    text = (f"事前告知书 {number}\n"
            f"依据规则 {entry.rule}（{description}），本平台拟将你方列入{LIST_LABELS['black']}。"
            f"依据：{basis}。\n"
            f"你方有权对上述依据记录提出异议（陈述、申辩），请于 {object_by.isoformat()} 前（含当日）提出；"
            f"依据记录处于异议处理期间的，不予批准列入。")
    notice = PriorNotice(entry_id=entry.id, subject_id=entry.subject_id, notice_number=number, issued_at=now,
                         object_by=object_by, basis=list(entry.basis), text=text)
    session.add(notice)
    session.flush()
    return notice


# --- review ---------------------------------------------------------------------------------


def review(session: Session, *, entry_id: int, approve: bool, by: str, note: str | None,
           expected_version: int | None = None, now: datetime, rules: ListsConfig | None = None,
           models: Models | None = None) -> dict[str, Any]:
    """Approve (publish) or reject a candidate. The write is conditional on the version the reviewer saw,
    so of two reviewers acting at once exactly one succeeds and the other gets ``Conflict``. A publication
    re-grades the subject at once (a black entry caps the grade), not only at the next ``tick``."""
    if not by.strip():
        raise Invalid("list_entry.reviewer_required", "请用 --by 写明审核人")
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound("list_entry.not_found", f"没有编号为 {entry_id} 的名单条目")
    if entry.status != "candidate":
        raise Conflict("list_entry.not_candidate",
                       f"名单条目 {entry_id} 的状态是 {entry.status}（{STATUS_LABELS[entry.status]}），"
                       "只有待审核（candidate）的条目可以审核")
    seen = entry.version
    if expected_version is not None and expected_version != seen:
        raise Conflict("list_entry.changed", f"名单条目 {entry_id} 已被修改（当前版本 {seen}，"
                                             f"你看到的是版本 {expected_version}），请刷新后重新审核")
    cfg = rules or current_config()
    as_of = today(now)
    values: dict[str, Any] = {"status": "rejected", "reviewed_by": by, "reviewed_at": now, "review_note": note}
    if approve:
        _check_approvable(session, entry, as_of, cfg)
        values |= {"status": "published", "published_on": as_of, "expires_on": _expiry(entry.list_name, as_of, cfg)}
    _conditional_update(session, entry_id, seen, values)
    session.refresh(entry)
    _review_transitions(session, entry, approve=approve, by=by, note=note, now=now)
    audit.append(session, actor=by, action="list.approve" if approve else "list.reject",
                 obj=f"list_entry:{entry_id}", now=now,
                 detail={"list": entry.list_name, "rule": entry.rule, "subject_id": entry.subject_id,
                         "version": entry.version, "note": note, "published_on": entry.published_on,
                         "expires_on": entry.expires_on})
    if approve:
        evaluation.evaluate_subjects(session, models=models or load_models(), subject_ids=[entry.subject_id], now=now)
    key = registry.subject_keys(session, [entry.subject_id]).get(entry.subject_id)
    return entry_dict(entry, key)


def _conditional_update(session: Session, entry_id: int, seen: int, values: dict[str, Any]) -> None:
    """UPDATE … WHERE id = ? AND version = ?: zero rows means someone else changed it first."""
    stmt = (update(ListEntry).where(ListEntry.id == entry_id, ListEntry.version == seen,
                                    ListEntry.status == "candidate")
            .values(**values, version=seen + 1).execution_options(synchronize_session=False))
    try:
        result = session.execute(stmt)
    except OperationalError as exc:  # SQLite: the other reviewer holds the write lock past busy_timeout
        if "locked" not in str(exc.orig):
            raise
        raise Conflict("list_entry.changed", f"名单条目 {entry_id} 正在被他人审核，请刷新后重试") from exc
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict("list_entry.changed", f"名单条目 {entry_id} 已被他人审核或修改（你看到的是版本 {seen}），"
                                             "请刷新后重试")


def _check_approvable(session: Session, entry: ListEntry, as_of: date, cfg: ListsConfig) -> None:
    objected = session.execute(
        select(CreditRecord.id, Objection.id)
        .outerjoin(Objection, (Objection.record_id == CreditRecord.id) & (Objection.status == "filed"))
        .where(CreditRecord.id.in_(entry.basis), CreditRecord.status == "under_objection")
        .order_by(CreditRecord.id)).all()
    if objected:
        ids = "、".join(str(r) for r, _ in objected)
        named = "、".join(f"异议 {o}（记录 {r}）" for r, o in objected if o is not None)
        raise Conflict("list_entry.basis_under_objection",
                       f"名单条目 {entry.id} 的依据记录 {ids} 正在异议处理中（under_objection）"
                       + (f"：{named} 尚未决定" if named else "") + "，异议处理完毕前不能批准")
    rule = RULES.get(entry.rule)
    if rule is None:
        return
    params = cfg.rules[rule.id].without_grace()
    if entry.subject_id not in rule.holds(session, as_of=as_of, params=params, subject_ids=[entry.subject_id]):
        raise Conflict("list_entry.stale", f"规则 {rule.id} 对名单条目 {entry.id} 的主体已不再成立"
                                           "（依据记录已失效、修复或撤销，或评价已变化），不能批准，请驳回")


def _expiry(list_name: str, published_on: date, cfg: ListsConfig) -> date:
    if list_name == "black":
        return add_years(published_on, cfg.black_years)
    return published_on + timedelta(days=cfg.red_days)


def _review_transitions(session: Session, entry: ListEntry, *, approve: bool, by: str, note: str | None,
                        now: datetime) -> None:
    why = f"审核意见：{note}" if note else "审核未附意见"
    if not approve:
        record_transition(session, entry, "candidate", "rejected", actor=by, now=now, reason=f"驳回；{why}")
        return
    record_transition(session, entry, "candidate", "approved", actor=by, now=now, reason=f"批准；{why}")
    record_transition(session, entry, "approved", "published", actor=by, now=now,
                      reason=f"批准后公布，有效期至 {entry.expires_on}")


# --- reading --------------------------------------------------------------------------------


def entries(session: Session, *, list_name: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """Entries for ``lists show``, oldest first, with each subject's public key."""
    if list_name is not None and list_name not in LISTS:
        raise Invalid("list.unknown", f"未知的名单 {list_name}，可选：{'、'.join(LISTS)}")
    if status is not None and status not in STATUSES:
        raise Invalid("list_entry.bad_status", f"未知的条目状态 {status}，可选：{'、'.join(STATUSES)}")
    stmt = select(ListEntry).order_by(ListEntry.id)
    if list_name is not None:
        stmt = stmt.where(ListEntry.list_name == list_name)
    if status is not None:
        stmt = stmt.where(ListEntry.status == status)
    rows = list(session.scalars(stmt))
    keys = registry.subject_keys(session, [e.subject_id for e in rows])
    return [entry_dict(e, keys.get(e.subject_id)) for e in rows]


def get_entry(session: Session, *, entry_id: int) -> dict[str, Any]:
    """One entry (the API needs its subject to check the reviewer's region first)."""
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound("list_entry.not_found", f"没有编号为 {entry_id} 的名单条目")
    return entry_dict(entry, registry.subject_keys(session, [entry.subject_id]).get(entry.subject_id))


def entries_for_subject(session: Session, subject_id: int) -> list[dict[str, Any]]:
    """A subject's entries (every list and status) with their transitions, for ``show KEY``."""
    rows = list(session.scalars(select(ListEntry).where(ListEntry.subject_id == subject_id).order_by(ListEntry.id)))
    key = registry.subject_keys(session, [subject_id]).get(subject_id)
    moves: dict[int, list[dict[str, Any]]] = {e.id: [] for e in rows}
    for t in session.scalars(select(ListTransition).where(ListTransition.entry_id.in_(list(moves)))
                             .order_by(ListTransition.id)):
        moves[t.entry_id].append({"at": t.at, "from_status": t.from_status, "to_status": t.to_status,
                                  "actor": t.actor, "reason": t.reason})
    return [entry_dict(e, key) | {"transitions": moves[e.id]} for e in rows]


def notices_for_subject(session: Session, subject_id: int) -> list[dict[str, Any]]:
    """The prior notices (事前告知) sent to a subject, for ``show KEY``."""
    rows = session.execute(select(PriorNotice, ListEntry).join(ListEntry, ListEntry.id == PriorNotice.entry_id)
                           .where(PriorNotice.subject_id == subject_id).order_by(PriorNotice.id))
    return [{"notice_id": n.id, "notice_number": n.notice_number, "kind": "prior_notice",
             "issued_on": today(n.issued_at), "deadline": n.object_by, "object_by": n.object_by,
             "status": "issued", "entry_id": e.id, "list": e.list_name, "rule": e.rule,
             "entry_status": e.status, "basis": n.basis, "text": n.text} for n, e in rows]
