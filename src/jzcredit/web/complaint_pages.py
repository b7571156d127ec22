"""投诉页面 (spec §4.5 ``/complaints/new``, ``/complaints/{tracking_code}``): a consumer files and follows.

The form is the public API's (``POST /api/v1/public/complaints``) in HTML: the same schema
(:class:`~jzcredit.public.schemas.ComplaintIn`), the same service (:func:`jzcredit.public.forms.file_complaint`),
the same rate limit (the ``submit`` bucket covers ``/complaints/*``). What the page adds:

- **The company by USCC or by name**: a valid USCC is taken as it is; a name is searched and the matches are
  offered to choose from (never picked silently: a complaint against the wrong company harms it).
- **Field-level messages**: every refusal (schema or service) is put beside the field it is about, the rest
  of what was typed is kept.
- **Post/redirect/get**: a filed complaint redirects (303) to its tracking page, which shows the code to keep.
- **Cross-site forms are refused**: the form has no session to ride on, but a page elsewhere must not make a
  visitor's browser file complaints (spam, using up the visitor's rate limit); see ``same_origin``.

The tracking page shows status, deadlines, the company's answer (redacted like the API's) and the finding;
never the description or the phone (the page is public to whoever holds the code, and crawled).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from jzcredit.api.deps import vault
from jzcredit.api.pagination import PageParams
from jzcredit.api.policy import ANONYMOUS
from jzcredit.api.validation import describe
from jzcredit.common.clock import current_time, today
from jzcredit.complaints.config import TRACKING_PREFIX, looks_like, normalise_code
from jzcredit.complaints.models import CATEGORIES
from jzcredit.complaints.steps import CATEGORY_LABELS, FINDING_LABELS
from jzcredit.errors import Forbidden, JzError, NotFound
from jzcredit.public import forms, search
from jzcredit.public.privacy import redact
from jzcredit.public.router import complaint_settings
from jzcredit.public.schemas import ComplaintIn
from jzcredit.web import templates

router = APIRouter(include_in_schema=False)

CHOICES = 10  # companies offered when a name matches several
FIELD_LIMITS = {"company": 100, "company_uscc": 40, "worker_code": 40, "category": 16, "description": 4000,
                "contact_phone": 40}
REQUIRED = {"company": "请填写被投诉企业的统一社会信用代码或名称", "category": "请选择投诉类别",
            "description": "请写明投诉的事情经过和诉求", "contact_phone": "请填写您的手机号码，以便监管部门联系您"}
# a service's refusal → the field it is about (by code prefix)
ERROR_FIELDS = (("public.bad_uscc", "company"), ("company.", "company"), ("complaint.no_party", "company"),
                ("public.bad_worker", "worker_code"), ("public.worker", "worker_code"), ("worker.", "worker_code"),
                ("subject.", "worker_code"), ("complaint.not_employer", "worker_code"),
                ("complaint.no_employer", "worker_code"), ("complaint.many_employers", "worker_code"),
                ("complaint.bad_phone", "contact_phone"), ("complaint.text_", "description"),
                ("complaint.bad_category", "category"))
NEXT_STEP = {
    "filed": "投诉已受理。监管部门核实后会转交企业办理，企业须在转办后 {days} 天内答复。",
    "forwarded": "已转交企业办理，企业应在 {respond_by} 前答复。",
    "responded": "企业已答复（见下方）。请告诉受理投诉的监管部门您是否满意；不满意的，监管部门会组织调解。",
    "resolved": "您对处理结果表示满意，监管部门将作出结论并办结。",
    "unresolved": "您对处理结果不满意，监管部门将组织调解。",
    "mediated": "已调解，监管部门将作出调查结论并办结。",
    "closed": "投诉已办结。",
}


def _now(request: Request) -> datetime:
    return current_time(request.app.state.settings.now)


# --- cross-site protection ---------------------------------------------------------------------------------


def _host(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return parts.netloc.lower() or None


def same_origin(request: Request) -> bool:
    """Whether a form POST comes from one of our own pages.

    ``Sec-Fetch-Site`` (sent by current browsers) must be ``same-origin`` (or ``none``: typed or bookmarked);
    else the ``Origin`` header, or the ``Referer`` when there is no Origin, must name this host (the ``Host``
    the request came to, or the host of ``JZCREDIT_BASE_URL`` behind a proxy). A request with neither is a
    program, not a browser tricked by another site, and is let through like the JSON API (which is open to
    programs anyway); ``Origin: null`` (sandboxed or privacy-redirected) is refused.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return True
    own = {h for h in (request.headers.get("host", "").lower(), _host(str(request.app.state.settings.base_url or "")))
           if h}
    return _host(source) in own


