"""Load subjects' facts in bulk: a handful of set queries per chunk of subjects, never one per subject.

A chunk is a sorted list of subject ids of one kind. Dense chunks (a full
re-evaluation) are read with ``BETWEEN`` on the indexed subject columns and
filtered here; sparse ones (a few changed subjects) with ``IN``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from jzcredit.common.clock import today
from jzcredit.evaluation.facts import Fact, Number, StaffFact, SubjectFacts
from jzcredit.evaluation.features import whole
from jzcredit.lists.models import ListEntry
from jzcredit.records.models import CreditRecord
from jzcredit.records.service import in_force_clause
from jzcredit.registry.models import Company, Consent, Employment, Rating, Subject, Worker

BASIC_FIELDS = ("name", "address", "region_code", "legal_representative")


def subject_chunks(session: Session, *, kind: str, size: int) -> Iterator[list[int]]:
    """Every subject id of a kind, in ascending chunks (keyset pagination: no OFFSET)."""
    last = 0
    while True:
        ids = list(session.scalars(select(Subject.id).where(Subject.kind == kind, Subject.id > last)
                                   .order_by(Subject.id).limit(size)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def among(column: InstrumentedAttribute[Any], ids: Sequence[int]) -> ColumnElement[bool]:
    """``column`` within sorted ``ids``: a range when they are dense (the caller drops the rows between them)."""
    if ids[-1] - ids[0] < 4 * len(ids):
        return column.between(ids[0], ids[-1])
    return column.in_(list(ids))


def _number(value: Any) -> Number | None:
    """An exact number from a record's details (training hours), ``int`` when whole."""
    if value is None or value == "":
        return None
    text = str(value)
    if text.isascii() and text.isdigit():
        return int(text)
    try:
        return whole(Fraction(text))
    except (ValueError, ZeroDivisionError):
        return None


# the one detail each type's features read (spec §4.3): extracted in SQL for that type only
DETAIL_OF_TYPE = {"health_check": "result", "background_check": "result", "complaint": "finding",
                  "tax_rating": "rating", "training": "hours", "commitment": "kind"}


def _detail() -> ColumnElement[Any]:
    d = CreditRecord.details
    by_key: dict[str, list[str]] = defaultdict(list)
    for type_, key in DETAIL_OF_TYPE.items():
        by_key[key].append(type_)
    return case(*[(CreditRecord.type.in_(types), d[key].as_string()) for key, types in by_key.items()])


def load_records(session: Session, ids: Sequence[int]) -> dict[int, list[Fact]]:
    query = select(CreditRecord.id, CreditRecord.subject_id, CreditRecord.type, CreditRecord.category,
                   CreditRecord.severity, CreditRecord.status, CreditRecord.decided_on, CreditRecord.publish_until,
                   CreditRecord.valid_until, _detail(),
                   case((CreditRecord.type == "commitment", CreditRecord.details["public"].as_boolean())),
                   ).where(among(CreditRecord.subject_id, ids))
    wanted = set(ids)
    out: dict[int, list[Fact]] = defaultdict(list)
    for rid, sid, type_, category, severity, status, decided, until, valid, detail, public in session.execute(query):
        if sid not in wanted:
            continue
        key = DETAIL_OF_TYPE.get(type_)
        if detail is not None:
            detail = str(detail)
        out[sid].append(Fact(rid, type_, category, severity, status, decided, until, valid,
                             detail if key == "result" else None, detail if key == "finding" else None,
                             detail if key == "rating" else None, _number(detail) if key == "hours" else None,
                             detail if key == "kind" else None, bool(public)))
    return out


def load_ratings(session: Session, column: InstrumentedAttribute[Any], ids: Sequence[int], as_of: date,
                 lookback_days: int) -> dict[int, list[tuple[int, date]]]:
    since = as_of - timedelta(days=lookback_days)
    query = select(column, Rating.stars, Rating.rated_on).where(
        among(column, ids), Rating.rated_on > since, Rating.rated_on <= as_of)
    out: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for subject_id, stars, on in session.execute(query):
        out[subject_id].append((stars, on))
    return out


def load_black_listed(session: Session, ids: Sequence[int]) -> set[int]:
    query = select(ListEntry.subject_id).where(among(ListEntry.subject_id, ids), ListEntry.list_name == "black",
                                               ListEntry.status == "published")
    return set(session.scalars(query))


def _current_employment(as_of: date) -> ColumnElement[bool]:
    return and_(or_(Employment.start_on.is_(None), Employment.start_on <= as_of),
                or_(Employment.end_on.is_(None), Employment.end_on > as_of))


def _collect_granted(now: datetime) -> ColumnElement[bool]:
    return and_(Consent.scope == "collect", Consent.granted_at <= now,
                or_(Consent.revoked_at.is_(None), Consent.revoked_at > now))


def _verified(now: datetime) -> ColumnElement[bool]:
    return and_(Worker.identity_verified_at.is_not(None), Worker.identity_verified_at <= now)


