"""The two public documents: the worker card (上门服务证) and the company credit report (信用报告).

Both are assembled on every request from the domains that own the facts (registry, records, evaluation,
lists, rectification, complaints); nothing is cached, so a consent revoked a moment ago already shows.
Every answer is built from an allow-list of fields: a new column in a table never reaches the public
by accident.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Executable,
    Exists,
    SQLColumnExpression,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from jzcredit.common import ids
from jzcredit.common.clock import today
from jzcredit.complaints import service as complaints_service
from jzcredit.complaints.models import Complaint
from jzcredit.complaints.parties import current_employment_clause
from jzcredit.db import Timestamp
from jzcredit.errors import NotFound
from jzcredit.evaluation import loading
from jzcredit.evaluation import service as evaluation_service
from jzcredit.evaluation.models import EvaluationHead
from jzcredit.evaluation.rulesets import Models
from jzcredit.lists.models import ListEntry
from jzcredit.public.privacy import display_name, redact
from jzcredit.records.models import CreditRecord
from jzcredit.records.service import in_force_clause
from jzcredit.rectification import service as rectification_service
from jzcredit.rectification.common import OPEN as OPEN_NOTICE
from jzcredit.registry.models import Company, Consent, Employment, Rating, Worker, WorkerCode

PUBLIC_LISTS = ("red", "black")
WORKER_CARD_TYPES = ("health_check", "training", "skill_certificate", "background_check")
COMPLAINT_WINDOW_DAYS = 365
DEFAULT_TRAINING_WINDOW_DAYS = 730

WORKER_NOT_FOUND = "没有这个服务员码，请核对卡片上的编码后重试"
COMPANY_NOT_FOUND = "没有这个统一社会信用代码的企业，请核对后重试"


# --- shared look-ups -------------------------------------------------------------------------


def one_of(column: SQLColumnExpression[str], values: tuple[str, ...]) -> ColumnElement[bool]:
    """``column IN values`` written as equalities, which SQLAlchemy compiles once per statement (an ``IN``
    list is rendered again on every execution)."""
    return or_(*(column == value for value in values))


def listed_clause(as_of: date | BindParameter[date]) -> ColumnElement[bool]:
    """A published red or black entry in its window on ``as_of`` (``tick`` may not have expired it yet)."""
    return ((ListEntry.status == "published") & one_of(ListEntry.list_name, PUBLIC_LISTS)
            & (ListEntry.published_on <= as_of)
            & or_(ListEntry.expires_on.is_(None), ListEntry.expires_on >= as_of))


def rating_summary(session: Session, column: Any, subject_id: int) -> dict[str, Any]:
    """Every rating on the subject, imported ones included (as ``show KEY`` counts them)."""
    count, average = session.execute(select(func.count(Rating.id), func.avg(Rating.stars))
                                     .where(column == subject_id)).one()
    return {"average": None if not count else round(float(average), 2), "count": int(count or 0)}


def grade_of(session: Session, subject_id: int) -> str | None:
    return session.scalar(select(EvaluationHead.grade).where(EvaluationHead.subject_id == subject_id))


# --- the worker card ---------------------------------------------------------------------------


def find_code(session: Session, worker_code: str) -> WorkerCode:
    """The code as typed or scanned (``jz-7k3m…`` works); anything else is not found, never echoed."""
    typed = ids.normalise_worker_code(worker_code)
    row = session.scalar(select(WorkerCode).where(WorkerCode.code == typed)) if ids.is_worker_code(typed) else None
    if row is None:
        raise NotFound("public.worker_not_found", WORKER_NOT_FOUND)
    return row


def training_window_days(models: Models) -> int:
    """The worker model's training window (§3.3: 730 days), so the card and the grade count the same hours."""
    for dimension in models.for_kind("worker").dimensions:
        for use in dimension.features:
            if use.feature.name == "training_hours":
                return int(use.params.get("window_days", DEFAULT_TRAINING_WINDOW_DAYS))
    return DEFAULT_TRAINING_WINDOW_DAYS


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return hours if hours.is_finite() and hours > 0 else Decimal(0)


class CardRecord(NamedTuple):
    """The fields of a credit record the card reads (one row of the card statement)."""

    id: int
    type: str
    decided_on: date | None
    valid_until: date | None
    details: dict[str, Any] | None
    content: str | None


