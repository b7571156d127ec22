"""/admin/ingest and the batch pages over HTTP (both engines): upload → background run → progress → the batch
report; a wrong or unreadable file refused in Chinese with nothing written; a quarantined row corrected in
the form and resubmitted; the API's policy (a provider: its record types and its own batches only)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import PENALTY_HEADER, add_company, write_csv
from tests.web.signin import csrf_of, sign_in

from jzcredit.api.app import create_app
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.ingest.jobs import IngestJobs
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.users.service import add_user

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
USCC = "91370103WA000LH0YM"
PHONE = "13912345678"


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    sessions: sessionmaker[Session]


@pytest.fixture
def world(settings: Settings, sessions: sessionmaker[Session], vault: Vault) -> Iterator[World]:
    tokens = {}
    with sessions() as s, s.begin():
        company = add_company(s, uscc_code=USCC, region_code="370103")
        for name, role, extra in (("regulator", "regulator", {"region_code": "370100"}), ("admin", "admin", {}),
                                  ("provider", "provider", {"record_types": ["penalty"]}),
                                  ("provider2", "provider", {"record_types": ["penalty"]}),
                                  ("company", "company", {"subject_id": company.subject_id})):
            _user, tokens[name] = add_user(s, vault=vault, role=role, name=f"测试{name}", now=NOW,
                                           **extra)  # type: ignore[arg-type]
    with TestClient(create_app(settings)) as client:
        yield World(client, tokens, sessions)


def penalty(doc: str, decided_on: str, content: str = "罚款") -> list[str]:
    return [USCC, "公司", doc, decided_on, "罚款", content, "1", "局", ""]


def penalty_file(tmp_path: Path) -> bytes:
    rows = [penalty("罚1号", "2025-03-01"), penalty("罚2号", "2025-03-02"), penalty("罚1号", "2025-03-01"),
            penalty("罚3号", "2025-02-30", f"联系 {PHONE}")]
    return write_csv(tmp_path / "p.csv", PENALTY_HEADER, rows).read_bytes()


def upload(client: TestClient, name: str, data: bytes, *, kind: str = "penalties") -> Any:
    csrf = csrf_of(client.get("/admin/ingest").text)
    return client.post("/admin/ingest", data={"csrf_token": csrf, "kind": kind, "source": "市场监管局", "profile": ""},
                       files={"file": (name, data, "application/octet-stream")}, headers={"Accept": "application/json"})


def finished(client: TestClient, answer: Any) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    jobs: IngestJobs = client.app.state.ingest_jobs  # type: ignore[attr-defined]
    jobs.wait(answer.json()["job_id"], timeout=60)
    progress = client.get(answer.json()["progress_url"])
    assert progress.status_code == 200
    body: dict[str, Any] = progress.json()
    return body


def batches(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Batch)) or 0


def test_upload_runs_in_the_background_and_ends_with_the_batch_report(world: World, tmp_path: Path) -> None:
    sign_in(world.client, world.tokens["regulator"])
    page = world.client.get("/admin/ingest")
    assert page.status_code == 200 and "upload-progress" in page.text and "/static/upload.js" in page.text
    job = finished(world.client, upload(world.client, "处罚.csv", penalty_file(tmp_path)))
    assert (job["phase"], job["percent"], job["filename"]) == ("done", 100, "处罚.csv")
    report = job["report"]
    assert {k: report[k] for k in ("total", "accepted", "duplicates", "quarantined")} == {
        "total": 4, "accepted": 2, "duplicates": 1, "quarantined": 1}
    assert report["reasons"] == [{"reason": "invalid_date", "label": "日期不存在", "count": 1}]
    html = world.client.get(job["report_url"]).text
    assert "读取行数" in html and "日期不存在（invalid_date）：1 行" in html
    listing = world.client.get(job["quarantine_url"]).text
    assert "第 4 行" in listing and "139****5678" in listing and PHONE not in listing
    assert world.client.get(f"/admin/ingest/jobs/{job['job_id']}").status_code == 200
    sign_in(world.client, world.tokens["admin"])
    assert world.client.get(f"/admin/ingest/jobs/{job['job_id']}").status_code == 404, "a job is its uploader's"


@pytest.mark.parametrize(("name", "data", "words"), [
    ("scan.pdf", b"%PDF-1.4 ...", "不支持的文件类型 .pdf"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版 Excel"),
    ("empty.csv", b"", "空的"),
    ("list.json", b'{"a": [1, 2', "不是有效的 JSON"),
])
def test_a_wrong_file_type_is_refused_in_chinese_and_nothing_is_written(
        world: World, name: str, data: bytes, words: str) -> None:
    sign_in(world.client, world.tokens["regulator"])
    answer = upload(world.client, name, b"[" + data if name.endswith(".json") else data)
    assert answer.status_code == 422, answer.text
    assert words in answer.json()["detail"] and "没有导入任何内容" in answer.json()["detail"]
    assert batches(world.sessions) == 0


def test_an_unreadable_file_is_refused_by_the_run_with_nothing_written(world: World) -> None:
    sign_in(world.client, world.tokens["regulator"])
    job = finished(world.client, upload(world.client, "p.csv", ",".join(PENALTY_HEADER).encode("utf-16")))
    assert job["phase"] == "refused" and "编码无法识别" in job["message"] and job["batch_id"] is None
    job = finished(world.client, upload(world.client, "p.csv", "甲,乙\n1,2\n".encode()))
    assert job["phase"] == "refused" and "缺少必需列" in job["message"]
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("readme.txt", "不是表格")
    job = finished(world.client, upload(world.client, "p.xlsx", not_a_workbook.getvalue()))
    assert job["phase"] == "refused" and "文件无法读取" in job["message"] and "没有导入任何内容" in job["message"]
    assert batches(world.sessions) == 0


def test_a_json_array_is_taken_row_by_row(world: World) -> None:
    sign_in(world.client, world.tokens["regulator"])
    data = json.dumps([{"uscc": USCC, "year": 2024, "rating": "A"}, {"uscc": "x", "year": 2024, "rating": "A"}])
    job = finished(world.client, upload(world.client, "tax.json", data.encode(), kind="tax_ratings"))
    assert (job["report"]["total"], job["report"]["accepted"], job["report"]["quarantined"]) == (2, 1, 1)


def test_a_quarantined_row_is_corrected_in_the_form_and_accepted(world: World, tmp_path: Path) -> None:
    sign_in(world.client, world.tokens["regulator"])
    batch_id = finished(world.client, upload(world.client, "p.csv", penalty_file(tmp_path)))["batch_id"]
    form_url = f"/admin/batches/{batch_id}/quarantine/4"
    form = world.client.get(form_url)
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    assert 'value="2025-02-30"' in form.text and "field-error" in form.text and PHONE in form.text
    fields = dict(re.findall(r'<label for="(v\d+)">([^<\s]+)', form.text))
    values = {f"v{i}": v for i, v in enumerate(penalty("罚3号", "2025-02-28", f"联系 {PHONE}"))}
    date_field = next(k for k, name in fields.items() if name == "decided_on")
    code_field = next(k for k, name in fields.items() if name == "subject_code")
    empty = world.client.post(form_url, data=values | {code_field: " ", "csrf_token": csrf_of(form.text)})
    assert empty.status_code == 422 and f'<p class="field-error" id="{code_field}-error">必填项为空' in empty.text
    assert batches(world.sessions) == 1, "an empty required cell is caught by the form: no batch written"
    # still wrong first: quarantined again in the correction batch, the new reason by its field
    wrong = world.client.post(form_url, data=values | {date_field: "2025-13-01", "csrf_token": csrf_of(form.text)},
                              follow_redirects=False)
    assert wrong.status_code == 303 and wrong.headers["location"].endswith("/quarantine/1?again=true")
    again = world.client.get(wrong.headers["location"])
    assert "仍未通过检查" in again.text and 'aria-invalid="true"' in again.text
    right = world.client.post(wrong.headers["location"].split("?")[0],
                              data=values | {"csrf_token": csrf_of(again.text)}, follow_redirects=False)
    assert right.status_code == 303 and "result=accepted" in right.headers["location"]
    assert "已更正并接收" in world.client.get(right.headers["location"]).text
    with world.sessions() as s:
        rows = {(q.batch_id, q.row_number): q.status for q in s.scalars(select(QuarantinedRow))}
        assert rows == {(batch_id, 4): "resubmitted", (batch_id + 1, 1): "resubmitted"}
        counts = [(b.total, b.accepted, b.duplicates, b.quarantined)
                  for b in s.scalars(select(Batch).order_by(Batch.id))]
        assert counts == [(4, 2, 1, 1), (1, 0, 0, 1), (1, 1, 0, 0)], "each batch's rows add up; none rewritten"
    twice = world.client.post(form_url, data=values | {"csrf_token": csrf_of(again.text)})
    assert twice.status_code == 409 and "不能重复提交" in twice.text


def test_the_pages_follow_the_apis_policy(world: World, tmp_path: Path) -> None:
    client = world.client
    assert client.get("/admin/ingest", follow_redirects=False).status_code == 303, "signed out: to the login"
    sign_in(client, world.tokens["provider"])
    batch_id = finished(client, upload(client, "p.csv", penalty_file(tmp_path)))["batch_id"]
    refused = upload(client, "t.csv", b"uscc,year,rating\n", kind="tax_ratings")
    assert refused.status_code == 403 and "您只能报送" in refused.json()["detail"]
    assert client.get(f"/admin/batches/{batch_id}/quarantine").status_code == 200
    sign_in(client, world.tokens["provider2"])
    for path in (f"/admin/batches/{batch_id}", f"/admin/batches/{batch_id}/quarantine",
                 f"/admin/batches/{batch_id}/quarantine/4"):
        other, unknown = client.get(path), client.get(path.replace(str(batch_id), "999", 1))
        assert other.status_code == unknown.status_code == 404, path
    sign_in(client, world.tokens["company"])
    assert client.get("/admin/ingest").status_code == 403
    sign_in(client, world.tokens["regulator"])
    form = client.get(f"/admin/batches/{batch_id}/quarantine/4")
    no_csrf = client.post(f"/admin/batches/{batch_id}/quarantine/4", data={"v0": USCC})
    assert form.status_code == 200 and no_csrf.status_code == 403
    with world.sessions() as s:
        assert s.scalars(select(QuarantinedRow.status)).all() == ["open"]


def upload_with_profile(client: TestClient, name: str, data: bytes, profile: str, kind: str) -> Any:
    csrf = csrf_of(client.get("/admin/ingest").text)
    return client.post("/admin/ingest", data={"csrf_token": csrf, "kind": kind, "source": "济南市商务局",
                                              "profile": profile},
                       files={"file": (name, data, "text/csv")}, headers={"Accept": "application/json"})


def test_the_shuanggongshi_sample_loads_and_its_ambiguous_date_is_corrected_in_the_form(
        world: World, shared_data: Path) -> None:
    """The shared GB18030 sample through the page: 14 accepted, 1 duplicate, 3 quarantined (README), then the
    ambiguous 05/06/2025 corrected under its real header 处罚决定日期."""
    client = world.client
    sign_in(client, world.tokens["regulator"])
    data = (shared_data / "penalties-shuanggongshi.gb18030.csv").read_bytes()
    job = finished(client, upload_with_profile(client, "penalties-shuanggongshi.gb18030.csv", data,
                                               "penalty-shuanggongshi", "penalties"))
    report = job["report"]
    assert (report["total"], report["accepted"], report["duplicates"], report["quarantined"]) == (18, 14, 1, 3)
    assert {r["reason"] for r in report["reasons"]} == {"invalid_uscc", "ambiguous_date", "invalid_date"}
    with world.sessions() as s:
        row = s.scalars(select(QuarantinedRow.row_number).where(QuarantinedRow.batch_id == job["batch_id"],
                                                                QuarantinedRow.reason == "ambiguous_date")).one()
    form = client.get(f"/admin/batches/{job['batch_id']}/quarantine/{row}")
    labels = dict(re.findall(r'<label for="(v\d+)">([^<\s]+)', form.text))
    values = dict(re.findall(r'<input id="(v\d+)" name="v\d+" type="text" value="([^"]*)"', form.text))
    date_field = next(k for k, name in labels.items() if name == "处罚决定日期")
    assert values[date_field] == "05/06/2025" and f'aria-describedby="{date_field}-error"' in form.text
    done = client.post(f"/admin/batches/{job['batch_id']}/quarantine/{row}",
                       data=values | {date_field: "2025-06-05", "csrf_token": csrf_of(form.text)},
                       follow_redirects=False)
    assert done.status_code == 303 and "result=accepted" in done.headers["location"]


def test_an_xlsx_upload_counts_rows_to_100_percent(world: World) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(PENALTY_HEADER)
    for row in (penalty("表1号", "2025-03-01"), penalty("表2号", "2025-02-30")):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    sign_in(world.client, world.tokens["regulator"])
    job = finished(world.client, upload(world.client, "处罚.xlsx", buffer.getvalue()))
    assert (job["phase"], job["percent"], job["unit"], job["total"]) == ("done", 100, "rows", 2)
    assert (job["report"]["accepted"], job["report"]["quarantined"]) == (1, 1)


def test_a_file_over_the_limit_is_the_apis_413_with_nothing_written(world: World, monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setattr("jzcredit.web.admin_ingest.MAX_UPLOAD_BYTES", 100)
    sign_in(world.client, world.tokens["regulator"])
    answer = upload(world.client, "p.csv", penalty_file(tmp_path))
    assert answer.status_code == 413 and "请拆分后分批上传" in answer.json()["detail"]
    assert batches(world.sessions) == 0


def test_a_regulator_reads_and_corrects_any_batch_as_the_api_lets_it(world: World, tmp_path: Path) -> None:
    """Like ``POST /api/v1/ingest`` and ``GET /batches/{id}``: a batch is not a subject, regulators are not
    limited by region (decisions.md); only a provider is held to its own batches."""
    sign_in(world.client, world.tokens["admin"])
    batch_id = finished(world.client, upload(world.client, "p.csv", penalty_file(tmp_path)))["batch_id"]
    sign_in(world.client, world.tokens["regulator"])
    assert world.client.get(f"/admin/batches/{batch_id}/quarantine/4").status_code == 200
