"""``evaluate`` and the evaluation in ``show`` through the real CLI: shapes, exit codes, broken models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.test_ingest_cli import jz


@pytest.fixture
def loaded(db_url: str, shared_data: Path) -> str:
    for name, kind in [("companies.csv", "companies"), ("workers.csv", "workers")]:
        p = jz(db_url, "ingest", str(shared_data / name), "--kind", kind, "--source", "cli")
        assert p.returncode == 0, p.stderr
    return db_url


def test_evaluate_all_prints_counts_by_grade_and_a_second_run_changes_nothing(loaded: str) -> None:
    first = jz(loaded, "--as-of", "2026-06-30", "--json", "evaluate", "--all")
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert set(data["grades"]) == {"A", "B", "C", "D", "N"}
    assert data["evaluated"] == sum(data["grades"].values()) > 0
    again = json.loads(jz(loaded, "--as-of", "2026-06-30", "--json", "evaluate", "--all").stdout)
    assert again["evaluated"] == data["evaluated"] and again["changed"] == 0


def test_show_carries_the_evaluation_with_factors_adding_up(loaded: str, shared_data: Path) -> None:
    uscc = (shared_data / "companies.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(",")[0]
    assert jz(loaded, "--as-of", "2026-06-30", "evaluate", uscc).returncode == 0
    shown = json.loads(jz(loaded, "--as-of", "2026-06-30", "--json", "show", uscc).stdout)
    ev = shown["evaluation"]
    assert ev["model"] == "company-2026.1" and ev["grade"] in "ABCDN"
    assert sum(f["points"] for f in ev["factors"]) == ev["score"]
    assert isinstance(ev["improvements"], list)


def test_bad_input_exits_1_with_one_line(loaded: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("evaluation:\n  models:\n    company-2026.1:\n      dimensions:\n        D1:\n"
                      "          weight: null\n", encoding="utf-8")
    for args in (["evaluate"], ["evaluate", "JZ0000000000"], ["--config", str(broken), "evaluate", "--all"],
                 ["--as-of", "2026-13-45", "evaluate", "--all"], ["evaluate", "--all", "--due"]):
        p = jz(loaded, *args)
        assert p.returncode == 1, (args, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr, p.stderr
    # the broken override applied nothing
    assert jz(loaded, "--json", "evaluate", "--due").returncode == 0


def test_ingest_re_evaluates_what_it_changed_unless_told_not_to(db_url: str, shared_data: Path) -> None:
    companies = str(shared_data / "companies.csv")
    skipped = json.loads(jz(db_url, "--json", "ingest", companies, "--kind", "companies", "--source", "a",
                            "--no-evaluate").stdout)
    assert "evaluation" not in skipped
    workers = json.loads(jz(db_url, "--json", "ingest", str(shared_data / "workers.csv"), "--kind", "workers",
                            "--source", "b").stdout)
    # the workers and their employers were graded; a company without staff waits for `evaluate`
    assert workers["evaluation"]["evaluated"] > workers["accepted"]
    again = json.loads(jz(db_url, "--json", "ingest", str(shared_data / "workers.csv"), "--kind", "workers",
                          "--source", "b").stdout)
    assert again["evaluation"]["changed"] == 0
