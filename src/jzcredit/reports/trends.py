"""统计（按月、按地区）: complaints and list entries per month, verification and consent per region.

The ``/stats`` page shows these beside :func:`jzcredit.reports.stats.stats`, in the same region scope and
with the same meaning of "where a subject is" (a company by its region code; a worker by the regions of the
companies employing them now), so a figure here and there agree:

- **Complaints by month** — complaints filed in each calendar month, against companies in the scope (by the
  company's region; history keeps deregistered companies), with how many of them went unanswered past the
  deadline and how many were closed as substantiated so far.
- **List entries by month** — red and black entries by the month they were published (whatever became of
  them since: removed and expired ones were published too), watch entries (internal, counted only) by the
  month they were opened. A worker's entry counts in a scope when the worker is employed there now.
- **Verification and consent by region** — the workers of each region one level below the scope (provinces
  nationally, cities in a province, districts in a city) with 人证核验, 完成识别授权 (verified and ``collect``
  consent in force) and ``public_card`` consent in force: a district's row equals that district's
  ``stats()["verification"]``.

Each figure is one aggregate query (months are bucketed with one CASE over the month boundaries, which both
engines run alike), never a loop over subjects.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session

from jzcredit.common.clock import SHANGHAI
from jzcredit.common.ids import PROVINCES
from jzcredit.common.regions import scope_filter
from jzcredit.complaints.models import Complaint
from jzcredit.lists.models import ListEntry
from jzcredit.registry.models import Company, Consent, Employment, Region, Subject, Worker
from jzcredit.reports.stats import _Scope as Scope  # one definition of a region scope for all statistics

MONTHS = 12
PUBLISHED_LISTS = ("red", "black")


def month_starts(as_of: date, months: int = MONTHS) -> list[date]:
    """The first days of the ``months`` calendar months ending with the month of ``as_of``, oldest first."""
    year, month = as_of.year, as_of.month
    out = []
    for _ in range(months):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def month_label(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _bucket(column: Any, bounds: list[Any]) -> tuple[ColumnElement[Any], ColumnElement[bool]]:
    """The month index of ``column`` (0 = oldest) as SQL, and the condition that it falls in the window.

    ``bounds`` are the month starts and the end of the last month (dates or local midnights)."""
    index = case(*((column < bounds[i + 1], i) for i in range(len(bounds) - 1)), else_=None)
    return index.cast(Integer), and_(column >= bounds[0], column < bounds[-1])


def _window(now: datetime, months: int) -> list[date]:
    starts = month_starts(now.astimezone(SHANGHAI).date(), months)
    return [*starts, _next_month(starts[-1])]


def complaints_by_month(session: Session, *, region: str | None, now: datetime, months: int = MONTHS
                        ) -> dict[str, Any]:
    """``{months: [YYYY-MM…], filed: […], unanswered: […], substantiated: […]}`` for the scope."""
    scope = Scope(region, now)
    bounds = _window(now, months)
    index, within = _bucket(Complaint.filed_on, bounds)
    unanswered = func.sum(case((Complaint.unanswered.is_(True), 1), else_=0))
    substantiated = func.sum(case((Complaint.finding == "substantiated", 1), else_=0))
    query = (select(index, func.count(), unanswered, substantiated).select_from(Complaint)
             .outerjoin(Company, Company.subject_id == Complaint.company_id)
             .where(within, scope_filter(Company.region_code, scope.prefix)).group_by(index))
    out: dict[str, Any] = {"months": [month_label(d) for d in bounds[:-1]]}
    for key in ("filed", "unanswered", "substantiated"):
        out[key] = [0] * months
    for i, filed, late, found in session.execute(query):
        if i is None:
            continue
        out["filed"][i], out["unanswered"][i], out["substantiated"][i] = int(filed), int(late or 0), int(found or 0)
    return out


def _entry_in_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.prefix is None:
        return true()
    return or_(and_(Subject.kind == "company", scope_filter(Company.region_code, scope.prefix)),
               and_(Subject.kind == "worker", scope.worker(ListEntry.subject_id)))


def list_entries_by_month(session: Session, *, region: str | None, now: datetime, months: int = MONTHS
                          ) -> dict[str, Any]:
    """``{months: […], red: […], black: […], watch: […]}``: new entries per month in the scope."""
    scope = Scope(region, now)
    bounds = _window(now, months)
    out: dict[str, Any] = {"months": [month_label(d) for d in bounds[:-1]]}
    for name in (*PUBLISHED_LISTS, "watch"):
        out[name] = [0] * months
    published, in_published = _bucket(ListEntry.published_on, bounds)
    local = [datetime.combine(d, time(0, 0), SHANGHAI) for d in bounds]
    opened, in_opened = _bucket(ListEntry.proposed_at, local)
    queries = (
        (published, and_(ListEntry.list_name.in_(PUBLISHED_LISTS), ListEntry.published_on.is_not(None), in_published)),
        (opened, and_(ListEntry.list_name == "watch", ListEntry.status.in_(("active", "closed")), in_opened)),
    )
    for index, where in queries:
        rows = session.execute(
            select(ListEntry.list_name, index, func.count()).select_from(ListEntry)
            .join(Subject, Subject.id == ListEntry.subject_id)
            .outerjoin(Company, Company.subject_id == ListEntry.subject_id)
            .where(where, _entry_in_scope(scope)).group_by(ListEntry.list_name, index))
        for name, i, n in rows:
            if name in out and i is not None:
                out[name][i] = int(n)
    return out


# --- verification and consent by region ----------------------------------------------------------------

LEVELS = {None: ("province", 2), 2: ("city", 4), 4: ("district", 6), 6: ("district", 6)}


def _consents(now: datetime) -> Any:
    """Per worker, whether ``collect`` and ``public_card`` consents are in force now (one grouped pass)."""
    live = and_(Consent.granted_at <= now, or_(Consent.revoked_at.is_(None), Consent.revoked_at > now),
                Consent.scope.in_(("collect", "public_card")))
    return (select(Consent.worker_id.label("worker_id"),
                   func.max(case((Consent.scope == "collect", 1), else_=0)).label("collect"),
                   func.max(case((Consent.scope == "public_card", 1), else_=0)).label("public_card"))
            .where(live).group_by(Consent.worker_id).subquery())


def _worker_counts(now: datetime, consents: Any) -> tuple[ColumnElement[Any], ...]:
    """Distinct workers; verified; identified and authorised; public card consent — as aggregates over workers
    outer-joined to ``consents``."""
    verified = and_(Worker.identity_verified_at.is_not(None), Worker.identity_verified_at <= now)
    worker = Worker.subject_id
    return (func.count(func.distinct(worker)),
            func.count(func.distinct(case((verified, worker), else_=None))),
            func.count(func.distinct(case((and_(verified, consents.c.collect == 1), worker), else_=None))),
            func.count(func.distinct(case((consents.c.public_card == 1, worker), else_=None))))


def _row(code: str | None, name: str | None, counts: tuple[Any, ...]) -> dict[str, Any]:
    workers, verified, authorised, public = (int(n or 0) for n in counts)
    return {"region_code": code, "name": name, "workers": workers, "verified": verified,
            "identified_authorised": authorised, "public_card": public}


def region_names(session: Session, codes: list[str]) -> dict[str, str]:
    """Names from the region table, else the province's name for a province code."""
    names = {code: PROVINCES[code[:2]] for code in codes if code.endswith("0000") and code[:2] in PROVINCES}
    if codes:
        rows = session.execute(select(Region.region_code, Region.name).where(Region.region_code.in_(codes)))
        names.update({code: name for code, name in rows})
    return names


