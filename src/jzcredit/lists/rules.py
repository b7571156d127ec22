"""List rules of spec §3.4 — B1…B5 (black), R1 (red), W1…W3 (watch) — as named objects.

Each rule finds, in one bulk query, the subjects that satisfy it on a date and the
record ids it rests on (its basis). Numbers come from the ``lists:`` section of
``defaults.yml`` (overridable with ``JZCREDIT_CONFIG``), never from the code.

Facts conventions shared with the evaluation engine: a *negative record* is
category ``negative`` and type other than ``complaint``; complaints reach the
file as ``complaint`` records with ``details.finding`` (``substantiated`` /
``unanswered``) and ``details.category``, and count only for B5, W3 and R1's
complaint clause. Records ``under_objection`` never make a candidate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session

from jzcredit.config import get_settings
from jzcredit.errors import Misconfigured
from jzcredit.evaluation.models import EvaluationHead
from jzcredit.lists.models import ListEntry
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord
from jzcredit.records.policy import add_years
from jzcredit.registry.models import Company, Subject
from jzcredit.rules import load_rules_dict

IN_CHUNK = 5000  # subject ids per IN (...) list: well under SQLite's bound-parameter limit


# --- settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleParams:
    """One rule's settings (``lists.rules.<ID>``); a missing or malformed key names itself."""

    rule_id: str
    values: dict[str, Any]

    def _get(self, key: str) -> Any:
        if key not in self.values:
            raise Misconfigured("config.lists", f"配置缺少 lists.rules.{self.rule_id}.{key}")
        return self.values[key]

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Misconfigured("config.lists", f"配置 lists.rules.{self.rule_id}.{key} 必须是非负整数")
        return value

    def text(self, key: str) -> str:
        return str(self._get(key))

    def texts(self, key: str) -> tuple[str, ...]:
        value = self._get(key)
        if not isinstance(value, list) or not value:
            raise Misconfigured("config.lists", f"配置 lists.rules.{self.rule_id}.{key} 必须是非空列表")
        return tuple(str(v) for v in value)

    def without_grace(self) -> RuleParams:
        """The same settings with no grace: whether the rule still holds, not whether it may start."""
        return RuleParams(self.rule_id, self.values | {"grace_days": 0})

    @property
    def grace_days(self) -> int:
        return self.integer("grace_days") if "grace_days" in self.values else 0


@dataclass(frozen=True)
class ListsConfig:
    ruleset: str
    black_years: int
    red_days: int
    objection_days: int
    measures_catalogue: Path | None
    rules: dict[str, RuleParams]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ListsConfig:
        d = data.get("lists")
        if not isinstance(d, dict):
            raise Misconfigured("config.lists", "配置缺少 lists 部分")
        try:
            rules = {rid: RuleParams(rid, dict(d["rules"].get(rid) or {})) for rid in RULES}
            config = cls(ruleset=str(d["ruleset"]), black_years=int(d["black_years"]), red_days=int(d["red_days"]),
                         objection_days=int(d["objection_days"]),
                         measures_catalogue=Path(d["measures_catalogue"]) if d.get("measures_catalogue") else None,
                         rules=rules)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise Misconfigured("config.lists", f"lists 配置有误：{exc}") from exc
        for rule in RULES.values():  # fail at load, not in the middle of a run
            rule.check(config.rules[rule.id])
        return config


def lists_config(override: Path | None = None) -> ListsConfig:
    return ListsConfig.from_dict(load_rules_dict(override))


def current_config() -> ListsConfig:
    """The settings in effect: defaults merged with ``JZCREDIT_CONFIG`` / ``--config``."""
    return lists_config(get_settings().config)


