"""``report KEY --format (pdf | html) -o FILE``: a company's or a worker's credit report (spec §4.3)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from jzcredit.cli.context import fail_on, get_ctx
from jzcredit.errors import Invalid, JzError
from jzcredit.evaluation.rulesets import load_models
from jzcredit.reports import documents

SUFFIX_FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}


def output_format(fmt: str | None, output: Path) -> str:
    """``--format``, else the file's suffix; the folder must exist."""
    chosen = (fmt or SUFFIX_FORMATS.get(output.suffix.lower(), "")).lower()
    if chosen not in documents.FORMATS:
        raise Invalid("documents.format", f"请用 --format 指定 pdf 或 html（{output.name} 的扩展名看不出格式）"
                      if fmt is None else f"格式 {fmt} 无效：应为 pdf 或 html")
    if not output.parent.is_dir():
        raise Invalid("documents.output_folder", f"目录 {output.parent} 不存在：请先创建它")
    return chosen


def write_file(path: Path, content: bytes) -> None:
    """Written beside the target and renamed: a failed write never leaves half a document under its name."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(content)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise Invalid("documents.output_unwritable", f"无法写入 {path.name}：{exc.strerror or exc}") from exc


def report(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="USCC, worker code or ID number (never printed back in full).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write (.pdf or .html).")],
    fmt: Annotated[str | None, typer.Option("--format", help="pdf or html (default: from the file's suffix).")] = None,
) -> None:
    """The subject's public credit report, as on /c/{uscc} or the worker card: PDF or one self-contained HTML file."""
    c = get_ctx(ctx)
    try:
        chosen = output_format(fmt, output)
        models = load_models(c.settings.config)
        with c.sessions() as session:
            kind, subject_key, doc = documents.subject_report(session, key=key, vault=c.vault, now=c.now,
                                                             models=models, base_url=c.settings.base_url)
        content = doc.render(chosen)
        write_file(output, content)
    except JzError as exc:
        fail_on(exc)
    data = {"kind": kind, "subject_key": subject_key, "format": chosen, "file": str(output), "bytes": len(content),
            "title": doc.title}
    c.emit(data, lambda console: console.print(f"已写入 {output}（{doc.title}，{len(content):,} 字节）", markup=False))


def register(app: typer.Typer) -> None:
    app.command("report")(report)
