"""``audit verify``: check the hash chain."""

from __future__ import annotations

import typer

from jzcredit.cli.context import get_ctx
from jzcredit.common import audit


def verify(ctx: typer.Context) -> None:
    """Check the audit hash chain; exit 1 when an entry was changed or removed."""
    c = get_ctx(ctx)
    with c.sessions() as session:
        report = audit.verify(session)
    c.emit({"ok": report.ok, "entries": report.entries, "first_bad": report.first_bad,
            "problem": report.problem}, lambda _c: None)
    if report.ok:
        c.human.print(f"审计链完整：{report.entries} 条记录")
        return
    c.human.print(f"审计链已被破坏：第一处问题在条目 {report.first_bad}（{report.problem}）")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Audit log (审计).", no_args_is_help=True)
    group.command("verify")(verify)
    app.add_typer(group, name="audit")
