"""Spec §5.4's key flow "company page → PDF" in Debian's Chromium on a phone, over ``make run``'s demo on each
engine: the company's page ``/c/{uscc}``, a tap on its PDF link, and the file the browser saved holds the
company's name as text (pdftotext) in embedded fonts — also for a company whose name is markup."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.pdftools import flat, pdf_fonts, pdf_text
from tests.web.conftest import LiveServer

from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.registry.models import Company

HOSTILE_NAME = '<img src=x onerror="document.title=\'pwned\'">济南测试家政'


@dataclass(frozen=True)
class Companies:
    uscc: str
    name: str
    hostile_uscc: str


@pytest.fixture(scope="module")
def companies(live_server: LiveServer) -> Companies:
    engine = make_engine(live_server.database_url)
    try:
        with make_sessionmaker(engine)() as s, s.begin():
            first, last = (s.scalars(select(Company).order_by(order).limit(1)).one()
                           for order in (Company.subject_id, Company.subject_id.desc()))
            last.name = HOSTILE_NAME
            return Companies(first.uscc, first.name, last.uscc)
    finally:
        engine.dispose()


def download_pdf(page: Any, live_server: LiveServer, uscc: str, tmp_path: Path) -> bytes:
    """Open the company's page and tap its PDF link, as a person would; the bytes the browser saved."""
    response = page.goto(live_server.url(f"/c/{uscc}"))
    assert response is not None and response.status == 200
    link = page.get_by_role("link", name="PDF")
    assert link.count() == 1, "the company page has one PDF download link"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    # the Chinese name of Content-Disposition's filename*, as the browser prefers it
    assert download.suggested_filename.startswith("信用报告-") and download.suggested_filename.endswith(f"-{uscc}.pdf")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    return saved.read_bytes()


def test_company_page_to_pdf_download_holds_the_company_name(live_server: LiveServer, page: Any,
                                                             companies: Companies, tmp_path: Path) -> None:
    pdf = download_pdf(page, live_server, companies.uscc, tmp_path)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert companies.name in text and companies.uscc in text and "家政企业信用报告" in text
    assert all(f.embedded for f in pdf_fonts(pdf))


def test_a_name_that_is_markup_stays_text_on_the_page_and_in_the_pdf(live_server: LiveServer, page: Any,
                                                                     companies: Companies, tmp_path: Path) -> None:
    pdf = download_pdf(page, live_server, companies.hostile_uscc, tmp_path)
    assert page.title() != "pwned" and page.locator("img[src=x]").count() == 0
    assert HOSTILE_NAME in page.inner_text("body")
    assert flat(HOSTILE_NAME) in flat(pdf_text(pdf))  # the name may wrap over two lines of the heading
