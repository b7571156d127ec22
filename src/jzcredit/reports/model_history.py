"""评价模型版本与等级分布: the grade distribution per evaluation model version, month by month.

What is stored decides what can honestly be shown. Every evaluation is a row (``evaluations``: subject,
``model`` name with its version, ``as_of``, grade) that is never overwritten, but a row is written only when a
subject's result changes (a re-run giving the same model, score, grade and factors stores nothing), and a
subject keeps its last row until it is evaluated again. So:

- **A subject's grade at the end of a month** is its latest stored evaluation made for a date in or before
  that month (the latest by id, ``as_of`` < the next month's first day), under whichever model made it.
  Subjects not evaluated by then are not counted that month.
- **After a model change** a subject counts under the old model until it is evaluated again; a month can
  hold both versions. The distribution under the new model is that of the subjects re-evaluated so far.
- **Model switches** pair each subject's first evaluation under a model with its evaluation just before it
  under another model: how many went up, stayed or went down. Facts may also have changed between the two
  runs, so this is the movement at the switch, not the model's effect alone.

The scope is the statistics' (:mod:`jzcredit.reports.stats`): active companies by region, workers by their
current employers (nationally: every worker).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from jzcredit.evaluation.models import GRADES, Evaluation, EvaluationHead
from jzcredit.registry.models import Company, Subject
from jzcredit.reports.stats import _Scope as Scope
from jzcredit.reports.trends import MONTHS, _window, month_label

# better first; N (no evidence either way) is not above or below any grade
RANK = {"A": 0, "B": 1, "C": 2, "D": 3}


def _in_scope(scope: Scope, subject_id: Any) -> ColumnElement[bool]:
    company = and_(Subject.kind == "company", scope.company())
    return or_(company, and_(Subject.kind == "worker", scope.worker(subject_id)))


def _model_key(kind: str, model: str) -> tuple[int, str]:
    return (0 if kind == "company" else 1, model)


def _month_end_counts(session: Session, scope: Scope, ends: list[Any]) -> list[tuple[Any, ...]]:
    """(kind, model, grade, subjects at each of ``ends``…) in one pass over the evaluations.

    An evaluation is a subject's latest stored one for dates before ``end`` when its ``as_of`` is before
    ``end`` and no later evaluation of the subject (by id) is: the smallest ``as_of`` after it, a window over
    the subject's evaluations, is then ``end`` or later (or there is none)."""
    later = func.min(Evaluation.as_of).over(partition_by=Evaluation.subject_id, order_by=Evaluation.id,
                                            rows=(1, None))
    rows = select(Evaluation.subject_id, Evaluation.model, Evaluation.grade, Evaluation.as_of,
                  later.label("later")).subquery()
    in_force = [func.sum(case((and_(rows.c.as_of < end, or_(rows.c.later.is_(None), rows.c.later >= end)), 1),
                              else_=0)) for end in ends]
    query = (select(Subject.kind, rows.c.model, rows.c.grade, *in_force)
             .select_from(rows).join(Subject, Subject.id == rows.c.subject_id)
             .outerjoin(Company, Company.subject_id == rows.c.subject_id)
             .where(rows.c.as_of < ends[-1], _in_scope(scope, rows.c.subject_id))
             .group_by(Subject.kind, rows.c.model, rows.c.grade))
    return [tuple(row) for row in session.execute(query)]


def _current(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Today's grades per model, from each subject's current evaluation (``evaluation_heads``)."""
    rows = session.execute(
        select(Subject.kind, EvaluationHead.model, EvaluationHead.grade, func.count())
        .select_from(EvaluationHead).join(Subject, Subject.id == EvaluationHead.subject_id)
        .outerjoin(Company, Company.subject_id == EvaluationHead.subject_id)
        .where(_in_scope(scope, EvaluationHead.subject_id))
        .group_by(Subject.kind, EvaluationHead.model, EvaluationHead.grade))
    models: dict[tuple[str, str], dict[str, int]] = {}
    for kind, model, grade, n in rows:
        models.setdefault((kind, model), dict.fromkeys(GRADES, 0))[grade] = int(n)
    return [{"kind": kind, "model": model, "grades": grades, "subjects": sum(grades.values())}
            for (kind, model), grades in sorted(models.items(), key=lambda kv: _model_key(*kv[0]))]


def _switches(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Each change of model on a subject's evaluations: previous model and grade → new model and grade."""
    def previous(column: Any) -> Any:
        return func.lag(column).over(partition_by=Evaluation.subject_id, order_by=Evaluation.id)

    ordered = select(Evaluation.subject_id, Evaluation.model, Evaluation.grade,
                     previous(Evaluation.model).label("prev_model"),
                     previous(Evaluation.grade).label("prev_grade")).subquery()
    rows = session.execute(
        select(Subject.kind, ordered.c.prev_model, ordered.c.model, ordered.c.prev_grade, ordered.c.grade, func.count())
        .select_from(ordered).join(Subject, Subject.id == ordered.c.subject_id)
        .outerjoin(Company, Company.subject_id == ordered.c.subject_id)
        .where(ordered.c.prev_model.is_not(None), ordered.c.prev_model != ordered.c.model,
               _in_scope(scope, ordered.c.subject_id))
        .group_by(Subject.kind, ordered.c.prev_model, ordered.c.model, ordered.c.prev_grade, ordered.c.grade))
    pairs: dict[tuple[str, str, str], dict[str, Any]] = {}
    for kind, before, after, old, new, n in rows:
        pair = pairs.setdefault((kind, before, after), {
            "kind": kind, "from_model": before, "to_model": after, "subjects": 0, "up": 0, "same": 0, "down": 0,
            "other": 0, "matrix": {g: dict.fromkeys(GRADES, 0) for g in GRADES}})
        pair["subjects"] += n
        pair["matrix"][old][new] += n
        if old in RANK and new in RANK:
            move = "up" if RANK[new] < RANK[old] else "down" if RANK[new] > RANK[old] else "same"
        else:
            move = "same" if old == new else "other"
        pair[move] += n
    return [pairs[k] for k in sorted(pairs, key=lambda k: (_model_key(k[0], k[1]), k[2]))]


def grades_by_model(session: Session, *, region: str | None, now: datetime, months: int = MONTHS) -> dict[str, Any]:
    """``{as_of, months, models: [{kind, model, grades: {A: [per month]…}, subjects: [per month]}], current,
    switches}`` for the scope; see the module's docstring for what each figure means."""
    scope = Scope(region, now)
    bounds = _window(now, months)
    series: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(
        lambda: {g: [0] * months for g in GRADES})
    for kind, model, grade, *counts in _month_end_counts(session, scope, bounds[1:]):
        for i, n in enumerate(counts):
            series[(kind, model)][grade][i] += int(n or 0)
    models = [{"kind": kind, "model": model, "grades": grades,
               "subjects": [sum(grades[g][i] for g in GRADES) for i in range(months)]}
              for (kind, model), grades in sorted(series.items(), key=lambda kv: _model_key(*kv[0]))]
    return {"as_of": scope.day.isoformat(), "region": scope.region, "months": [month_label(d) for d in bounds[:-1]],
            "models": models, "current": _current(session, scope), "switches": _switches(session, scope)}
