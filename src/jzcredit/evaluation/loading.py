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

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from jzcredit.common.clock import today
from jzcredit.evaluation.facts import Fact, StaffFact, SubjectFacts
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


def _among(column: InstrumentedAttribute[Any], ids: Sequence[int]) -> ColumnElement[bool]:
    if ids[-1] - ids[0] < 4 * len(ids):
        return column.between(ids[0], ids[-1])
    return column.in_(list(ids))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _fraction(value: Any) -> Fraction | None:
    try:
        return None if value in (None, "") else Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None


def load_records(session: Session, ids: Sequence[int]) -> dict[int, list[Fact]]:
    d = CreditRecord.details
    query = select(CreditRecord.id, CreditRecord.subject_id, CreditRecord.type, CreditRecord.category,
                   CreditRecord.severity, CreditRecord.status, CreditRecord.decided_on, CreditRecord.publish_until,
                   CreditRecord.valid_until, d["result"].as_string(), d["finding"].as_string(),
                   d["rating"].as_string(), d["hours"].as_string(), d["kind"].as_string(),
                   d["public"].as_boolean()).where(_among(CreditRecord.subject_id, ids))
    wanted = set(ids)
    out: dict[int, list[Fact]] = defaultdict(list)
    for row in session.execute(query):
        if row[1] not in wanted:
            continue
        out[row[1]].append(Fact(record_id=row[0], type=row[2], category=row[3], severity=row[4], status=row[5],
                                decided_on=row[6], publish_until=row[7], valid_until=row[8], result=_text(row[9]),
                                finding=_text(row[10]), rating=_text(row[11]), hours=_fraction(row[12]),
                                commitment_kind=_text(row[13]), public=bool(row[14])))
    return out


def load_ratings(session: Session, column: InstrumentedAttribute[Any], ids: Sequence[int], as_of: date,
                 lookback_days: int) -> dict[int, list[tuple[int, date]]]:
    since = as_of - timedelta(days=lookback_days)
    query = select(column, Rating.stars, Rating.rated_on).where(
        _among(column, ids), Rating.rated_on > since, Rating.rated_on <= as_of)
    out: dict[int, list[tuple[int, date]]] = defaultdict(list)
    for subject_id, stars, on in session.execute(query):
        out[subject_id].append((stars, on))
    return out


def load_black_listed(session: Session, ids: Sequence[int]) -> set[int]:
    query = select(ListEntry.subject_id).where(_among(ListEntry.subject_id, ids), ListEntry.list_name == "black",
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


def load_staff(session: Session, ids: Sequence[int], now: datetime, health_default_days: int
               ) -> dict[int, list[StaffFact]]:
    """Current workers of each company with what D2 asks of them."""
    as_of = today(now)
    staff_of = and_(_among(Employment.company_id, ids), _current_employment(as_of))
    pairs: dict[int, set[int]] = defaultdict(set)
    verified: set[int] = set()
    for company_id, worker_id, is_verified in session.execute(
            select(Employment.company_id, Employment.worker_id, _verified(now))
            .join(Worker, Worker.subject_id == Employment.worker_id).where(staff_of)):
        pairs[company_id].add(worker_id)
        if is_verified:
            verified.add(worker_id)
    consented = set(session.scalars(select(Consent.worker_id)
                                    .join(Employment, Employment.worker_id == Consent.worker_id)
                                    .where(staff_of, _collect_granted(now))))
    health: dict[int, date] = {}
    trained: dict[int, date] = {}
    kinds = CreditRecord.type.in_(("health_check", "training"))
    query = (select(CreditRecord.subject_id, CreditRecord.type, CreditRecord.decided_on, CreditRecord.valid_until,
                    CreditRecord.details["result"].as_string())
             .join(Employment, Employment.worker_id == CreditRecord.subject_id)
             .where(staff_of, kinds, in_force_clause(as_of)))
    for worker_id, kind, decided, valid_until, result in session.execute(query):
        if kind == "training":
            trained[worker_id] = max(decided, trained.get(worker_id, decided))
        elif result == "pass":
            until = valid_until or decided + timedelta(days=health_default_days)
            health[worker_id] = max(until, health.get(worker_id, until))
    wanted = set(ids)
    return {cid: [StaffFact(worker_id=w, authorised=w in verified and w in consented, health_until=health.get(w),
                            trained_on=trained.get(w)) for w in sorted(workers)]
            for cid, workers in pairs.items() if cid in wanted}


def load_companies(session: Session, ids: Sequence[int], now: datetime, *, lookback_days: int,
                   health_default_days: int) -> list[SubjectFacts]:
    as_of = today(now)
    records = load_records(session, ids)
    ratings = load_ratings(session, Rating.company_id, ids, as_of, lookback_days)
    black = load_black_listed(session, ids)
    staff = load_staff(session, ids, now, health_default_days)
    out = []
    for c in session.scalars(select(Company).where(Company.subject_id.in_(list(ids))).order_by(Company.subject_id)):
        out.append(SubjectFacts(
            subject_id=c.subject_id, kind="company", records=tuple(records.get(c.subject_id, ())),
            ratings=tuple(ratings.get(c.subject_id, ())), black_listed=c.subject_id in black,
            basic_fields=tuple(f for f in BASIC_FIELDS if getattr(c, f)), established_on=c.established_on,
            employee_model=c.employment_model == "employee", onboarded_on=c.onboarded_on,
            staff=tuple(staff.get(c.subject_id, ()))))
    return out


def load_workers(session: Session, ids: Sequence[int], now: datetime, *, lookback_days: int) -> list[SubjectFacts]:
    as_of = today(now)
    records = load_records(session, ids)
    ratings = load_ratings(session, Rating.worker_id, ids, as_of, lookback_days)
    black = load_black_listed(session, ids)
    wanted = set(ids)
    consented = {w for w in session.scalars(select(Consent.worker_id).where(
        _among(Consent.worker_id, ids), _collect_granted(now))) if w in wanted}
    out = []
    for worker_id, is_verified in session.execute(
            select(Worker.subject_id, _verified(now)).where(_among(Worker.subject_id, ids))
            .order_by(Worker.subject_id)):
        if worker_id not in wanted:
            continue
        out.append(SubjectFacts(
            subject_id=worker_id, kind="worker", records=tuple(records.get(worker_id, ())),
            ratings=tuple(ratings.get(worker_id, ())), black_listed=worker_id in black,
            authorised=bool(is_verified) and worker_id in consented))
    return out
