"""Evaluate subjects, keep every evaluation, and know which subjects are due.

The caller owns the transaction: a full run commits per chunk (see the
``evaluate`` command), a workflow that changes one subject evaluates it inside
its own transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from jzcredit.common.clock import today
from jzcredit.db import allocate_ids, bulk_insert, table_of
from jzcredit.evaluation import loading
from jzcredit.evaluation.engine import Result, apportion_scaled, evaluate
from jzcredit.evaluation.facts import SubjectFacts
from jzcredit.evaluation.features import Ctx
from jzcredit.evaluation.improve import improvements
from jzcredit.evaluation.models import Evaluation, EvaluationDue, EvaluationHead
from jzcredit.evaluation.rulesets import Model, Models
from jzcredit.registry.models import Subject

KINDS = ("company", "worker")


@dataclass
class RunSummary:
    evaluated: int = 0
    changed: int = 0
    grades: Counter[str] = field(default_factory=Counter)

    def add(self, other: RunSummary) -> None:
        self.evaluated += other.evaluated
        self.changed += other.changed
        self.grades.update(other.grades)

    def as_dict(self) -> dict[str, Any]:
        grades = {g: self.grades.get(g, 0) for g in ("A", "B", "C", "D", "N")}
        return {"evaluated": self.evaluated, "changed": self.changed, "grades": grades}


def lookback_days(model: Model) -> int:
    return max([int(u.params.get("window_days", 0)) for d in model.dimensions for u in d.features] + [365])


def load_facts(session: Session, *, models: Models, kind: str, ids: Sequence[int], now: datetime
               ) -> list[SubjectFacts]:
    model = models.for_kind(kind)
    if kind == "company":
        return loading.load_companies(session, ids, now, lookback_days=lookback_days(model),
                                      health_default_days=models.health_check_default_days)
    return loading.load_workers(session, ids, now, lookback_days=lookback_days(model))


def context(models: Models, now: datetime) -> Ctx:
    return Ctx(as_of=today(now), health_check_default_days=models.health_check_default_days)


def factors_json(factors: list[dict[str, Any]]) -> str:
    """The factors as stored and as hashed: one serialisation serves both."""
    return json.dumps(factors, ensure_ascii=False, sort_keys=True)


def result_factors_json(result: Result) -> str:
    """``factors_json(result.factors())``, written straight from the contributions (the bulk path).

    Factor keys are fixed and already in sorted order, so the text is put together here without
    building the dicts first; test_equivalence checks it against ``json.dumps`` on random facts.
    """
    points = apportion_scaled([c.scaled for c in result.contributions], result.unit, result.score)
    items = [f'{{"code": {_text(c.code)}, "label": {_text(c.label)}, "points": {p}, '
             f'"record_ids": [{", ".join(map(str, c.record_ids))}]}}'
             for c, p in zip(result.contributions, points, strict=True)]
    items += [json.dumps(note, ensure_ascii=False, sort_keys=True) for note in result.notes]
    return f"[{', '.join(items)}]"


_text = encode_basestring  # a JSON string as json.dumps(..., ensure_ascii=False) writes it


@lru_cache(maxsize=256)
def _json_text(value: str) -> str:
    return _text(value)


def _digest_of(result: Result, factors_text: str) -> str:
    # the text of json.dumps([model, score, grade, factors], ensure_ascii=False, sort_keys=True), built around
    # the factors' own serialisation so that it is made once (test_equivalence checks the two agree)
    text = f"[{_json_text(result.model)}, {result.score}, {_json_text(result.grade)}, {factors_text}]"
    return hashlib.sha256(text.encode()).hexdigest()


def digest(result: Result, factors: list[dict[str, Any]]) -> str:
    return _digest_of(result, factors_json(factors))


def _bind(session: Session, table: Table, name: str, value: Any) -> Any:
    """``value`` as the driver is given it for ``table.name`` (constants of a chunk are processed once)."""
    dialect = session.get_bind().dialect
    processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    return processor(value) if processor else value


def _insert(session: Session, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Rows whose values are already as the driver wants them: ``COPY`` on PostgreSQL, else one ``executemany``."""
    conn = session.connection()
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in names)
    if dialect.name == "postgresql":
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({', '.join([mark] * len(names))})",
                         rows)


def _heads(session: Session, ids: Sequence[int]) -> dict[int, str]:
    wanted = set(ids)
    query = select(EvaluationHead.subject_id, EvaluationHead.result_digest).where(
        loading.among(EvaluationHead.subject_id, ids))
    return {sid: dig for sid, dig in session.execute(query) if sid in wanted}


def _clear_due(session: Session, ids: Sequence[int]) -> None:
    """Take a chunk off the due queue.

    Only the rows that are there are named: a chunk's thousands of ids as bind parameters cost
    PostgreSQL more than the rest of the write. The DELETE runs even when none are due, because a
    write, even of no row, is what takes SQLite's write lock before ``allocate_ids`` reads max(id).
    """
    ordered = sorted(set(ids))
    wanted = set(ordered)
    due = [sid for sid in session.scalars(select(EvaluationDue.subject_id).where(
        loading.among(EvaluationDue.subject_id, ordered))) if sid in wanted]
    session.execute(delete(EvaluationDue).where(EvaluationDue.subject_id.in_(due)))


