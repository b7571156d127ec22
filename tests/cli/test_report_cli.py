"""``report KEY --format (pdf | html) -o FILE`` and ``repairs certificate ID -o FILE`` on both engines."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import Invoke, app_with, json_ok, one_line_error
from tests.factories import add_company, add_record, add_worker
from tests.pdftools import pdf_fonts, pdf_text
from tests.repair.helpers import at

from jzcredit.cli import repairs as repairs_cmd
from jzcredit.cli import report as report_cmd
from jzcredit.cli.main import app as main_app
from jzcredit.common.crypto import Vault
from jzcredit.common.ids import make_uscc
from jzcredit.registry import service as registry
from jzcredit.repair import service as repair_service
from jzcredit.repair.rules import repair_rules

AS_OF = "2026-06-30"
APP = app_with(report_cmd.register, repairs_cmd.register)


@pytest.fixture
def world(sessions: sessionmaker[Session], vault: Vault) -> dict[str, str]:
    with sessions() as s, s.begin():
        company = add_company(s, name="济南泉城家政服务有限公司")
        add_record(s, company.subject_id, "penalty", decided_on=date(2026, 3, 1))
        worker = add_worker(s, vault, employer=company, name="赵春兰")
        return {"uscc": company.uscc, "code": registry.subject_keys(s, [worker.subject_id])[worker.subject_id],
                "id_number": vault.decrypt(worker.id_cipher)}


def test_report_is_registered_on_the_main_command() -> None:
    import typer.main

    assert "report" in typer.main.get_command(main_app).commands  # type: ignore[attr-defined]


def test_a_company_report_as_pdf(invoke: Invoke, world: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    data = json_ok(invoke, APP, AS_OF, "report", world["uscc"], "--format", "pdf", "-o", str(out))
    assert (data["kind"], data["subject_key"], data["format"], data["bytes"]) == (
        "company", world["uscc"], "pdf", out.stat().st_size)
    text = pdf_text(out.read_bytes())
    assert "济南泉城家政服务有限公司" in text and "信息截至 2026-06-30" in text
    assert all(f.embedded for f in pdf_fonts(out.read_bytes()))
    assert not list(tmp_path.glob("*.partial"))


def test_a_worker_report_as_html_by_id_number_never_echoes_the_number(invoke: Invoke, world: dict[str, str],
                                                                      tmp_path: Path) -> None:
    out = tmp_path / "worker.html"
    result = invoke(APP, ["--as-of", AS_OF, "report", world["id_number"], "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert world["id_number"] not in result.output
    data = json.loads(result.stdout)
    assert (data["kind"], data["subject_key"]) == ("worker", world["code"])
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<style>" in html and 'href="/static' not in html  # self-contained
    assert "赵*兰" in html and "赵春兰" not in html and world["id_number"] not in html


def test_the_format_follows_the_suffix_when_not_given(invoke: Invoke, world: dict[str, str], tmp_path: Path) -> None:
    json_ok(invoke, APP, AS_OF, "report", world["code"], "-o", str(tmp_path / "w.pdf"))
    assert (tmp_path / "w.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(("args", "words"), [
    (["--format", "docx"], "格式 docx 无效"),
    ([], "请用 --format 指定 pdf 或 html"),
])
def test_a_bad_format_is_a_one_line_error(invoke: Invoke, world: dict[str, str], tmp_path: Path, args: list[str],
                                          words: str) -> None:
    result = invoke(APP, ["--as-of", AS_OF, "report", world["uscc"], *args, "-o", str(tmp_path / "r.txt")])
    one_line_error(result, words)
    assert not (tmp_path / "r.txt").exists()


def test_an_unknown_key_or_a_missing_folder_is_a_one_line_error(invoke: Invoke, world: dict[str, str],
                                                                tmp_path: Path) -> None:
    unknown = make_uscc(random.Random(7), region_code="370102")
    one_line_error(invoke(APP, ["report", unknown, "-o", str(tmp_path / "r.pdf")]), "没有统一社会信用代码")
    one_line_error(invoke(APP, ["report", "not-a-key", "-o", str(tmp_path / "r.pdf")]), "无法识别的主体标识")
    one_line_error(invoke(APP, ["report", world["uscc"], "-o", str(tmp_path / "no" / "r.pdf")]), "不存在")


# --- repairs certificate -------------------------------------------------------------------------------


def test_repairs_certificate_writes_the_pdf_of_an_approved_application(
        invoke: Invoke, sessions: sessionmaker[Session], world: dict[str, str], tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        subject_id = registry.resolve_subject_key(s, vault=Vault(b"unused"), key=world["uscc"])
        record = add_record(s, subject_id, "penalty", decided_on=date(2026, 1, 10))
        rules = repair_rules()
        application = repair_service.apply(s, subject_id=subject_id, record_id=record.id, entry_id=None,
                                           commitment=True, evidence="罚款已缴清", training=True, by="申请人",
                                           now=at(date(2026, 6, 30)), rules=rules)
        number = repair_service.decide(s, repair_id=application.id, by="李监管", now=at(date(2026, 6, 30)),
                                       rules=rules)["certificate_number"]
    out = tmp_path / "cert.pdf"
    data = json_ok(invoke, APP, AS_OF, "repairs", "certificate", str(application.id), "-o", str(out))
    assert data["title"] == f"信用修复证书 {number}"
    text = pdf_text(out.read_bytes())
    assert str(number) in text and "济南泉城家政服务有限公司" in text and "信用修复证书" in text


def test_repairs_certificate_of_a_pending_application_says_it_is_not_approved(
        invoke: Invoke, sessions: sessionmaker[Session], world: dict[str, str], tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        subject_id = registry.resolve_subject_key(s, vault=Vault(b"unused"), key=world["uscc"])
        record = add_record(s, subject_id, "penalty", decided_on=date(2026, 1, 10))
        application = repair_service.apply(s, subject_id=subject_id, record_id=record.id, entry_id=None,
                                           commitment=True, evidence="罚款已缴清", training=True, by="申请人",
                                           now=at(date(2026, 6, 30)), rules=repair_rules())
    one_line_error(invoke(APP, ["repairs", "certificate", str(application.id), "-o", str(tmp_path / "c.pdf")]),
                   "尚未批准")
    assert not (tmp_path / "c.pdf").exists()