# --- rule objects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """Why a rule holds for one subject: the basis record ids and any other facts it read."""

    records: tuple[int, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleQuery:
    as_of: date
    params: RuleParams
    subject_ids: Sequence[int] | None = None  # None = every subject

    @property
    def basis_cutoff(self) -> date:
        """The latest decision date a basis may have: ``grace_days`` before the date."""
        return self.as_of - timedelta(days=self.params.grace_days)

    def window_start(self, days: int) -> date:
        """First day of the ``days`` days that end on the date (so 365 days = as_of − 364 … as_of)."""
        return self.as_of - timedelta(days=days - 1)


Finder = Callable[[Session, RuleQuery], dict[int, Hit]]


@dataclass(frozen=True)
class ListRule:
    id: str
    list_name: str
    description_zh: str
    find: Finder
    params: tuple[str, ...] = ()  # settings besides grace_days, checked when the config loads

    def check(self, params: RuleParams) -> None:
        params.grace_days  # noqa: B018 — validates the value
        for key in self.params:
            getter = params.texts if key in LIST_PARAMS else params.text if key == "grade" else params.integer
            getter(key)

    def describe(self, params: RuleParams) -> str:
        """The condition in Chinese with this deployment's numbers filled in."""
        values = {k: "、".join(LABELS_ZH.get(str(x), str(x)) for x in v) if isinstance(v, list) else v
                  for k, v in params.values.items()}
        return self.description_zh.format(**values)

    def holds(self, session: Session, *, as_of: date, params: RuleParams,
              subject_ids: Sequence[int] | None = None) -> dict[int, Hit]:
        return self.find(session, RuleQuery(as_of=as_of, params=params, subject_ids=subject_ids))


LIST_PARAMS = {"offences", "categories", "grades"}
# offence and complaint categories in descriptions
LABELS_ZH = {"theft": "盗窃", "violence": "暴力", "abuse": "虐待", "sexual": "性侵害", "fraud": "诈骗", "drugs": "毒品",
             "injury": "人身伤害", "quality": "服务质量", "price": "价格", "contract": "合同", "damage": "财物损坏",
             "other": "其他"}


# --- query helpers --------------------------------------------------------------------------


def _chunks(q: RuleQuery) -> Iterable[Sequence[int] | None]:
    if q.subject_ids is None:
        yield None
        return
    ids = sorted(set(q.subject_ids))
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start:start + IN_CHUNK]


def _detail(key: str) -> ColumnElement[str]:
    column: ColumnElement[str] = CreditRecord.details[key].as_string()
    return column


def _negative() -> ColumnElement[bool]:
    """A negative record in the shared sense: category negative, not a complaint."""
    return and_(CreditRecord.category == "negative", CreditRecord.type != "complaint")


def _basis_records(session: Session, q: RuleQuery, *conditions: ColumnElement[bool], min_count: int = 1,
                   kind: str | None = None) -> dict[int, Hit]:
    """Subjects with at least ``min_count`` in-force records meeting ``conditions`` (never under objection)."""
    found: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(q):
        stmt = (select(CreditRecord.subject_id, CreditRecord.id)
                .where(CreditRecord.subject_id.is_not(None), records_service.in_force_clause(q.as_of),
                       CreditRecord.status != "under_objection", CreditRecord.decided_on <= q.basis_cutoff,
                       *conditions))
        if kind is not None:
            stmt = stmt.join(Subject, Subject.id == CreditRecord.subject_id).where(Subject.kind == kind)
        if chunk is not None:
            stmt = stmt.where(CreditRecord.subject_id.in_(chunk))
        for subject_id, record_id in session.execute(stmt):
            if subject_id is not None:  # excluded by the query; narrows the type
                found[subject_id].append(record_id)
    return {sid: Hit(records=tuple(sorted(ids))) for sid, ids in found.items() if len(ids) >= min_count}


def _graded_companies(session: Session, q: RuleQuery, grades: Sequence[str],
                      *conditions: ColumnElement[bool]) -> dict[int, Hit]:
    """Active companies whose current grade is one of ``grades`` (and that meet ``conditions``)."""
    found: dict[int, Hit] = {}
    for chunk in _chunks(q):
        stmt = (
            select(Company.subject_id, EvaluationHead.grade, EvaluationHead.evaluation_id, EvaluationHead.as_of)
            .join(EvaluationHead, EvaluationHead.subject_id == Company.subject_id)
            .where(Company.status == "active", EvaluationHead.grade.in_(grades), *conditions))
        if q.params.grace_days:  # the grade must have stood for grace_days (its evaluation date)
            stmt = stmt.where(EvaluationHead.as_of <= q.basis_cutoff)
        if chunk is not None:
            stmt = stmt.where(Company.subject_id.in_(chunk))
        for subject_id, grade, evaluation_id, evaluated_on in session.execute(stmt):
            found[subject_id] = Hit(facts={"grade": grade, "evaluation_id": evaluation_id,
                                           "evaluated_on": evaluated_on.isoformat()})
    return found


# --- the rules ------------------------------------------------------------------------------


def find_b1(session: Session, q: RuleQuery) -> dict[int, Hit]:
    """B1 an in-force serious ``penalty``."""
    return _basis_records(session, q, CreditRecord.type == "penalty", CreditRecord.severity == "serious")


def find_b2(session: Session, q: RuleQuery) -> dict[int, Hit]:
    """B2 an in-force ``dishonest_debtor``."""
    return _basis_records(session, q, CreditRecord.type == "dishonest_debtor")


def find_b3(session: Session, q: RuleQuery) -> dict[int, Hit]:
    """B3 an in-force ``rectification_overdue``."""
    return _basis_records(session, q, CreditRecord.type == "rectification_overdue")


