"""Run CLI commands in-process with the real global options (``--db``, ``--json`` …)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from jzcredit.cli import main as cli_main
from jzcredit.config import Settings

Invoke = Callable[..., Result]


def json_ok(invoke: Invoke, app: typer.Typer, as_of: str, *args: str) -> Any:
    """Run ``args`` on ``as_of``; it must succeed; its ``--json`` document."""
    result = invoke(app, ["--as-of", as_of, *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def one_line_error(result: Result, words: str) -> None:
    """A user error: exit 1, one line on stderr naming ``words``, nothing on stdout, no traceback."""
    assert result.exit_code == 1, result.output
    assert words in result.stderr, result.stderr
    assert result.stderr.strip().count("\n") == 0 and result.stdout == "" and "Traceback" not in result.output


def app_with(*registers: Callable[[typer.Typer], None]) -> typer.Typer:
    """The real global options plus the given command groups (independent of what main.py registers)."""
    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
    app.callback()(cli_main.main_options)
    for register in registers:
        register(app)
    return app


@pytest.fixture
def cli_app() -> Callable[..., typer.Typer]:
    """``cli_app(module.register, …)`` → a Typer app with the global options and those groups."""
    return app_with


@pytest.fixture
def invoke(settings: Settings) -> Invoke:
    """``invoke(app, args, db=None, json_output=True)`` with the test secret and a fixed clock."""
    assert settings.secret_key is not None
    env = {"JZCREDIT_SECRET_KEY": settings.secret_key.get_secret_value(), "JZCREDIT_NOW": "2026-06-30T10:00"}
    runner = CliRunner()

    def run(app: typer.Typer, args: Sequence[str], *, db: str | None = None, json_output: bool = True) -> Result:
        argv = ["--db", db or settings.database_url, *(["--json"] if json_output else []), *args]
        return runner.invoke(app, argv, env=env)

    return run
