"""Issuing a printable card: the verdict must be ``valid`` today, then the card URL is signed with today's
date and drawn with its QR code. Used by ``jzcredit card`` and ``/card/{code}.png``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import segno
from sqlalchemy.orm import Session

from jzcredit.cards import image
from jzcredit.cards import service as card_service
from jzcredit.cards import token as card_token
from jzcredit.common.clock import today
from jzcredit.common.crypto import Vault
from jzcredit.errors import JzError
from jzcredit.evaluation.rulesets import Models


class CardNotPrintable(JzError):
    """The code is revoked, or the worker is not verified, or a check has lapsed: no card is printed."""

    status = 409
    title = "不能打印上门服务证"


@dataclass(frozen=True)
class PrintedCard:
    worker_code: str
    url: str
    issued_on: date
    valid_until: date
    png: bytes


def card_url(base_url: str, worker_code: str, token: str | None = None) -> str:
    """``{JZCREDIT_BASE_URL}/w/{worker_code}``, with ``?t=token`` when signed (spec §4.3 ``card``)."""
    url = f"{base_url.rstrip('/')}/w/{worker_code}"
    return f"{url}?t={token}" if token else url


def _refusal(verdict: card_service.Verdict) -> CardNotPrintable:
    why = "；".join(verdict.reasons)
    if verdict.status == "revoked":
        return CardNotPrintable("card.revoked", f"{why} 请用新的服务员码打印。")
    if verdict.status == "unverified":
        return CardNotPrintable("card.unverified", f"{why} 请先完成人证核验和信息归集授权，再打印上门服务证。")
    return CardNotPrintable("card.lapsed", f"{why} 请先补齐有效的体检和核查，再打印上门服务证。")


def print_card(session: Session, *, vault: Vault, worker_code: str, now: datetime, models: Models,
               base_url: str) -> PrintedCard:
    """A card dated today for a code whose card is valid today; an unknown code is 404, anything else 409."""
    card, verdict, code = card_service.check_card(session, vault=vault, worker_code=worker_code, token=None,
                                                  now=now, models=models)
    if verdict.status != "valid":
        raise _refusal(verdict)
    issued_on = today(now)
    url = card_url(base_url, code.code, card_token.sign(vault, worker_code=code.code, issued_on=issued_on))
    # the card's own year, or sooner when the health check runs out first
    valid_until = min(issued_on + timedelta(days=card_service.CARD_VALID_DAYS), card["health_check"]["valid_until"])
    png = image.render_card(card, url=url, issued_on=issued_on, valid_until=valid_until)
    return PrintedCard(code.code, url, issued_on, valid_until, png)


def qr_svg_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI, for the card page."""
    return str(segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=4))
