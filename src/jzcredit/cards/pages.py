"""The card pages (spec §4.5): ``/w/{worker_code}`` the worker's card with its verdict, and
``/card/{worker_code}.png`` the printable card.

Scanning a printed card opens ``/w/{code}?t=…``: the token is checked, the verdict shown at the top in one big
banner, and the scan logged (time and verdict only). Without a token the page shows the live status and logs
nothing: anyone may look a code up, and only a card's QR link counts as a scan.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from jzcredit.api.deps import ReadSession, clock, settings_of, vault
from jzcredit.cards import printing
from jzcredit.cards import service as card_service
from jzcredit.cards import token as card_token
from jzcredit.cards.image import CATEGORY_ZH
from jzcredit.common.clock import today
from jzcredit.common.crypto import Vault
from jzcredit.errors import NotFound
from jzcredit.evaluation.rulesets import Models
from jzcredit.public.router import models
from jzcredit.web import templates

log = logging.getLogger("jzcredit.cards")
router = APIRouter(include_in_schema=False)

Code = Annotated[str, Path(min_length=1, max_length=64, description="服务员码（JZ…）")]
# any text up to a bound: a garbled or made-up token is a forged card (the banner), not a 422 form error
Token = Annotated[str | None, Query(max_length=2000, description="卡片二维码中的防伪签名")]

BANNERS = {
    "valid": ("有效", "这是本平台签发的上门服务证，服务员身份已核验，体检在有效期内。请核对来人与下方信息是否一致。"),
    "revoked": ("已撤销", "这张卡已作废，请勿凭此卡接受上门服务。"),
    "expired": ("已过期", "这张卡上的资质已失效，请勿凭此卡接受上门服务。"),
    "unverified": ("未核验", "该服务员尚未通过平台的身份核验，请谨慎接受上门服务。"),
    "forged": ("伪造或被篡改", "这张卡未通过防伪核验，请勿接受其上门服务。"),
}

LOOKED_UP = "这个服务员码有效：服务员身份已核验，体检在有效期内。扫描卡上的二维码可核验卡片本身的真伪。"


def _log_scan(request: Request, verdict: card_service.Verdict, code_id: int, worker_id: int, now: datetime) -> None:
    """The scan goes to the primary database in its own short transaction (the page read from the replica).

    A scan that cannot be written (the database busy or read-only) is lost with a warning in the server log:
    the person at the door still gets the verdict, which matters more than the log line.
    """
    try:
        with request.app.state.sessions() as session, session.begin():
            card_service.record_scan(session, code_id=code_id, worker_id=worker_id, verdict=verdict, now=now)
    except SQLAlchemyError:
        log.warning("card scan of code id %s not logged", code_id, exc_info=True)


def _render(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    verdict: card_service.Verdict = context["verdict"]
    title, lead = BANNERS[verdict.status]
    if verdict.status == "valid" and not verdict.token_presented:
        lead = LOOKED_UP  # a code typed in, not a card scanned: the code is good, the card in hand unproven
    response = templates.TemplateResponse(request, "worker_card.html", {
        **context, "banner_title": title, "banner_lead": lead}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # a status changes at once; no cached "有效" after a revocation
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.get("/w/{worker_code}", response_class=HTMLResponse)
def card_page(request: Request, worker_code: Code, t: Token = None, session: Session = ReadSession,
              now: datetime = Depends(clock), m: Models = Depends(models), keys: Vault = Depends(vault)) -> Response:
    """上门服务证: the verdict (有效 / 已撤销 / 已过期 / 未核验 / 伪造) and the card's public facts."""
    token = (t or "").strip() or None
    try:
        card, verdict, code = card_service.check_card(session, vault=keys, worker_code=worker_code, token=token,
                                                      now=now, models=m)
    except NotFound:
        if token is None:
            raise
        # a QR link to a code the platform never issued: a made-up card, said as plainly as a bad signature
        forged = card_service.Verdict("forged", (card_service.UNKNOWN_CODE,), None, True)
        return _render(request, {"card": None, "verdict": forged, "as_of": today(now)}, status_code=404)
    if verdict.token_presented:
        _log_scan(request, verdict, code.id, code.worker_id, now)
    qr = None
    if verdict.status == "valid":
        signed = card_token.sign(keys, worker_code=code.code, issued_on=today(now))
        qr = printing.qr_svg_data_uri(printing.card_url(settings_of(request).base_url, code.code, signed))
    return _render(request, {"card": card, "verdict": verdict, "as_of": today(now), "qr": qr,
                             "categories": CATEGORY_ZH})


@router.get("/card/{worker_code}.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def card_image(request: Request, worker_code: Code, session: Session = ReadSession, now: datetime = Depends(clock),
               m: Models = Depends(models), keys: Vault = Depends(vault)) -> Response:
    """The printable card, dated today, with its signed QR code (only while the card is valid)."""
    printed = printing.print_card(session, vault=keys, worker_code=worker_code, now=now, models=m,
                                  base_url=settings_of(request).base_url)
    return Response(printed.png, media_type="image/png", headers={
        "Cache-Control": "no-store", "Content-Disposition": f'inline; filename="card-{printed.worker_code}.png"'})
