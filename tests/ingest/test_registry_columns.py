"""Registry files change only what they say: a column the file does not have changes nothing, and an empty cell
changes nothing either — except in yes/no and level columns, where empty is a value (``no``, ``none``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import write_csv

from jzcredit.common.crypto import Vault
from jzcredit.ingest import service as ingest
from jzcredit.ingest.models import Batch
from jzcredit.registry import service as registry
from jzcredit.registry.models import Company, Region, Worker
from jzcredit.rules import ingest_rules

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)
WORKER_ID = "370102199006286365"
USCC = "91370103WA000LH0YM"
ALL_CONSENTS = {"collect", "public_card", "employer", "bank_aggregate"}



def run(sessions: sessionmaker[Session], vault: Vault, path: Path, kind: str) -> Batch:
    return ingest.ingest_file(sessions, vault, path=path, kind=kind, source="济南市商务局", profile=None, actor="t",
                              now=NOW, rules=ingest_rules())


def worker(sessions: sessionmaker[Session]) -> tuple[set[str], list[str], bool]:
    with sessions() as s:
        w = s.scalars(select(Worker)).one()
        return registry.current_consents(s, [w.subject_id])[w.subject_id], w.categories, w.registered_poor


def test_a_workers_file_without_consent_columns_changes_no_consent(sessions: sessionmaker[Session], vault: Vault,
                                                                   tmp_path: Path) -> None:
    full = write_csv(tmp_path / "w1.csv", ["身份证号码", "姓名", "服务类别", "同意归集", "授权公开", "同意雇主查看",
                                           "同意银行汇总", "建档立卡"],
                     [[WORKER_ID, "康梅", "保洁", "是", "是", "是", "是", "是"]])
    assert run(sessions, vault, full, "workers").accepted == 1
    assert worker(sessions) == (ALL_CONSENTS, ["cleaning"], True)

    names_only = write_csv(tmp_path / "w2.csv", ["身份证号码", "姓名"], [[WORKER_ID, "康梅"]])
    batch = run(sessions, vault, names_only, "workers")
    assert (batch.accepted, batch.duplicates) == (0, 1), "nothing in the file differs from what is stored"
    assert worker(sessions) == (ALL_CONSENTS, ["cleaning"], True)

    one = write_csv(tmp_path / "w3.csv", ["id_number", "name", "consent_employer", "categories"],
                    [[WORKER_ID, "康梅", "否", ""]])
    assert run(sessions, vault, one, "workers").accepted == 1
    assert worker(sessions) == (ALL_CONSENTS - {"employer"}, ["cleaning"], True)

    # in a column the file has, an empty yes/no cell is "no": a consent must be stated
    empty = write_csv(tmp_path / "w4.csv", ["id_number", "name", "consent_collect", "registered_poor"],
                      [[WORKER_ID, "康梅", "", ""]])
    assert run(sessions, vault, empty, "workers").accepted == 1
    assert worker(sessions) == ({"public_card", "bank_aggregate"}, ["cleaning"], False)


def test_a_new_worker_without_those_columns_has_no_consent_and_no_flag(sessions: sessionmaker[Session],
                                                                       vault: Vault, tmp_path: Path) -> None:
    names_only = write_csv(tmp_path / "w.csv", ["身份证号码", "姓名"], [[WORKER_ID, "康梅"]])
    assert run(sessions, vault, names_only, "workers").accepted == 1
    assert worker(sessions) == (set(), [], False)


COMPANY = ["uscc", "name", "legal_representative", "address", "region_code", "established_on", "categories",
           "employment_model", "onboarded_on"]


def company(sessions: sessionmaker[Session]) -> tuple[object, ...]:
    with sessions() as s:
        c = s.scalars(select(Company)).one()
        return (c.name, c.legal_representative, c.address, c.region_code, c.established_on, c.categories,
                c.employment_model, c.onboarded_on)


def test_empty_cells_and_absent_columns_keep_a_companys_stored_values(sessions: sessionmaker[Session],
                                                                      vault: Vault, tmp_path: Path) -> None:
    full = write_csv(tmp_path / "c1.csv", COMPANY, [[USCC, "济南诚信家政有限公司", "叶巧", "经十路271号", "370103",
                                                      "2015-08-16", "保洁;月嫂", "员工制", "2025-08-10"]])
    assert run(sessions, vault, full, "companies").accepted == 1
    stored = ("济南诚信家政有限公司", "叶巧", "经十路271号", "370103", date(2015, 8, 16), ["cleaning", "maternity"],
              "employee", date(2025, 8, 10))
    assert company(sessions) == stored

    gaps = write_csv(tmp_path / "c2.csv", COMPANY, [[USCC, "济南诚信家政有限公司", "", "", "", "", "", "", ""]])
    assert run(sessions, vault, gaps, "companies").duplicates == 1
    short = write_csv(tmp_path / "c3.csv", ["统一社会信用代码", "企业名称"], [[USCC, "济南诚信家政有限公司"]])
    assert run(sessions, vault, short, "companies").duplicates == 1
    assert company(sessions) == stored

    moved = write_csv(tmp_path / "c4.csv", ["uscc", "name", "address"], [[USCC, "济南诚信家政有限公司", "泉城路1号"]])
    assert run(sessions, vault, moved, "companies").accepted == 1
    assert company(sessions) == (*stored[:2], "泉城路1号", *stored[3:])


def test_a_regions_file_without_the_poverty_column_keeps_the_levels(sessions: sessionmaker[Session], vault: Vault,
                                                                    tmp_path: Path) -> None:
    levels = write_csv(tmp_path / "r1.csv", ["region_code", "name", "poverty_level"], [["410225", "兰考县", "国家级"]])
    assert run(sessions, vault, levels, "regions").accepted == 1
    names = write_csv(tmp_path / "r2.csv", ["行政区划代码", "名称"], [["410225", "兰考县"], ["370102", "历下区"]])
    batch = run(sessions, vault, names, "regions")
    assert (batch.accepted, batch.duplicates) == (1, 1)
    with sessions() as s:
        assert {r.region_code: r.poverty_level for r in s.scalars(select(Region))} == {
            "410225": "national", "370102": "none"}
