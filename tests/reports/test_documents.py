"""The printed documents on both engines: the company and worker credit reports and the repair certificate,
as PDF (text extracted with pdftotext, fonts checked with pdffonts) and as HTML; hostile text stays text."""

from __future__ import annotations

import random
import re
import sys
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_record, add_worker
from tests.pdftools import flat, pdf_fonts, pdf_image_count, pdf_pages, pdf_text

from jzcredit.common.clock import SHANGHAI
from jzcredit.common.crypto import Vault
from jzcredit.common.ids import make_uscc
from jzcredit.errors import Conflict, Invalid, Misconfigured, NotFound
from jzcredit.evaluation.rulesets import load_models
from jzcredit.registry import service as registry
from jzcredit.registry.models import WorkerCode
from jzcredit.repair import service as repair_service
from jzcredit.repair.rules import repair_rules
from jzcredit.reports import documents
from jzcredit.reports.pdf import html_to_pdf

NOW = datetime.combine(date(2026, 6, 30), time(10, 0), SHANGHAI)
BASE = "https://xy.example.gov.cn"
FULL_ID = re.compile(r"\d{17}[\dXx]")
MOBILE = re.compile(r"1[3-9]\d{9}")
HOSTILE = '<script>alert("x")</script>'
LONG_WORD = "长" * 20 + "A" * 300  # no space to break at: it must wrap, not run off the page or vanish


def company_pdf(s: Session, uscc: str) -> bytes:
    doc = documents.company_report(s, uscc=uscc, now=NOW, models=load_models(), base_url=BASE)
    return doc.render("pdf")


def test_the_company_report_pdf_carries_the_name_in_extractable_chinese_with_embedded_fonts(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s, name="济南泉城好帮手家政服务有限公司")
        add_record(s, company.subject_id, "penalty", decided_on=date(2026, 3, 1), amount="5000")
        pdf = company_pdf(s, company.uscc)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "济南泉城好帮手家政服务有限公司" in text and company.uscc in text
    assert "家政企业信用报告" in text and "行政处罚" in text and "测试机关" in text
    fonts = pdf_fonts(pdf)
    assert fonts and all(f.embedded for f in fonts), fonts
    assert any("CJK" in f.name for f in fonts), fonts  # the Chinese is set in a CJK font, not tofu


def test_hostile_text_is_escaped_in_the_html_and_printed_as_text_in_the_pdf(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s, name=f"{HOSTILE}家政")
        record = add_record(s, company.subject_id, "penalty", decided_on=date(2026, 3, 1))
        record.content = f"{LONG_WORD} <img src=x onerror=alert(1)>"
        s.flush()
        doc = documents.company_report(s, uscc=company.uscc, now=NOW, models=load_models(), base_url=BASE)
    assert "<script>alert" not in doc.html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;家政" in doc.html
    assert "<img src=x" not in doc.html
    text = pdf_text(doc.render("pdf"))
    assert f"{HOSTILE}家政" in text and "<imgsrc=xonerror=alert(1)>" in flat(text)
    assert LONG_WORD in flat(text)  # wrapped across lines, every character still there


def test_a_document_fetches_nothing_from_the_disk_or_the_network(tmp_path: Path) -> None:
    """Only data: URIs load; a file or http image in the markup is left out (and a data: one is kept)."""
    png = tmp_path / "secret.png"
    png.write_bytes(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                                  "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"))
    page = '<html lang="zh-CN"><body><p>图片</p><img src="{}"></body></html>'
    assert pdf_image_count(html_to_pdf(page.format(png.as_uri()))) == 0
    assert pdf_image_count(html_to_pdf(page.format("http://127.0.0.1:9/x.png"))) == 0
    data = "data:image/png;base64," + __import__("base64").b64encode(png.read_bytes()).decode()
    assert pdf_image_count(html_to_pdf(page.format(data))) >= 1  # the check can see an image


def test_without_the_pdf_engine_a_pdf_is_refused_with_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it could not be imported
    with pytest.raises(Misconfigured, match=r"libpango-1\.0-0") as refused:
        html_to_pdf("<html><p>报告</p></html>")
    assert refused.value.code == "documents.pdf_engine_missing" and refused.value.status == 500


