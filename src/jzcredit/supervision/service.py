"""§3.7 双随机 inspection plans: draw companies per stratum, assign two inspectors, reproducibly by seed.

Given the same data, year, scope, seed and roster, a plan is the same: companies are drawn per stratum
(in the order of ``STRATA``) from a list sorted by USCC with ``random.Random(seed)``, then inspectors
are drawn for the inspections in plan order from the same generator — so adding or changing the roster
never changes which companies are drawn.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.common.regions import in_scope, scope_filter, scope_prefix, validate_scope
from jzcredit.errors import Invalid
from jzcredit.evaluation.models import EvaluationHead
from jzcredit.lists.models import ListEntry
from jzcredit.registry.models import Company
from jzcredit.supervision.roster import Inspector, Roster
from jzcredit.supervision.rules import STRATA, SupervisionRules

INSPECTORS_PER_INSPECTION = 2  # 双随机: at least two law-enforcement officers per inspection
YEARS = range(2000, 2101)


@dataclass(frozen=True)
class PlanCompany:
    subject_id: int
    uscc: str
    name: str
    region_code: str | None
    grade: str | None  # None = never evaluated
    lists: tuple[str, ...]  # red / black / watch entries in force now
    stratum: str


@dataclass(frozen=True)
class Inspection:
    company: PlanCompany
    inspectors: tuple[Inspector, ...]  # empty when the plan has no roster


@dataclass(frozen=True)
class StratumCount:
    stratum: str
    rate_percent: Any  # Decimal
    companies: int
    drawn: int


@dataclass(frozen=True)
class Plan:
    year: int
    seed: int
    region: str | None
    created_at: datetime
    strata: tuple[StratumCount, ...]  # most severe first
    inspections: tuple[Inspection, ...]  # most severe stratum first, then by USCC
    roster: Roster | None

    def digest(self) -> str:
        """SHA-256 over the drawn companies and their inspectors: names the plan in the audit trail."""
        h = hashlib.sha256()
        for i in self.inspections:
            h.update("\x1f".join([i.company.stratum, i.company.uscc, *(p.label for p in i.inspectors)]).encode())
            h.update(b"\x1e")
        return h.hexdigest()


def lists_in_force(as_of: date) -> ColumnElement[bool]:
    """A list entry that puts its subject on a list on ``as_of``: a published red or black entry with
    ``published_on`` ≤ as_of ≤ ``expires_on``, or an active watch entry (as ``lists.measures`` checks
    one subject, here as one SQL condition for many)."""
    published = and_(ListEntry.list_name.in_(("red", "black")), ListEntry.status == "published",
                     ListEntry.published_on <= as_of, ListEntry.expires_on >= as_of)
    return or_(published, and_(ListEntry.list_name == "watch", ListEntry.status == "active"))


def _list_memberships(session: Session, prefix: str | None, as_of: date) -> dict[int, set[str]]:
    rows = session.execute(
        select(ListEntry.subject_id, ListEntry.list_name).distinct()
        .join(Company, Company.subject_id == ListEntry.subject_id)
        .where(lists_in_force(as_of), Company.status == "active", scope_filter(Company.region_code, prefix)))
    out: dict[int, set[str]] = defaultdict(set)
    for subject_id, list_name in rows:
        out[subject_id].add(list_name)
    return out


def plan_companies(session: Session, *, rules: SupervisionRules, region: str | None,
                   as_of: date) -> list[PlanCompany]:
    """Active companies inside the scope with their grade, the lists they are on and stratum, by USCC."""
    prefix = scope_prefix(region)
    lists = _list_memberships(session, prefix, as_of)
    rows = session.execute(
        select(Company.subject_id, Company.uscc, Company.name, Company.region_code, EvaluationHead.grade)
        .outerjoin(EvaluationHead, EvaluationHead.subject_id == Company.subject_id)
        .where(Company.status == "active", scope_filter(Company.region_code, prefix))
        .order_by(Company.uscc))
    out = []
    for subject_id, uscc, name, region_code, grade in rows:
        on = frozenset(lists.get(subject_id, ()))
        out.append(PlanCompany(subject_id=subject_id, uscc=uscc, name=name, region_code=region_code, grade=grade,
                               lists=tuple(s for s in ("black", "watch", "red") if s in on),
                               stratum=rules.stratum_of(grade, on)))
    return out


def _eligible(roster: Roster, region_code: str | None) -> list[Inspector]:
    return [p for p in roster.inspectors if in_scope(region_code, p.prefix)]


def _assign(rng: random.Random, drawn: list[PlanCompany], roster: Roster | None) -> list[Inspection]:
    if roster is None:
        return [Inspection(company=c, inspectors=()) for c in drawn]
    pools: dict[str | None, list[Inspector]] = {}
    out = []
    for company in drawn:
        pool = pools.get(company.region_code)
        if pool is None:
            pool = pools[company.region_code] = _eligible(roster, company.region_code)
        if len(pool) < INSPECTORS_PER_INSPECTION:
            raise Invalid("supervision.too_few_inspectors",
                          f"检查人员名册 {roster.file_name} 中辖区覆盖 {company.region_code or '（无区划）'} 的检查人员"
                          f"只有 {len(pool)} 名，企业 {company.uscc} 的检查需要 {INSPECTORS_PER_INSPECTION} 名")
        out.append(Inspection(company=company, inspectors=tuple(rng.sample(pool, INSPECTORS_PER_INSPECTION))))
    return out


def draw_plan(companies: list[PlanCompany], *, rules: SupervisionRules, roster: Roster | None,
              seed: int) -> tuple[list[StratumCount], list[Inspection]]:
    """The draw itself (pure): per stratum ``rng.sample`` of the rounded-up count, then inspectors."""
    rng = random.Random(seed)
    by_stratum: dict[str, list[PlanCompany]] = {s: [] for s in STRATA}
    for company in sorted(companies, key=lambda c: c.uscc):
        by_stratum[company.stratum].append(company)
    counts: list[StratumCount] = []
    drawn: dict[str, list[PlanCompany]] = {}
    for stratum in STRATA:
        members = by_stratum[stratum]
        k = rules.draw_count(stratum, len(members))
        drawn[stratum] = sorted(rng.sample(members, k), key=lambda c: c.uscc)
        counts.append(StratumCount(stratum, rules.rate_percent[stratum], len(members), k))
    ordered = [c for stratum in reversed(STRATA) for c in drawn[stratum]]
    return counts[::-1], _assign(rng, ordered, roster)


def make_plan(session: Session, *, rules: SupervisionRules, year: int, seed: int, region: str | None,
              roster: Roster | None, now: datetime) -> Plan:
    """Build a year's inspection plan for the active companies inside ``region`` (no audit, no file)."""
    if year not in YEARS:
        raise Invalid("supervision.year_invalid", f"年度 {year} 无效：应为 {YEARS.start}–{YEARS.stop - 1} 之间的年份")
    scope = validate_scope(region)
    companies = plan_companies(session, rules=rules, region=scope, as_of=today(now))
    counts, inspections = draw_plan(companies, rules=rules, roster=roster, seed=seed)
    return Plan(year=year, seed=seed, region=scope, created_at=now, strata=tuple(counts),
                inspections=tuple(inspections), roster=roster)


def record_plan(session: Session, *, plan: Plan, file_name: str, actor: str, now: datetime) -> None:
    """Append the plan's creation to the audit chain (seed, scope, counts, roster and plan digests)."""
    audit.append(session, actor=actor, action="supervision.plan", obj=f"supervision_plan:{plan.year}",
                 now=now, detail={"file": file_name, "digest": plan.digest(), **summary(plan)})


def summary(plan: Plan) -> dict[str, Any]:
    """JSON-ready: per stratum companies, rate (a fraction) and drawn; totals; the roster used."""
    return {
        "year": plan.year, "seed": plan.seed, "region": plan.region,
        "companies": sum(s.companies for s in plan.strata),
        "drawn": len(plan.inspections),
        "strata": {s.stratum: {"companies": s.companies, "rate": float(s.rate_percent / 100), "drawn": s.drawn}
                   for s in plan.strata},
        "inspectors_assigned": plan.roster is not None,
        "roster": None if plan.roster is None else {
            "file": plan.roster.file_name, "sha256": plan.roster.sha256, "inspectors": len(plan.roster.inspectors)},
    }
