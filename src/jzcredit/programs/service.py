"""Policy programs (政策测算, spec §3.8): run one, store the run with every result, audit it.

``run_program`` is what the CLI (and later the API) calls; each program is a function from the
session, the year and the scope to one ``Outcome`` per company (see ``financing`` and ``jinan``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.jsontext import jsonable
from jzcredit.errors import Invalid, NotFound
from jzcredit.programs import financing, jinan
from jzcredit.programs.common import Outcome, Scope, check_year, money, result
from jzcredit.programs.models import ProgramRun
from jzcredit.programs.report import Report, build_report, summary
from jzcredit.programs.rules import ProgramsRules

Runner = Callable[[Session, int, Scope, ProgramsRules], list[Outcome]]
PROGRAMS: dict[str, tuple[str, Runner]] = {
    "financing": ("金融支持家政扶贫", lambda s, y, sc, r: financing.run(s, year=y, scope=sc, rules=r.financing)),
    "jinan-scale": ("济南家政企业规模化经营扶持",
                    lambda s, y, sc, r: jinan.run_scale(s, year=y, scope=sc, rules=r.jinan_scale)),
    "jinan-stores": ("济南社区家政网点奖励",
                     lambda s, y, sc, r: jinan.run_stores(s, year=y, scope=sc, rules=r.jinan_stores)),
}
SETTINGS_KEY = {"financing": "financing", "jinan-scale": "jinan_scale", "jinan-stores": "jinan_stores"}
REPORT_RUN = "financing-report"


def digest(results: list[dict[str, Any]]) -> str:
    text = json.dumps(results, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def program_label(name: str) -> str:
    if name not in PROGRAMS:
        raise Invalid("programs.unknown", f"未知的测算项目 {name!r}，可选：{'、'.join(PROGRAMS)}")
    return PROGRAMS[name][0]


def run_program(session: Session, *, name: str, year: int, region: str | None, recommended_only: bool,
                rules: ProgramsRules, now: datetime, actor: str) -> ProgramRun:
    """Compute a program for every company in scope; store the run (parameters, settings, results) and audit it.

    ``recommended_only`` (financing only) keeps the recommended companies.
    """
    program_label(name)
    check_year(year)
    if recommended_only and name != "financing":
        raise Invalid("programs.recommended_only_financing", "--recommended 只适用于 financing（推荐名单）")
    scope = Scope(region, now)
    results = [result(o) for o in PROGRAMS[name][1](session, year, scope, rules)]
    if recommended_only:
        results = [r for r in results if r["recommended"]]
    results = jsonable(results)
    settings = jsonable(asdict(getattr(rules, SETTINGS_KEY[name])))
    run = ProgramRun(name=name, year=year, run_at=now, actor=actor, results=results,
                     parameters={"region": scope.region, "recommended": recommended_only,
                                 "as_of": scope.day.isoformat(), "settings": settings})
    session.add(run)
    session.flush()
    total = sum((Decimal(r["amount"]) for r in results), Decimal(0))
    audit.append(session, actor=actor, action="programs.run", obj=f"program_run:{run.id}", now=now,
                 detail={"program": name, "year": year, "region": scope.region, "recommended": recommended_only,
                         "companies": len(results), "total_amount": money(total), "digest": digest(results)})
    return run


def record_export(session: Session, *, run: ProgramRun, file: Path, fmt: str, actor: str, now: datetime) -> None:
    """The list of a run left the platform as a file: noted on the run and in the audit chain."""
    run.parameters = {**run.parameters, "file": file.name, "format": fmt}
    audit.append(session, actor=actor, action="programs.export", obj=f"program_run:{run.id}", now=now,
                 detail={"file": file.name, "format": fmt, "rows": len(run.results)})


def quarterly_report(session: Session, *, year: int, quarter: int, region: str | None, now: datetime,
                     actor: str) -> tuple[Report, ProgramRun]:
    """附件2: build the report, store it as a run named ``financing-report`` and audit it.

    The caller writes the file (inside the same transaction, so a failed write stores nothing)."""
    report = build_report(session, year=year, quarter=quarter, region=region, now=now)
    data = jsonable(summary(report))
    run = ProgramRun(name=REPORT_RUN, year=year, run_at=now, actor=actor, results=data["rows"],
                     parameters={"quarter": quarter, "region": report.region, "counted_on": data["counted_on"]})
    session.add(run)
    session.flush()
    audit.append(session, actor=actor, action="programs.report", obj=f"program_run:{run.id}", now=now,
                 detail={"program": "financing", "year": year, "quarter": quarter, "region": report.region,
                         "companies": data["companies"], "loans": data["loans"], "amount": data["amount"],
                         "digest": digest(data["rows"])})
    return report, run


def get_run(session: Session, run_id: int) -> ProgramRun:
    run = session.get(ProgramRun, run_id)
    if run is None:
        raise NotFound("programs.run_unknown", f"没有编号为 {run_id} 的测算记录")
    return run


def list_runs(session: Session, *, name: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs, newest first, without their results."""
    query = select(ProgramRun).order_by(ProgramRun.id.desc()).limit(limit)
    if name is not None:
        query = query.where(ProgramRun.name == name)
    return [run_summary(r) for r in session.scalars(query)]


def run_summary(run: ProgramRun) -> dict[str, Any]:
    return {"run_id": run.id, "name": run.name, "year": run.year, "run_at": run.run_at, "actor": run.actor,
            "parameters": {k: v for k, v in run.parameters.items() if k != "settings"},
            "companies": len(run.results),
            "total_amount": money(sum((Decimal(r["amount"]) for r in run.results), Decimal(0)))}
