"""金融支持家政扶贫 (seed 000, 商办服贸函〔2020〕136号): per company the figures regulators screen by,
whether it is on the recommended list (推荐名单), and the loans entered for it in the year.

Workers count only while the worker's ``bank_aggregate`` consent is in force (spec §3.8: banks count
only consented workers); the workers left out are reported as a number, never by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from jzcredit.complaints.models import Complaint
from jzcredit.programs.common import (
    GRADE_UNKNOWN,
    CompanyRow,
    ListMark,
    Outcome,
    Scope,
    cny,
    company_rows,
    grades,
    list_marks,
    on_platform,
)
from jzcredit.programs.models import SupportedLoan
from jzcredit.programs.rules import FinancingRules
from jzcredit.registry.models import Company, Consent, Employment, Region, Worker
from jzcredit.supervision.export import LIST_LABELS

RECOMMENDED, NOT_RECOMMENDED = "recommended", "not_recommended"
MODEL_LABELS = {"employee": "员工制", "intermediary": "中介制"}
PASS, FAIL = "符合", "不符合"


@dataclass
class WorkerFigures:
    """Current workers of one company, counted once each, among those with ``bank_aggregate`` in force."""

    workers: int = 0
    identified_authorised: int = 0  # 完成识别授权: identity verified and ``collect`` in force
    national_poor_county: int = 0  # native to a national-level poor county (region table)
    provincial_poor_county: int = 0
    registered_poor: int = 0  # 建档立卡贫困劳动力
    poor_workers: int = 0  # any of the three above, once
    not_counted: int = 0  # current workers without the consent: left out of every figure above


@dataclass
class ComplaintFigures:
    total: int = 0
    resolved: int = 0
    unanswered: int = 0
    substantiated: int = 0


def consent_in_force(scope_name: str, worker_id: Any, now: datetime) -> ColumnElement[bool]:
    """The worker has granted ``scope_name`` by ``now`` and not revoked it by then (as ``reports.stats``)."""
    return exists(select(Consent.id).where(Consent.worker_id == worker_id, Consent.scope == scope_name,
                                           Consent.granted_at <= now,
                                           or_(Consent.revoked_at.is_(None), Consent.revoked_at > now)))


def worker_figures(session: Session, scope: Scope) -> dict[int, WorkerFigures]:
    """One grouped query over the current employments in scope."""
    now, worker = scope.now, Employment.worker_id
    bank = consent_in_force("bank_aggregate", worker, now)
    verified = and_(Worker.identity_verified_at.is_not(None), Worker.identity_verified_at <= now)
    national, provincial = Region.poverty_level == "national", Region.poverty_level == "provincial"
    poor = Worker.registered_poor.is_(True)

    def distinct_if(*conditions: ColumnElement[bool]) -> Any:
        return func.count(func.distinct(case((and_(*conditions), worker))))

    rows = session.execute(
        select(Employment.company_id, distinct_if(bank),
               distinct_if(bank, verified, consent_in_force("collect", worker, now)),
               distinct_if(bank, national), distinct_if(bank, provincial), distinct_if(bank, poor),
               distinct_if(bank, or_(national, provincial, poor)), distinct_if(not_(bank)))
        .join(Company, Company.subject_id == Employment.company_id)
        .join(Worker, Worker.subject_id == worker)
        .outerjoin(Region, Region.region_code == Worker.native_region)
        .where(scope.current_employment(), on_platform())
        .group_by(Employment.company_id))
    return {cid: WorkerFigures(*(int(n) for n in counts)) for cid, *counts in rows}


def complaint_figures(session: Session, scope: Scope, window_days: int) -> dict[int, ComplaintFigures]:
    """Complaints against each company filed in the ``window_days`` days ending on the day."""
    since = scope.day - timedelta(days=window_days - 1)

    def count_if(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    rows = session.execute(
        select(Complaint.company_id, func.count(), count_if(Complaint.status == "resolved"),
               count_if(Complaint.unanswered.is_(True)), count_if(Complaint.finding == "substantiated"))
        .join(Company, Company.subject_id == Complaint.company_id)
        .where(scope.company(), Complaint.filed_on >= since, Complaint.filed_on <= scope.day)
        .group_by(Complaint.company_id))
    return {cid: ComplaintFigures(*(int(n or 0) for n in counts)) for cid, *counts in rows}


def loans_in_year(session: Session, scope: Scope, year: int) -> dict[int, tuple[int, Decimal]]:
    """Loans entered for each company with ``granted_on`` in the year: (count, sum)."""
    rows = session.execute(
        select(SupportedLoan.company_id, func.count(), func.sum(SupportedLoan.amount))
        .join(Company, Company.subject_id == SupportedLoan.company_id)
        .where(scope.company(), SupportedLoan.granted_on >= date(year, 1, 1),
               SupportedLoan.granted_on <= date(year, 12, 31))
        .group_by(SupportedLoan.company_id))
    return {cid: (int(n), Decimal(total)) for cid, n, total in rows}


# --- the recommended list (推荐名单) ---------------------------------------------------------


def _labels(values: Iterable[str], labels: dict[str, str]) -> str:
    return "、".join(labels.get(v, v) for v in values) or "（无）"


def _grade_check(grade: str | None, rules: FinancingRules) -> tuple[bool, str]:
    ok = grade in rules.grades
    shown = f"信用等级 {grade}" if grade else GRADE_UNKNOWN
    return ok, f"{shown}，{'在' if ok else '不在'}推荐等级（{'、'.join(rules.grades)}）之内"


def _list_check(marks: list[ListMark], rules: FinancingRules) -> tuple[bool, str]:
    hits = [m for m in marks if m.list_name in rules.excluded_lists]
    if not hits:
        return True, f"未列入{_labels(rules.excluded_lists, LIST_LABELS)}"
    return False, "列入" + "；".join(m.describe() for m in hits)


def _model_check(model: str | None, rules: FinancingRules) -> tuple[bool, str]:
    wanted = _labels(rules.employment_models, MODEL_LABELS)
    if model is None:
        return False, f"经营模式未登记，推荐的经营模式为{wanted}"
    ok = model in rules.employment_models
    return ok, f"经营模式{MODEL_LABELS.get(model, model)}，{'属于' if ok else '不属于'}推荐的经营模式（{wanted}）"


def _authorised_check(w: WorkerFigures, rules: FinancingRules) -> tuple[bool, str]:
    ok = w.identified_authorised >= rules.min_identified_authorised
    return ok, (f"完成识别授权的家政服务员 {w.identified_authorised} 人，{'不少于' if ok else '少于'} "
                f"{rules.min_identified_authorised} 人（只计同意向银行提供汇总信息的 {w.workers} 名在职人员，"
                f"另有 {w.not_counted} 人未同意、不计入）")


def _poor_check(w: WorkerFigures, rules: FinancingRules) -> tuple[bool, str]:
    enough = w.poor_workers >= rules.min_poor_workers
    share_ok = w.poor_workers * 100 >= rules.min_poor_share_percent * w.workers and (
        w.workers > 0 or rules.min_poor_share_percent == 0)
    share = (Decimal(w.poor_workers * 100) / w.workers).quantize(Decimal("0.1")) if w.workers else Decimal(0)
    return enough and share_ok, (
        f"贫困劳动力 {w.poor_workers} 人（国家级贫困县籍 {w.national_poor_county}、省级贫困县籍 "
        f"{w.provincial_poor_county}、建档立卡 {w.registered_poor}，一人只计一次），"
        f"{'不少于' if enough else '少于'} {rules.min_poor_workers} 人；占计入人数的 {share}%，"
        f"{'不低于' if share_ok else '低于'} {rules.min_poor_share_percent}%")


def _complaint_check(c: ComplaintFigures, rules: FinancingRules) -> tuple[bool, str]:
    ok = (c.unanswered <= rules.max_unanswered_complaints
          and c.substantiated <= rules.max_substantiated_complaints)
    return ok, (f"近 {rules.complaint_window_days} 天投诉 {c.total} 件，其中逾期未答复 {c.unanswered} 件"
                f"（上限 {rules.max_unanswered_complaints}）、查实 {c.substantiated} 件"
                f"（上限 {rules.max_substantiated_complaints}）")


def recommend(*, grade: str | None, marks: list[ListMark], model: str | None, workers: WorkerFigures,
              complaints: ComplaintFigures, rules: FinancingRules) -> tuple[bool, list[str]]:
    """Every criterion with its verdict; recommended only when all hold."""
    checks = {"信用等级": _grade_check(grade, rules), "名单": _list_check(marks, rules),
              "经营模式": _model_check(model, rules), "识别授权": _authorised_check(workers, rules),
              "贫困劳动力": _poor_check(workers, rules), "投诉": _complaint_check(complaints, rules)}
    failed = [name for name, (ok, _) in checks.items() if not ok]
    head = (f"推荐：{len(checks)} 项条件均符合" if not failed
            else f"不推荐：{len(failed)} 项条件不符合（{'、'.join(failed)}）")
    return not failed, [head, *(f"{PASS if ok else FAIL}：{text}" for ok, text in checks.values())]


def _outcome(company: CompanyRow, *, year: int, grade: str | None, marks: list[ListMark], workers: WorkerFigures,
             complaints: ComplaintFigures, loans: tuple[int, Decimal], rules: FinancingRules) -> Outcome:
    ok, reasons = recommend(grade=grade, marks=marks, model=company.employment_model, workers=workers,
                            complaints=complaints, rules=rules)
    count, total = loans
    reasons.append(f"{year} 年已录入贷款 {count} 笔，合计 {cny(total)} 元" if count else f"{year} 年未录入贷款")
    extra = {"recommended": ok, "grade": grade, "lists": sorted({m.list_name for m in marks}),
             "employment_model": company.employment_model, "figures": asdict(workers),
             "complaints": asdict(complaints) | {"window_days": rules.complaint_window_days}, "loans": count}
    return Outcome(company, total, RECOMMENDED if ok else NOT_RECOMMENDED, reasons, extra)


def run(session: Session, *, year: int, scope: Scope, rules: FinancingRules) -> list[Outcome]:
    """Every active company on the platform inside the scope, by USCC."""
    companies = company_rows(session, scope, on_platform())
    workers = worker_figures(session, scope)
    complaints = complaint_figures(session, scope, rules.complaint_window_days)
    loans = loans_in_year(session, scope, year)
    graded, marks = grades(session, scope), list_marks(session, scope)
    return [_outcome(c, year=year, grade=graded.get(c.subject_id), marks=marks.get(c.subject_id, []),
                     workers=workers.get(c.subject_id, WorkerFigures()),
                     complaints=complaints.get(c.subject_id, ComplaintFigures()),
                     loans=loans.get(c.subject_id, (0, Decimal(0))), rules=rules) for c in companies]
