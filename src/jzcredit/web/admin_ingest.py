"""Admin pages for ingest (数据归集): upload with progress and the batch report; quarantine correction.

- ``GET /admin/ingest`` — the upload form and the newest batches.
- ``POST /admin/ingest`` — the file (multipart), its kind, source and profile: the run starts in the
  background (``ingest/jobs.py``) and the answer (202, JSON) names the job the page then polls.
- ``GET /admin/ingest/jobs/{job_id}`` — the run's progress, then its batch report (JSON, for the page).
- ``GET /admin/batches/{batch_id}`` — a batch's report; ``…/quarantine`` its quarantined rows;
  ``GET|POST …/quarantine/{row}`` one row's correction, resubmitted through every ingest check.

The policy is the API's, action by action: submitting is ``ingest.submit`` with a provider's record types
(``authorize_record_types``), reading a batch ``batches.read`` with a provider's own batches only
(``authorize_owner``); a regulator, like on ``POST /api/v1/ingest/{kind}``, submits and reads any batch.
Correcting a row is submitting it again: both checks apply.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from jzcredit.api.deps import clock, settings_of, vault
from jzcredit.api.policy import Principal, authorize_owner, authorize_record_types
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.errors import Invalid, NotFound
from jzcredit.evaluation.rulesets import load_models
from jzcredit.ingest import batch_views, corrections, declared
from jzcredit.ingest.jobs import IngestJobs, RunRequest, reevaluate_batch
from jzcredit.ingest.router import MAX_UPLOAD_BYTES, UploadTooLarge, record_types_of
from jzcredit.rules import ingest_rules
from jzcredit.web import templates
from jzcredit.web.auth import WebSession, form_requires, page_requires
from jzcredit.web.portal import local_time

router = APIRouter(include_in_schema=False)


BatchId = PathParam(ge=1, le=2**62)
RowNumber = PathParam(ge=1, le=2**31 - 1)
ROWS_PER_PAGE = 50
COPY_CHUNK = 1024 * 1024
MAX_JSON_ARRAY_BYTES = 50 * 1024 * 1024  # a JSON array is read whole to become JSON Lines
ACCEPTED_SUFFIXES = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".jsonl": "jsonl",
                     ".ndjson": "jsonl", ".json": "json"}
KNOWN_WRONG = {".xls": "旧版 Excel 文件（.xls）无法读取：请在 Excel 中“另存为”.xlsx 后再上传。没有导入任何内容",
               ".et": "WPS 表格文件（.et）无法读取：请另存为 .xlsx 或 CSV 后再上传。没有导入任何内容"}
NO_STORE = {"Cache-Control": "no-store"}
STATUS_WORDS = {"completed": "已完成", "running": "进行中（或被中断：重新上传同一文件会从中断处继续）",
                "failed": "中断（重新上传同一文件会从中断处继续）"}
RESULT_WORDS = {"accepted": "已更正并接收", "duplicate": "已更正；与已有数据重复，未重复写入"}


def admin_context(web: WebSession, *, active: str) -> dict[str, Any]:
    """What the admin layout needs: the signed-in user, its sections, and which one this page is in."""
    return web.context() | {"active": active}


def _hidden_batch(batch_id: int) -> NotFound:
    return NotFound("batch.not_found", f"没有编号为 {batch_id} 的导入批次")


def _readable_batch(request: Request, principal: Principal, batch_id: int) -> dict[str, Any]:
    """The batch report, after the API's check for ``GET /batches/{id}`` (a provider: its own only)."""
    with request.app.state.sessions() as session:
        page = batch_views.batch_page(session, batch_id=batch_id)
    authorize_owner(principal, "batches.read", page["actor"], _hidden_batch(batch_id))
    return page


def _choices() -> dict[str, Any]:
    kinds = [{"kind": k, "label": batch_views.kind_label(k)} for k in declared.known_kinds()]
    profiles = [{"name": p, "kind": declared.load_profile(p).kind, "label": declared.load_profile(p).description}
                for p in declared.known_profiles()]
    return {"kinds": kinds, "profiles": profiles}


