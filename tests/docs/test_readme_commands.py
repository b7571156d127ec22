"""The README's command table names every command and command group the CLI registers, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from jzcredit.cli.main import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def registered() -> set[str]:
    return set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def documented() -> set[str]:
    table = README.split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    names = set()
    for row in rows:
        items = re.findall(r"`([^`]+)`", row.split(" | ")[0])
        # the first item names its command; later bare words (`forward`) are sub-commands of it
        names |= {item.split()[0] for n, item in enumerate(items) if n == 0 or " " in item}
    return names


def test_every_command_is_in_the_readme_and_no_other() -> None:
    assert registered() - documented() == set(), "commands missing from the README table"
    assert documented() - registered() == set(), "the README names commands that do not exist"