def test_a_long_report_breaks_over_pages_with_page_numbers(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s, name="济南多页家政服务有限公司")
        for n in range(60):
            add_record(s, company.subject_id, "penalty", decided_on=date(2026, 1, 1 + n % 28))
        pdf = company_pdf(s, company.uscc)
    pages = pdf_pages(pdf)
    assert pages >= 3
    assert f"第 {pages} 页，共 {pages} 页" in pdf_text(pdf)


def test_phones_and_id_numbers_in_company_text_are_masked_in_the_document(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s, name="济南家政（电话13912345678）")
        record = add_record(s, company.subject_id, "penalty", decided_on=date(2026, 3, 1))
        record.content = "当事人 370102198001011234 未公示收费标准"
        s.flush()
        doc = documents.company_report(s, uscc=company.uscc, now=NOW, models=load_models(), base_url=BASE)
    for text in (doc.html, pdf_text(doc.render("pdf"))):
        assert not FULL_ID.search(text) and not MOBILE.search(text)
        assert "139****5678" in text and "3701**********1234" in text


def test_an_unknown_company_is_not_found(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, pytest.raises(NotFound):
        documents.company_report(s, uscc=make_uscc(random.Random(7), region_code="370102"), now=NOW,
                                 models=load_models(), base_url=BASE)


# --- the worker report ----------------------------------------------------------------------------


def test_the_worker_report_masks_the_name_without_consent_and_never_shows_id_or_phone(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        employer = add_company(s, name="济南巾帼家政服务有限公司")
        worker = add_worker(s, vault, employer=employer, name="王秀芳")
        worker.phone_cipher = vault.encrypt("13812345678")
        add_record(s, worker.subject_id, "health_check", decided_on=date(2026, 1, 5), valid_until=date(2027, 1, 4),
                   details={"result": "pass"})
        code = registry.subject_keys(s, [worker.subject_id])[worker.subject_id]
        number = vault.decrypt(worker.id_cipher)
        doc = documents.worker_report(s, worker_code=code, now=NOW, models=load_models(), base_url=BASE)
    text = pdf_text(doc.render("pdf"))
    assert "王*芳" in text and "王秀芳" not in text and "王秀芳" not in doc.html
    assert code in text and "济南巾帼家政服务有限公司" in text and "2027-01-04" in text
    assert f"{BASE}/w/{code}" in flat(text)
    for shown in (text, doc.html):
        assert number not in shown and "13812345678" not in shown and not FULL_ID.search(shown)
    assert all(f.embedded for f in pdf_fonts(doc.render("pdf")))


def test_the_worker_report_shows_the_full_name_with_public_card_consent(sessions: sessionmaker[Session],
                                                                       vault: Vault) -> None:
    with sessions() as s, s.begin():
        worker = add_worker(s, vault, name="王秀芳", consents=("collect", "public_card"))
        code = registry.subject_keys(s, [worker.subject_id])[worker.subject_id]
        doc = documents.worker_report(s, worker_code=code, now=NOW, models=load_models(), base_url=BASE)
    assert "王秀芳" in pdf_text(doc.render("pdf"))


def test_a_revoked_code_gives_the_current_report_or_says_it_is_revoked_when_none_is_active(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        worker = add_worker(s, vault, name="王秀芳", consents=("collect", "public_card"))
        old = registry.subject_keys(s, [worker.subject_id])[worker.subject_id]
        new = registry.reissue_worker_code(s, worker_id=worker.subject_id, now=NOW)
        current = documents.subject_report(s, key=old, vault=vault, now=NOW, models=load_models(), base_url=BASE)
        s.execute(update(WorkerCode).where(WorkerCode.code == new).values(status="revoked", revoked_at=NOW))
        revoked = documents.subject_report(s, key=old, vault=vault, now=NOW, models=load_models(), base_url=BASE)
        with pytest.raises(Invalid, match="没有有效的服务员码"):
            documents.subject_report(s, key=vault.decrypt(worker.id_cipher), vault=vault, now=NOW,
                                     models=load_models(), base_url=BASE)
    assert current[:2] == ("worker", new) and "王秀芳" in current[2].html
    text = pdf_text(revoked[2].render("pdf"))
    assert revoked[:2] == ("worker", old)
    assert "作废" in text and "王秀芳" not in text and "王*芳" not in text


def test_the_report_key_may_be_an_id_number_and_the_document_names_the_card_code(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        worker = add_worker(s, vault)
        number = vault.decrypt(worker.id_cipher)
        code = registry.subject_keys(s, [worker.subject_id])[worker.subject_id]
        kind, key, doc = documents.subject_report(s, key=number, vault=vault, now=NOW, models=load_models(),
                                                  base_url=BASE)
    assert (kind, key) == ("worker", code) and number not in doc.html and code in doc.html


def test_a_document_has_an_ascii_and_a_chinese_file_name(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s, name="济南家政")
        doc = documents.company_report(s, uscc=company.uscc, now=NOW, models=load_models(), base_url=BASE)
    header = doc.content_disposition("pdf")
    assert header.startswith(f'attachment; filename="credit-report-{company.uscc}.pdf"; filename*=UTF-8\'\'')
    assert "%E6%B5%8E%E5%8D%97" in header  # 济南, percent-encoded (RFC 5987)
    header.encode("latin-1")  # a header value must be
    with pytest.raises(Invalid):
        doc.render("docx")


def test_a_file_name_keeps_no_path_or_markup_characters_and_no_long_name() -> None:
    assert documents.file_name_part('<b>"济南"</b>家政') == "_b_济南_b_家政"
    assert documents.file_name_part("../../etc/passwd\\x\n y") == ".._.._etc_passwd_x_ y"
    assert documents.file_name_part("长" * 100) == "长" * 40 and documents.file_name_part("///") == "_"


# --- the repair certificate -------------------------------------------------------------------------


def approved_repair(s: Session, subject_id: int, *, evidence: str = "罚款已缴清") -> tuple[int, str]:
    record = add_record(s, subject_id, "penalty", decided_on=date(2026, 1, 10))
    rules = repair_rules()
    application = repair_service.apply(s, subject_id=subject_id, record_id=record.id, entry_id=None, commitment=True,
                                       evidence=evidence, training=True, by="申请人", now=NOW, rules=rules)
    out = repair_service.decide(s, repair_id=application.id, by="李监管", now=NOW, rules=rules)
    assert out["status"] == "approved", out
    return application.id, str(out["certificate_number"])


def test_the_certificate_pdf_shows_its_number_subject_and_records(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s, name="济南诚信家政服务有限公司")
        repair_id, number = approved_repair(s, company.subject_id, evidence=f"已缴清，联系 13912345678 {HOSTILE}")
        doc = documents.repair_certificate(s, repair_id=repair_id, now=NOW)
    assert re.fullmatch(r"XYXF-2026-\d{6}", number)
    pdf = doc.render("pdf")
    text = pdf_text(pdf)
    assert number in text and "信用修复证书" in text and "济南诚信家政服务有限公司" in text and company.uscc in text
    assert "行政处罚" in text and "符合信用修复条件" in text
    assert "139****5678" in text and "13912345678" not in text and HOSTILE in text
    assert "<script>" not in doc.html
    assert all(f.embedded for f in pdf_fonts(pdf))
    assert doc.content_disposition("pdf").startswith(f'attachment; filename="repair-certificate-{number}.pdf"')


def test_an_application_not_approved_has_no_certificate(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = add_record(s, company.subject_id, "penalty", decided_on=date(2026, 1, 10))
        application = repair_service.apply(s, subject_id=company.subject_id, record_id=record.id, entry_id=None,
                                           commitment=True, evidence="已缴清", training=True, by="申请人", now=NOW,
                                           rules=repair_rules())
        with pytest.raises(Conflict, match="尚未批准"):
            documents.repair_certificate(s, repair_id=application.id, now=NOW)
        too_soon = add_record(s, company.subject_id, "penalty", decided_on=date(2026, 6, 1))
        rejected = repair_service.apply(s, subject_id=company.subject_id, record_id=too_soon.id, entry_id=None,
                                        commitment=True, evidence="已缴清", training=True, by="申请人", now=NOW,
                                        rules=repair_rules())
        assert repair_service.decide(s, repair_id=rejected.id, by="李监管", now=NOW,
                                     rules=repair_rules())["status"] == "rejected"
        with pytest.raises(Conflict, match="已被驳回"):
            documents.repair_certificate(s, repair_id=rejected.id, now=NOW)
        with pytest.raises(NotFound):
            documents.repair_certificate(s, repair_id=application.id + 1000, now=NOW)