@router.get("/admin/ingest")
def upload_page(request: Request, web: WebSession = Depends(page_requires("ingest.submit"))) -> Response:
    """数据上传: the form, then progress and the report on the same page (static/upload.js)."""
    principal = web.principal
    with request.app.state.sessions() as session:
        recent = batch_views.recent_batches(
            session, actor_prefix=f"provider:{principal.user_id}:" if principal.role == "provider" else None)
    context = admin_context(web, active="/admin/ingest") | _choices() | {
        "recent": recent, "max_mb": MAX_UPLOAD_BYTES >> 20, "status_words": STATUS_WORDS}
    return templates.TemplateResponse(request, "admin/ingest.html", context)


def _suffix_check(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix in KNOWN_WRONG:
        raise Invalid("upload.wrong_type", KNOWN_WRONG[suffix])
    if suffix not in ACCEPTED_SUFFIXES:
        shown = suffix or "（无扩展名）"
        raise Invalid("upload.wrong_type", f"不支持的文件类型 {shown[:20]}：请上传 CSV（.csv）、Excel（.xlsx）或 "
                                           "JSON（.json、.jsonl）文件。没有导入任何内容")
    return ACCEPTED_SUFFIXES[suffix]


async def _save(upload: UploadFile, target: Path) -> None:
    written = 0
    with target.open("wb") as out:
        while chunk := await upload.read(COPY_CHUNK):
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                raise UploadTooLarge("upload.too_large", f"文件超过 {MAX_UPLOAD_BYTES >> 20} MB：请拆分后分批上传。"
                                                  "没有导入任何内容")
            out.write(chunk)
    if written == 0:
        raise Invalid("upload.empty", "上传的文件是空的（0 字节）：请检查后重新选择文件。没有导入任何内容")


def _json_array_to_lines(path: Path) -> Path:
    """A ``.json`` file holding one array of objects becomes JSON Lines (each item a row; nothing dropped).
    A ``.json`` file that already is JSON Lines is taken as it is."""
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"["):
        return path.rename(path.with_suffix(".jsonl"))
    if path.stat().st_size > MAX_JSON_ARRAY_BYTES:
        raise Invalid("upload.json_too_large", f"JSON 数组文件超过 {MAX_JSON_ARRAY_BYTES >> 20} MB："
                                               "请改为每行一个对象的 JSON Lines（.jsonl）文件。没有导入任何内容")
    try:
        items = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise Invalid("upload.bad_json", "文件不是有效的 JSON：请检查文件是否完整（可改为每行一个对象的 .jsonl 文件）。"
                                         "没有导入任何内容") from None
    if not isinstance(items, list):
        raise Invalid("upload.bad_json", "JSON 文件应为对象数组或每行一个对象。没有导入任何内容")
    lines = path.with_suffix(".jsonl")
    with lines.open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    path.unlink()
    return lines


def _form_text(form: Any, name: str, limit: int) -> str:
    value = form.get(name)
    return value.strip()[:limit + 1] if isinstance(value, str) else ""


@router.post("/admin/ingest")
async def upload(request: Request, web: WebSession = Depends(form_requires("ingest.submit")),
                 now: datetime = Depends(clock), settings: Settings = Depends(settings_of),
                 keys: Vault = Depends(vault)) -> Response:
    """Take the file and start the run; every check that refuses the file says so before anything is written."""
    form = await request.form()
    kind, source = _form_text(form, "kind", 32), _form_text(form, "source", 64)
    profile = _form_text(form, "profile", 64) or None
    upload_file = form.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        raise Invalid("upload.no_file", "请选择要上传的文件")
    declared.load_source(kind)  # an unknown kind is named before the file is looked at
    if profile is not None and declared.load_profile(profile).kind != kind:
        raise Invalid("upload.profile_kind", f"模板 {profile} 不能用于 {batch_views.kind_label(kind)}数据")
    if not source:
        raise Invalid("upload.no_source", "请填写数据来源（如 济南市市场监督管理局）")
    authorize_record_types(web.principal, "ingest.submit", record_types_of(kind))
    fmt = _suffix_check(upload_file.filename)
    display = Path(upload_file.filename.replace("\\", "/")).name[:120]
    folder = Path(tempfile.mkdtemp(prefix="jz-web-upload-"))
    try:
        path = folder / ("upload" + Path(display).suffix.lower())
        await _save(upload_file, path)
        if fmt == "json":
            path = _json_array_to_lines(path)
        path = path.rename(folder / (Path(display).stem[:80].replace("/", "_") + path.suffix)) \
            if Path(display).stem.strip(". ") else path
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    run = RunRequest(path=path, kind=kind, source=source, profile=profile, actor=web.principal.actor, now=now,
                     rules=ingest_rules(settings.config), models=load_models(settings.config))
    job = _jobs_for(request, keys).start(run, display_name=display)
    return JSONResponse(job.as_dict() | {"progress_url": f"/admin/ingest/jobs/{job.id}"}, status_code=202,
                        headers=NO_STORE)


