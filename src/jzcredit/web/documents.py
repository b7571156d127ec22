"""``/c/{uscc}/report.pdf``: the company's public credit report as a PDF download (spec §4.5, §5.4).

The same report as the page ``/c/{uscc}`` (the same service, the same partial), laid out for A4; an
unknown USCC is the page's 404. Rendering costs a few hundred milliseconds of CPU, so the route sits
under the public look-up rate limit (``/c/*``) like the page itself.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from jzcredit.api.deps import clock, settings_of
from jzcredit.evaluation.rulesets import Models
from jzcredit.public.router import Uscc, models
from jzcredit.reports import documents

router = APIRouter(include_in_schema=False)


def document_response(doc: documents.Document, fmt: str = "pdf") -> Response:
    """The document as a download with its file name; never cached, like the page (a change shows at once)."""
    return Response(doc.render(fmt), media_type=documents.MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": doc.content_disposition(fmt),
                             "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


@router.get("/c/{uscc}/report.pdf")
def company_report_pdf(uscc: Uscc, request: Request, now: datetime = Depends(clock),
                       m: Models = Depends(models)) -> Response:
    """企业信用报告 PDF: the report is read in a short read session, the PDF laid out after it is closed."""
    with request.app.state.read_sessions() as session:
        doc = documents.company_report(session, uscc=uscc, now=now, models=m,
                                       base_url=settings_of(request).base_url)
    return document_response(doc)
