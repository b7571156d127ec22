"""统计: counts by region, grade, list, identity verification and poverty status (spec §4.3 ``stats``).

Every count is one aggregate query (GROUP BY or conditional sums), never a loop over subjects.

Where a subject is: a company by its ``region_code``; a worker by the region of each company that
employs them now (an employment is current on day D when it started on or before D, has no end or
ends on or after D, and the employer is active). A worker with two current employers in two regions
is counted in both region rows but once in every total. The ``by_region`` row ``region_code: null``
(national view only) holds companies without a region code (known only from another department's
record) and workers employed only there or not employed at all. Poverty status is by native region
(from the ID number), which is what the poverty programmes define it by.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session

from jzcredit.common.clock import today
from jzcredit.common.regions import scope_filter, scope_prefix, validate_scope
from jzcredit.evaluation.models import GRADES, EvaluationHead
from jzcredit.lists.models import ListEntry
from jzcredit.registry.models import Company, Consent, Employment, Region, Subject, Worker
from jzcredit.supervision.service import lists_in_force

NOT_EVALUATED = "not_evaluated"
POVERTY_KEYS = {"national": "national_poor_county", "provincial": "provincial_poor_county", "none": "none"}
REGION_UNKNOWN = "unknown"  # native region not in the region table
# list → the status that counts as "on the list now"
LIST_IN_FORCE = {"red": "published", "black": "published", "watch": "active"}


class _Scope:
    """The region scope and the day, as SQL conditions."""

    def __init__(self, region: str | None, now: datetime) -> None:
        self.region = validate_scope(region)
        self.prefix = scope_prefix(self.region)
        self.now = now
        self.day: date = today(now)

    def company(self) -> ColumnElement[bool]:
        return and_(Company.status == "active", scope_filter(Company.region_code, self.prefix))

    def current_employment(self) -> ColumnElement[bool]:
        return and_(or_(Employment.start_on.is_(None), Employment.start_on <= self.day),
                    or_(Employment.end_on.is_(None), Employment.end_on >= self.day), self.company())

    def worker(self, worker_id: Any) -> ColumnElement[bool]:
        """``worker_id`` is a worker inside the scope (every worker when national)."""
        if self.prefix is None:
            return true()
        return exists(select(Employment.id).join(Company, Company.subject_id == Employment.company_id)
                      .where(Employment.worker_id == worker_id, self.current_employment()))


def _grade_counts(rows: Iterable[Any]) -> dict[str, int]:
    out = {g: 0 for g in GRADES} | {NOT_EVALUATED: 0}
    for grade, n in rows:
        key = NOT_EVALUATED if grade is None else grade
        out[key] = out.get(key, 0) + int(n)
    return out


def _company_grades(session: Session, scope: _Scope) -> dict[str, int]:
    return _grade_counts(session.execute(
        select(EvaluationHead.grade, func.count())
        .select_from(Company).outerjoin(EvaluationHead, EvaluationHead.subject_id == Company.subject_id)
        .where(scope.company()).group_by(EvaluationHead.grade)))


def _by_region(session: Session, scope: _Scope) -> list[dict[str, Any]]:
    """Companies and workers per region code; no region (national view only) under None."""
    rows: dict[str | None, dict[str, Any]] = {}

    def row(code: str | None) -> dict[str, Any]:
        return rows.setdefault(code, {"region_code": code, "name": None, "companies": 0, "workers": 0})

    for code, n in session.execute(select(Company.region_code, func.count()).where(scope.company())
                                   .group_by(Company.region_code)):
        row(code)["companies"] = int(n)
    for code, n in session.execute(
            select(Company.region_code, func.count(func.distinct(Employment.worker_id)))
            .select_from(Employment).join(Company, Company.subject_id == Employment.company_id)
            .where(scope.current_employment()).group_by(Company.region_code)):
        row(code)["workers"] = int(n)
    if scope.prefix is None:
        employed = session.scalar(
            select(func.count(func.distinct(Employment.worker_id)))
            .select_from(Employment).join(Company, Company.subject_id == Employment.company_id)
            .where(scope.current_employment()))
        unemployed = (session.scalar(select(func.count()).select_from(Worker)) or 0) - (employed or 0)
        if unemployed:
            row(None)["workers"] += unemployed
    codes = [c for c in rows if c is not None]
    if codes:
        for code, name in session.execute(select(Region.region_code, Region.name)
                                          .where(Region.region_code.in_(codes))):
            rows[code]["name"] = name
    return sorted(rows.values(), key=lambda r: (r["region_code"] is None, r["region_code"] or ""))


def _by_list(session: Session, scope: _Scope) -> dict[str, dict[str, int]]:
    """Distinct subjects per list: on it now (``lists_in_force``) and candidates."""
    in_scope = or_(and_(Subject.kind == "worker", scope.worker(ListEntry.subject_id)),
                   and_(Subject.kind == "company", scope.company()))
    rows = session.execute(
        select(ListEntry.list_name, ListEntry.status, func.count(func.distinct(ListEntry.subject_id)))
        .join(Subject, Subject.id == ListEntry.subject_id)
        .outerjoin(Company, Company.subject_id == ListEntry.subject_id)
        .where(or_(lists_in_force(scope.day), ListEntry.status == "candidate"), in_scope)
        .group_by(ListEntry.list_name, ListEntry.status))
    out = {name: {status: 0, "candidates": 0} for name, status in LIST_IN_FORCE.items()}
    for list_name, status, n in rows:
        if list_name not in out:
            continue
        if status == "candidate":
            out[list_name]["candidates"] = int(n)
        elif status == LIST_IN_FORCE[list_name]:
            out[list_name][status] = int(n)
    return out


def _worker_groups(session: Session, scope: _Scope) -> list[Any]:
    """One pass over the workers in scope, grouped by grade, verification, authorisation and poverty.

    At most a few hundred groups come back (6 grades × 2 × 2 × 4 poverty levels × 2); the breakdowns
    below are sums over them.
    """
    collect = (select(Consent.worker_id)
               .where(Consent.scope == "collect", Consent.granted_at <= scope.now,
                      or_(Consent.revoked_at.is_(None), Consent.revoked_at > scope.now))
               .group_by(Consent.worker_id).subquery())
    verified = and_(Worker.identity_verified_at.is_not(None), Worker.identity_verified_at <= scope.now)
    per_worker = (
        select(EvaluationHead.grade.label("grade"),
               case((verified, 1), else_=0).label("verified"),
               case((and_(verified, collect.c.worker_id.is_not(None)), 1), else_=0).label("authorised"),
               Region.poverty_level.label("poverty"),
               case((Worker.registered_poor.is_(True), 1), else_=0).label("poor"))
        .select_from(Worker)
        .outerjoin(EvaluationHead, EvaluationHead.subject_id == Worker.subject_id)
        .outerjoin(collect, collect.c.worker_id == Worker.subject_id)
        .outerjoin(Region, Region.region_code == Worker.native_region)
        .where(scope.worker(Worker.subject_id)).subquery())
    keys = (per_worker.c.grade, per_worker.c.verified, per_worker.c.authorised, per_worker.c.poverty,
            per_worker.c.poor)
    return list(session.execute(select(*keys, func.count()).group_by(*keys)))


def _worker_breakdowns(groups: list[Any]) -> dict[str, Any]:
    """Grades, 人证核验 / 完成识别授权 (identity verified and ``collect`` consent in force now) and poverty."""
    verification = {"workers": 0, "verified": 0, "identified_authorised": 0}
    native = {key: 0 for key in POVERTY_KEYS.values()} | {REGION_UNKNOWN: 0}
    registered_poor = 0
    for _grade, verified, authorised, poverty, poor, n in groups:
        verification["workers"] += n
        verification["verified"] += n if verified else 0
        verification["identified_authorised"] += n if authorised else 0
        native[REGION_UNKNOWN if poverty is None else POVERTY_KEYS.get(poverty, REGION_UNKNOWN)] += n
        registered_poor += n if poor else 0
    return {"grades": _grade_counts((g[0], g[-1]) for g in groups), "verification": verification,
            "poverty": {"native_region": native, "registered_poor": registered_poor}}


def stats(session: Session, *, region: str | None, now: datetime) -> dict[str, Any]:
    """All counts for a region scope (``None`` or ``000000`` = national), JSON-ready."""
    scope = _Scope(region, now)
    company_grades = _company_grades(session, scope)
    workers = _worker_breakdowns(_worker_groups(session, scope))
    return {
        "as_of": scope.day.isoformat(),
        "region": scope.region,
        "companies": sum(company_grades.values()),
        "workers": workers["verification"]["workers"],
        "by_region": _by_region(session, scope),
        "by_grade": {"companies": company_grades, "workers": workers["grades"]},
        "by_list": _by_list(session, scope),
        "verification": workers["verification"],
        "poverty": workers["poverty"],
    }
