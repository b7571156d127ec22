"""``users add``: token printed once, stored hashed; bad input exits 1 with one line."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest
import typer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests import factories
from tests.cli.conftest import json_ok, one_line_error
from typer.testing import Result

from jzcredit.cli import users as users_cmd
from jzcredit.common import audit, ids
from jzcredit.common.clock import parse_now
from jzcredit.common.crypto import Vault
from jzcredit.errors import Unauthorized
from jzcredit.registry import service as registry_service
from jzcredit.registry.models import Worker
from jzcredit.users import service as users_service
from jzcredit.users.models import User

Invoke = Callable[..., Result]


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(users_cmd.register)


def test_users_add_json_prints_the_token_once(
    invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session], vault: Vault
) -> None:
    result = invoke(app, ["users", "add", "--role", "regulator", "--region", "370100", "--name", "济南市商务局"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {"user_id", "name", "role", "region_code", "token"} <= set(out)
    assert (out["name"], out["role"], out["region_code"]) == ("济南市商务局", "regulator", "370100")
    with sessions() as s:
        user = users_service.authenticate(s, vault=vault, token=out["token"], now=parse_now("2026-06-30"))
        assert user.id == out["user_id"]
        assert user.created_at == parse_now("2026-06-30T10:00")
        assert out["token"] not in s.execute(select(audit.AuditEntry.detail)).scalar_one()


def test_users_add_human_output_says_the_token_is_shown_once(
    invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session]
) -> None:
    result = invoke(app, ["users", "add", "--role", "admin", "--name", "管理员"], json_output=False)
    assert result.exit_code == 0, result.output
    token = next(word for word in result.stdout.split() if word.startswith("令牌：jz_"))
    assert result.stdout.count(token) == 1
    assert "只显示这一次" in result.stdout
    with sessions() as s:
        assert s.execute(select(User.role)).scalar_one() == "admin"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--role", "root", "--name", "x"], "未知角色"),
        (["--role", "regulator", "--name", "x"], "--region"),
        (["--role", "regulator", "--region", "3701", "--name", "x"], "行政区划代码"),
        (["--role", "company", "--name", "x"], "--subject"),
    ],
)
def test_users_add_refuses_bad_input_with_one_line(
    invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session], args: list[str], words: str
) -> None:
    result = invoke(app, ["users", "add", *args])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert words in result.stderr and result.stderr.strip().count("\n") == 0
    with sessions() as s:
        assert s.execute(select(User)).first() is None


def _company_and_worker(sessions: sessionmaker[Session], vault: Vault) -> tuple[str, str, str, int, int]:
    rng = random.Random(5)
    uscc, number = factories.uscc(rng), factories.id_number(rng)
    now = parse_now("2026-06-01")
    with sessions() as s, s.begin():
        known, _ = registry_service.ensure_companies(s, names={uscc: "济南家政有限公司"}, source="test", now=now)
        company = known[uscc]
        (worker,) = registry_service.new_subjects(s, kind="worker", count=1, now=now)
        facts = ids.id_facts(number)
        s.add(Worker(subject_id=worker, id_hash=vault.lookup_hash(number), id_cipher=vault.encrypt(number),
                     id_masked=ids.mask_id_number(number), birth_date=facts.birth_date, sex=facts.sex,
                     native_region=facts.native_region, name="王芳", categories=[], created_at=now, updated_at=now))
        s.flush()
        code = registry_service.issue_worker_codes(s, worker_ids=[worker], now=now)[worker]
    return uscc, number, code, company, worker


def test_users_add_resolves_subject_keys(
    invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session], vault: Vault
) -> None:
    uscc, number, code, company, worker = _company_and_worker(sessions, vault)
    for role, key, expected in [("company", uscc, company), ("worker", code, worker), ("worker", number, worker)]:
        result = invoke(app, ["users", "add", "--role", role, "--subject", key, "--name", "主体用户"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["subject_id"] == expected
        assert number not in result.stdout + result.stderr
    wrong = invoke(app, ["users", "add", "--role", "company", "--subject", code, "--name", "x"])
    assert wrong.exit_code == 1 and "家政企业" in wrong.stderr
    unknown = invoke(app, ["users", "add", "--role", "company", "--subject", "not-a-key", "--name", "x"])
    assert unknown.exit_code == 1 and "无法识别" in unknown.stderr


def test_users_add_expires_through_the_given_day_and_users_revoke_stops_the_token(
    invoke: Invoke, app: typer.Typer, sessions: sessionmaker[Session], vault: Vault
) -> None:
    out = json_ok(invoke, app, "2026-06-30T10:00", "users", "add", "--role", "bank", "--name", "济南银行",
                  "--expires", "2026-07-31")
    assert out["expires_at"] == "2026-08-01T00:00:00+08:00" and out["revoked_at"] is None
    with sessions() as s:
        assert users_service.authenticate(s, vault=vault, token=out["token"], now=parse_now("2026-07-31T23:59")).id
        with pytest.raises(Unauthorized):
            users_service.authenticate(s, vault=vault, token=out["token"], now=parse_now("2026-08-01"))
    one_line_error(invoke(app, ["users", "add", "--role", "bank", "--name", "过期", "--expires", "2026-06-29"]), "已过")
    one_line_error(invoke(app, ["users", "add", "--role", "bank", "--name", "乱写", "--expires", "下月"]), "YYYY-MM-DD")
    revoked = json_ok(invoke, app, "2026-07-01T09:00", "users", "revoke", str(out["user_id"]))
    assert revoked["revoked_at"] == "2026-07-01T09:00:00+08:00"
    with sessions() as s, pytest.raises(Unauthorized):
        users_service.authenticate(s, vault=vault, token=out["token"], now=parse_now("2026-07-01T09:00"))
    one_line_error(invoke(app, ["users", "revoke", str(out["user_id"])]), "已于")
    one_line_error(invoke(app, ["users", "revoke", "999999"]), "不存在")
    with sessions() as s:
        assert len(s.execute(select(User)).all()) == 1
