"""``serve``: refuses an uninitialised database, prints the URL on stderr, runs uvicorn with the app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from fastapi import FastAPI
from typer.testing import Result

from jzcredit.cli import serve as serve_cmd

Invoke = Callable[..., Result]


@pytest.fixture
def app(cli_app: Callable[..., typer.Typer]) -> typer.Typer:
    return cli_app(serve_cmd.register)


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_run(asgi: Any, **kwargs: Any) -> None:
        calls.append({"app": asgi, **kwargs})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls


def test_serve_prints_the_url_and_runs_the_app(invoke: Invoke, app: typer.Typer, runs: list[dict[str, Any]]) -> None:
    result = invoke(app, ["serve", "--port", "8123"], json_output=False)
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.stderr and result.stdout == ""
    (call,) = runs
    assert isinstance(call["app"], FastAPI) and (call["host"], call["port"]) == ("127.0.0.1", 8123)


def test_serve_refuses_an_uninitialised_database(
    invoke: Invoke, app: typer.Typer, runs: list[dict[str, Any]], tmp_path: Path
) -> None:
    result = invoke(app, ["serve"], db=f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.exit_code == 1 and "jzcredit init" in result.stderr
    assert runs == []
