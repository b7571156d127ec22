"""``banks list|authorise|revoke|authorisations|inquiries`` through the CLI on both engines: the --json shapes,
the human tables, ``--as-of``, and every refusal with exit 1, one line on stderr and nothing written."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import Invoke, json_ok, one_line_error
from tests.factories import add_company
from tests.programs.helpers import NOW, stub

from jzcredit.cli import banks as banks_cmd
from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.common.ids import make_uscc
from jzcredit.finance import service as finance
from jzcredit.finance.models import BankAuthorisation, BankInquiry
from jzcredit.programs.rules import programs_rules
from jzcredit.users.models import User
from jzcredit.users.service import add_user

AS_OF = "2026-06-30T10:00"


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(banks_cmd.register)


@pytest.fixture
def world(sessions: sessionmaker[Session], vault: Vault) -> dict[str, Any]:
    """Two companies, two banks in force, a bank whose token was revoked, and an admin (not a bank)."""
    with sessions() as s, s.begin():
        company = add_company(s, name="济南家政服务有限公司")
        other = add_company(s, name="历城家政服务有限公司", region_code="370112")
        ids = {}
        for key, role, name in (("bank", "bank", "济南银行"), ("bank2", "bank", "青岛银行"),
                                ("gone", "bank", "已停用银行"), ("admin", "admin", "平台管理员")):
            user, _ = add_user(s, vault=vault, role=role, name=name, now=NOW)
            ids[key] = user.id
        s.get_one(User, ids["gone"]).revoked_at = NOW
        return {"uscc": company.uscc, "company_id": company.subject_id, "other": other.uscc, **ids}


def written(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) or 0  # type: ignore[return-value]
                     for t in (BankAuthorisation, BankInquiry, AuditEntry))


def refused(invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session], words: str, *args: str) -> None:
    before = written(sessions)
    one_line_error(invoke(app, ["--as-of", AS_OF, *args]), words)
    assert written(sessions) == before


def test_list_shows_the_banks_in_force(invoke: Invoke, app: typer.Typer, world: dict[str, Any]) -> None:
    assert json_ok(invoke, app, AS_OF, "banks", "list") == [{"bank_user_id": world["bank"], "name": "济南银行"},
                                                           {"bank_user_id": world["bank2"], "name": "青岛银行"}]
    human = invoke(app, ["--as-of", AS_OF, "banks", "list"], json_output=False)
    assert human.exit_code == 0 and "已停用银行" not in human.stdout
    assert re.search(rf"^{world['bank']}\s+济南银行$", human.stdout, re.M)
    # a minute before its token was revoked the third bank could still be chosen
    assert [b["name"] for b in json_ok(invoke, app, "2026-06-30T09:59", "banks", "list")] == [
        "济南银行", "青岛银行", "已停用银行"]


def test_list_says_when_there_is_no_bank(invoke: Invoke, app: typer.Typer) -> None:
    assert json_ok(invoke, app, AS_OF, "banks", "list") == []
    human = invoke(app, ["--as-of", AS_OF, "banks", "list"], json_output=False)
    assert human.exit_code == 0 and "还没有银行用户" in human.stdout


def test_authorise_revoke_and_the_history(invoke: Invoke, app: typer.Typer, world: dict[str, Any],
                                          sessions: sessionmaker[Session]) -> None:
    bank = str(world["bank"])
    granted = json_ok(invoke, app, AS_OF, "banks", "authorise", world["uscc"], "--bank-user", bank,
                      "--note", " 申请  流动资金贷款 ")
    assert (granted["company_uscc"], granted["bank_user_id"], granted["bank_name"]) == (world["uscc"], world["bank"],
                                                                                       "济南银行")
    assert (granted["in_force"], granted["granted_by"], granted["note"], granted["revoked_at"]) == (
        True, "cli", "申请 流动资金贷款", None)
    assert datetime.fromisoformat(granted["granted_at"]) == NOW
    json_ok(invoke, app, AS_OF, "banks", "authorise", world["uscc"].lower(), "--bank-user", str(world["bank2"]))

    ended = json_ok(invoke, app, "2026-07-01T09:00", "banks", "revoke", world["uscc"], "--bank-user", bank)
    assert (ended["authorisation_id"], ended["in_force"], ended["revoked_by"]) == (granted["authorisation_id"], False,
                                                                                  "cli")
    history = json_ok(invoke, app, "2026-07-01T09:00", "banks", "authorisations", world["uscc"])
    assert [(g["bank_name"], g["in_force"]) for g in history] == [("青岛银行", True), ("济南银行", False)]
    # the same history seen on the day of the grant: the revocation had not happened yet
    assert [g["in_force"] for g in json_ok(invoke, app, AS_OF, "banks", "authorisations", world["uscc"])] == [True,
                                                                                                           True]
    assert json_ok(invoke, app, AS_OF, "banks", "authorisations", world["other"]) == []

    again = json_ok(invoke, app, "2026-07-02", "banks", "authorise", world["uscc"], "--bank-user", bank)
    assert again["authorisation_id"] not in (g["authorisation_id"] for g in history) and again["in_force"]

    human = invoke(app, ["--as-of", "2026-07-02", "banks", "authorisations", world["uscc"]], json_output=False)
    assert human.exit_code == 0
    assert "济南银行" in human.stdout and "已撤销" in human.stdout and "生效中" in human.stdout
    assert "2026-07-01 09:00" in human.stdout  # Shanghai time
    none = invoke(app, ["--as-of", AS_OF, "banks", "authorisations", world["other"]], json_output=False)
    assert none.exit_code == 0 and f"企业 {world['other']} 没有授权过银行" in none.stdout
    words = invoke(app, ["--as-of", AS_OF, "banks", "revoke", world["uscc"], "--bank-user", str(world["bank2"])],
                   json_output=False)
    assert words.exit_code == 0 and "已撤销授权" in words.stdout and "青岛银行" in words.stdout

    with sessions() as s:
        audited = s.execute(select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.action.like("finance.%"))
                            .order_by(AuditEntry.id)).all()
    assert [a for a, _ in audited] == ["finance.authorise", "finance.authorise", "finance.revoke",
                                       "finance.authorise", "finance.revoke"]
    assert {actor for _, actor in audited} == {"cli"}


def test_every_refusal_is_one_line_and_writes_nothing(invoke: Invoke, app: typer.Typer, world: dict[str, Any],
                                                      sessions: sessionmaker[Session]) -> None:
    bank, uscc = str(world["bank"]), world["uscc"]
    unknown = make_uscc(random.Random(5150), region_code="370102")
    refused(invoke, app, sessions, f"没有统一社会信用代码为 {unknown} 的企业", "banks", "authorise", unknown,
            "--bank-user", bank)
    refused(invoke, app, sessions, "没有统一社会信用代码为 不是代码 的企业", "banks", "authorisations", "不是代码")
    refused(invoke, app, sessions, f"没有统一社会信用代码为 {unknown} 的企业", "banks", "inquiries", unknown)
    for not_a_bank in ("999999", str(world["admin"]), str(world["gone"])):
        refused(invoke, app, sessions, f"没有编号为 {not_a_bank} 的银行用户", "banks", "authorise", uscc,
                "--bank-user", not_a_bank)
    refused(invoke, app, sessions, "备注过长：最多 500 个字符", "banks", "authorise", uscc, "--bank-user", bank,
            "--note", "备" * 501)
    refused(invoke, app, sessions, f"没有对银行用户 {bank} 的有效授权", "banks", "revoke", uscc, "--bank-user", bank)

    granted = json_ok(invoke, app, AS_OF, "banks", "authorise", uscc, "--bank-user", bank)
    refused(invoke, app, sessions, f"已授权银行「济南银行」（授权 {granted['authorisation_id']}），无需重复授权",
            "banks", "authorise", uscc, "--bank-user", bank)
    refused(invoke, app, sessions, f"企业 {world['other']} 没有对银行用户 {bank} 的有效授权", "banks", "revoke",
            world["other"], "--bank-user", bank)
    json_ok(invoke, app, AS_OF, "banks", "revoke", uscc, "--bank-user", bank)
    refused(invoke, app, sessions, f"没有对银行用户 {bank} 的有效授权", "banks", "revoke", uscc, "--bank-user", bank)
    bad = invoke(app, ["--as-of", AS_OF, "banks", "authorise", uscc, "--bank-user", "0"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def look(sessions: sessionmaker[Session], world: dict[str, Any], bank: str, purpose: str, at: datetime) -> int:
    """A bank's look as the API makes it (banks look over HTTP, not through the CLI)."""
    with sessions() as s, s.begin():
        view = finance.inquire(s, bank_user_id=world[bank], company_id=world["company_id"], purpose=purpose, now=at,
                               actor=f"bank:{world[bank]}:test", rules=programs_rules().financing)
        return int(view["inquiry_id"])


