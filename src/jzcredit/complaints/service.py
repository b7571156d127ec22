"""Complaints (投诉): filed, forwarded, answered, resolved or mediated, closed with a finding.

The state machine (spec 02 "Complaints and ratings"; who acts in brackets)::

    filed ─forward (regulator)→ forwarded ─respond (company)→ responded
    responded ─resolve --satisfied (complainant)→ resolved ─close (regulator)→ closed
    responded ─resolve --unsatisfied (complainant)→ unresolved ─mediate (regulator)→ mediated ─close→ closed
    forwarded, past respond_by without a response ─mediate (regulator)→ mediated

``forward`` sets ``respond_by`` = forwarding date + ``complaints.response_days``; a deadline missed makes
the complaint ``unanswered`` (a record on the company, see ``effects``). ``close`` records the finding;
``substantiated`` writes ``complaint`` records on the company and the worker. Any step from another status
is refused with nothing changed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jzcredit.common import ids
from jzcredit.common.clock import today
from jzcredit.common.crypto import Vault
from jzcredit.complaints import effects
from jzcredit.complaints.config import TRACKING_PREFIX, ComplaintsConfig, current_config, new_code, normalise_code
from jzcredit.complaints.models import CATEGORIES, FINDINGS, STATUSES, Complaint, ComplaintStep
from jzcredit.complaints.parties import complaint_parties
from jzcredit.complaints.steps import CATEGORY_LABELS, FINDING_LABELS, STATUS_LABELS, log_step
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.evaluation.rulesets import Models
from jzcredit.registry import service as registry

mark_unanswered = effects.mark_unanswered  # ``tick`` calls it here


def clean_text(value: str | None, what: str, cfg: ComplaintsConfig, *, required: bool = True) -> str | None:
    """Trimmed text within the configured length; NUL and other C0 controls (but tab/newline) refused."""
    text = (value or "").strip()
    if not text:
        if required:
            raise Invalid("complaint.text_missing", f"{what}不能为空")
        return None
    if len(text) > cfg.text_max_chars:
        raise Invalid("complaint.text_too_long", f"{what}过长：{len(text)} 字，最多 {cfg.text_max_chars} 字")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        raise Invalid("complaint.text_control", f"{what}含有不可见的控制字符")
    return text


def _contact(vault: Vault, phone: str | None) -> tuple[str | None, str | None]:
    if phone is None or not phone.strip():
        return None, None
    try:
        number = ids.validate_mobile(phone)
    except ids.InvalidIdentifier:  # its message repeats the number: never echo a phone
        raise Invalid("complaint.bad_phone", "联系电话不是有效的手机号码（11 位，1 开头）") from None
    return vault.encrypt(number), ids.mask_phone(number)


def _unique_tracking_code(session: Session) -> str:
    for _ in range(8):  # 60 random bits: a clash is already improbable; checking costs one look-up
        code = new_code(TRACKING_PREFIX)
        if session.scalar(select(Complaint.id).where(Complaint.tracking_code == code)) is None:
            return code
    raise Conflict("complaint.code_exhausted", "无法生成不重复的投诉查询码，请重试")


def file_complaint(session: Session, *, vault: Vault, category: str, description: str, filed_by: str,
                   now: datetime, actor: str, company_uscc: str | None = None, worker_code: str | None = None,
                   phone: str | None = None, cfg: ComplaintsConfig | None = None) -> Complaint:
    """File a complaint against a company and/or a worker; the complainant gets the tracking code."""
    cfg = cfg or current_config()
    if category not in CATEGORIES:
        raise Invalid("complaint.bad_category", f"未知的投诉类别 {category}，可选：{'、'.join(CATEGORIES)}")
    text = clean_text(description, "投诉内容", cfg)
    by = clean_text(filed_by, "投诉人", cfg)
    assert text is not None and by is not None
    company_id, worker_id = complaint_parties(session, vault=vault, company_uscc=company_uscc,
                                              worker_code=worker_code, as_of=today(now))
    cipher, masked = _contact(vault, phone)
    complaint = Complaint(tracking_code=_unique_tracking_code(session), company_id=company_id, worker_id=worker_id,
                          category=category, description=text, contact_phone_cipher=cipher,
                          contact_phone_masked=masked, filed_by=by, filed_on=today(now), unanswered=False,
                          status="filed", version=1, created_at=now, updated_at=now)
    session.add(complaint)
    session.flush()
    log_step(session, complaint, action="file", from_status=None, actor=actor, now=now,
             detail={"category": category, "company_id": company_id, "worker_id": worker_id,
                     "contact_phone": masked})
    return complaint


# --- the steps --------------------------------------------------------------------------------


def _load(session: Session, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id, with_for_update=True)
    if complaint is None:
        raise NotFound("complaint.not_found", f"没有编号为 {complaint_id} 的投诉")
    return complaint


def _require(complaint: Complaint, verb: str, allowed: tuple[str, ...], now: datetime) -> None:
    if complaint.status not in allowed:
        wanted = "、".join(STATUS_LABELS[s] for s in allowed)
        raise Conflict("complaint.wrong_status", f"投诉 {complaint.id} 当前为「{STATUS_LABELS[complaint.status]}」，"
                                                 f"不能{verb}（只有「{wanted}」的投诉可以{verb}）")
    if today(now) < today(complaint.updated_at):
        raise Conflict("complaint.backdated", f"投诉 {complaint.id} 的上一步在 {today(complaint.updated_at)}，"
                                              f"不能以更早的日期{verb}")


def _move(complaint: Complaint, to: str, now: datetime) -> str:
    before = complaint.status
    complaint.status = to
    complaint.version += 1
    complaint.updated_at = now
    return before


def forward(session: Session, *, complaint_id: int, now: datetime, actor: str,
            cfg: ComplaintsConfig | None = None) -> Complaint:
    """Regulator: send the complaint to the company; it has ``response_days`` to answer."""
    cfg = cfg or current_config()
    complaint = _load(session, complaint_id)
    _require(complaint, "转企业办理", ("filed",), now)
    complaint.forwarded_on = today(now)
    complaint.respond_by = complaint.forwarded_on + timedelta(days=cfg.response_days)
    before = _move(complaint, "forwarded", now)
    log_step(session, complaint, action="forward", from_status=before, actor=actor, now=now,
             detail={"respond_by": complaint.respond_by.isoformat()})
    return complaint


def _settle(session: Session, complaint: Complaint, *, actor: str, now: datetime, models: Models | None) -> None:
    """A late step first records the missed deadline, as ``tick`` would have (then re-grades the company)."""
    record = effects.settle_deadline(session, complaint, actor=actor, now=now)
    if record is not None:
        effects.recompute(session, records=[record], subject_ids=[record.subject_id], actor=actor, now=now,
                          models=models)


def respond(session: Session, *, complaint_id: int, text: str, now: datetime, actor: str,
            cfg: ComplaintsConfig | None = None, models: Models | None = None) -> Complaint:
    """Company: answer. A late answer is taken, but the missed deadline stays on the file."""
    cfg = cfg or current_config()
    answer = clean_text(text, "答复内容", cfg)
    complaint = _load(session, complaint_id)
    _require(complaint, "答复", ("forwarded",), now)
    _settle(session, complaint, actor=actor, now=now, models=models)
    complaint.response, complaint.responded_on = answer, today(now)
    before = _move(complaint, "responded", now)
    log_step(session, complaint, action="respond", from_status=before, actor=actor, now=now, text=answer,
             detail={"late": complaint.unanswered})
    return complaint


def resolve(session: Session, *, complaint_id: int, satisfied: bool, now: datetime, actor: str) -> Complaint:
    """Complainant: satisfied with the answer (resolved) or not (unresolved, for mediation)."""
    complaint = _load(session, complaint_id)
    _require(complaint, "确认处理结果", ("responded",), now)
    before = _move(complaint, "resolved" if satisfied else "unresolved", now)
    log_step(session, complaint, action="resolve", from_status=before, actor=actor, now=now,
             detail={"satisfied": satisfied})
    return complaint


def mediate(session: Session, *, complaint_id: int, note: str, now: datetime, actor: str,
            cfg: ComplaintsConfig | None = None, models: Models | None = None) -> Complaint:
    """Regulator: mediate an unresolved complaint, or one the company left unanswered past its deadline."""
    cfg = cfg or current_config()
    text = clean_text(note, "调解情况", cfg)
    complaint = _load(session, complaint_id)
    if complaint.status == "forwarded" and not effects.is_past_deadline(complaint, now):
        deadline = complaint.respond_by.isoformat() if complaint.respond_by else "—"
        raise Conflict("complaint.not_overdue", f"投诉 {complaint.id} 仍在企业答复期限内（{deadline}），"
                                                f"不能调解（已转办的投诉须逾期未答复才能调解）")
    _require(complaint, "调解", ("unresolved", "forwarded"), now)
    _settle(session, complaint, actor=actor, now=now, models=models)
    before = _move(complaint, "mediated", now)
    log_step(session, complaint, action="mediate", from_status=before, actor=actor, now=now, text=text)
    return complaint


def close(session: Session, *, complaint_id: int, finding: str, now: datetime, actor: str,
          note: str | None = None, cfg: ComplaintsConfig | None = None, models: Models | None = None) -> Complaint:
    """Regulator: close a resolved or mediated complaint with its finding; substantiated → records, re-grade."""
    cfg = cfg or current_config()
    if finding not in FINDINGS:
        raise Invalid("complaint.bad_finding", f"未知的调查结论 {finding}，可选：{'、'.join(FINDINGS)}")
    text = clean_text(note, "办结说明", cfg, required=False)
    complaint = _load(session, complaint_id)
    _require(complaint, "办结", ("resolved", "mediated"), now)
    complaint.finding, complaint.closed_on = finding, today(now)
    before = _move(complaint, "closed", now)
    records = effects.substantiated_records(session, complaint, actor=actor, now=now) if (
        finding == "substantiated") else []
    log_step(session, complaint, action="close", from_status=before, actor=actor, now=now, text=text,
             record_ids=tuple(r.id for r in records), detail={"finding": finding})
    if records:
        effects.recompute(session, records=records, subject_ids=[complaint.company_id, complaint.worker_id],
                          actor=actor, now=now, models=models)
    return complaint


# --- reading ----------------------------------------------------------------------------------


def find(session: Session, key: str) -> Complaint:
    """A complaint by its number or its tracking code."""
    text = key.strip()
    if text.isdigit():
        complaint = session.get(Complaint, int(text))
    else:
        complaint = session.scalar(select(Complaint).where(Complaint.tracking_code == normalise_code(text)))
    if complaint is None:
        raise NotFound("complaint.not_found", f"没有编号或查询码为 {text[:40]} 的投诉")
    return complaint


def is_overdue(c: Complaint, as_of: date) -> bool:
    return c.status == "forwarded" and c.response is None and c.respond_by is not None and c.respond_by < as_of


def complaint_dict(c: Complaint, keys: dict[int, str] | None = None, as_of: date | None = None) -> dict[str, Any]:
    keys = keys or {}
    return {"complaint_id": c.id, "tracking_code": c.tracking_code, "category": c.category,
            "status": c.status, "filed_on": c.filed_on, "respond_by": c.respond_by,
            "responded_on": c.responded_on, "unanswered": c.unanswered, "finding": c.finding,
            "closed_on": c.closed_on, "version": c.version, "forwarded_on": c.forwarded_on,
            "company_key": keys.get(c.company_id) if c.company_id else None,
            "worker_key": keys.get(c.worker_id) if c.worker_id else None,
            "overdue": None if as_of is None else is_overdue(c, as_of)}


def _keys(session: Session, complaints: list[Complaint]) -> dict[int, str]:
    return registry.subject_keys(session, [s for c in complaints for s in (c.company_id, c.worker_id) if s])


def detail(session: Session, complaint: Complaint, *, as_of: date) -> dict[str, Any]:
    """The regulator's view: every field (the phone masked) and every step."""
    steps = session.scalars(select(ComplaintStep).where(ComplaintStep.complaint_id == complaint.id)
                            .order_by(ComplaintStep.id))
    return complaint_dict(complaint, _keys(session, [complaint]), as_of) | {
        "description": complaint.description, "filed_by": complaint.filed_by,
        "contact_phone": complaint.contact_phone_masked, "response": complaint.response,
        "status_label": STATUS_LABELS[complaint.status], "category_label": CATEGORY_LABELS[complaint.category],
        "finding_label": FINDING_LABELS.get(complaint.finding or ""),
        "steps": [{"at": s.at, "action": s.action, "from_status": s.from_status, "to_status": s.to_status,
                   "actor": s.actor, "text": s.text, "record_id": s.record_id} for s in steps]}