def verification_by_region(session: Session, *, region: str | None, now: datetime) -> dict[str, Any]:
    """``{level, rows: [{region_code, name, workers, verified, identified_authorised, public_card}]}``.

    One row per region one level below the scope, a worker counted in each region employing them now (so
    rows may add up to more than the scope's total). Nationally a last row ``region_code: null`` holds the
    workers employed nowhere now or only by companies without a region code."""
    scope = Scope(region, now)
    level, digits = LEVELS[None if scope.prefix is None else len(scope.prefix)]
    child = func.substr(Company.region_code, 1, digits)
    consents = _consents(now)
    grouped = session.execute(
        select(child, *_worker_counts(now, consents)).select_from(Employment)
        .join(Company, Company.subject_id == Employment.company_id)
        .join(Worker, Worker.subject_id == Employment.worker_id)
        .outerjoin(consents, consents.c.worker_id == Worker.subject_id)
        .where(scope.current_employment()).group_by(child))
    by_code = {prefix: tuple(counts) for prefix, *counts in grouped if prefix}
    rows = [(prefix.ljust(6, "0"), counts) for prefix, counts in sorted(by_code.items())]
    names = region_names(session, [code for code, _ in rows])
    out = [_row(code, names.get(code), counts) for code, counts in rows]
    if scope.prefix is None:
        def employed(*where: ColumnElement[bool]) -> ColumnElement[bool]:
            return exists(select(Employment.id).join(Company, Company.subject_id == Employment.company_id)
                          .where(Employment.worker_id == Worker.subject_id, scope.current_employment(), *where))

        unplaced = session.execute(select(*_worker_counts(now, consents)).select_from(Worker)
                                   .outerjoin(consents, consents.c.worker_id == Worker.subject_id)
                                   .where(or_(~employed(), employed(Company.region_code.is_(None))))).one()
        if int(unplaced[0] or 0):
            out.append(_row(None, None, tuple(unplaced)))
    return {"level": level, "rows": out}