# --- the form -------------------------------------------------------------------------------------------


def _blank() -> dict[str, str]:
    return dict.fromkeys(FIELD_LIMITS, "")


def _categories() -> list[tuple[str, str]]:
    return [(c, CATEGORY_LABELS[c]) for c in CATEGORIES]


def _form_page(request: Request, values: dict[str, str], *, errors: dict[str, str] | None = None,
               matches: list[dict[str, Any]] | None = None, more: int = 0, status_code: int = 200,
               general: str | None = None) -> Response:
    context = {"values": values, "errors": errors or {}, "matches": matches or [], "more": more,
               "categories": _categories(), "general": general,
               "text_max": complaint_settings(request).text_max_chars}
    return templates.TemplateResponse(request, "complaint_new.html", context, status_code=status_code)


def _find_companies(request: Request, text: str) -> tuple[list[dict[str, Any]], int]:
    with request.app.state.read_sessions() as session:
        items, total = search.search_companies(session, q=text[:100], page=PageParams(page=1, size=CHOICES))
    return items, total


@router.get("/complaints/new", response_class=HTMLResponse)
def new_complaint(request: Request,
                  q: Annotated[str | None, Query(max_length=100, description="企业名称或统一社会信用代码")] = None
                  ) -> Response:
    """我要投诉: the form; ``q`` looks the company up by name or USCC first."""
    values = _blank()
    text = " ".join((q or "").split())
    if not text:
        return _form_page(request, values)
    shown = redact(text) or ""  # a public page: a long number typed here is not repeated whole
    values["company"] = shown
    matches, total = _find_companies(request, text)
    if len(matches) == 1:
        values["company_uscc"] = matches[0]["uscc"]
    errors = {} if matches else {"company": _nothing_found(shown)}
    return _form_page(request, values, errors=errors, matches=matches, more=max(0, total - len(matches)))


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    values = _blank()
    for name, limit in FIELD_LIMITS.items():
        raw = form.get(name)
        values[name] = raw[: limit + 1] if isinstance(raw, str) else ""
    return values


def _missing(values: dict[str, str]) -> dict[str, str]:
    errors = {name: message for name, message in REQUIRED.items() if not values[name].strip()}
    if values["company_uscc"].strip():
        errors.pop("company", None)
    if values["category"] and values["category"] not in CATEGORIES:
        errors["category"] = "请从列表中选择投诉类别"
    return errors


def _schema_errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in describe([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]):
        field = "company" if error["field"] in ("company_uscc", "") else error["field"]
        out.setdefault(field, error["message"])
    return out


def _company_choice(request: Request, values: dict[str, str]) -> tuple[list[dict[str, Any]], int, str | None]:
    """The companies to offer and the company field's message: the chosen one stays chosen; a name (not a
    USCC) is searched and must be chosen among its matches."""
    chosen = values["company_uscc"].strip()
    if chosen:
        return _find_companies(request, chosen)[0], 0, None
    typed = " ".join(values["company"].split())
    if not typed or _looks_like_uscc(typed):
        return [], 0, None
    matches, total = _find_companies(request, typed)
    if not matches:
        return [], 0, _nothing_found(typed)
    return matches, total - len(matches), f"找到 {total} 家名称含“{typed}”的企业，请在下面选择被投诉的那一家"


def _nothing_found(typed: str) -> str:
    if _looks_like_uscc(typed):
        return f"没有统一社会信用代码为 {typed} 的企业，请核对营业执照上的代码，或改填企业名称"
    return f"没有找到名称含“{typed}”的企业，请核对名称，或改填统一社会信用代码"


def _looks_like_uscc(text: str) -> bool:
    """18 letters and digits: meant as a USCC (the service says what is wrong with it), not a name."""
    return len(text) == 18 and text.isascii() and text.isalnum()


def _field_of(code: str) -> str | None:
    return next((field for prefix, field in ERROR_FIELDS if code.startswith(prefix)), None)


