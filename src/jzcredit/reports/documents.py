"""The printed documents (打印文档): a subject's credit report (信用报告) and the credit repair certificate
(信用修复证书), as one self-contained HTML file or as its PDF.

A report is the public one — :func:`jzcredit.public.service.company_report` and ``worker_card`` — rendered
by the same report partial as the page, inside ``templates/documents/``: what the PDF shows is what
``/c/{uscc}`` shows, and nothing more (masked names, redacted free text, no ID or phone number). A
certificate is the JSON stored when the repair was approved, so it prints what was true that day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from markupsafe import Markup
from sqlalchemy.orm import Session

from jzcredit.common import ids
from jzcredit.common.clock import SHANGHAI, today
from jzcredit.common.crypto import Vault
from jzcredit.errors import Conflict, Invalid
from jzcredit.evaluation.rulesets import Models
from jzcredit.public import service as public_service
from jzcredit.public.privacy import redact
from jzcredit.registry import service as registry
from jzcredit.registry.models import Subject
from jzcredit.repair import service as repair_service
from jzcredit.reports.pdf import html_to_pdf
from jzcredit.web import STATIC_DIR, templates

ISSUER = "家政服务信用信息平台"
FORMATS = ("pdf", "html")
MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
COMPANY_TEMPLATE = "documents/company_report.html"
WORKER_TEMPLATE = "documents/worker_report.html"
CERTIFICATE_TEMPLATE = "documents/repair_certificate.html"


# words for the worker card's codes the site's filters (web/labels.py) do not name; templates read ``words.sex``
WORKER_WORDS: dict[str, dict[str, str]] = {
    "sex": {"male": "男", "female": "女"},
    "background": {"clear": "无违法犯罪记录", "record_found": "有违法犯罪记录", "none": "未核查"},
    "card_status": {"valid": "有效", "revoked": "已作废", "unverified": "未完成身份核验或未授权"},
}


@dataclass(frozen=True)
class Document:
    """One printed document: its HTML, a file name, and the PDF made from the HTML on demand."""

    title: str
    filename: str  # without the suffix, ASCII (``credit-report-9137…``)
    filename_zh: str  # what a person sees (``信用报告-…``)
    html: str

    def render(self, fmt: str) -> bytes:
        if fmt not in FORMATS:
            raise Invalid("documents.format", f"格式 {fmt} 无效：应为 pdf 或 html")
        return html_to_pdf(self.html) if fmt == "pdf" else self.html.encode("utf-8")

    def content_disposition(self, fmt: str, *, inline: bool = False) -> str:
        """``attachment; filename="credit-report-….pdf"; filename*=UTF-8''信用报告-….pdf`` (RFC 6266)."""
        kind = "inline" if inline else "attachment"
        return (f'{kind}; filename="{self.filename}.{fmt}"; '
                f"filename*=UTF-8''{quote(self.filename_zh + '.' + fmt, safe='')}")


_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
NAME_IN_FILE_NAME_MAX = 40  # characters: a long company name must not push the file name past 255 bytes


def file_name_part(text: str) -> str:
    """Text for a file name a browser saves: no path or reserved characters, one line, at most 40 characters."""
    return " ".join(_UNSAFE_IN_FILE_NAMES.sub("_", text).split())[:NAME_IN_FILE_NAME_MAX] or "_"


def _generated(now: datetime) -> str:
    return now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _site_css() -> Markup:
    # our own stylesheet, inlined so the document needs nothing else (a <style> body is never escaped)
    return Markup((STATIC_DIR / "site.css").read_text(encoding="utf-8"))


def render_html(template: str, *, title: str, heading: str, as_of: date | None, now: datetime,
                number: str | None = None, verify_url: str | None = None, **context: Any) -> str:
    """A document template rendered with the frame ``documents/base.html`` expects."""
    doc = {"title": title, "heading": heading, "issuer": ISSUER, "number": number, "as_of": as_of,
           "generated_at": _generated(now), "verify_url": verify_url}
    return templates.get_template(template).render(doc=doc, site_css=_site_css(), words=WORKER_WORDS, **context)


def card_url(base_url: str, worker_code: str) -> str:
    """The card's address, as on the printed card's QR code (spec §4.3 ``card``)."""
    return f"{base_url.rstrip('/')}/w/{worker_code}"


def _qr_data_uri(url: str) -> str:
    import segno

    uri: str = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    return uri


# --- reports ---------------------------------------------------------------------------------------


def company_report(session: Session, *, uscc: str, now: datetime, models: Models, base_url: str) -> Document:
    """The company's public credit report (``/c/{uscc}``) as a document."""
    report = public_service.company_report(session, uscc=uscc, now=now, models=models)
    title = f"企业信用报告 {report['name']}"
    html = render_html(COMPANY_TEMPLATE, title=title, heading="家政企业信用报告", as_of=report["as_of"], now=now,
                       number=report["uscc"], verify_url=f"{base_url.rstrip('/')}/c/{report['uscc']}",
                       report=report)
    return Document(title=title, filename=f"credit-report-{report['uscc']}",
                    filename_zh=f"信用报告-{file_name_part(report['name'])}-{report['uscc']}", html=html)


