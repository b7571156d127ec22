"""Credit commitments (信用承诺): signed → in force → fulfilled or breached.

Signing writes a ``commitment`` credit record (details ``{kind, public, commitment_id}``) so the evaluation
sees it (D5 ``public_commitment``); fulfilling or breaching ends that record (``expired``, kept as history:
the commitment is no longer being performed); a breach also writes a ``commitment_breach`` negative record
(D3). Each step is audited and the subject re-graded (``records.derived.recompute``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jzcredit.commitments.models import KINDS, STATUSES, Commitment
from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.evaluation.rulesets import Models
from jzcredit.records import derived
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord
from jzcredit.records.policy import add_years
from jzcredit.registry import service as registry
from jzcredit.registry.models import Subject
from jzcredit.rules import load_rules_dict

KIND_LABELS = {"notification": "告知承诺", "voluntary": "主动承诺", "industry": "行业自律承诺",
               "repair": "信用修复承诺"}
STATUS_LABELS = {"in_force": "履行中", "fulfilled": "已履行", "breached": "已违背"}
RECORD_TYPE_LABELS = {"penalty": "行政处罚", "dishonest_debtor": "失信被执行人", "commitment_breach": "违背承诺",
                      "complaint": "投诉", "rectification_overdue": "逾期未整改", "background_check": "背景核查",
                      "other": "其他"}


@dataclass(frozen=True)
class CommitmentRules:
    """Settings under ``commitments:`` in defaults.yml."""

    breach_publication_years: int  # public window of a commitment_breach record, from the breach date

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommitmentRules:
        section = data.get("commitments") or {}
        try:
            years = int(section["breach_publication_years"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid("config.commitments", "配置 commitments.breach_publication_years 缺失或不是整数") from exc
        return cls(breach_publication_years=years)


def commitment_rules(override: Path | None = None) -> CommitmentRules:
    return CommitmentRules.from_dict(load_rules_dict(override))


def record_label(record: CreditRecord) -> str:
    """``记录 12（行政处罚，文号 济市监罚〔2026〕1号）``: how a refusal names a record."""
    kind = RECORD_TYPE_LABELS.get(record.type, record.type)
    return f"记录 {record.id}（{kind}，文号 {record.doc_number or '无'}）"


# --- signing ----------------------------------------------------------------------------------


def notification_blockers(session: Session, *, subject_id: int, as_of: date) -> list[CreditRecord]:
    """Spec 02: a subject with an in-force serious negative record cannot use a notification commitment
    (告知承诺) until the record is repaired. Records under objection still count until upheld."""
    return list(session.scalars(select(CreditRecord).where(
        CreditRecord.subject_id == subject_id, CreditRecord.category == "negative",
        CreditRecord.severity == "serious", records_service.in_force_clause(as_of)).order_by(CreditRecord.id)))


def _check_sign(session: Session, *, subject_id: int, kind: str, text: str, in_place_of: str | None,
                by: str, as_of: date) -> None:
    if kind not in KINDS:
        raise Invalid("commitment.bad_kind", f"未知的承诺类型 {kind}，可选：{'、'.join(KINDS)}")
    if not text.strip():
        raise Invalid("commitment.text_required", "承诺内容不能为空，请用 --text 写明承诺事项")
    if not by.strip():
        raise Invalid("commitment.signer_required", "请用 --by 写明签署人")
    if in_place_of is not None and kind != "notification":
        raise Invalid("commitment.in_place_of", "只有告知承诺（notification）可以用 --in-place-of 替代证明材料")
    if in_place_of is not None and not in_place_of.strip():
        raise Invalid("commitment.in_place_of", "--in-place-of 不能为空：请写明替代的证明材料")
    if session.get(Subject, subject_id) is None:
        raise NotFound("subject.not_found", f"没有编号为 {subject_id} 的主体")
    if kind == "notification":
        blockers = notification_blockers(session, subject_id=subject_id, as_of=as_of)
        if blockers:
            named = "；".join(record_label(r) for r in blockers)
            raise Conflict("commitment.serious_record",
                           f"该主体有尚未修复的严重失信记录，不能签署告知承诺：{named}。请先完成信用修复")


def sign(session: Session, *, subject_id: int, kind: str, text: str, by: str, now: datetime,
         public: bool = False, in_place_of: str | None = None, models: Models | None = None) -> Commitment:
    """Sign a commitment: the commitment, its ``commitment`` record, an audit entry, and a re-grade."""
    as_of = today(now)
    _check_sign(session, subject_id=subject_id, kind=kind, text=text, in_place_of=in_place_of, by=by, as_of=as_of)
    commitment = Commitment(subject_id=subject_id, kind=kind, text=text.strip(), signed_on=as_of, public=public,
                            status="in_force", in_place_of=in_place_of.strip() if in_place_of else None,
                            signed_by=by.strip(), version=1, created_at=now, updated_at=now)
    session.add(commitment)
    session.flush()
    record = records_service.create_record(
        session, subject_id=subject_id, type_="commitment", decided_on=as_of,
        source_key=f"commitment:{commitment.id}", actor=commitment.signed_by,
        reason=f"签署{KIND_LABELS[kind]}（承诺 {commitment.id}）", now=now, content=commitment.text,
        details={"kind": kind, "public": public, "commitment_id": commitment.id})
    commitment.record_id = record.id
    audit.append(session, actor=commitment.signed_by, action="commitment.sign", obj=f"commitment:{commitment.id}",
                 now=now, detail={"subject_id": subject_id, "kind": kind, "public": public,
                                  "in_place_of": commitment.in_place_of, "record_id": record.id})
    derived.recompute(session, record_ids=[record.id], now=now, actor=commitment.signed_by, models=models)
    return commitment


# --- ending -----------------------------------------------------------------------------------


def _claim(session: Session, *, commitment_id: int, to: str, by: str, note: str | None, now: datetime) -> Commitment:
    """in_force → ``to``, written only if it is still in force (of two at once, one wins)."""
    verb = "履行" if to == "fulfilled" else "违背"
    result = session.execute(
        update(Commitment).where(Commitment.id == commitment_id, Commitment.status == "in_force")
        .values(status=to, ended_on=today(now), ended_by=by, end_note=note, updated_at=now,
                version=Commitment.version + 1).execution_options(synchronize_session=False))
    commitment = session.get(Commitment, commitment_id, populate_existing=True)
    if commitment is None:
        raise NotFound("commitment.not_found", f"没有编号为 {commitment_id} 的信用承诺")
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict("commitment.not_in_force",
                       f"承诺 {commitment_id} 的状态是{STATUS_LABELS[commitment.status]}（{commitment.status}），"
                       f"只有履行中（in_force）的承诺可以登记{verb}")
    return commitment


def _end_record(session: Session, commitment: Commitment, *, by: str, why: str, now: datetime) -> list[int]:
    record = session.get(CreditRecord, commitment.record_id) if commitment.record_id else None
    if record is None or record.status != "active":
        return []  # revoked or under objection: that workflow owns the record's status
    records_service.change_status(session, record=record, to="expired", actor=by, reason=why, now=now)
    return [record.id]


def _check_actor(by: str) -> str:
    if not by.strip():
        raise Invalid("commitment.actor_required", "请用 --by 写明登记人")
    return by.strip()


def fulfil(session: Session, *, commitment_id: int, by: str, now: datetime, note: str | None = None,
           models: Models | None = None) -> Commitment:
    """The commitment was kept: → fulfilled; its record ends (expired, kept as history)."""
    by = _check_actor(by)
    commitment = _claim(session, commitment_id=commitment_id, to="fulfilled", by=by, note=note, now=now)
    changed = _end_record(session, commitment, by=by, now=now,
                          why=f"承诺 {commitment.id} 已履行完毕" + (f"：{note}" if note else ""))
    audit.append(session, actor=by, action="commitment.fulfil", obj=f"commitment:{commitment.id}", now=now,
                 detail={"subject_id": commitment.subject_id, "kind": commitment.kind, "note": note})
    derived.recompute(session, record_ids=changed, subject_ids=[commitment.subject_id], now=now, actor=by,
                      models=models)
    return commitment


def breach(session: Session, *, commitment_id: int, reason: str, by: str, now: datetime,
           rules: CommitmentRules, models: Models | None = None) -> Commitment:
    """The commitment was broken: → breached, its record ends, and a ``commitment_breach`` negative record
    naming the commitment is written (D3 ``commitment_breach``)."""
    by = _check_actor(by)
    if not reason.strip():
        raise Invalid("commitment.reason_required", "请用 --reason 写明违背承诺的事实")
    reason = reason.strip()
    commitment = _claim(session, commitment_id=commitment_id, to="breached", by=by, note=reason, now=now)
    as_of = today(now)
    changed = _end_record(session, commitment, by=by, now=now, why=f"承诺 {commitment.id} 被违背：{reason}")
    label = KIND_LABELS[commitment.kind]
    record = records_service.create_record(
        session, subject_id=commitment.subject_id, type_="commitment_breach", decided_on=as_of,
        source_key=f"commitment_breach:{commitment.id}", actor=by, reason=f"违背{label}（承诺 {commitment.id}）",
        now=now, content=f"违背{label}（承诺 {commitment.id}，{commitment.signed_on.isoformat()} 签署）：{reason}",
        publish_until=add_years(as_of, rules.breach_publication_years),
        details={"commitment_id": commitment.id, "kind": commitment.kind, "reason": reason})
    commitment.breach_record_id = record.id
    audit.append(session, actor=by, action="commitment.breach", obj=f"commitment:{commitment.id}", now=now,
                 detail={"subject_id": commitment.subject_id, "kind": commitment.kind, "reason": reason,
                         "breach_record_id": record.id})
    derived.recompute(session, record_ids=[*changed, record.id], now=now, actor=by, models=models)
    return commitment


# --- reading ----------------------------------------------------------------------------------


def commitment_dict(c: Commitment) -> dict[str, Any]:
    return {"commitment_id": c.id, "kind": c.kind, "kind_label": KIND_LABELS.get(c.kind, c.kind), "text": c.text,
            "signed_on": c.signed_on, "signed_by": c.signed_by, "public": c.public, "status": c.status,
            "in_place_of": c.in_place_of, "record_id": c.record_id, "breach_record_id": c.breach_record_id,
            "ended_on": c.ended_on, "ended_by": c.ended_by, "end_note": c.end_note, "version": c.version}


def get(session: Session, commitment_id: int) -> Commitment:
    commitment = session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound("commitment.not_found", f"没有编号为 {commitment_id} 的信用承诺")
    return commitment


def commitments(session: Session, *, subject_id: int | None = None, status: str | None = None
                ) -> list[dict[str, Any]]:
    """``commitments list``: oldest first, each with its subject's public key."""
    if status is not None and status not in STATUSES:
        raise Invalid("commitment.bad_status", f"未知的承诺状态 {status}，可选：{'、'.join(STATUSES)}")
    stmt = select(Commitment).order_by(Commitment.id)
    if subject_id is not None:
        stmt = stmt.where(Commitment.subject_id == subject_id)
    if status is not None:
        stmt = stmt.where(Commitment.status == status)
    rows = list(session.scalars(stmt))
    keys = registry.subject_keys(session, [c.subject_id for c in rows])
    return [commitment_dict(c) | {"subject_key": keys.get(c.subject_id)} for c in rows]


def for_subject(session: Session, *, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    """Every commitment of the subject, newest first, for ``show KEY``; ``public`` marks those published on
    the company's page."""
    rows = session.scalars(select(Commitment).where(Commitment.subject_id == subject_id)
                           .order_by(Commitment.signed_on.desc(), Commitment.id.desc()))
    return [commitment_dict(c) for c in rows]
