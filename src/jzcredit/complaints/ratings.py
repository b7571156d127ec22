"""Service codes (服务评价码) and consumer ratings (消费者评价): no code, no rating.

A company issues one code per service order; the consumer rates with it once, before it expires, the
company (and the worker the code names). Ratings kept by a company's own system before it joined come in
through ingest kind ``ratings`` and are marked ``imported``; both kinds feed D4 / worker S alike.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.common.crypto import Vault
from jzcredit.complaints import effects
from jzcredit.complaints.config import SERVICE_CODE_PREFIX, ComplaintsConfig, current_config, new_code, normalise_code
from jzcredit.complaints.models import ServiceCode
from jzcredit.complaints.parties import company_id_of, current_employers, worker_id_of
from jzcredit.complaints.service import clean_text
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.evaluation.rulesets import Models
from jzcredit.registry import service as registry
from jzcredit.registry.models import Rating

PLATFORM_SOURCE = "platform"  # ratings made with a service code on the platform (imported ones carry their source)


def _unique_codes(session: Session, count: int) -> list[str]:
    codes: set[str] = set()
    for _ in range(count * 4 + 8):  # 60 random bits each: clashes are improbable, but checked
        fresh = {new_code(SERVICE_CODE_PREFIX) for _ in range(count - len(codes))} - codes
        taken = set(session.scalars(select(ServiceCode.code).where(ServiceCode.code.in_(fresh))))
        codes |= fresh - taken
        if len(codes) == count:
            return sorted(codes)
    raise Conflict("servicecode.exhausted", "无法生成不重复的服务评价码，请重试")


def _order_ref(value: str | None, company_id: int, session: Session, count: int) -> str | None:
    ref = (value or "").strip() or None
    if ref is None:
        return None
    if len(ref) > 128:
        raise Invalid("servicecode.order_too_long", "订单号过长（最多 128 个字符）")
    if count != 1:
        raise Invalid("servicecode.order_count", "一个订单只发一个服务评价码：给出 --order 时 --count 只能为 1")
    if session.scalar(select(ServiceCode.id).where(ServiceCode.company_id == company_id,
                                                   ServiceCode.order_ref == ref)) is not None:
        raise Conflict("servicecode.order_taken", f"订单 {ref} 已发过服务评价码（一单一码）")
    return ref


def issue_codes(session: Session, *, vault: Vault, company_uscc: str, now: datetime, actor: str, count: int = 1,
                worker_key: str | None = None, order_ref: str | None = None,
                cfg: ComplaintsConfig | None = None) -> list[ServiceCode]:
    """Company: codes for its service orders, valid through ``service_code_days`` after issue."""
    cfg = cfg or current_config()
    if not 1 <= count <= cfg.service_code_batch_max:
        raise Invalid("servicecode.bad_count", f"--count 必须在 1 到 {cfg.service_code_batch_max} 之间")
    company_id = company_id_of(session, company_uscc)
    worker_id = None
    if worker_key:
        worker_id = worker_id_of(session, vault=vault, key=worker_key)
        if company_id not in current_employers(session, worker_id, today(now)):
            raise Invalid("servicecode.not_employed", "该服务员不是本企业的在职人员，不能为其发放服务评价码")
    ref = _order_ref(order_ref, company_id, session, count)
    expires_on = today(now) + timedelta(days=cfg.service_code_days)
    rows = [ServiceCode(code=code, company_id=company_id, worker_id=worker_id, order_ref=ref, issued_at=now,
                        expires_on=expires_on) for code in _unique_codes(session, count)]
    session.add_all(rows)
    session.flush()
    audit.append(session, actor=actor, action="servicecodes.issue", obj=f"subject:{company_id}", now=now,
                 detail={"count": count, "worker_id": worker_id, "order_ref": ref, "expires_on": expires_on.isoformat(),
                         "ids": [r.id for r in rows]})
    return rows


def code_status(code: ServiceCode, as_of: date) -> str:
    if code.used_at is not None:
        return "used"
    return "expired" if code.expires_on < as_of else "unused"


def code_dict(code: ServiceCode, keys: dict[int, str], as_of: date) -> dict[str, Any]:
    return {"code": code.code, "service_code_id": code.id, "company_key": keys.get(code.company_id),
            "worker_key": keys.get(code.worker_id) if code.worker_id else None, "order_ref": code.order_ref,
            "issued_at": code.issued_at, "expires_on": code.expires_on, "status": code_status(code, as_of),
            "used_at": code.used_at, "rating_id": code.rating_id}


def list_codes(session: Session, *, company_uscc: str, as_of: date, status: str | None = None
               ) -> list[dict[str, Any]]:
    company_id = company_id_of(session, company_uscc)
    rows = list(session.scalars(select(ServiceCode).where(ServiceCode.company_id == company_id)
                                .order_by(ServiceCode.id)))
    keys = registry.subject_keys(session, {company_id} | {r.worker_id for r in rows if r.worker_id})
    out = [code_dict(r, keys, as_of) for r in rows]
    return [c for c in out if status is None or c["status"] == status]


# --- ratings ----------------------------------------------------------------------------------


def _usable_code(session: Session, *, code: str | None, company_id: int, as_of: date) -> ServiceCode:
    """The code, if this company issued it and it is neither used nor expired; otherwise a clear refusal."""
    typed = normalise_code(code or "")
    if not typed:
        raise Invalid("rating.no_code", "没有服务评价码不能评价（凭码评价：请向提供服务的企业索取评价码）")
    found = session.scalar(select(ServiceCode).where(ServiceCode.code == typed).with_for_update())
    if found is None:
        raise NotFound("rating.unknown_code", "服务评价码无效：没有这个评价码")
    if found.company_id != company_id:
        raise Invalid("rating.foreign_code", "该服务评价码不是所评价企业发放的")
    if found.used_at is not None:
        raise Conflict("rating.code_used", f"该服务评价码已于 {today(found.used_at)} 使用过，每个评价码只能评价一次")
    if found.expires_on < as_of:
        raise Conflict("rating.code_expired", f"该服务评价码已于 {found.expires_on} 过期")
    taken = session.scalar(select(Rating.id).where(Rating.company_id == company_id, Rating.service_code == typed))
    if taken is not None:  # an imported rating with the same order number: the pair is unique
        raise Conflict("rating.code_used", "该服务评价码已有评价，每个评价码只能评价一次")
    return found


def _rated_worker(session: Session, *, vault: Vault, code: ServiceCode, worker_key: str | None) -> int | None:
    if not worker_key:
        return code.worker_id
    worker_id = worker_id_of(session, vault=vault, key=worker_key)
    if code.worker_id is None:
        raise Invalid("rating.code_without_worker", "该服务评价码没有指定服务员，只能评价企业（请去掉 --worker）")
    if worker_id != code.worker_id:
        raise Invalid("rating.other_worker", "该服务评价码对应的是另一位服务员")
    return worker_id


def add_rating(session: Session, *, vault: Vault, company_uscc: str, code: str | None, stars: int, now: datetime,
               actor: str, worker_key: str | None = None, comment: str | None = None,
               cfg: ComplaintsConfig | None = None, models: Models | None = None) -> Rating:
    """Consumer: 1–5 stars on the company (and the worker the code names), once per code; then re-grade."""
    cfg = cfg or current_config()
    if isinstance(stars, bool) or not 1 <= stars <= 5:
        raise Invalid("rating.bad_stars", f"星级必须是 1 到 5 的整数，收到 {stars}")
    text = clean_text(comment, "评价内容", cfg, required=False)
    company_id = company_id_of(session, company_uscc)
    service_code = _usable_code(session, code=code, company_id=company_id, as_of=today(now))
    worker_id = _rated_worker(session, vault=vault, code=service_code, worker_key=worker_key)
    rating = Rating(company_id=company_id, worker_id=worker_id, stars=stars, rated_on=today(now),
                    service_code=service_code.code, comment=text, imported=False, source=PLATFORM_SOURCE)
    session.add(rating)
    session.flush()
    service_code.used_at, service_code.rating_id = now, rating.id
    audit.append(session, actor=actor, action="rating.add", obj=f"subject:{company_id}", now=now,
                 detail={"rating_id": rating.id, "service_code_id": service_code.id, "stars": stars,
                         "worker_id": worker_id})
    effects.recompute(session, records=[], subject_ids=[company_id, worker_id], actor=actor, now=now, models=models)
    return rating


def rating_dict(r: Rating, keys: dict[int, str]) -> dict[str, Any]:
    return {"rating_id": r.id, "company_key": keys.get(r.company_id),
            "worker_key": keys.get(r.worker_id) if r.worker_id else None, "stars": r.stars, "rated_on": r.rated_on,
            "comment": r.comment, "imported": r.imported, "source": r.source, "batch_id": r.batch_id}


def ratings_for(session: Session, *, subject_id: int) -> dict[str, Any]:
    """The ratings on a company or a worker, newest first, each marked imported or not, with a summary."""
    rows = list(session.scalars(select(Rating).where(or_(Rating.company_id == subject_id,
                                                         Rating.worker_id == subject_id))
                                .order_by(Rating.rated_on.desc(), Rating.id.desc())))
    keys = registry.subject_keys(session, {r.company_id for r in rows} | {r.worker_id for r in rows if r.worker_id})
    stars = [r.stars for r in rows]
    return {"count": len(rows), "imported": sum(1 for r in rows if r.imported),
            "average": round(sum(stars) / len(stars), 2) if stars else None,
            "ratings": [rating_dict(r, keys) for r in rows]}
