"""Set-up commands: ``init`` (migrations + key file)."""

from __future__ import annotations

import typer

from jzcredit import migrate
from jzcredit.cli.context import get_ctx
from jzcredit.common import audit
from jzcredit.common.crypto import create_key_file


def init(ctx: typer.Context) -> None:
    """Create or upgrade the schema and create the key file (mode 0600)."""
    c = get_ctx(ctx)
    before = migrate.current_revision(c.engine)
    migrate.upgrade(c.engine)
    after = migrate.current_revision(c.engine)
    if after != before:
        with c.sessions() as session, session.begin():
            audit.append(session, actor=c.actor, action="schema.upgrade", obj="schema", now=c.now,
                         detail={"from": before, "to": after})
    key_created = False
    if c.settings.secret_key is None:
        key_created = create_key_file(c.settings.resolved_key_file())
    c.human.print(f"数据库已就绪（迁移版本 {after}）" + ("，已创建密钥文件" if key_created else ""))
    c.emit({"schema_before": before, "schema": after, "key_file_created": key_created}, lambda _c: None)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
