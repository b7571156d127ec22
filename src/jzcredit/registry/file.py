"""A subject's credit file (信用档案) as one document, for ``show KEY`` and later the API.

Identifiers are masked; only ``private=True`` (an authorised, audited view)
decrypts the ID and phone numbers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.commitments import service as commitments_service
from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.common.crypto import Vault
from jzcredit.complaints import ratings as ratings_service
from jzcredit.complaints import service as complaints_service
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.rulesets import Models, load_models
from jzcredit.lists import service as lists_service
from jzcredit.objections import service as objections_service
from jzcredit.records import service as records_service
from jzcredit.rectification import service as rectification_service
from jzcredit.registry import service as registry
from jzcredit.registry.models import Company, Consent, Employment, Subject, Worker, WorkerCode
from jzcredit.repair import service as repair_service


def _company_part(session: Session, company: Company) -> dict[str, Any]:
    return {
        "subject_key": company.uscc, "name": company.name,
        "identifiers": {"uscc": company.uscc},
        "legal_representative": company.legal_representative, "address": company.address,
        "region_code": company.region_code, "established_on": company.established_on,
        "categories": company.categories, "employment_model": company.employment_model,
        "onboarded_on": company.onboarded_on, "status": company.status,
        "on_platform": not company.created_by.startswith(registry.STUB_PREFIX),
    }


def _worker_part(session: Session, worker: Worker) -> dict[str, Any]:
    codes = list(session.scalars(select(WorkerCode).where(WorkerCode.worker_id == worker.subject_id)
                                 .order_by(WorkerCode.id)))
    active = next((c.code for c in codes if c.status == "active"), None)
    consents = session.scalars(select(Consent).where(Consent.worker_id == worker.subject_id).order_by(Consent.id))
    return {
        "subject_key": active, "worker_code": active, "name": worker.name,
        "identifiers": {"id_number": worker.id_masked, "phone": worker.phone_masked},
        "birth_date": worker.birth_date, "sex": worker.sex, "native_region": worker.native_region,
        "categories": worker.categories, "identity_verified_at": worker.identity_verified_at,
        "identity_method": worker.identity_method, "registered_poor": worker.registered_poor,
        "worker_codes": [{"code": c.code, "status": c.status, "issued_at": c.issued_at, "revoked_at": c.revoked_at}
                         for c in codes],
        "consents": [{"scope": c.scope, "granted_at": c.granted_at, "revoked_at": c.revoked_at, "source": c.source}
                     for c in consents],
    }


def _employments(session: Session, subject: Subject) -> list[dict[str, Any]]:
    column = Employment.worker_id if subject.kind == "worker" else Employment.company_id
    rows = session.execute(select(Employment, Company, Worker)
                           .join(Company, Company.subject_id == Employment.company_id)
                           .join(Worker, Worker.subject_id == Employment.worker_id)
                           .where(column == subject.id).order_by(Employment.start_on))
    return [{"company_uscc": c.uscc, "company_name": c.name, "worker_name": w.name,
             "worker_id_masked": w.id_masked, "start_on": e.start_on, "end_on": e.end_on, "role": e.role,
             "current": e.end_on is None} for e, c, w in rows]


def subject_file(session: Session, *, subject_id: int, now: datetime, models: Models | None = None
                 ) -> dict[str, Any]:
    subject = session.get_one(Subject, subject_id)
    as_of = today(now)
    doc: dict[str, Any] = {"kind": subject.kind, "subject_id": subject.id, "as_of": as_of}
    if subject.kind == "company":
        doc |= _company_part(session, session.get_one(Company, subject_id))
    elif subject.kind == "worker":
        doc |= _worker_part(session, session.get_one(Worker, subject_id))
    doc["records"] = [records_service.record_dict(r, as_of) for r in records_service.records_of(session, subject_id)]
    doc["employments"] = _employments(session, subject)
    doc.setdefault("consents", [])
    doc["evaluation"] = evaluation.explain(session, models=models or load_models(), subject_id=subject_id, now=now)
    doc["lists"] = lists_service.entries_for_subject(session, subject_id)
    doc["prior_notices"] = lists_service.notices_for_subject(session, subject_id)  # 事前告知
    doc["notices"] = rectification_service.for_subject(session, subject_id=subject_id, as_of=as_of)
    doc["objections"] = objections_service.for_subject(session, subject_id=subject_id, as_of=as_of)
    doc["repairs"] = repair_service.for_subject(session, subject_id=subject_id, as_of=as_of)
    doc["commitments"] = commitments_service.for_subject(session, subject_id=subject_id, as_of=as_of)
    doc["complaints"] = complaints_service.for_subject(session, subject_id=subject_id, as_of=as_of)
    doc["ratings"] = ratings_service.ratings_for(session, subject_id=subject_id)
    return doc


def private_identifiers(session: Session, *, vault: Vault, subject_id: int, actor: str, now: datetime,
                        purpose: str) -> dict[str, str | None]:
    """Full ID and phone numbers: an authorised view that is always audited."""
    worker = session.get(Worker, subject_id)
    if worker is None:
        return {}
    audit.append(session, actor=actor, action="private.read", obj=f"subject:{subject_id}", now=now,
                 detail={"fields": ["id_number", "phone"], "purpose": purpose})
    return {"id_number": vault.decrypt(worker.id_cipher),
            "phone": vault.decrypt(worker.phone_cipher) if worker.phone_cipher else None}
