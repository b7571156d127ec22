"""``serve [--host H] [--port P]``: the web site and the API (uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer

from jzcredit import migrate
from jzcredit.cli.context import err_console, fail, get_ctx


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web site and the API until interrupted."""
    import uvicorn  # imported here: other commands should not pay for the web stack

    from jzcredit.api.app import create_app

    c = get_ctx(ctx)
    revision = migrate.current_revision(c.engine)
    if revision is None:
        fail("数据库尚未初始化：请先运行 jzcredit init")
    if revision != migrate.head_revision():
        fail(f"数据库结构版本 {revision} 不是最新：请先运行 jzcredit init 升级")
    shown_host = f"[{host}]" if ":" in host else host
    err_console.print(f"家政服务信用信息平台已启动：http://{shown_host}:{port}/（按 Ctrl+C 停止）", markup=False)
    uvicorn.run(create_app(c.settings), host=host, port=port, log_level="info", server_header=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
