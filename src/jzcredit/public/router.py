"""``/api/v1/public/…`` — no token (spec §4.4 "Public, no token").

Reads use the read session (the replica when configured), writes one transaction per request. Rate and
size limits are applied before a request gets here (``api/limits.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from jzcredit.api.deps import ReadSession, WriteSession, clock, settings_of, vault
from jzcredit.api.pagination import PageParams, page_params
from jzcredit.api.policy import ANONYMOUS
from jzcredit.common.clock import today
from jzcredit.common.crypto import Vault
from jzcredit.complaints.config import ComplaintsConfig, complaints_config
from jzcredit.evaluation.rulesets import Models, load_models
from jzcredit.public import forms, search, service
from jzcredit.public.schemas import (
    CompanyPage,
    CompanyReport,
    ComplaintFiled,
    ComplaintIn,
    ComplaintTrack,
    ListName,
    ListPage,
    ProblemOut,
    RatingAdded,
    RatingIn,
    WorkerCard,
)

PROBLEM = {"application/problem+json": {"schema": ProblemOut.model_json_schema()}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": PROBLEM}


READ_ERRORS: dict[int | str, dict[str, Any]] = {
    404: _problem("Unknown code, USCC or tracking code"), 422: _problem("Invalid query or path"),
    429: _problem("Too many look-ups from this client; see Retry-After")}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: _problem("Unknown company, worker or service code"), 409: _problem("The service code was used or expired"),
    413: _problem("Request body too large"), 422: _problem("Malformed body, unknown field or wrong type"),
    429: _problem("Too many submissions from this client; see Retry-After")}

router = APIRouter(prefix="/public", tags=["public"])


def models(request: Request) -> Models:
    """The evaluation settings (health-check days, training window), read once per app."""
    cached: Models | None = getattr(request.app.state, "public_models", None)
    if cached is None:
        cached = request.app.state.public_models = load_models(settings_of(request).config)
    return cached


def complaint_settings(request: Request) -> ComplaintsConfig:
    cached: ComplaintsConfig | None = getattr(request.app.state, "public_complaints", None)
    if cached is None:
        cached = request.app.state.public_complaints = complaints_config(settings_of(request).config)
    return cached


Code = Annotated[str, Path(min_length=1, max_length=64, description="Worker code on the card (JZ…)")]
Uscc = Annotated[str, Path(min_length=1, max_length=64, description="统一社会信用代码")]


def _read_card(request: Request, worker_code: str) -> dict[str, Any]:
    """The card on a connection of the read engine (the replica when configured), returned to the pool before
    the answer is sent; one statement needs no session."""
    now, m = clock(request), models(request)
    engine: Engine = request.app.state.read_sessions.kw["bind"]
    with engine.connect() as conn:
        return service.worker_card(conn, worker_code=worker_code, now=now, models=m)


# The most frequent request of all (every scan at a door): one trip to the thread pool for everything (clock,
# settings, connection, statement) instead of one per dependency and one for the answer's validation; the
# answer is still validated against ``WorkerCard``, on the event loop.
@router.get("/workers/{worker_code}", response_model=WorkerCard, responses=READ_ERRORS)
async def worker_card(worker_code: Code, request: Request) -> dict[str, Any]:
    """The worker card (上门服务证): full name and photo only with the worker's public_card consent."""
    return await run_in_threadpool(_read_card, request, worker_code)


@router.get("/companies/{uscc}", response_model=CompanyReport, responses=READ_ERRORS)
def company_report(uscc: Uscc, session: Session = ReadSession, now: datetime = Depends(clock),
                   m: Models = Depends(models)) -> dict[str, Any]:
    """The company's public credit report: grade, records in force, lists, rectification, complaints."""
    return service.company_report(session, uscc=uscc, now=now, models=m)


@router.get("/companies", response_model=CompanyPage, responses=READ_ERRORS)
def search_companies(q: Annotated[str, Query(min_length=1, max_length=100, description="名称的一部分，或信用代码")],
                     page: PageParams = Depends(page_params),
                     session: Session = ReadSession) -> dict[str, Any]:
    """Search companies by a part of the name, or by USCC (exact)."""
    items, total = search.search_companies(session, q=q, page=page)
    return {"items": items, "total": total, "page": page.page, "size": page.size}


@router.get("/lists/{list_name}", response_model=ListPage, responses=READ_ERRORS)
def published_list(list_name: Annotated[ListName, Path(description="red or black")],
                   page: PageParams = Depends(page_params), session: Session = ReadSession,
                   now: datetime = Depends(clock)) -> dict[str, Any]:
    """The published red or black list (守信激励 / 失信惩戒名单), newest first."""
    items, total = search.published_entries(session, list_name=list_name, as_of=today(now), page=page)
    return {"items": items, "total": total, "page": page.page, "size": page.size}


@router.post("/complaints", status_code=201, response_model=ComplaintFiled, responses=WRITE_ERRORS)
def file_complaint(form: ComplaintIn, session: Session = WriteSession, now: datetime = Depends(clock),
                   v: Vault = Depends(vault), cfg: ComplaintsConfig = Depends(complaint_settings)) -> dict[str, Any]:
    """File a complaint; keep the tracking code to follow it. The phone is kept encrypted."""
    return forms.file_complaint(session, vault=v, form=form, now=now, actor=ANONYMOUS.actor, cfg=cfg)


@router.get("/complaints/{tracking_code}", response_model=ComplaintTrack, responses=READ_ERRORS)
def track_complaint(tracking_code: Annotated[str, Path(min_length=1, max_length=64)],
                    session: Session = ReadSession) -> dict[str, Any]:
    """Follow a complaint by its tracking code (no personal data)."""
    return forms.track_complaint(session, tracking_code=tracking_code)


@router.post("/ratings", status_code=201, response_model=RatingAdded, responses=WRITE_ERRORS)
def add_rating(form: RatingIn, session: Session = WriteSession, now: datetime = Depends(clock),
               v: Vault = Depends(vault), cfg: ComplaintsConfig = Depends(complaint_settings),
               m: Models = Depends(models)) -> dict[str, Any]:
    """Rate a service with the service code the company gave you (no code, no rating)."""
    return forms.add_rating(session, vault=v, form=form, now=now, actor=ANONYMOUS.actor, cfg=cfg, models=m)
