"""``export --since CURSOR [-o FILE]`` and ``push --to URL --token T``: the change feed (spec §4.3).

``export`` writes the changes after the cursor as JSON lines, then one line with the cursor to continue
from (``{"next_cursor": …, "changes": n}``). ``push`` sends them to an upper-level platform's
``POST /api/v1/changes`` in chunks, resuming after the last acknowledged change.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, TextIO

import httpx
import typer
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.cli.context import fail, fail_on, get_ctx
from jzcredit.common import jsontext
from jzcredit.db import transaction
from jzcredit.errors import JzError
from jzcredit.feed import push as push_service
from jzcredit.feed import service as feed


def _write_changes(sessions: sessionmaker[Session], out: TextIO, since: str | None,
                   now: datetime) -> tuple[int, str]:
    count, cursor = 0, since
    while True:
        with transaction(sessions) as session:
            page = feed.read_changes(session, since=cursor, now=now, limit=feed.MAX_LIMIT)
        for change in page["items"]:
            out.write(jsontext.dumps(change) + "\n")
        count += len(page["items"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            out.write(jsontext.dumps({"next_cursor": cursor, "changes": count}) + "\n")
            return count, cursor


def export(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", help="Cursor from the last export; none: from the start.")]
    = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="JSONL file to write (default: stdout).")]
    = None,
) -> None:
    """Export the changes of credit records after a cursor as JSON lines, ending with the next cursor."""
    c = get_ctx(ctx)
    if output is not None and not output.parent.is_dir():
        fail(f"目录 {output.parent} 不存在：请先创建它")
    try:
        if output is None:
            count, cursor = _write_changes(c.sessions, sys.stdout, since, c.now)
        else:
            partial = output.with_name(output.name + ".part")  # FILE appears only when complete
            try:
                with partial.open("w", encoding="utf-8") as fh:
                    count, cursor = _write_changes(c.sessions, fh, since, c.now)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            partial.replace(output)
    except JzError as exc:
        fail_on(exc)
    where = f"到 {output}" if output else ""
    typer.echo(f"已导出 {count} 条变更{where}；下次从这里继续：jzcredit export --since {cursor}", err=True)
    if output is not None:
        c.emit({"file": str(output), "changes": count, "next_cursor": cursor}, lambda _console: None)


def push(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="The upper-level platform's address (or its …/changes URL).")],
    token: Annotated[str, typer.Option("--token", envvar="JZCREDIT_PUSH_TOKEN",
                                       help="A token the upper level gave this platform (admin or provider).")],
    chunk: Annotated[int, typer.Option("--chunk", min=1, max=feed.MAX_BATCH, help="Changes per request.")]
    = push_service.DEFAULT_CHUNK,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds to wait for each answer.")] = 60.0,
) -> None:
    """Push the changes not yet acknowledged to an upper-level platform; safe to re-run after an interruption."""
    c = get_ctx(ctx)

    def progress(r: push_service.PushResult) -> None:
        c.human.print(f"已确认到变更 {r.acked_up_to}（本次 {r.sent} 条）", markup=False)

    try:
        with httpx.Client(timeout=timeout) as client:
            result = push_service.push(c.sessions, client, url=to, token=token, now=c.now, actor=c.actor,
                                       chunk=chunk, progress=progress)
    except JzError as exc:
        fail_on(exc)
    c.human.print(f"推送完成：{result.target} 已确认到变更 {result.acked_up_to}；本次发送 {result.sent} 条，"
                  f"上级新收 {result.received} 条，早已收到 {result.duplicates} 条", markup=False)
    c.emit({"target": result.target, "chunks": result.chunks, "sent": result.sent, "received": result.received,
            "duplicates": result.duplicates, "acked_up_to": result.acked_up_to}, lambda _console: None)


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("push")(push)