def _staff_record(column: Any, type_: str, as_of: date, *where: ColumnElement[bool]) -> Any:
    """The latest ``column`` of the employed worker's in-force records of a type (correlated to the row)."""
    return (select(func.max(column)).where(CreditRecord.subject_id == Employment.worker_id,
                                           CreditRecord.type == type_, in_force_clause(as_of), *where)
            .scalar_subquery())


def load_staff(session: Session, ids: Sequence[int], now: datetime, health_default_days: int
               ) -> dict[int, list[StaffFact]]:
    """Current workers of each company with what D2 asks of them: one row per employment, worked out in SQL.

    Every column is a subquery on the employed worker, so both engines look each one up by index
    (PostgreSQL would otherwise hash-join or hash the whole workers and consents tables per chunk).
    """
    as_of = today(now)
    passed = CreditRecord.details["result"].as_string() == "pass"
    query = (select(Employment.company_id, Employment.worker_id,
                    select(_verified(now)).where(Worker.subject_id == Employment.worker_id).scalar_subquery(),
                    select(Consent.id).where(Consent.worker_id == Employment.worker_id, _collect_granted(now))
                    .limit(1).scalar_subquery(),
                    _staff_record(CreditRecord.valid_until, "health_check", as_of, passed),
                    _staff_record(CreditRecord.decided_on, "health_check", as_of, passed,
                                  CreditRecord.valid_until.is_(None)),
                    _staff_record(CreditRecord.decided_on, "training", as_of))
             .where(among(Employment.company_id, ids), _current_employment(as_of)))
    wanted = set(ids)
    staff: dict[int, dict[int, StaffFact]] = defaultdict(dict)
    no_jit(session)
    for company_id, worker_id, verified, consent, until, undated, trained in session.execute(query):
        if company_id not in wanted or verified is None:  # None: no worker row (the join this replaces)
            continue
        if undated is not None:  # a passed check without valid_until lasts the default days
            default_until = undated + timedelta(days=health_default_days)
            until = default_until if until is None or default_until > until else until
        staff[company_id][worker_id] = StaffFact(worker_id, bool(verified) and consent is not None, until, trained)
    return {cid: [by_worker[w] for w in sorted(by_worker)] for cid, by_worker in staff.items()}


def no_jit(session: Session) -> None:
    """PostgreSQL: no JIT compilation for this transaction's look-ups.

    The planner's cost for a chunk's subqueries passes ``jit_above_cost``, and compiling them
    took longer (~0.3 s) than running them; the queries here are all index look-ups.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def load_companies(session: Session, ids: Sequence[int], now: datetime, *, lookback_days: int,
                   health_default_days: int) -> list[SubjectFacts]:
    as_of = today(now)
    no_jit(session)
    records = load_records(session, ids)
    ratings = load_ratings(session, Rating.company_id, ids, as_of, lookback_days)
    black = load_black_listed(session, ids)
    staff = load_staff(session, ids, now, health_default_days)
    wanted = set(ids)
    out = []
    for sid, *basic, established_on, employment_model, onboarded_on in session.execute(
            select(Company.subject_id, *(getattr(Company, f) for f in BASIC_FIELDS), Company.established_on,
                   Company.employment_model, Company.onboarded_on)
            .where(among(Company.subject_id, ids)).order_by(Company.subject_id)):
        if sid not in wanted:
            continue
        out.append(SubjectFacts(
            subject_id=sid, kind="company", records=tuple(records.get(sid, ())),
            ratings=tuple(ratings.get(sid, ())), black_listed=sid in black,
            basic_fields=tuple(f for f, value in zip(BASIC_FIELDS, basic, strict=True) if value),
            established_on=established_on, employee_model=employment_model == "employee",
            onboarded_on=onboarded_on, staff=tuple(staff.get(sid, ()))))
    return out


def load_workers(session: Session, ids: Sequence[int], now: datetime, *, lookback_days: int) -> list[SubjectFacts]:
    as_of = today(now)
    no_jit(session)
    records = load_records(session, ids)
    ratings = load_ratings(session, Rating.worker_id, ids, as_of, lookback_days)
    black = load_black_listed(session, ids)
    wanted = set(ids)
    consented = {w for w in session.scalars(select(Consent.worker_id).where(
        among(Consent.worker_id, ids), _collect_granted(now))) if w in wanted}
    out = []
    for worker_id, is_verified in session.execute(
            select(Worker.subject_id, _verified(now)).where(among(Worker.subject_id, ids))
            .order_by(Worker.subject_id)):
        if worker_id not in wanted:
            continue
        out.append(SubjectFacts(
            subject_id=worker_id, kind="worker", records=tuple(records.get(worker_id, ())),
            ratings=tuple(ratings.get(worker_id, ())), black_listed=worker_id in black,
            authorised=bool(is_verified) and worker_id in consented))
    return out
