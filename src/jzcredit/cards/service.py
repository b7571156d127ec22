"""The card page's verdict (有效 / 已撤销 / 已过期 / 未核验 / 伪造) and the scan log (扫码记录).

The verdict is read from the public card (``public.service.worker_card``, the same answer as
``GET /api/v1/public/workers/{code}``) and, when the QR link carries one, the card's token. Order matters: a
forged token says forged whatever the code is; a revoked code says revoked; then identity; then what lapsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jzcredit.cards import token as card_token
from jzcredit.cards.models import CardScan
from jzcredit.common.clock import SHANGHAI, today
from jzcredit.common.crypto import Vault
from jzcredit.evaluation.rulesets import Models
from jzcredit.public import service as public_service
from jzcredit.registry.models import Employment, WorkerCode

VERDICTS = ("valid", "revoked", "expired", "unverified", "forged")
CARD_VALID_DAYS = 365
"""A printed card holds for a year from its date (then a new one is printed with fresh checks)."""

FORGED = ("二维码中的防伪签名核验失败：这张卡不是本平台签发的，或卡上的信息被改动过。"
          "请勿接受其上门服务，并可向平台投诉。")
UNKNOWN_CODE = "平台上没有这个服务员码：这张卡不是本平台签发的。请勿接受其上门服务，并可向平台投诉。"
UNVERIFIED = "该服务员的身份尚未经平台核验（人证核验），或未授权平台归集其信用信息。"


@dataclass(frozen=True)
class Verdict:
    """What the card page says about a card: ``status`` (one of ``VERDICTS``) and why, in Chinese."""

    status: str
    reasons: tuple[str, ...] = ()
    token_issued_on: date | None = None
    token_presented: bool = False


def lapses(card: dict[str, Any], *, issued_on: date | None, as_of: date) -> list[str]:
    """What no longer holds: the card's year, the health check (体检), the background check (背景核查)."""
    out = []
    if issued_on is not None and as_of > issued_on + timedelta(days=CARD_VALID_DAYS):
        out.append(f"这张卡签发于 {issued_on.isoformat()}，已超过 {CARD_VALID_DAYS} 天有效期，"
                   "请向服务员所在企业索取新卡。")
    health = card["health_check"]
    if not health["valid"]:
        until = health["valid_until"]
        out.append(f"健康体检已于 {until.isoformat()} 到期，尚无新的合格体检。" if until
                   else "没有有效的合格健康体检记录。")
    if card["background_check"]["status"] == "record_found":
        out.append("背景核查发现违法犯罪记录。")
    return out


def card_verdict(card: dict[str, Any], *, token: card_token.TokenCheck | None, as_of: date) -> Verdict:
    """The verdict for the card page; ``token`` is ``None`` when the link carried none (the live status)."""
    presented = token is not None
    if token is not None and not token.genuine:
        return Verdict("forged", (FORGED,), None, True)
    issued_on = token.issued_on if token is not None else None
    if card["card_status"] == "revoked":
        when = card.get("revoked_on")
        since = f"已于 {when.isoformat()} " if isinstance(when, date) else "已"
        return Verdict("revoked", (f"这个服务员码{since}撤销（换发了新码或不再从业），这张卡不再有效。",),
                       issued_on, presented)
    if card["card_status"] != "valid":
        return Verdict("unverified", (UNVERIFIED,), issued_on, presented)
    lapsed = lapses(card, issued_on=issued_on, as_of=as_of)
    if lapsed:
        return Verdict("expired", tuple(lapsed), issued_on, presented)
    return Verdict("valid", (), issued_on, presented)


def check_card(session: Session, *, vault: Vault, worker_code: str, token: str | None, now: datetime,
               models: Models) -> tuple[dict[str, Any], Verdict, WorkerCode]:
    """The public card and its verdict; an unknown code is ``public.worker_not_found`` (404)."""
    code = public_service.find_code(session, worker_code)
    card = public_service.worker_card(session, worker_code=code.code, now=now, models=models)
    as_of = today(now)
    checked = None
    if token is not None:
        checked = card_token.verify(vault, worker_code=code.code, token=token, as_of=as_of,
                                    code_issued_on=today(code.issued_at))
    return card, card_verdict(card, token=checked, as_of=as_of), code


def record_scan(session: Session, *, code_id: int, worker_id: int, verdict: Verdict, now: datetime) -> CardScan:
    """Log one scan: when, which code, the verdict — nothing about who scanned."""
    scan = CardScan(worker_id=worker_id, code_id=code_id, scanned_at=now, verdict=verdict.status,
                    token_issued_on=verdict.token_issued_on)
    session.add(scan)
    session.flush()
    return scan


def employed_since(session: Session, *, company_id: int, worker_id: int, as_of: date) -> date | None:
    """When the company's current employment of the worker began; ``None`` when it is not employed there or
    an employment has no start date (then the whole log is its to see)."""
    starts = list(session.scalars(select(Employment.start_on).where(
        Employment.company_id == company_id, Employment.worker_id == worker_id,
        Employment.start_on.is_(None) | (Employment.start_on <= as_of),
        or_(Employment.end_on.is_(None), Employment.end_on >= as_of))))
    return None if not starts or None in starts else min(s for s in starts if s is not None)


def scans(session: Session, *, worker_id: int, since: datetime | None, offset: int,
          limit: int) -> tuple[list[dict[str, Any]], int]:
    """The worker's scans, newest first (every code the worker had), from ``since`` when given."""
    where = [CardScan.worker_id == worker_id]
    if since is not None:
        where.append(CardScan.scanned_at >= since)
    total = session.scalar(select(func.count()).select_from(CardScan).where(*where)) or 0
    rows = session.execute(select(CardScan, WorkerCode.code).join(WorkerCode, WorkerCode.id == CardScan.code_id)
                           .where(*where).order_by(CardScan.scanned_at.desc(), CardScan.id.desc())
                           .offset(offset).limit(limit))
    items = [{"scanned_at": scan.scanned_at.astimezone(SHANGHAI), "worker_code": code, "verdict": scan.verdict,
              "card_issued_on": scan.token_issued_on} for scan, code in rows]
    return items, int(total)