@router.post("/complaints/new", response_class=HTMLResponse)
async def file_complaint(request: Request) -> Response:
    """Validate, resolve the company, file through the public form service, then go to the tracking page."""
    if not same_origin(request):
        raise Forbidden("complaint.cross_site", "投诉表单只能从本站页面提交：请打开本站的“我要投诉”页面重新填写")
    values = await _posted(request)
    errors = _missing(values)
    matches, more, company_error = _company_choice(request, values)
    if company_error:
        errors.setdefault("company", company_error)
    if errors:
        return _form_page(request, values, errors=errors, matches=matches, more=more, status_code=422)
    uscc = values["company_uscc"].strip() or values["company"].strip()
    try:
        form = ComplaintIn.model_validate({
            "company_uscc": uscc, "worker_code": values["worker_code"].strip() or None,
            "category": values["category"], "description": values["description"],
            "contact_phone": values["contact_phone"].strip()})
    except ValidationError as exc:
        return _form_page(request, values, errors=_schema_errors(exc), matches=matches, more=more,
                          status_code=422)
    try:
        filed = _file(request, form)
    except JzError as exc:
        field = _field_of(exc.code)
        if field is None:
            raise
        return _form_page(request, values, errors={field: exc.detail}, matches=matches, more=more,
                          status_code=exc.status)
    return RedirectResponse(f"/complaints/{filed['tracking_code']}?filed=1", status_code=303)


def _file(request: Request, form: ComplaintIn) -> dict[str, Any]:
    """One transaction: committed before the redirect, rolled back on any refusal."""
    session: Session
    with request.app.state.sessions() as session, session.begin():
        return forms.file_complaint(session, vault=vault(request), form=form, now=_now(request),
                                    actor=ANONYMOUS.actor, cfg=complaint_settings(request))


# --- following a complaint ------------------------------------------------------------------------------


@router.get("/complaints", response_class=HTMLResponse)
def complaints_home(request: Request, code: Annotated[str | None, Query(max_length=64, description="投诉查询码")] = None
                    ) -> Response:
    """投诉与查询: file a complaint, or type a tracking code to follow one (then redirected to its page)."""
    typed = normalise_code(code or "")
    if typed and typed.isascii() and typed.isalnum():
        return RedirectResponse(f"/complaints/{typed}", status_code=303)
    if typed:  # not even the shape of a code (a slash, a dot…): said here, never put into a redirect
        return templates.TemplateResponse(request, "complaint_not_found.html", {"code": None}, status_code=404)
    return templates.TemplateResponse(request, "complaint_home.html", {})


def _tracking_view(doc: dict[str, Any], *, as_of: Any, days: int) -> dict[str, Any]:
    status = doc["status"]
    overdue = status == "forwarded" and doc["respond_by"] is not None and doc["respond_by"] < as_of
    respond_by = doc["respond_by"].isoformat() if doc["respond_by"] else "—"
    return doc | {"category_label": CATEGORY_LABELS.get(doc["category"], doc["category"]),
                  "finding_label": FINDING_LABELS.get(doc["finding"] or "") if doc["finding"] else None,
                  "overdue": overdue, "next_step": NEXT_STEP[status].format(days=days, respond_by=respond_by)}


@router.get("/complaints/{tracking_code}", response_class=HTMLResponse)
def track_complaint(request: Request, tracking_code: Annotated[str, Path(max_length=200)],
                    filed: Annotated[int | None, Query(ge=0, le=1, description="1 right after filing")] = None
                    ) -> Response:
    """投诉进度: status, deadlines, the company's answer and the finding — nothing about the complainant."""
    cfg = complaint_settings(request)
    try:
        with request.app.state.read_sessions() as session:
            doc = forms.track_complaint(session, tracking_code=tracking_code)
    except NotFound:
        typed = normalise_code(tracking_code[:64])
        shown = typed if looks_like(typed, TRACKING_PREFIX) else None  # never repeat anything else typed
        return templates.TemplateResponse(request, "complaint_not_found.html", {"code": shown}, status_code=404)
    view = _tracking_view(doc, as_of=today(_now(request)), days=cfg.response_days)
    return templates.TemplateResponse(request, "complaint_track.html", {"c": view, "just_filed": filed == 1})
