"""Documents on the web: ``/c/{uscc}/report.pdf``, the company's public credit report as a PDF download
(spec §4.5, §5.4), and ``/admin/repairs/{id}/certificate.pdf`` for a signed-in regulator.

The report is the page ``/c/{uscc}``'s (the same service, the same partial), laid out for A4; an unknown
USCC is the page's 404. Rendering costs a few hundred milliseconds of CPU, so the route sits under the
public look-up rate limit (``/c/*``) like the page itself. The certificate is the API's
(``GET /api/v1/repairs/{id}/certificate.pdf``) for the web login: the same action, ``repairs.read``, and
the same scope, an application outside it answering like an unknown one.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from jzcredit.api.deps import clock, settings_of
from jzcredit.api.workflow import IdPath, require_in_scope
from jzcredit.common.clock import today
from jzcredit.errors import NotFound
from jzcredit.evaluation.rulesets import Models
from jzcredit.public.router import Uscc, models
from jzcredit.repair import service as repair_service
from jzcredit.reports import documents
from jzcredit.web.auth import WebSession, page_requires

router = APIRouter(include_in_schema=False)


def document_response(doc: documents.Document, fmt: str = "pdf", *, private: bool = False) -> Response:
    """The document as a download with its file name; never cached stale, like the page (a change shows at
    once), and a signed-in user's document kept by no cache at all."""
    return Response(doc.render(fmt), media_type=documents.MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": doc.content_disposition(fmt),
                             "Cache-Control": "private, no-store" if private else "no-cache",
                             "X-Content-Type-Options": "nosniff"})


@router.get("/c/{uscc}/report.pdf")
def company_report_pdf(uscc: Uscc, request: Request, now: datetime = Depends(clock),
                       m: Models = Depends(models)) -> Response:
    """企业信用报告 PDF: the report is read in a short read session, the PDF laid out after it is closed."""
    with request.app.state.read_sessions() as session:
        doc = documents.company_report(session, uscc=uscc, now=now, models=m,
                                       base_url=settings_of(request).base_url)
    return document_response(doc)


@router.get("/admin/repairs/{repair_id}/certificate.pdf")
def repair_certificate_pdf(repair_id: IdPath, request: Request,
                           web: WebSession = Depends(page_requires("repairs.read")),
                           now: datetime = Depends(clock)) -> Response:
    """信用修复证书 PDF for the signed-in user who may read the application."""
    with request.app.state.sessions() as session:
        found = repair_service.get(session, repair_id=repair_id, as_of=today(now))
        require_in_scope(session, web.principal, "repairs.read", [found["subject_id"]], now=now,
                         hidden=NotFound("repair.not_found", f"没有编号为 {repair_id} 的信用修复申请"))
        doc = documents.repair_certificate(session, repair_id=repair_id, now=now)
    return document_response(doc, private=True)
