"""``servicecodes issue|list`` and ``ratings add|list`` through the real CLI, on both engines, with ``--as-of``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import Invoke
from tests.cli.test_complaints_cli import Cli
from tests.complaints.helpers import code_of, party
from tests.factories import add_company, add_worker, write_csv

from jzcredit.common.crypto import Vault
from jzcredit.evaluation.models import Evaluation
from jzcredit.registry.models import Rating


@pytest.fixture
def cli(invoke: Invoke) -> Cli:
    return Cli(invoke)


@pytest.fixture
def keys(sessions: sessionmaker[Session], vault: Vault) -> dict[str, str]:
    with sessions() as s, s.begin():
        company, worker = party(s, vault)
        colleague = add_worker(s, vault, employer=company)
        other = add_company(s)
        return {"uscc": company.uscc, "worker": code_of(s, worker), "colleague": code_of(s, colleague),
                "other": other.uscc}


def test_codes_then_ratings_regrade_and_show_which_are_imported(cli: Cli, keys: dict[str, str], tmp_path: Path,
                                                                 sessions: sessionmaker[Session]) -> None:
    issued = cli.ok("2026-06-01", "servicecodes", "issue", keys["uscc"], "--worker", keys["worker"], "--count", "3")
    assert len(issued) == 3 and {c["expires_on"] for c in issued} == {"2026-07-01"}
    assert {(c["status"], c["worker_key"], c["company_key"]) for c in issued} == {
        ("unused", keys["worker"], keys["uscc"])}
    (order,) = cli.ok("2026-06-01", "servicecodes", "issue", keys["uscc"], "--order", "SO-88")
    assert order["order_ref"] == "SO-88" and order["worker_key"] is None

    with sessions() as s:
        evaluations_before = len(s.scalars(select(Evaluation)).all())
    for n, code in enumerate(issued):
        rating = cli.ok("2026-07-01", "ratings", "add", "--company", keys["uscc"], "--code", code["code"], "--stars",
                        str(5 - n % 2), "--comment", "准时、细致")
        assert (rating["imported"], rating["worker_key"], rating["service_code"]) == (False, keys["worker"],
                                                                                     code["code"])
    with sessions() as s:
        assert len(s.scalars(select(Evaluation)).all()) > evaluations_before  # re-graded at once
    statuses = {c["code"]: c["status"] for c in cli.ok("2026-07-01", "servicecodes", "list", keys["uscc"])}
    assert [statuses[c["code"]] for c in issued] == ["used"] * 3 and statuses[order["code"]] == "unused"
    assert cli.ok("2026-07-02", "servicecodes", "list", keys["uscc"], "--status", "expired")[0]["code"] == order["code"]
    worker_file = cli.ok("2026-07-01", "show", keys["worker"])
    assert any(f["code"] == "S.ratings" for f in worker_file["evaluation"]["factors"])

    history = write_csv(tmp_path / "r.csv", ["uscc", "stars", "rated_on", "service_code"],
                        [[keys["uscc"], "2", "2026-03-01", "OLD-1"]])
    batch = cli.ok("2026-07-01", "ingest", str(history), "--kind", "ratings", "--source", "企业自有系统")
    assert batch["accepted"] == 1
    listed = cli.ok("2026-07-01", "ratings", "list", keys["uscc"])
    assert (listed["count"], listed["imported"]) == (4, 1)
    assert [r["imported"] for r in listed["ratings"]] == [False, False, False, True]
    assert cli.ok("2026-07-01", "ratings", "list", keys["worker"])["count"] == 3
    shown = cli.ok("2026-07-01", "show", keys["uscc"])["ratings"]
    assert (shown["count"], shown["imported"]) == (4, 1)
    assert [r["imported"] for r in shown["ratings"]] == [False, False, False, True]
    human = cli.raw("2026-07-01", "ratings", "list", keys["uscc"], json_output=False)
    assert human.exit_code == 0 and "历史导入" in human.stdout
    for args in (["servicecodes", "list", keys["uscc"]], ["servicecodes", "issue", keys["uscc"]]):
        assert cli.raw("2026-07-01", *args, json_output=False).exit_code == 0


def test_every_rating_and_code_refusal_exits_1_with_one_line_and_changes_nothing(
        cli: Cli, keys: dict[str, str], sessions: sessionmaker[Session]) -> None:
    named = cli.ok("2026-06-01", "servicecodes", "issue", keys["uscc"], "--worker", keys["worker"])[0]["code"]
    plain, used = (c["code"] for c in cli.ok("2026-06-01", "servicecodes", "issue", keys["uscc"], "--count", "2"))
    foreign = cli.ok("2026-06-01", "servicecodes", "issue", keys["other"])[0]["code"]
    cli.ok("2026-06-02", "ratings", "add", "--company", keys["uscc"], "--code", used, "--stars", "5")

    add = ["ratings", "add", "--company", keys["uscc"]]
    cli.refused(sessions, "2026-06-03", *add, "--stars", "5", words="没有服务评价码")
    cli.refused(sessions, "2026-06-03", *add, "--code", "PJ0000000000AA", "--stars", "5", words="没有这个评价码")
    cli.refused(sessions, "2026-06-03", *add, "--code", used, "--stars", "5", words="使用过")
    cli.refused(sessions, "2026-07-02", *add, "--code", plain, "--stars", "5", words="已于 2026-07-01 过期")
    cli.refused(sessions, "2026-06-03", *add, "--code", foreign, "--stars", "5", words="不是所评价企业发放的")
    cli.refused(sessions, "2026-06-03", *add, "--code", named, "--stars", "5", "--worker", keys["colleague"],
                words="另一位服务员")
    cli.refused(sessions, "2026-06-03", *add, "--code", plain, "--stars", "5", "--worker", keys["worker"],
                words="没有指定服务员")
    for stars in ("0", "6", "-1"):
        cli.refused(sessions, "2026-06-03", *add, "--code", plain, "--stars", stars, words="1 到 5")
    cli.refused(sessions, "2026-06-03", "ratings", "add", "--company", "91370102MA00000000", "--code", plain,
                "--stars", "5", words="统一社会信用代码")

    cli.refused(sessions, "2026-06-03", "servicecodes", "issue", keys["uscc"], "--count", "0", words="--count")
    cli.refused(sessions, "2026-06-03", "servicecodes", "issue", keys["uscc"], "--worker", keys["worker"],
                "--order", "A1", "--count", "2", words="一个订单只发一个")
    cli.ok("2026-06-03", "servicecodes", "issue", keys["uscc"], "--order", "A1")
    cli.refused(sessions, "2026-06-03", "servicecodes", "issue", keys["uscc"], "--order", "A1", words="一单一码")
    cli.refused(sessions, "2026-06-03", "servicecodes", "issue", keys["other"], "--worker", keys["worker"],
                words="不是本企业的在职人员")
    cli.refused(sessions, "2026-06-03", "servicecodes", "list", "91370102MA00000000", words="统一社会信用代码")
    cli.refused(sessions, "2026-06-03", "ratings", "list", "nonsense", words="无法识别")
    # the refused ones left the codes usable: the plain code still rates, once
    ok = cli.ok("2026-06-03", *add, "--code", plain, "--stars", "3")
    assert ok["stars"] == 3 and ok["worker_key"] is None
    with sessions() as s:
        assert len(s.scalars(select(Rating)).all()) == 2