def _jobs_for(request: Request, keys: Vault) -> IngestJobs:
    state = request.app.state
    jobs: IngestJobs | None = getattr(state, "ingest_jobs", None)
    if jobs is None:
        jobs = IngestJobs(state.sessions, keys)
        state.ingest_jobs = jobs
    return jobs


@router.get("/admin/ingest/jobs/{job_id}")
def job_progress(request: Request, job_id: str = PathParam(min_length=1, max_length=64),
                 web: WebSession = Depends(page_requires("ingest.submit")),
                 keys: Vault = Depends(vault)) -> Response:
    """How far the run is (``phase``, ``percent``), then the batch report with counts per reason."""
    job = _jobs_for(request, keys).get(job_id, owner=web.principal.actor)
    body = job.as_dict()
    if job.phase == "done" and job.batch_id is not None:
        with request.app.state.sessions() as session:
            body["report"] = _json_safe(batch_views.batch_page(session, batch_id=job.batch_id))
        body["report_url"] = f"/admin/batches/{job.batch_id}"
        body["quarantine_url"] = f"/admin/batches/{job.batch_id}/quarantine"
    return JSONResponse(body, headers=NO_STORE)


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))  # type: ignore[no-any-return]


@router.get("/admin/batches/{batch_id}")
def batch_report(request: Request, batch_id: int = BatchId,
                 web: WebSession = Depends(page_requires("batches.read"))) -> Response:
    """批次报告: rows read = accepted + duplicates + quarantined, the quarantined rows per reason."""
    report = _readable_batch(request, web.principal, batch_id)
    context = admin_context(web, active="/admin/ingest") | {"b": report, "started": local_time(report["started_at"]),
                                                            "status_words": STATUS_WORDS.get(report["status"])}
    return templates.TemplateResponse(request, "admin/batch.html", context)


