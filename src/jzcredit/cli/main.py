"""Entry point: global options (spec §4.3) and the command groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jzcredit.cli import audit as audit_cmd
from jzcredit.cli import backup as backup_cmd
from jzcredit.cli import banks as banks_cmd
from jzcredit.cli import card as card_cmd
from jzcredit.cli import commitments as commitments_cmd
from jzcredit.cli import complaints as complaints_cmd
from jzcredit.cli import demo as demo_cmd
from jzcredit.cli import evaluate as evaluate_cmd
from jzcredit.cli import feed as feed_cmd
from jzcredit.cli import ingest as ingest_cmd
from jzcredit.cli import lists as lists_cmd
from jzcredit.cli import notices as notices_cmd
from jzcredit.cli import objections as objections_cmd
from jzcredit.cli import programs as programs_cmd
from jzcredit.cli import ratings as ratings_cmd
from jzcredit.cli import repairs as repairs_cmd
from jzcredit.cli import report as report_cmd
from jzcredit.cli import serve as serve_cmd
from jzcredit.cli import setup as setup_cmd
from jzcredit.cli import stats as stats_cmd
from jzcredit.cli import subjects as subjects_cmd
from jzcredit.cli import supervise as supervise_cmd
from jzcredit.cli import tick as tick_cmd
from jzcredit.cli import users as users_cmd
from jzcredit.cli.context import CliContext, err_console
from jzcredit.common.clock import parse_now
from jzcredit.config import Settings, set_settings
from jzcredit.errors import JzError

app = typer.Typer(
    name="jzcredit",
    help="家政服务信用信息平台 — housekeeping-service credit information platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option("--db", help="Database URL (JZCREDIT_DATABASE_URL).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="YAML overriding rule defaults.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Simulated date/time (JZCREDIT_NOW).")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    overrides: dict[str, object] = {}
    if db:
        overrides["database_url"] = db
    if config:
        overrides["config"] = config
    if as_of:
        parse_now(as_of)  # fail early on a bad date
        overrides["now"] = as_of
    settings = Settings(**overrides)  # type: ignore[arg-type]
    set_settings(settings)
    ctx.obj = CliContext(settings=settings, json_output=json_output)


setup_cmd.register(app)
demo_cmd.register(app)
ingest_cmd.register(app)
subjects_cmd.register(app)
evaluate_cmd.register(app)
audit_cmd.register(app)
serve_cmd.register(app)
users_cmd.register(app)
backup_cmd.register(app)
lists_cmd.register(app)
tick_cmd.register(app)
supervise_cmd.register(app)
stats_cmd.register(app)
programs_cmd.register(app)
notices_cmd.register(app)
objections_cmd.register(app)
repairs_cmd.register(app)
commitments_cmd.register(app)
complaints_cmd.register(app)
ratings_cmd.register(app)
banks_cmd.register(app)
feed_cmd.register(app)
report_cmd.register(app)
card_cmd.register(app)


def main() -> None:
    try:
        app()
    except JzError as exc:
        err_console.print(f"错误：{exc.detail}", markup=False, soft_wrap=True)
        raise SystemExit(1) from exc
