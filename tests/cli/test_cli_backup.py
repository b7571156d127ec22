"""``backup FILE`` / ``restore FILE``: JSON summaries, refusals with exit 1 and one line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import Result

from jzcredit.cli import audit as audit_cmd
from jzcredit.cli import backup as backup_cmd
from jzcredit.cli import users as users_cmd
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.users.models import User

Invoke = Callable[..., Result]


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(backup_cmd.register, users_cmd.register, audit_cmd.register)


def test_backup_then_restore_into_a_new_database(
    invoke: Invoke, app: typer.Typer, db_url: str, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    for name in ("甲", "乙"):
        assert invoke(app, ["users", "add", "--role", "admin", "--name", name]).exit_code == 0
    file = tmp_path / "jz-backup.jsonl"
    made = invoke(app, ["backup", str(file)])
    assert made.exit_code == 0, made.output
    summary = json.loads(made.stdout)
    assert summary["tables"]["users"] == 2 and summary["tables"]["audit_log"] == 3  # two users + the backup itself
    assert "密钥" in made.stderr

    again = invoke(app, ["backup", str(file)])
    assert again.exit_code == 1 and "--force" in again.stderr
    assert invoke(app, ["backup", "--force", str(file)]).exit_code == 0

    target = f"sqlite:///{tmp_path / 'restored.db'}"
    restored = invoke(app, ["restore", str(file)], db=target)
    assert restored.exit_code == 0, restored.output
    out = json.loads(restored.stdout)
    assert out["rows"] > 0 and out["tables"]["users"] == 2 and out["key_matches"] is None
    with make_sessionmaker(make_engine(target))() as s:
        assert sorted(s.scalars(select(User.name))) == ["乙", "甲"]
    verified = invoke(app, ["audit", "verify"], db=target)
    assert verified.exit_code == 0 and json.loads(verified.stdout)["ok"] is True


def test_restore_refuses_with_one_line(invoke: Invoke, app: typer.Typer, tmp_path: Path) -> None:
    file = tmp_path / "jz.jsonl"
    assert invoke(app, ["backup", str(file)]).exit_code == 0
    for args, words in [(["restore", str(file)], "不是空的"), (["restore", str(tmp_path / "nope.jsonl")], "找不到"),
                        (["backup", str(tmp_path / "no-dir" / "x.jsonl")], "不存在")]:
        result = invoke(app, args)
        assert result.exit_code == 1, result.output
        assert words in result.stderr and result.stderr.strip().count("\n") == 0 and result.stdout == ""