@router.get("/admin/batches/{batch_id}/quarantine")
def quarantine_page(request: Request, batch_id: int = BatchId, page: int = Query(1, ge=1, le=100_000),
                    corrected: int | None = Query(None, ge=1, le=2**31 - 1),
                    result: str | None = Query(None, max_length=16),
                    into: int | None = Query(None, ge=1, le=2**62),
                    web: WebSession = Depends(page_requires("batches.read"))) -> Response:
    """隔离行: each quarantined row (ID and phone numbers masked) with its reason, and a link to correct it."""
    report = _readable_batch(request, web.principal, batch_id)
    with request.app.state.sessions() as session:
        rows, total = batch_views.quarantined_page(session, batch_id=batch_id, offset=(page - 1) * ROWS_PER_PAGE,
                                                   limit=ROWS_PER_PAGE)
    flash = None
    if corrected is not None and result in RESULT_WORDS:
        flash = f"第 {corrected} 行{RESULT_WORDS[result]}" + (f"（批次 {into}）" if into else "") + "。"
    pages = max(1, -(-total // ROWS_PER_PAGE))
    context = admin_context(web, active="/admin/ingest") | {
        "b": report, "rows": rows, "total": total, "page": page, "pages": pages, "flash": flash}
    return templates.TemplateResponse(request, "admin/quarantine.html", context)


def _missing_required(form: corrections.CorrectionForm, typed: dict[str, str]) -> set[str]:
    """Fields of a required column left empty — checked before resubmitting, so the message sits by the field
    and no batch is written. A column fed by two headers (a profile's USCC or ID number) needs one of them."""
    by_column: dict[str, list[str]] = {}
    for f in form.fields:
        if f.required and f.column:
            by_column.setdefault(f.column, []).append(f.name)
    return {name for names in by_column.values() if not any(typed.get(n, "").strip() for n in names)
            for name in names}


def _row_form(request: Request, web: WebSession, form: corrections.CorrectionForm, *, status: int = 200,
              error: str | None = None, typed: dict[str, str] | None = None, again: bool = False,
              missing: set[str] | None = None) -> Response:
    context = admin_context(web, active="/admin/ingest") | {
        "f": form, "error": error, "typed": typed or {}, "again": again, "missing": missing or set()}
    return templates.TemplateResponse(request, "admin/correct_row.html", context, status_code=status,
                                      headers=NO_STORE)


def _may_correct(request: Request, principal: Principal, batch_id: int) -> None:
    report = _readable_batch(request, principal, batch_id)
    authorize_record_types(principal, "ingest.submit", record_types_of(report["kind"]))


@router.get("/admin/batches/{batch_id}/quarantine/{row}")
def correct_form(request: Request, batch_id: int = BatchId, row: int = RowNumber,
                 again: bool = Query(False), web: WebSession = Depends(page_requires("ingest.submit")),
                 keys: Vault = Depends(vault), now: datetime = Depends(clock)) -> Response:
    """更正: the row verbatim (an audited private read), its reason next to the field it names."""
    _may_correct(request, web.principal, batch_id)
    with request.app.state.sessions() as session, session.begin():
        form = corrections.correction_form(session, keys, batch_id=batch_id, row=row, actor=web.principal.actor,
                                           now=now)
    return _row_form(request, web, form, again=again)


@router.post("/admin/batches/{batch_id}/quarantine/{row}")
async def correct_submit(request: Request, batch_id: int = BatchId, row: int = RowNumber,
                         web: WebSession = Depends(form_requires("ingest.submit")),
                         keys: Vault = Depends(vault), now: datetime = Depends(clock),
                         settings: Settings = Depends(settings_of)) -> Response:
    """Resubmit the corrected row: accepted or a duplicate → back to the list; quarantined again → its form."""
    _may_correct(request, web.principal, batch_id)
    posted = await request.form()
    factory = request.app.state.sessions
    with factory() as session, session.begin():
        form = corrections.correction_form(session, keys, batch_id=batch_id, row=row, actor=web.principal.actor,
                                           now=now)
    typed = {f.name: str(posted.get(f"v{i}", "")) for i, f in enumerate(form.fields)}
    if form.status == "open" and (missing := _missing_required(form, typed)):
        return _row_form(request, web, form, status=422, typed=typed, missing=missing,
                         error="有必填项为空：请在标出的位置填写后再提交（没有提交任何内容）。")
    if form.status != "open":
        return _row_form(request, web, form, status=409, typed=typed,
                         error=f"这一行已经更正提交过（见批次 {form.resubmitted_in}），不能重复提交。")
    try:
        batch = corrections.correct_row(factory, keys, batch_id=batch_id, row=row, values=typed,
                                        actor=web.principal.actor, now=now, rules=ingest_rules(settings.config))
    except Invalid as exc:
        return _row_form(request, web, form, status=422, typed=typed, error=exc.detail)
    with factory() as session:
        result = corrections.outcome(session, batch)
    if result["result"] != "quarantined":  # the row now counts: grade again what it changed, as after an upload
        reevaluate_batch(factory, batch_id=batch.id, models=load_models(settings.config), now=now)
    if result["result"] == "quarantined":
        return RedirectResponse(f"/admin/batches/{result['batch_id']}/quarantine/{result['row']}?again=true",
                                status_code=303)
    return RedirectResponse(f"/admin/batches/{batch_id}/quarantine?corrected={row}&result={result['result']}"
                            f"&into={result['batch_id']}", status_code=303)