def _health(records: list[CardRecord], as_of: date, default_days: int) -> dict[str, Any]:
    """§4.3: valid when ``pass`` and checked_on ≤ day ≤ valid_until (default days when none is given)."""
    until = [r.valid_until or r.decided_on + timedelta(days=default_days)
             for r in records if r.type == "health_check" and (r.details or {}).get("result") == "pass"
             and r.decided_on is not None]
    last = max(until, default=None)
    return {"valid": last is not None and last >= as_of, "valid_until": last}


def _background(records: list[CardRecord]) -> dict[str, Any]:
    checks = [r for r in records if r.type == "background_check" and r.decided_on is not None]
    if not checks:
        return {"status": "none", "checked_on": None}
    latest = max(checks, key=lambda r: (r.decided_on, r.id))
    result = (latest.details or {}).get("result")
    return {"status": result if result in ("clear", "record_found") else "none", "checked_on": latest.decided_on}


def _qualifications(records: list[CardRecord], as_of: date, *, health_default_days: int,
                    training_days: int) -> dict[str, Any]:
    """Health check, training hours, certificates and background check from the worker's records in force."""
    since = as_of - timedelta(days=training_days)
    hours = sum((_hours((r.details or {}).get("hours")) for r in records
                 if r.type == "training" and r.decided_on is not None and since < r.decided_on <= as_of),
                Decimal(0))
    certificates = sorted((r for r in records if r.type == "skill_certificate"
                           and (r.valid_until is None or r.valid_until >= as_of)),
                          key=lambda r: (r.decided_on or date.min, r.id), reverse=True)
    return {
        "health_check": _health(records, as_of, health_default_days),
        "training_hours_2y": float(hours),
        "skill_certificates": [{"title": redact((r.details or {}).get("title") or r.content),
                                "level": redact((r.details or {}).get("level")), "issued_on": r.decided_on,
                                "valid_until": r.valid_until} for r in certificates],
        "background_check": _background(records),
    }


def black_listed(session: Session, subject_id: int, as_of: date) -> bool:
    return session.scalar(select(ListEntry.id).where(ListEntry.subject_id == subject_id,
                                                     ListEntry.list_name == "black", listed_clause(as_of))
                          .limit(1)) is not None


def _revoked_card(code: str, revoked_at: datetime | None, as_of: date) -> dict[str, Any]:
    """A revoked code says so and nothing about the person: an old or lost card must not pass as theirs."""
    return {"worker_code": code, "display_name": None, "photo_url": None, "sex": None, "age": None,
            "native_province": None, "categories": [], "identity_verified": False,
            "health_check": {"valid": False, "valid_until": None}, "training_hours_2y": None,
            "skill_certificates": [], "background_check": {"status": "none", "checked_on": None},
            "employers": [], "rating": {"average": None, "count": 0}, "grade": None, "black_listed": None,
            "card_status": "revoked", "as_of": as_of,
            "revoked_on": today(revoked_at) if revoked_at else None}


def full_years(born: date, as_of: date) -> int:
    return as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))


def photo_url(path: str | None, *, public_card: bool) -> str | None:
    """Only with ``public_card``; the platform keeps no photo store, so a stored photo is its URL or site path."""
    if not public_card or not path:
        return None
    return path if path.startswith(("https://", "http://", "/")) else None