def find_b4(session: Session, q: RuleQuery) -> dict[int, Hit]:
    """B4 a worker's in-force ``background_check`` with ``record_found`` for a listed offence."""
    return _basis_records(session, q, CreditRecord.type == "background_check",
                          _detail("result") == "record_found",
                          _detail("offence").in_(q.params.texts("offences")), kind="worker")


def _complaints(q: RuleQuery, finding: str) -> list[ColumnElement[bool]]:
    return [CreditRecord.type == "complaint", _detail("finding") == finding,
            CreditRecord.decided_on >= q.window_start(q.params.integer("window_days"))]


def find_b5(session: Session, q: RuleQuery) -> dict[int, Hit]:
    """B5 ``count`` or more substantiated complaints of the listed categories within ``window_days``."""
    return _basis_records(session, q, *_complaints(q, "substantiated"),
                          _detail("category").in_(q.params.texts("categories")), min_count=q.params.integer("count"))


def find_r1(session: Session, q: RuleQuery) -> dict[int, Hit]:
    """R1 grade A now, onboarded long enough, no negative record lately, no unanswered complaint lately."""
    p = q.params
    subject = CreditRecord.subject_id == Company.subject_id
    # "no negative record decided in the last 3 years (whatever its status now)"
    clean_from = add_years(q.as_of, -p.integer("clean_years"))
    negative = exists().where(subject, _negative(), CreditRecord.decided_on > clean_from,
                              CreditRecord.decided_on <= q.as_of)
    unanswered = exists().where(subject, CreditRecord.type == "complaint", _detail("finding") == "unanswered",
                                CreditRecord.status != "revoked",
                                CreditRecord.decided_on >= q.window_start(p.integer("unanswered_window_days")),
                                CreditRecord.decided_on <= q.as_of)
    onboarded_by = q.as_of - timedelta(days=p.integer("onboarded_days"))
    return _graded_companies(session, q, [p.text("grade")], Company.onboarded_on.is_not(None),
                             Company.onboarded_on <= onboarded_by, ~negative, ~unanswered)


def find_w1(session: Session, q: RuleQuery) -> dict[int, Hit]:
    """W1 a company graded C or D that is not on the published black list."""
    black = exists().where(ListEntry.subject_id == Company.subject_id, ListEntry.list_name == "black",
                           ListEntry.status == "published")
    return _graded_companies(session, q, q.params.texts("grades"), ~black)


def find_w2(session: Session, q: RuleQuery) -> dict[int, Hit]:
    """W2 ``count`` or more in-force general negative records decided within ``window_days``."""
    return _basis_records(session, q, _negative(), CreditRecord.severity == "general",
                          CreditRecord.decided_on >= q.window_start(q.params.integer("window_days")),
                          min_count=q.params.integer("count"))


def find_w3(session: Session, q: RuleQuery) -> dict[int, Hit]:
    """W3 ``count`` or more complaints left unanswered past their deadline within ``window_days``."""
    return _basis_records(session, q, *_complaints(q, "unanswered"), min_count=q.params.integer("count"))


RULES: dict[str, ListRule] = {r.id: r for r in [
    ListRule("B1", "black", "有效期内的严重行政处罚", find_b1),
    ListRule("B2", "black", "有效期内的失信被执行人记录", find_b2),
    ListRule("B3", "black", "有效期内的逾期未整改记录", find_b3),
    ListRule("B4", "black", "家政服务员背景核查发现违法犯罪记录（{offences}）", find_b4, ("offences",)),
    ListRule("B5", "black", "{window_days} 天内 {count} 起以上经查实的投诉（{categories}）", find_b5,
             ("categories", "count", "window_days")),
    ListRule("R1", "red", "信用等级 {grade}、入驻满 {onboarded_days} 天、{clean_years} 年内无失信记录且 "
             "{unanswered_window_days} 天内无逾期未回应投诉的企业", find_r1,
             ("grade", "onboarded_days", "clean_years", "unanswered_window_days")),
    ListRule("W1", "watch", "信用等级为 {grades} 且未列入失信联合惩戒对象名单的企业", find_w1, ("grades",)),
    ListRule("W2", "watch", "{window_days} 天内 {count} 条以上有效期内的一般失信记录", find_w2,
             ("count", "window_days")),
    ListRule("W3", "watch", "{window_days} 天内 {count} 起以上逾期未回应的投诉", find_w3, ("count", "window_days")),
]}


def rules_for(list_name: str | None = None, ids: Iterable[str] | None = None) -> list[ListRule]:
    wanted = set(ids) if ids is not None else None
    return [r for r in RULES.values()
            if (list_name is None or r.list_name == list_name) and (wanted is None or r.id in wanted)]