def worker_report(session: Session, *, worker_code: str, now: datetime, models: Models, base_url: str) -> Document:
    """The worker's public credit report: the card's fields, the name masked without ``public_card`` consent."""
    card = public_service.worker_card(session, worker_code=worker_code, now=now, models=models)
    url = card_url(base_url, card["worker_code"])
    title = f"家政服务员信用报告 {card['worker_code']}"
    html = render_html(WORKER_TEMPLATE, title=title, heading="家政服务员信用报告", as_of=card["as_of"], now=now,
                       number=card["worker_code"], verify_url=url, card=card,
                       qr_data_uri=_qr_data_uri(url) if card["card_status"] != "revoked" else None)
    return Document(title=title, filename=f"credit-report-{card['worker_code']}",
                    filename_zh=f"信用报告-{card['worker_code']}", html=html)


def _worker_code_for(session: Session, subject_id: int, key: str) -> str:
    """The active code; a revoked code typed as the key gives the revoked card (which says so)."""
    active = registry.active_codes(session, [subject_id]).get(subject_id)
    if active is not None:
        return active
    typed = ids.normalise_worker_code(key.strip().upper())
    if ids.is_worker_code(typed):
        return typed
    raise Invalid("documents.no_worker_code", "该家政服务员目前没有有效的服务员码，无法生成信用报告：请先补发服务员码")


def subject_report(session: Session, *, key: str, vault: Vault, now: datetime, models: Models,
                   base_url: str) -> tuple[str, str, Document]:
    """``report KEY``: ``(kind, public key, document)`` for a USCC, a worker code or an ID number."""
    subject_id = registry.resolve_subject_key(session, vault=vault, key=key)
    kind = session.get_one(Subject, subject_id).kind
    if kind == "company":
        uscc = registry.subject_keys(session, [subject_id])[subject_id]
        return kind, uscc, company_report(session, uscc=uscc, now=now, models=models, base_url=base_url)
    code = _worker_code_for(session, subject_id, key)
    return kind, code, worker_report(session, worker_code=code, now=now, models=models, base_url=base_url)


# --- the credit repair certificate -------------------------------------------------------------------


def _printable(certificate: dict[str, Any]) -> dict[str, Any]:
    """Free text on the certificate (document numbers, authorities, evidence) with long numbers masked."""
    records = [{**r, "doc_number": redact(r.get("doc_number")), "authority": redact(r.get("authority"))}
               for r in certificate.get("records", [])]
    subject = dict(certificate.get("subject") or {})
    subject["name"] = redact(subject.get("name"))
    return {**certificate, "records": records, "subject": subject, "evidence": redact(certificate.get("evidence")),
            "text": redact(certificate.get("text"))}


def repair_certificate(session: Session, *, repair_id: int, now: datetime) -> Document:
    """信用修复证书 ``XYXF-<year>-<id>`` of an approved application; 409 while it has none."""
    found = repair_service.get(session, repair_id=repair_id, as_of=today(now))
    if not found["certificate"]:
        why = "已被驳回" if found["status"] == "rejected" else "尚未批准（待决定）"
        raise Conflict("repair.no_certificate",
                       f"信用修复申请 {repair_id} {why}，没有信用修复证书：只有批准的申请才有证书")
    cert = _printable(found["certificate"])
    number = cert["certificate_number"]
    title = f"信用修复证书 {number}"
    html = render_html(CERTIFICATE_TEMPLATE, title=title, heading=cert.get("title") or "信用修复证书",
                       as_of=None, now=now, number=number, cert=cert)
    return Document(title=title, filename=f"repair-certificate-{number}", filename_zh=f"信用修复证书-{number}",
                    html=html)