def _card_statement() -> Executable:
    """Everything on the card in one statement both engines run: the code and its worker, what is read
    per worker as scalar subqueries (consents in force, grade, black list, ratings), and one row per
    (record in force of a card type) × (current employer), each side outer-joined so that a worker with
    neither still gives one row. Parameters: ``code``, ``now`` (consents) and ``as_of`` (everything dated).

    Built once; only the parameters change, so SQLAlchemy compiles it once per engine.
    """
    now, as_of = bindparam("now", type_=Timestamp()), bindparam("as_of", type_=Date())
    wid = WorkerCode.worker_id

    def consent(scope: str) -> Exists:  # granted by ``now`` and not revoked by then: read fresh on every request
        return exists().where(Consent.worker_id == wid, Consent.scope == scope, Consent.granted_at <= now,
                              or_(Consent.revoked_at.is_(None), Consent.revoked_at > now))

    return (
        select(WorkerCode.code, WorkerCode.status, WorkerCode.revoked_at, Worker.name, Worker.sex, Worker.birth_date,
               Worker.native_region, Worker.categories, Worker.photo_path, Worker.identity_verified_at,
               consent("public_card").label("public_card"), consent("collect").label("collect"),
               select(EvaluationHead.grade).where(EvaluationHead.subject_id == wid).scalar_subquery().label("grade"),
               exists().where(ListEntry.subject_id == wid, ListEntry.list_name == "black", listed_clause(as_of))
               .label("black"),
               select(func.count(Rating.id)).where(Rating.worker_id == wid).scalar_subquery().label("ratings"),
               select(func.avg(Rating.stars)).where(Rating.worker_id == wid).scalar_subquery().label("stars"),
               CreditRecord.id.label("r_id"), CreditRecord.type.label("r_type"),
               CreditRecord.decided_on.label("r_decided_on"), CreditRecord.valid_until.label("r_valid_until"),
               CreditRecord.details.label("r_details"), CreditRecord.content.label("r_content"),
               Company.subject_id.label("e_id"), Company.name.label("e_name"), Company.uscc.label("e_uscc"))
        .join(Worker, Worker.subject_id == wid)
        .outerjoin(CreditRecord, (CreditRecord.subject_id == wid) & one_of(CreditRecord.type, WORKER_CARD_TYPES)
                   & in_force_clause(as_of))
        .outerjoin(Employment, (Employment.worker_id == wid) & current_employment_clause(as_of))
        .outerjoin(Company, Company.subject_id == Employment.company_id)
        .where(WorkerCode.code == bindparam("code"))
    )


CARD_STATEMENT = _card_statement()


def worker_card(session: Session | Connection, *, worker_code: str, now: datetime, models: Models
                ) -> dict[str, Any]:
    """``GET /public/workers/{worker_code}``: what a consumer at the door may see (spec §4.4).

    One statement (:data:`CARD_STATEMENT`), no ORM entities: the card is looked up by strangers at the door
    all day long, so it must cost little more than the look-up itself. ``session`` may be a plain connection
    (the API route passes one; a session adds nothing to one read).
    """
    as_of = today(now)
    typed = ids.normalise_worker_code(worker_code)
    conn = session.connection() if isinstance(session, Session) else session
    rows = (conn.execute(CARD_STATEMENT, {"code": typed, "now": now, "as_of": as_of}).all()
            if ids.is_worker_code(typed) else [])
    if not rows:
        raise NotFound("public.worker_not_found", WORKER_NOT_FOUND)
    w = rows[0]
    if w.status != "active":
        return _revoked_card(w.code, w.revoked_at, as_of)
    records = list({r.r_id: CardRecord(r.r_id, r.r_type, r.r_decided_on, r.r_valid_until, r.r_details, r.r_content)
                    for r in rows if r.r_id is not None}.values())
    employers = sorted({(r.e_name, r.e_uscc) for r in rows if r.e_id is not None})
    verified = w.identity_verified_at is not None and w.identity_verified_at <= now
    count = int(w.ratings or 0)
    return {
        "worker_code": w.code,
        "display_name": display_name(w.name, public_card=bool(w.public_card)),
        "photo_url": photo_url(w.photo_path, public_card=bool(w.public_card)),
        "sex": w.sex if w.sex in ("male", "female") else None,
        "age": full_years(w.birth_date, as_of),
        "native_province": ids.PROVINCES.get(w.native_region[:2]),
        "categories": list(w.categories or []),
        "identity_verified": verified,
        **_qualifications(records, as_of, health_default_days=models.health_check_default_days,
                          training_days=training_window_days(models)),
        "employers": [{"name": redact(name) or uscc, "uscc": uscc} for name, uscc in employers],
        "rating": {"average": None if not count else round(float(w.stars), 2), "count": count},
        "grade": w.grade,
        "black_listed": bool(w.black),
        "card_status": "valid" if verified and w.collect else "unverified",
        "as_of": as_of,
        "revoked_on": None,
    }


# --- the company report ----------------------------------------------------------------------


def find_company(session: Session, uscc: str) -> Company:
    """A company by its USCC; a malformed one is not found (and not echoed: it could be anything)."""
    try:
        code = ids.validate_uscc(uscc)
    except ids.InvalidIdentifier:
        raise NotFound("public.company_not_found", COMPANY_NOT_FOUND) from None
    company = session.scalar(select(Company).where(Company.uscc == code))
    if company is None:
        raise NotFound("public.company_not_found", COMPANY_NOT_FOUND)
    return company


