"""``complaints …`` through the real CLI (as ``jzcredit`` registers it), on both engines, with ``--as-of``.

Every transition, every refusal (exit 1, one line on stderr, nothing changed), the unanswered ``tick``
(idempotent), the feeds into B5 / W3 through ``lists propose``, and no unmasked phone in any output.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import Invoke
from tests.complaints.helpers import MASKED_PHONE, PHONE, code_of, party, snapshot
from typer.testing import Result

from jzcredit.cli import main as cli_main
from jzcredit.common.crypto import Vault


class Cli:
    """Runs commands and keeps every output, to check afterwards that no phone number leaked."""

    def __init__(self, invoke: Invoke) -> None:
        self.invoke = invoke
        self.outputs: list[str] = []

    def raw(self, as_of: str, *args: str, json_output: bool = True) -> Result:
        result = self.invoke(cli_main.app, ["--as-of", as_of, *args], json_output=json_output)
        self.outputs.append(result.stdout + result.stderr)
        return result

    def ok(self, as_of: str, *args: str) -> Any:
        result = self.raw(as_of, *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def refused(self, sessions: sessionmaker[Session], as_of: str, *args: str, words: str) -> None:
        with sessions() as s:
            before = snapshot(s)
        result = self.raw(as_of, *args)
        assert result.exit_code == 1, result.output
        assert words in result.stderr and result.stderr.strip().count("\n") == 0 and result.stdout == ""
        assert "Traceback" not in result.stderr
        with sessions() as s:
            assert snapshot(s) == before

    def no_phone_leaked(self) -> None:
        assert self.outputs and not any(PHONE in out for out in self.outputs)


@pytest.fixture
def cli(invoke: Invoke) -> Cli:
    return Cli(invoke)


@pytest.fixture
def keys(sessions: sessionmaker[Session], vault: Vault) -> dict[str, str]:
    with sessions() as s, s.begin():
        company, worker = party(s, vault)
        return {"uscc": company.uscc, "worker": code_of(s, worker)}


def file(cli: Cli, keys: dict[str, str], as_of: str = "2026-06-01", category: str = "theft",
         worker: bool = True) -> dict[str, Any]:
    args = ["complaints", "file", "--company", keys["uscc"], "--category", category, "--description",
            "服务员离开后家中现金不见了", "--phone", PHONE, "--by", "王女士"]
    return dict(cli.ok(as_of, *args, *(["--worker", keys["worker"]] if worker else [])))


def test_the_whole_state_machine_through_the_cli(cli: Cli, keys: dict[str, str]) -> None:
    filed = file(cli, keys)
    assert {"complaint_id", "tracking_code", "status", "respond_by"} <= filed.keys()
    assert filed["status"] == "filed" and filed["contact_phone"] == MASKED_PHONE
    assert (filed["company_key"], filed["worker_key"]) == (keys["uscc"], keys["worker"])
    cid = str(filed["complaint_id"])

    forwarded = cli.ok("2026-06-02", "complaints", "forward", cid, "--by", "市场监管局张科长")
    assert (forwarded["status"], forwarded["respond_by"]) == ("forwarded", "2026-06-09")
    responded = cli.ok("2026-06-05", "complaints", "respond", cid, "--text", "经核实与服务员无关")
    assert responded["status"] == "responded" and responded["response"] == "经核实与服务员无关"
    assert cli.ok("2026-06-06", "complaints", "resolve", cid, "--unsatisfied")["status"] == "unresolved"
    mediated = cli.ok("2026-06-10", "complaints", "mediate", cid, "--note", "调解：企业承担一半损失")
    assert mediated["status"] == "mediated"
    closed = cli.ok("2026-06-12", "complaints", "close", cid, "--finding", "substantiated", "--note", "监控证实")
    assert (closed["status"], closed["finding"], closed["closed_on"]) == ("closed", "substantiated", "2026-06-12")
    assert [s["action"] for s in closed["steps"]] == ["file", "forward", "respond", "resolve", "mediate", "close"]
    assert closed["steps"][1]["actor"] == "市场监管局张科长"

    by_code = cli.ok("2026-06-12", "complaints", "show", filed["tracking_code"])
    assert by_code["complaint_id"] == filed["complaint_id"] and by_code["contact_phone"] == MASKED_PHONE
    tracked = cli.ok("2026-06-12", "complaints", "track", filed["tracking_code"])
    assert tracked["status"] == "closed" and tracked["finding"] == "substantiated"
    assert "contact_phone" not in tracked and "filed_by" not in tracked and "description" not in tracked

    for key in (keys["uscc"], keys["worker"]):
        file_doc = cli.ok("2026-06-12", "show", key)
        (complaint,) = file_doc["complaints"]
        assert complaint["finding"] == "substantiated"
        assert any(r["type"] == "complaint" and r["details"]["finding"] == "substantiated"
                   for r in file_doc["records"])
    # the human forms print too (and mask the phone)
    for args in (["complaints", "show", cid], ["complaints", "track", filed["tracking_code"]],
                 ["complaints", "list"], ["show", keys["uscc"]]):
        result = cli.raw("2026-06-12", *args, json_output=False)
        assert result.exit_code == 0, result.output
    assert MASKED_PHONE in cli.outputs[-4]
    cli.no_phone_leaked()


def test_satisfied_route_and_list_filters(cli: Cli, keys: dict[str, str]) -> None:
    first = str(file(cli, keys)["complaint_id"])
    second = str(file(cli, keys, category="price", worker=False)["complaint_id"])
    cli.ok("2026-06-02", "complaints", "forward", first)
    cli.ok("2026-06-02", "complaints", "forward", second)
    cli.ok("2026-06-03", "complaints", "respond", first, "--text", "已退款")
    assert cli.ok("2026-06-04", "complaints", "resolve", first, "--satisfied")["status"] == "resolved"
    assert cli.ok("2026-06-05", "complaints", "close", first, "--finding", "unsubstantiated")["status"] == "closed"

    listed = cli.ok("2026-06-20", "complaints", "list", "--company", keys["uscc"])
    assert [c["complaint_id"] for c in listed] == [int(first), int(second)]
    assert [c["complaint_id"] for c in cli.ok("2026-06-20", "complaints", "list", "--status", "closed")] == [int(first)]
    overdue = cli.ok("2026-06-20", "complaints", "list", "--overdue")
    assert [(c["complaint_id"], c["overdue"]) for c in overdue] == [(int(second), True)]
    assert cli.ok("2026-06-09", "complaints", "list", "--overdue") == []  # the deadline day is still in time
    cli.no_phone_leaked()


def test_every_refusal_exits_1_with_one_line_and_changes_nothing(cli: Cli, keys: dict[str, str],
                                                                 sessions: sessionmaker[Session]) -> None:
    base = ["complaints", "file", "--description", "丢东西", "--phone", PHONE]
    cli.refused(sessions, "2026-06-01", *base, "--company", keys["uscc"], "--category", "rude", words="投诉类别")
    cli.refused(sessions, "2026-06-01", *base, "--category", "theft", words="--company 或 --worker")
    cli.refused(sessions, "2026-06-01", *base, "--category", "theft", "--company", "91370102MA00000000",
                words="统一社会信用代码")
    cli.refused(sessions, "2026-06-01", *base, "--category", "theft", "--worker", "JZ0000000000",
                words="没有服务员编码为 JZ0000000000 的家政服务员")
    cli.refused(sessions, "2026-06-01", "complaints", "file", "--company", keys["uscc"], "--category", "theft",
                "--description", "丢东西", "--phone", "0531-1234", words="手机号码")
    cid = str(file(cli, keys)["complaint_id"])
    cli.refused(sessions, "2026-06-02", "complaints", "respond", cid, "--text", "答复", words="不能答复")
    cli.refused(sessions, "2026-06-02", "complaints", "resolve", cid, "--satisfied", words="不能确认处理结果")
    cli.refused(sessions, "2026-06-02", "complaints", "mediate", cid, "--note", "调解", words="不能调解")
    cli.refused(sessions, "2026-06-02", "complaints", "close", cid, "--finding", "substantiated", words="不能办结")
    cli.refused(sessions, "2026-05-30", "complaints", "forward", cid, words="更早的日期")
    cli.ok("2026-06-02", "complaints", "forward", cid)
    cli.refused(sessions, "2026-06-03", "complaints", "forward", cid, words="不能转企业办理")
    cli.refused(sessions, "2026-06-03", "complaints", "mediate", cid, "--note", "调解", words="答复期限内")
    cli.refused(sessions, "2026-06-03", "complaints", "respond", cid, "--text", "  ", words="不能为空")
    cli.ok("2026-06-03", "complaints", "respond", cid, "--text", "答复")
    cli.refused(sessions, "2026-06-04", "complaints", "respond", cid, "--text", "再答复", words="不能答复")
    cli.ok("2026-06-04", "complaints", "resolve", cid, "--satisfied")
    cli.refused(sessions, "2026-06-05", "complaints", "close", cid, "--finding", "maybe", words="调查结论")
    cli.ok("2026-06-05", "complaints", "close", cid, "--finding", "unsubstantiated")
    cli.refused(sessions, "2026-06-06", "complaints", "close", cid, "--finding", "substantiated", words="不能办结")
    cli.refused(sessions, "2026-06-06", "complaints", "show", "999", words="999")
    cli.refused(sessions, "2026-06-06", "complaints", "track", "TS0000000000AA", words="查询码")
    cli.refused(sessions, "2026-06-06", "complaints", "list", "--status", "lost", words="投诉状态")
    usage = cli.raw("2026-06-06", "complaints", "resolve", cid)  # neither --satisfied nor --unsatisfied
    assert usage.exit_code == 2
    cli.no_phone_leaked()


def test_tick_marks_unanswered_once_and_two_make_a_w3_watch_entry(cli: Cli, keys: dict[str, str]) -> None:
    ids = [str(file(cli, keys, worker=False)["complaint_id"]) for _ in range(2)]
    for cid in ids:
        cli.ok("2026-06-02", "complaints", "forward", cid)
    assert cli.ok("2026-06-09", "tick")["complaints_unanswered"] == []
    report = cli.ok("2026-06-10", "tick")
    assert sorted(c["complaint_id"] for c in report["complaints_unanswered"]) == sorted(int(i) for i in ids)
    assert all(c["respond_by"] == "2026-06-09" for c in report["complaints_unanswered"])
    again = cli.ok("2026-06-10", "tick")
    assert again["complaints_unanswered"] == [] and again["changed"] is False
    shown = cli.ok("2026-06-10", "show", keys["uscc"])
    assert {r["decided_on"] for r in shown["records"] if r["type"] == "complaint"} == {"2026-06-10"}
    assert any(f["code"] == "D4.complaints_unanswered" for f in shown["evaluation"]["factors"])
    proposed = cli.ok("2026-06-10", "lists", "propose")
    assert [(e["list"], e["subject_key"]) for e in proposed if e["rule"] == "W3"] == [("watch", keys["uscc"])]
    late = cli.ok("2026-06-11", "complaints", "respond", ids[0], "--text", "迟到的答复")
    assert late["status"] == "responded" and late["unanswered"] is True


def test_three_substantiated_theft_complaints_make_b5_candidates(cli: Cli, keys: dict[str, str]) -> None:
    for _ in range(3):
        cid = str(file(cli, keys)["complaint_id"])
        cli.ok("2026-06-02", "complaints", "forward", cid)
        cli.ok("2026-06-03", "complaints", "respond", cid, "--text", "否认")
        cli.ok("2026-06-04", "complaints", "resolve", cid, "--unsatisfied")
        cli.ok("2026-06-05", "complaints", "mediate", cid, "--note", "调解不成")
        cli.ok("2026-06-06", "complaints", "close", cid, "--finding", "substantiated")
    proposed = cli.ok("2026-06-06", "lists", "propose")
    assert {(e["list"], e["rule"], e["subject_key"]) for e in proposed} >= {
        ("black", "B5", keys["uscc"]), ("black", "B5", keys["worker"])}
    factors = {f["code"]: f for f in cli.ok("2026-06-06", "show", keys["worker"])["evaluation"]["factors"]}
    assert factors["C.complaints_substantiated"]["points"] < 0
    cli.no_phone_leaked()
