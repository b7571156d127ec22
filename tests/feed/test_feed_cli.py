"""``jzcredit export`` and ``jzcredit push`` on both engines: JSON lines with the cursor to continue from,
bad input as one line and exit 1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company
from tests.feed.helpers import new_record, set_status
from typer.testing import CliRunner, Result

from jzcredit.cli.main import app
from jzcredit.config import Settings
from jzcredit.feed import service as feed


def _run(settings: Settings, *args: str, json_output: bool = True) -> Result:
    env = {"JZCREDIT_SECRET_KEY": settings.secret_key.get_secret_value() if settings.secret_key else ""}
    return CliRunner().invoke(app, ["--db", settings.database_url, "--as-of", "2026-06-30T10:00",
                                    *(["--json"] if json_output else []), *args], env=env)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_export_writes_the_changes_and_continues_from_its_cursor(settings: Settings, sessions: sessionmaker[Session],
                                                                  tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        first = new_record(s, company).id
        set_status(s, first, "revoked")
    out = tmp_path / "feed.jsonl"
    done = _run(settings, "export", "-o", str(out))
    assert done.exit_code == 0, done.output
    *changes, tail = _lines(out)
    assert [(c["record_id"], c["to_status"]) for c in changes] == [(first, "active"), (first, "revoked")]
    assert tail == {"next_cursor": json.loads(done.stdout)["next_cursor"], "changes": 2}
    assert not (tmp_path / "feed.jsonl.part").exists()
    with sessions() as s, s.begin():
        second = new_record(s, company).id
    more = _run(settings, "export", "--since", tail["next_cursor"], json_output=False)  # to stdout
    assert more.exit_code == 0, more.output
    *changes2, tail2 = [json.loads(line) for line in more.stdout.splitlines()]
    assert [c["record_id"] for c in changes2] == [second] and tail2["changes"] == 1
    assert changes2[0]["change_id"] > changes[-1]["change_id"]


def test_export_with_a_bad_cursor_is_one_line_and_writes_no_file(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "feed.jsonl"
    bad = _run(settings, "export", "--since", feed.encode_cursor("0011223344556677", 3), "-o", str(out))
    assert bad.exit_code == 1 and "另一个平台" in bad.stderr and bad.stdout == ""
    assert bad.stderr.strip().count("\n") == 0 and list(tmp_path.glob("feed.jsonl*")) == []


def test_push_to_a_bad_or_unreachable_address_says_so(settings: Settings, sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        new_record(s, add_company(s).subject_id)
    bad = _run(settings, "push", "--to", "ftp://example", "--token", "t")
    assert bad.exit_code == 1 and "推送地址" in bad.stderr
    gone = _run(settings, "push", "--to", "http://127.0.0.1:9", "--token", "t", "--timeout", "2")
    assert gone.exit_code == 1 and "再次运行 push" in gone.stderr and "Traceback" not in gone.output
