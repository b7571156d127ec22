"""``card WORKER_CODE -o FILE.png``: the worker's printable card (上门服务证) with its signed QR code (spec §4.3)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from jzcredit.cards import printing
from jzcredit.cli.context import fail, fail_on, get_ctx
from jzcredit.errors import JzError
from jzcredit.evaluation.rulesets import load_models


def _write_atomically(path: Path, data: bytes) -> None:
    """The whole image or nothing: a failed write never leaves half a card behind."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=".card-", suffix=".png", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def card(
    ctx: typer.Context,
    worker_code: Annotated[str, typer.Argument(help="The worker code (JZ…).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The PNG file to write.")],
) -> None:
    """The printable card, dated today, whose QR code opens {JZCREDIT_BASE_URL}/w/{code}?t=… (signed)."""
    c = get_ctx(ctx)
    if output.suffix.lower() != ".png":
        fail(f"上门服务证只能保存为 PNG 图片，请把文件名改为以 .png 结尾（现在是 {output.name}）")
    if not output.parent.is_dir():
        fail(f"目录 {output.parent} 不存在，请先创建它或换一个保存位置")
    try:
        with c.sessions() as session, session.begin():
            printed = printing.print_card(session, vault=c.vault, worker_code=worker_code, now=c.now,
                                          models=load_models(c.settings.config), base_url=c.settings.base_url)
    except JzError as exc:
        fail_on(exc)
    try:
        _write_atomically(output, printed.png)
    except OSError as exc:
        fail(f"无法写入 {output}：{exc.strerror or exc}")
    data = {"worker_code": printed.worker_code, "file": str(output), "url": printed.url,
            "issued_on": printed.issued_on, "valid_until": printed.valid_until}
    c.emit(data, lambda console: console.print(
        f"已生成上门服务证 {output}（签发 {printed.issued_on}，有效至 {printed.valid_until}）\n二维码：{printed.url}",
        markup=False))


def register(app: typer.Typer) -> None:
    app.command("card")(card)
