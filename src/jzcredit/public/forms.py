"""What the public may submit: a complaint (投诉) and a rating with a service code (凭码评价).

Both go through the complaints domain's own services; this module only reads the public's identifiers
the public way — a worker by card code only (never by ID number, so the form cannot be used to test
whether an ID number is registered) and nothing typed is echoed back in an error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from jzcredit.common import ids
from jzcredit.common.crypto import Vault
from jzcredit.complaints import ratings as ratings_service
from jzcredit.complaints import service as complaints_service
from jzcredit.complaints.config import ComplaintsConfig
from jzcredit.errors import Invalid
from jzcredit.evaluation.rulesets import Models
from jzcredit.public.privacy import redact
from jzcredit.public.schemas import ComplaintIn, RatingIn
from jzcredit.public.service import find_code
from jzcredit.registry import service as registry

PUBLIC_COMPLAINANT = "公众（网上投诉）"


def _uscc(value: str) -> str:
    try:
        return ids.validate_uscc(value)
    except ids.InvalidIdentifier:
        raise Invalid("public.bad_uscc",
                      "统一社会信用代码格式不正确：应为 18 位代码（含校验位），请核对营业执照") from None


def _worker_code(session: Session, value: str | None) -> str | None:
    """A card code that exists (active or revoked: the consumer holds the card they were shown)."""
    if value is None or not value.strip():
        return None
    typed = ids.normalise_worker_code(value)
    if not ids.is_worker_code(typed):
        raise Invalid("public.bad_worker_code", "服务员编码格式不正确：应为 JZ 开头的 12 位编码，见服务员的上门服务证")
    return find_code(session, typed).code


def file_complaint(session: Session, *, vault: Vault, form: ComplaintIn, now: datetime, actor: str,
                   cfg: ComplaintsConfig) -> dict[str, Any]:
    """``POST /public/complaints``: filed, with the tracking code the complainant keeps."""
    complaint = complaints_service.file_complaint(
        session, vault=vault, category=form.category, description=form.description, filed_by=PUBLIC_COMPLAINANT,
        now=now, actor=actor, company_uscc=_uscc(form.company_uscc),
        worker_code=_worker_code(session, form.worker_code), phone=form.contact_phone, cfg=cfg)
    return {"complaint_id": complaint.id, "tracking_code": complaint.tracking_code,
            "respond_by": complaint.respond_by, "status": complaint.status}


def track_complaint(session: Session, *, tracking_code: str) -> dict[str, Any]:
    """``GET /public/complaints/{tracking_code}``: ``complaints track``, the company's answer redacted."""
    doc = complaints_service.track(session, tracking_code=tracking_code[:64])
    doc["response"] = redact(doc.get("response"))
    return doc


def add_rating(session: Session, *, vault: Vault, form: RatingIn, now: datetime, actor: str,
               cfg: ComplaintsConfig, models: Models) -> dict[str, Any]:
    """``POST /public/ratings``: one rating per service code (no code, no rating)."""
    uscc = _uscc(form.company_uscc)
    rating = ratings_service.add_rating(
        session, vault=vault, company_uscc=uscc, code=form.service_code, stars=form.stars, now=now, actor=actor,
        worker_key=_worker_code(session, form.worker_code), comment=form.comment, cfg=cfg, models=models)
    code = registry.active_codes(session, [rating.worker_id]).get(rating.worker_id) if rating.worker_id else None
    return {"rating_id": rating.id, "company_uscc": uscc, "worker_code": code, "stars": rating.stars,
            "rated_on": rating.rated_on}