def track(session: Session, *, tracking_code: str) -> dict[str, Any]:
    """What the complainant sees by the tracking code: status, dates, the answer; no personal data."""
    code = normalise_code(tracking_code)
    complaint = session.scalar(select(Complaint).where(Complaint.tracking_code == code))
    if complaint is None:
        raise NotFound("complaint.not_found", "没有这个投诉查询码，请核对后重试")
    steps = session.scalars(select(ComplaintStep).where(ComplaintStep.complaint_id == complaint.id)
                            .order_by(ComplaintStep.id))
    return {"tracking_code": complaint.tracking_code, "status": complaint.status,
            "status_label": STATUS_LABELS[complaint.status], "category": complaint.category,
            "filed_on": complaint.filed_on, "forwarded_on": complaint.forwarded_on,
            "respond_by": complaint.respond_by, "responded_on": complaint.responded_on,
            "response": complaint.response, "unanswered": complaint.unanswered, "finding": complaint.finding,
            "closed_on": complaint.closed_on,
            "timeline": [{"on": today(s.at), "status": s.to_status, "status_label": STATUS_LABELS[s.to_status]}
                         for s in steps if s.action != "unanswered"]}


def list_complaints(session: Session, *, as_of: date, company_id: int | None = None, status: str | None = None,
                    overdue: bool = False) -> list[dict[str, Any]]:
    if status is not None and status not in STATUSES:
        raise Invalid("complaint.bad_status", f"未知的投诉状态 {status}，可选：{'、'.join(STATUSES)}")
    query = select(Complaint).order_by(Complaint.id)
    if company_id is not None:
        query = query.where(Complaint.company_id == company_id)
    if status is not None:
        query = query.where(Complaint.status == status)
    if overdue:
        query = query.where(Complaint.status == "forwarded", Complaint.response.is_(None),
                            Complaint.respond_by < as_of)
    rows = list(session.scalars(query))
    keys = _keys(session, rows)
    return [complaint_dict(c, keys, as_of) for c in rows]


def for_subject(session: Session, *, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    """Complaints naming the subject (as the company or as the worker), newest first."""
    rows = list(session.scalars(select(Complaint).where(or_(Complaint.company_id == subject_id,
                                                            Complaint.worker_id == subject_id))
                                .order_by(Complaint.filed_on.desc(), Complaint.id.desc())))
    keys = _keys(session, rows)
    return [complaint_dict(c, keys, as_of) for c in rows]
