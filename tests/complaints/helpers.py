"""Helpers for the complaint and rating tests: parties, complaints driven to a status, and "nothing changed"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import add_company, add_worker

from jzcredit.common.audit import AuditEntry
from jzcredit.common.clock import SHANGHAI
from jzcredit.common.crypto import Vault
from jzcredit.complaints import service
from jzcredit.complaints.config import ComplaintsConfig, complaints_config
from jzcredit.complaints.models import Complaint, ComplaintStep, ServiceCode
from jzcredit.evaluation.models import Evaluation
from jzcredit.evaluation.rulesets import Models, load_models
from jzcredit.records.models import CreditRecord
from jzcredit.registry.models import Company, Rating, Worker

FILED = date(2026, 6, 1)
PHONE = "13912345678"
MASKED_PHONE = "139****5678"
CFG: ComplaintsConfig = complaints_config()
MODELS: Models = load_models()


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), SHANGHAI)


def party(s: Session, vault: Vault) -> tuple[Company, Worker]:
    """A company on the platform and one worker it employs now."""
    company = add_company(s)
    return company, add_worker(s, vault, employer=company)


def code_of(s: Session, worker: Worker) -> str:
    from jzcredit.registry.service import active_codes

    return active_codes(s, [worker.subject_id])[worker.subject_id]


def file(s: Session, vault: Vault, company: Company, worker: Worker | None = None, *, category: str = "theft",
         day: date = FILED) -> Complaint:
    return service.file_complaint(s, vault=vault, category=category, description="服务员离开后家中现金不见了",
                                  filed_by="王女士", now=at(day), actor="王女士", company_uscc=company.uscc,
                                  worker_code=code_of(s, worker) if worker else None, phone=PHONE, cfg=CFG)


# the steps that lead to each status, and the day (after filing) each is taken
ROUTE: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "filed": [],
    "forwarded": [("forward", {})],
    "responded": [("forward", {}), ("respond", {"text": "已与客户沟通，愿意赔偿"})],
    "resolved": [("forward", {}), ("respond", {"text": "已赔偿"}), ("resolve", {"satisfied": True})],
    "unresolved": [("forward", {}), ("respond", {"text": "不认可"}), ("resolve", {"satisfied": False})],
    "mediated": [("forward", {}), ("respond", {"text": "不认可"}), ("resolve", {"satisfied": False}),
                 ("mediate", {"note": "双方同意调解"})],
    "closed": [("forward", {}), ("respond", {"text": "已赔偿"}), ("resolve", {"satisfied": True}),
               ("close", {"finding": "unsubstantiated"})],
}


def step(s: Session, action: str, complaint_id: int, day: date, **kwargs: Any) -> Complaint:
    now = at(day)
    if action == "forward":
        return service.forward(s, complaint_id=complaint_id, now=now, actor="监管员", cfg=CFG)
    if action == "respond":
        return service.respond(s, complaint_id=complaint_id, now=now, actor="企业", cfg=CFG, models=MODELS, **kwargs)
    if action == "resolve":
        return service.resolve(s, complaint_id=complaint_id, now=now, actor="王女士", **kwargs)
    if action == "mediate":
        return service.mediate(s, complaint_id=complaint_id, now=now, actor="监管员", cfg=CFG, models=MODELS,
                               **kwargs)
    assert action == "close"
    return service.close(s, complaint_id=complaint_id, now=now, actor="监管员", cfg=CFG, models=MODELS, **kwargs)


def drive(s: Session, complaint: Complaint, status: str, *, start: date = FILED) -> Complaint:
    """Take the complaint to ``status`` one day per step (inside the response deadline)."""
    for n, (action, kwargs) in enumerate(ROUTE[status], start=1):
        complaint = step(s, action, complaint.id, start + timedelta(days=n), **kwargs)
    assert complaint.status == status
    return complaint


def counts(s: Session) -> dict[str, int]:
    """Rows of everything a complaint or rating step may write."""
    return {model.__name__: s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Complaint, ComplaintStep, AuditEntry, CreditRecord, Evaluation, ServiceCode, Rating)}


def snapshot(s: Session) -> tuple[Any, ...]:
    """The counts and every complaint's and code's state: equal before and after a refused step."""
    s.expire_all()
    complaints = [(c.id, c.status, c.version, c.unanswered, c.response, c.finding)
                  for c in s.scalars(select(Complaint).order_by(Complaint.id))]
    codes = [(c.id, c.used_at, c.rating_id) for c in s.scalars(select(ServiceCode).order_by(ServiceCode.id))]
    return counts(s), complaints, codes