def _is_public(record: CreditRecord) -> bool:
    """Commitments are published only when the subject chose so (``details.public``); the rest are."""
    return record.type != "commitment" or bool((record.details or {}).get("public"))


def public_records(session: Session, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    """In force and public: never repaired, revoked or expired, and free text redacted."""
    rows = session.scalars(select(CreditRecord).where(CreditRecord.subject_id == subject_id, in_force_clause(as_of))
                           .order_by(CreditRecord.decided_on.desc(), CreditRecord.id.desc()))
    return [{"record_id": r.id, "type": r.type, "category": r.category, "severity": r.severity, "status": r.status,
             "decided_on": r.decided_on, "doc_number": redact(r.doc_number), "authority": redact(r.authority),
             "content": redact(r.content), "amount": None if r.amount is None else str(r.amount),
             "publish_until": r.publish_until, "valid_until": r.valid_until} for r in rows if _is_public(r)]


def _lists(session: Session, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    rows = session.scalars(select(ListEntry).where(ListEntry.subject_id == subject_id, listed_clause(as_of))
                           .order_by(ListEntry.published_on, ListEntry.id))
    return [{"list": e.list_name, "published_on": e.published_on, "expires_on": e.expires_on} for e in rows]


def _rectifications(session: Session, subject_id: int, as_of: date) -> list[dict[str, Any]]:
    """整改情况向社会公示: every notice, overdue as soon as its deadline has passed unverified."""
    out = []
    for n in rectification_service.for_subject(session, subject_id=subject_id, as_of=as_of):
        late = n["status"] in OPEN_NOTICE and n["deadline"] < as_of
        out.append({"notice_number": n["notice_number"], "issued_on": n["issued_on"], "deadline": n["deadline"],
                    "status": "overdue" if late else n["status"]})
    return out


def complaints_365d(session: Session, company_id: int, as_of: date) -> dict[str, int]:
    since = as_of - timedelta(days=COMPLAINT_WINDOW_DAYS)
    rows = list(session.scalars(select(Complaint).where(Complaint.company_id == company_id,
                                                        Complaint.filed_on > since, Complaint.filed_on <= as_of)))
    return {"total": len(rows),
            "resolved": sum(1 for c in rows if c.status in ("resolved", "closed")),
            "unanswered": sum(1 for c in rows if c.unanswered or complaints_service.is_overdue(c, as_of)),
            "substantiated": sum(1 for c in rows if c.finding == "substantiated")}


def _evaluation(session: Session, company_id: int) -> dict[str, Any]:
    """Grade, score and factors; a company graded N has its score shown to regulators only (§3.2)."""
    current = evaluation_service.current(session, company_id)
    if current is None:
        return {"grade": None, "score": None, "factors": []}
    if current.grade == "N":
        return {"grade": "N", "score": None, "factors": []}
    factors = [{"code": str(f.get("code", "")), "label": redact(str(f.get("label", ""))) or "",
                "points": f.get("points"), "record_ids": list(f.get("record_ids") or [])}
               for f in current.factors or [] if isinstance(f, dict)]
    return {"grade": current.grade, "score": current.score, "factors": factors}


def _workers(session: Session, company_id: int, now: datetime, models: Models) -> dict[str, int]:
    staff = loading.load_staff(session, [company_id], now, models.health_check_default_days).get(company_id, [])
    return {"current": len(staff), "identified_authorised": sum(1 for s in staff if s.authorised)}


def company_report(session: Session, *, uscc: str, now: datetime, models: Models) -> dict[str, Any]:
    """``GET /public/companies/{uscc}``: the company's public credit report (spec §4.4)."""
    as_of = today(now)
    company = find_company(session, uscc)
    cid = company.subject_id
    return {
        "uscc": company.uscc, "name": redact(company.name) or company.uscc, "region_code": company.region_code,
        "categories": list(company.categories or []), "employment_model": company.employment_model,
        "established_on": company.established_on,
        **_evaluation(session, cid),
        "lists": _lists(session, cid, as_of),
        "records": public_records(session, cid, as_of),
        "rectifications": _rectifications(session, cid, as_of),
        "complaints_365d": complaints_365d(session, cid, as_of),
        "rating": rating_summary(session, Rating.company_id, cid),
        "workers": _workers(session, cid, now, models),
        "status": company.status,
        "as_of": as_of,
    }
