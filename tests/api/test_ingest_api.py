"""POST /api/v1/ingest/{kind} and GET /api/v1/batches/{id}: summaries, provider record types, own batches."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.api.regulator_helpers import (  # noqa: F401  (fixtures)
    World,
    client_fixture,
    csv_bytes,
    penalty_file,
    training_file,
    world_fixture,
)

from jzcredit.common.audit import AuditEntry
from jzcredit.evaluation.models import EvaluationHead
from jzcredit.ingest import declared
from jzcredit.ingest import router as ingest_router
from jzcredit.ingest.models import Batch
from jzcredit.records.models import TYPES, CreditRecord

FULL_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")


def _post(client: TestClient, world: World, who: str, kind: str, content: bytes, *, name: str = "data.csv",
          source: str = "济南市市场监督管理局", **form: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.post(f"/api/v1/ingest/{kind}", headers=world.who[who].headers,
                           files={"file": (name, content, "text/csv")}, data={"source": source, **form})
    return response.status_code, response.json()


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Batch)) or 0, \
            s.scalar(select(func.count()).select_from(CreditRecord)) or 0


def test_regulator_submits_a_file_and_gets_the_batch_summary_and_a_fresh_grade(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    status, body = _post(client, world, "regulator_city", "penalties", penalty_file(world.keys["A"]))
    assert status == 201
    assert {k: body[k] for k in ("total", "accepted", "duplicates", "quarantined")} == {
        "total": 1, "accepted": 1, "duplicates": 0, "quarantined": 0}
    assert body["kind"] == "penalties" and body["status"] == "completed" and body["evaluation"]["evaluated"] >= 1
    with sessions() as s:
        batch = s.get_one(Batch, body["batch_id"])
        assert batch.actor == world.who["regulator_city"].actor and batch.filename == "data.csv"
        record = s.scalars(select(CreditRecord).where(CreditRecord.batch_id == batch.id)).one()
        assert record.subject_id == world.ids["A"] and record.type == "penalty"
        assert s.get(EvaluationHead, world.ids["A"]) is not None  # re-graded, as `jzcredit ingest` does
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "ingest.batch")).one()
        assert audited.actor == world.who["regulator_city"].actor
    again_status, again = _post(client, world, "regulator_city", "penalties", penalty_file(world.keys["A"]))
    assert again_status == 201 and again["batch_id"] != body["batch_id"]
    assert (again["accepted"], again["duplicates"]) == (0, 1)


def test_a_provider_submits_its_record_types_only_and_nothing_is_written_otherwise(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    before = _counts(sessions)
    for kind, content in (("trainings", training_file(world.id_numbers["W1"])),
                          ("companies", csv_bytes(["统一社会信用代码", "企业名称"], [[world.keys["A"], "甲"]]))):
        status, body = _post(client, world, "provider_penalty", kind, content)
        assert status == 403 and body["code"] == "auth.record_type", kind
        assert "penalty" in body["detail"]
    assert _counts(sessions) == before
    status, body = _post(client, world, "provider_penalty", "penalties", penalty_file(world.keys["B"]))
    assert status == 201 and body["accepted"] == 1
    status, body = _post(client, world, "provider_any", "trainings", training_file(world.id_numbers["W1"]))
    assert status == 201 and body["accepted"] == 1


def test_every_kind_that_writes_records_names_its_record_type() -> None:
    for kind in declared.known_kinds():
        if declared.keeps_unmapped(kind):  # its parser returns credit records
            assert ingest_router.RECORD_TYPE_OF_KIND.get(kind) in TYPES, kind
    assert set(ingest_router.RECORD_TYPE_OF_KIND) <= set(declared.known_kinds())


def test_a_provider_sees_its_own_batches_only_and_others_read_like_unknown(
    client: TestClient, world: World
) -> None:
    own, other = world.batches["provider_penalty"], world.batches["cli"]
    assert client.get(f"/api/v1/batches/{own}", headers=world.who["provider_penalty"].headers).status_code == 200
    hidden = client.get(f"/api/v1/batches/{other}", headers=world.who["provider_penalty"].headers)
    unknown = client.get("/api/v1/batches/999999", headers=world.who["provider_penalty"].headers)
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["code"] == unknown.json()["code"] == "batch.not_found"
    assert hidden.json()["title"] == unknown.json()["title"]
    assert client.get(f"/api/v1/batches/{own}", headers=world.who["provider_any"].headers).status_code == 404
    for who in ("admin", "regulator_other"):
        assert client.get(f"/api/v1/batches/{other}", headers=world.who[who].headers).status_code == 200


def test_quarantined_rows_come_back_masked_and_paginated(client: TestClient, world: World) -> None:
    number = world.id_numbers["W1"]
    rows = [[number, "李小芳", "母婴护理", "40", "not a date", f"PX-{i}"] for i in range(3)]
    content = csv_bytes(["身份证号码", "姓名", "培训课程", "培训学时", "结业日期", "培训证书编号"], rows)
    status, body = _post(client, world, "admin", "trainings", content)
    assert status == 201 and body["quarantined"] == 3 and body["accepted"] == 0
    response = client.get(f"/api/v1/batches/{body['batch_id']}", params={"page": 2, "size": 2},
                          headers=world.who["admin"].headers)
    assert response.status_code == 200
    report = response.json()
    assert report["quarantined"] == 3 and [q["row"] for q in report["quarantined_rows"]] == [3]
    assert report["quarantined_rows_page"] == 2 and report["quarantined_rows_size"] == 2
    assert number not in response.text and not FULL_ID.search(response.text)
    assert report["quarantined_rows"][0]["reason"]


@pytest.mark.parametrize(("kind", "content", "form", "code"), [
    ("nonsense", b"a,b\n1,2\n", {}, "ingest.unknown_kind"),
    ("penalties", "名称,日期\n甲,2026-01-01\n".encode(), {}, "ingest.missing_column"),
    ("penalties", "统一社会信用代码,处罚决定日期\n".encode(), {}, "ingest.no_rows"),
    ("penalties", b"", {}, "ingest.empty_file"),
    ("penalties", b"x", {"profile": "court-dishonest"}, "ingest.profile_kind"),
    ("penalties", b"x", {"profile": "no-such-profile"}, "ingest.unknown_profile"),
])
def test_files_refused_as_a_whole_are_422_with_one_line_and_write_nothing(
    client: TestClient, world: World, sessions: sessionmaker[Session], kind: str, content: bytes,
    form: dict[str, str], code: str
) -> None:
    before = _counts(sessions)
    status, body = _post(client, world, "admin", kind, content, **form)
    assert status == 422 and body["code"] == code, body
    assert "\n" not in body["detail"] and "Traceback" not in body["detail"]
    assert _counts(sessions) == before


def test_missing_parts_and_oversized_files_are_refused(
    client: TestClient, world: World, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = world.who["admin"].headers
    no_file = client.post("/api/v1/ingest/penalties", headers=headers, data={"source": "x"})
    assert no_file.status_code == 422 and "file" in no_file.json()["detail"]
    no_source = client.post("/api/v1/ingest/penalties", headers=headers,
                            files={"file": ("a.csv", penalty_file(world.keys["A"]), "text/csv")})
    assert no_source.status_code == 422 and "source" in no_source.json()["detail"]
    monkeypatch.setattr(ingest_router, "MAX_UPLOAD_BYTES", 64)
    status, body = _post(client, world, "admin", "penalties", penalty_file(world.keys["A"]) * 3)
    assert status == 413 and body["code"] == "ingest.too_large"
    assert _counts(sessions)[0] == 2  # only the world's two batches


def test_the_client_file_name_cannot_escape_the_upload_folder(client: TestClient, world: World,
                                                              sessions: sessionmaker[Session]) -> None:
    status, body = _post(client, world, "admin", "penalties", penalty_file(world.keys["A"]),
                         name="../../etc/处罚 名单.csv")
    assert status == 201
    with sessions() as s:
        assert s.get_one(Batch, body["batch_id"]).filename == "处罚_名单.csv"
