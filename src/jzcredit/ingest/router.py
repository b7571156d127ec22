"""``POST /api/v1/ingest/{kind}`` (a file as multipart) and ``GET /api/v1/batches/{id}``.

A provider submits only kinds whose record type it was given (checked by the policy) and sees only its
own batches; admin and regulators submit and see any. The upload goes to a private temporary
directory, then through the same ingest service as ``jzcredit ingest`` — same row accounting, same
quarantine, same resume — and the subjects the batch changed are re-evaluated, as the CLI does.
"""

from __future__ import annotations

import re
import tempfile
from datetime import datetime
from pathlib import Path as FilePath
from typing import IO, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.api.deps import ReadSession, clock, settings_of, vault
from jzcredit.api.pagination import PageParams, page_params
from jzcredit.api.policy import Principal, authorize_owner, authorize_record_types, requires
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.errors import JzError, NotFound
from jzcredit.evaluation.rulesets import load_models
from jzcredit.ingest import declared, jobs
from jzcredit.ingest import service as ingest_service
from jzcredit.ingest.schemas import BatchReport, BatchSummary
from jzcredit.rules import ingest_rules

router = APIRouter(tags=["ingest"])

# the credit-record type each kind writes; the other kinds carry registry data or figures (no record type)
RECORD_TYPE_OF_KIND = {
    "background_checks": "background_check", "commendations": "commendation",
    "dishonest_debtors": "dishonest_debtor", "health_checks": "health_check", "licenses": "license",
    "penalties": "penalty", "ratings": "rating", "skill_certificates": "skill_certificate",
    "tax_ratings": "tax_rating", "trainings": "training",
}
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # the largest real file we know (a province's penalties) is well below
COPY_CHUNK = 1024 * 1024
_UNSAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


class UploadTooLarge(JzError):
    status = 413
    title = "请求过大"


def record_types_of(kind: str) -> list[str]:
    """What a kind writes, for the provider check: its record type, or nothing (registry data, figures)."""
    declared.load_source(kind)  # an unknown kind is 422 before anyone is told what they may submit
    found = RECORD_TYPE_OF_KIND.get(kind)
    return [found] if found else []


def _safe_name(filename: str | None) -> str:
    """The client's file name without any path, kept for the batch report (its suffix tells XLSX/JSONL)."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    clean = _UNSAFE_NAME.sub("_", base).strip("._")[:120]
    return clean or "upload.csv"


def _copy_upload(source: IO[bytes], target: FilePath) -> None:
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(COPY_CHUNK):
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                raise UploadTooLarge("ingest.too_large", f"文件超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB："
                                                         "请拆分后分批提交")
            out.write(chunk)




@router.post("/ingest/{kind}", response_model=BatchSummary, status_code=201,
             summary="Submit a file (CSV, XLSX or JSONL) as one batch",
             responses={403: {"description": "Your role, or a provider's record types, do not cover this kind"},
                        413: {"description": "The file is too large"},
                        422: {"description": "Unknown kind or profile, missing columns, unreadable file"}})
def ingest(
    request: Request,
    kind: str = Path(min_length=1, max_length=32, description="What the file holds", examples=["penalties"]),
    file: UploadFile = File(description="The file as sent by the department (CSV, XLSX or JSONL)"),
    source: str = Form(min_length=1, max_length=64, description="Who sent it", examples=["济南市市场监督管理局"]),
    profile: str | None = Form(None, max_length=64, description="A real-world header layout",
                               examples=["penalty-shuanggongshi"]),
    principal: Principal = Depends(requires("ingest.submit")),
    now: datetime = Depends(clock),
    secrets: Vault = Depends(vault),
    settings: Settings = Depends(settings_of),
) -> dict[str, Any]:
    """Every row ends accepted, a duplicate or quarantined with its reason; the same file again continues an
    interrupted batch or, once complete, counts every row as a duplicate."""
    authorize_record_types(principal, "ingest.submit", record_types_of(kind))
    factory: sessionmaker[Session] = request.app.state.sessions
    with tempfile.TemporaryDirectory(prefix="jz-upload-") as folder:
        path = FilePath(folder) / _safe_name(file.filename)
        _copy_upload(file.file, path)
        batch = ingest_service.ingest_file(factory, secrets, path=path, kind=kind, source=source,
                                           profile=profile or None, actor=principal.actor, now=now,
                                           rules=ingest_rules(settings.config))
    data = ingest_service.summary(batch)
    data["evaluation"] = jobs.reevaluate_batch(factory, batch_id=batch.id, models=load_models(settings.config),
                                                   now=now)
    return data


@router.get("/batches/{batch_id}", response_model=BatchReport, summary="A batch's counts and quarantined rows",
            responses={404: {"description": "No such batch, or (for a provider) not one it submitted"}})
def get_batch(
    batch_id: int = Path(ge=1, le=2**62),
    paging: PageParams = Depends(page_params),
    principal: Principal = Depends(requires("batches.read")),
    session: Session = ReadSession,
) -> dict[str, Any]:
    """Counts plus the quarantined rows, one page at a time, ID and phone numbers masked."""
    batch = ingest_service.get_batch(session, batch_id)
    authorize_owner(principal, "batches.read", batch.actor,
                    NotFound("batch.not_found", f"没有编号为 {batch_id} 的导入批次"))
    report = ingest_service.batch_report(session, batch_id)
    rows = report["quarantined_rows"][paging.offset:paging.offset + paging.size]
    return report | {"quarantined_rows": rows, "quarantined_rows_page": paging.page,
                     "quarantined_rows_size": paging.size}