def _store(session: Session, results: list[tuple[int, Result]], ids: Sequence[int], now: datetime) -> int:
    """New evaluation rows and heads for the subjects whose result changed; returns how many.

    Every one of ``ids`` leaves the due queue. Factors and digests are worked out before the first
    write, so SQLite's write lock is held only for the writes.
    """
    heads = _heads(session, sorted(sid for sid, _ in results)) if results else {}
    changed = []
    for sid, result in results:
        text = result_factors_json(result)
        dig = _digest_of(result, text)
        if heads.get(sid) != dig:
            changed.append((sid, result, text, dig))
    _clear_due(session, ids)
    if not changed:
        return 0
    stale = [sid for sid, *_ in changed if sid in heads]
    if stale:
        session.execute(delete(EvaluationHead).where(EvaluationHead.subject_id.in_(stale)))
    table, head_table = table_of(Evaluation), table_of(EvaluationHead)
    new_ids = allocate_ids(session, table, len(changed))
    as_of, computed_at = _bind(session, table, "as_of", today(now)), _bind(session, table, "computed_at", now)
    _insert(session, table, ("id", "subject_id", "model", "as_of", "computed_at", "score", "grade", "factors",
                             "result_digest"),
            [(eid, sid, r.model, as_of, computed_at, r.score, r.grade, text, dig)
             for eid, (sid, r, text, dig) in zip(new_ids, changed, strict=True)])
    _insert(session, head_table, ("subject_id", "evaluation_id", "model", "score", "grade", "as_of",
                                  "result_digest"),
            [(sid, eid, r.model, r.score, r.grade, as_of, dig)
             for eid, (sid, r, _, dig) in zip(new_ids, changed, strict=True)])
    return len(changed)


def evaluate_chunk(session: Session, *, models: Models, kind: str, ids: Sequence[int], now: datetime
                   ) -> RunSummary:
    """Evaluate one chunk of subjects of one kind and store what changed."""
    summary = RunSummary()
    if not ids:
        return summary
    model = models.for_kind(kind)
    ctx = context(models, now)
    results = [(f.subject_id, evaluate(model, f, ctx))
               for f in load_facts(session, models=models, kind=kind, ids=ids, now=now)]
    summary.evaluated = len(results)
    summary.grades.update(r.grade for _, r in results)
    summary.changed = _store(session, results, ids, now)
    return summary


def kinds_of(session: Session, subject_ids: Iterable[int]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {k: [] for k in KINDS}
    ids = sorted(set(subject_ids))
    for start in range(0, len(ids), 5000):
        for sid, kind in session.execute(select(Subject.id, Subject.kind).where(
                Subject.id.in_(ids[start:start + 5000]))):
            if kind in out:
                out[kind].append(sid)
    return {k: sorted(v) for k, v in out.items()}


def evaluate_subjects(session: Session, *, models: Models, subject_ids: Iterable[int], now: datetime
                      ) -> RunSummary:
    """Evaluate the given subjects now (workflows and ``evaluate KEY…``), inside the caller's transaction."""
    summary = RunSummary()
    for kind, ids in kinds_of(session, subject_ids).items():
        for start in range(0, len(ids), 2000):
            summary.add(evaluate_chunk(session, models=models, kind=kind, ids=ids[start:start + 2000], now=now))
    return summary


def mark_due(session: Session, *, subject_ids: Iterable[int], reason: str, now: datetime) -> int:
    """Remember subjects whose facts changed, for the next incremental run."""
    ids = sorted({i for i in subject_ids if i is not None})
    if not ids:
        return 0
    present: set[int] = set()
    for start in range(0, len(ids), 5000):
        part = ids[start:start + 5000]
        present |= set(session.scalars(select(EvaluationDue.subject_id).where(EvaluationDue.subject_id.in_(part))))
    new = [{"subject_id": i, "since": now, "reason": reason[:64]} for i in ids if i not in present]
    bulk_insert(session, table_of(EvaluationDue), new)
    return len(new)


def due_chunks(session: Session, *, size: int) -> Iterator[list[int]]:
    """Due subject ids, oldest id first; each chunk is gone from the queue once evaluated."""
    last = 0
    while True:
        ids = list(session.scalars(select(EvaluationDue.subject_id).where(EvaluationDue.subject_id > last)
                                   .order_by(EvaluationDue.subject_id).limit(size)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def current(session: Session, subject_id: int) -> Evaluation | None:
    # heads and evaluations are written with Core bulk statements: read them fresh, not from the identity map
    query = (select(Evaluation).join(EvaluationHead, EvaluationHead.evaluation_id == Evaluation.id)
             .where(EvaluationHead.subject_id == subject_id).execution_options(populate_existing=True))
    return session.scalars(query).one_or_none()


def history(session: Session, subject_id: int) -> list[Evaluation]:
    return list(session.scalars(select(Evaluation).where(Evaluation.subject_id == subject_id)
                                .order_by(Evaluation.id.desc())))


def evaluation_dict(e: Evaluation) -> dict[str, Any]:
    return {"evaluation_id": e.id, "score": e.score, "grade": e.grade, "model": e.model, "factors": e.factors,
            "as_of": e.as_of, "computed_at": e.computed_at}


def explain(session: Session, *, models: Models, subject_id: int, now: datetime) -> dict[str, Any]:
    """The subject's current evaluation (stored) with what would raise its grade (computed now, from its facts).

    ``score`` is None when the subject has never been evaluated.
    """
    stored = current(session, subject_id)
    if stored is None:
        return {"score": None, "grade": None, "model": None, "factors": [], "improvements": []}
    out = evaluation_dict(stored)
    kind = kinds_of(session, [subject_id])
    facts_kind = next(k for k, ids in kind.items() if ids)
    model = models.by_name.get(stored.model) or models.for_kind(facts_kind)
    facts = load_facts(session, models=models, kind=facts_kind, ids=[subject_id], now=now)
    out["improvements"] = improvements(model, facts[0], context(models, now), current_grade=stored.grade,
                                       repair_min_days=models.repair_min_days) if facts else []
    return out
