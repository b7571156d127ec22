"""``backup FILE`` / ``restore FILE``: a portable, consistent copy of the whole database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jzcredit import backup as backup_service
from jzcredit.cli.context import CliContext, err_console, fail, fail_on, get_ctx
from jzcredit.common.crypto import Vault
from jzcredit.errors import JzError


def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Where to write the backup (.jsonl, or .jsonl.gz to compress).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write a consistent backup of every table while the platform keeps running."""
    c = get_ctx(ctx)
    if file.exists() and not force:
        fail(f"文件 {file} 已存在：请换一个文件名，或加 --force 覆盖")
    if not file.parent.is_dir():
        fail(f"目录 {file.parent} 不存在：请先创建它")
    try:
        summary = backup_service.backup(c.engine, file, now=c.now, actor=c.actor)
    except JzError as exc:
        fail_on(exc)
    c.human.print(f"已备份 {summary.rows} 行（{len(summary.tables)} 张表，结构版本 {summary.schema}）到 {file}",
                  markup=False)
    c.human.print("请把密钥文件（或 JZCREDIT_SECRET_KEY）另行妥善保存：没有它，备份中的身份证号和手机号无法解密。",
                  markup=False)
    c.emit({"file": str(file), "schema": summary.schema, "rows": summary.rows, "tables": summary.tables},
           lambda _c: None)


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file written by `jzcredit backup`.")],
) -> None:
    """Restore a backup into an empty database (created at the backup's schema revision if it has no tables)."""
    c = get_ctx(ctx)
    if not file.is_file():
        fail(f"找不到备份文件 {file}")
    try:
        summary = backup_service.restore(c.engine, file)
    except JzError as exc:
        fail_on(exc)
    key_ok = _key_matches(c)
    c.human.print(f"已恢复 {summary.rows} 行（{len(summary.tables)} 张表，结构版本 {summary.schema}）",
                  markup=False)
    if key_ok is False:
        err_console.print("警告：当前密钥无法解密恢复的个人信息：请使用原平台的密钥文件或 JZCREDIT_SECRET_KEY。",
                          markup=False)
    c.emit({"file": str(file), "schema": summary.schema, "rows": summary.rows, "tables": summary.tables,
            "key_matches": key_ok}, lambda _c: None)


def _key_matches(c: CliContext) -> bool | None:
    try:
        vault: Vault | None = c.vault
    except JzError:  # no key file and no JZCREDIT_SECRET_KEY
        vault = None
    return backup_service.key_matches(c.engine, vault)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
