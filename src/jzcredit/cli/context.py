"""What every command shares: settings, the clock, the database, and output rules.

With ``--json`` exactly one JSON document goes to stdout and everything human to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.common import jsontext
from jzcredit.common.clock import current_time
from jzcredit.common.crypto import Vault, load_vault
from jzcredit.config import Settings
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.errors import JzError

err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


@dataclass
class CliContext:
    settings: Settings
    json_output: bool = False
    actor: str = "cli"
    _engine: Engine | None = field(default=None, repr=False)

    @cached_property
    def now(self) -> datetime:
        return current_time(self.settings.now)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    @cached_property
    def vault(self) -> Vault:
        return load_vault(self.settings)

    @property
    def human(self) -> Console:
        """Where human-readable text goes: stderr under --json, stdout otherwise."""
        return err_console if self.json_output else out_console

    def emit(self, data: Any, render: Callable[[Console], None] | None = None) -> None:
        if self.json_output:
            sys.stdout.write(jsontext.dumps(data) + "\n")
        elif render is not None:
            render(out_console)
        else:
            out_console.print_json(jsontext.dumps(data))


def get_ctx(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliContext)
    return obj


def fail(message: str) -> NoReturn:
    """A user error: one line on stderr, exit status 1."""
    err_console.print(f"错误：{message}", markup=False, soft_wrap=True)
    raise typer.Exit(1)


def fail_on(exc: JzError) -> NoReturn:
    fail(exc.detail)