def test_inquiries_show_who_looked_when_and_why(invoke: Invoke, app: typer.Typer, world: dict[str, Any],
                                                sessions: sessionmaker[Session]) -> None:
    for bank in ("bank", "bank2"):
        json_ok(invoke, app, AS_OF, "banks", "authorise", world["uscc"], "--bank-user", str(world[bank]))
    first = look(sessions, world, "bank", "贷前调查 [bold]", NOW)
    second = look(sessions, world, "bank2", "[/授信]评估", NOW.replace(hour=15))

    rows = json_ok(invoke, app, AS_OF, "banks", "inquiries", world["uscc"])
    assert [(r["inquiry_id"], r["bank_name"], r["bank_user_id"], r["purpose"]) for r in rows] == [
        (second, "青岛银行", world["bank2"], "[/授信]评估"), (first, "济南银行", world["bank"], "贷前调查 [bold]")]
    assert datetime.fromisoformat(rows[1]["at"]) == NOW and {r["company_uscc"] for r in rows} == {world["uscc"]}
    assert [r["inquiry_id"] for r in json_ok(invoke, app, AS_OF, "banks", "inquiries", world["uscc"],
                                             "--limit", "1")] == [second]
    assert json_ok(invoke, app, AS_OF, "banks", "inquiries", world["other"]) == []

    # the banks' own words are printed as written, never read as markup
    human = invoke(app, ["--as-of", AS_OF, "banks", "inquiries", world["uscc"]], json_output=False)
    assert human.exit_code == 0, human.output
    assert "[/授信]评估" in human.stdout and "贷前调查 [bold]" in human.stdout
    assert "2026-06-30 15:00" in human.stdout and "2026-06-30 10:00" in human.stdout
    short = invoke(app, ["--as-of", AS_OF, "banks", "inquiries", world["uscc"], "--limit", "1"], json_output=False)
    assert short.exit_code == 0 and "共 2 条，显示最新 1 条" in short.stdout and "贷前调查" not in short.stdout
    empty = invoke(app, ["--as-of", AS_OF, "banks", "inquiries", world["other"]], json_output=False)
    assert empty.exit_code == 0 and f"没有银行查询过企业 {world['other']}" in empty.stdout


def test_a_company_known_only_from_another_departments_record_cannot_authorise_a_bank(
        invoke: Invoke, app: typer.Typer, world: dict[str, Any], sessions: sessionmaker[Session]) -> None:
    """A stub has no one who signed up to consent, and no registry figures a bank could lend on."""
    with sessions() as s, s.begin():
        linked = stub(s, add_company(s, name="仅见于法院记录的家政公司"))
        uscc = linked.uscc
    refused(invoke, app, sessions, f"企业 {uscc} 尚未入驻平台（仅因其他部门的记录关联），不能授权银行查询", "banks",
            "authorise", uscc, "--bank-user", str(world["bank"]))
