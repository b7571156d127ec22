"""The pure feature functions of the evaluation models (spec §3.2–3.3).

A feature reads a subject's facts on a date and the numbers the model gives it,
and returns its parts: ``(code, label, points, record_ids)`` in the dimension's
own 0–100 units. Which features a model uses, and with what numbers, is data
(``defaults.yml`` → ``evaluation.models``); a feature named there but not here
is refused when the model is loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import lru_cache
from typing import Any

from jzcredit.evaluation.facts import Number, SubjectFacts, health_valid


@dataclass(frozen=True, slots=True)
class Part:
    code: str
    label: str
    points: Number
    record_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Ctx:
    as_of: date
    health_check_default_days: int


Params = Mapping[str, Any]
FeatureFn = Callable[[SubjectFacts, Ctx, Params], list[Part]]


@dataclass(frozen=True)
class Feature:
    name: str
    params: tuple[str, ...]
    fn: FeatureFn
    doc: str


FEATURES: dict[str, Feature] = {}


def feature(name: str, *params: str) -> Callable[[FeatureFn], FeatureFn]:
    def register(fn: FeatureFn) -> FeatureFn:
        FEATURES[name] = Feature(name, params, fn, (fn.__doc__ or "").strip())
        return fn
    return register


def num(value: Any) -> Fraction:
    """Exact numbers from YAML: strings and ints as written ("7.5" stays 15/2)."""
    return Fraction(str(value))


def whole(x: Number) -> Number:
    """The same number, as ``int`` when it is whole."""
    return x.numerator if x.denominator == 1 else x


@lru_cache(maxsize=4096, typed=True)
def param(value: Any) -> Number:
    """:func:`num` of a model's number, as ``int`` when whole; parameters are few, so they are converted once."""
    return whole(num(value))


def divide(a: Number, b: Number) -> Number:
    """Exact ``a / b``, whole when it comes out whole."""
    if isinstance(a, int) and isinstance(b, int):
        q, r = divmod(a, b)
        return Fraction(a, b) if r else q
    return whole(Fraction(a) / b)


def _each(code: str, label: str, facts: list[Any], each: Any) -> list[Part]:
    if not facts:
        return []
    return [Part(code, label.format(n=len(facts)), whole(param(each) * len(facts)), tuple(f.record_id for f in facts))]


# --- company D1 basic ------------------------------------------------------------------------

BASIC_FIELD_LABELS = {
    "name": "名称", "address": "地址", "region_code": "行政区划", "legal_representative": "法定代表人",
}


@feature("basic_fields", "points_each")
def basic_fields(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D1: points for each of name, address, region code and legal representative present."""
    present = [BASIC_FIELD_LABELS[f] for f in BASIC_FIELD_LABELS if f in s.basic_fields]
    if not present:
        return []
    return [Part("basic_fields", f"基础信息齐全 {len(present)}/4 项（{'、'.join(present)}）",
                 whole(param(p["points_each"]) * len(present)))]


def full_years(since: date, as_of: date) -> int:
    years = as_of.year - since.year - ((as_of.month, as_of.day) < (since.month, since.day))
    return max(years, 0)


@feature("years_established", "points_per_year", "max_points")
def years_established(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D1: points per full year since established_on, up to a maximum."""
    if s.established_on is None:
        return []
    years = full_years(s.established_on, c.as_of)
    points = min(param(p["points_per_year"]) * years, param(p["max_points"]))
    return [Part("years_established", f"成立 {years} 个整年", points)] if points else []


@feature("employee_model", "points")
def employee_model(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D1: points for the employee model (员工制)."""
    return [Part("employee_model", "员工制企业", param(p["points"]))] if s.employee_model else []


@feature("onboarded", "points")
def onboarded(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D1: points for having onboarded onto the platform (入驻)."""
    if s.onboarded_on is None or s.onboarded_on > c.as_of:
        return []
    return [Part("onboarded", f"已入驻平台（{s.onboarded_on.isoformat()}）", param(p["points"]))]


# --- company D2 workforce --------------------------------------------------------------------

def _share(code: str, label: str, s: SubjectFacts, count: int, points: Any) -> list[Part]:
    if not s.staff or not count:
        return []
    total = len(s.staff)
    return [Part(code, f"{label} {count}/{total} 人", divide(param(points) * count, total))]


@feature("workers_authorised", "points")
def workers_authorised(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D2: points × share of current workers identified and authorised (完成识别授权)."""
    return _share("workers_authorised", "在职人员完成识别授权", s, sum(w.authorised for w in s.staff), p["points"])


@feature("workers_health_check", "points")
def workers_health_check(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D2: points × share of current workers with a health check valid on the date."""
    valid = sum(w.health_until is not None and w.health_until >= c.as_of for w in s.staff)
    return _share("workers_health_check", "在职人员体检有效", s, valid, p["points"])


@feature("workers_trained", "points", "window_days")
def workers_trained(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D2: points × share of current workers with a training in the last window_days."""
    window = int(p["window_days"])
    trained = sum(w.trained_on is not None and 0 <= (c.as_of - w.trained_on).days < window for w in s.staff)
    return _share("workers_trained", "在职人员近两年参加培训", s, trained, p["points"])


# --- company D3 compliance / worker C conduct ------------------------------------------------

@feature("penalty_general", "points_each")
def penalty_general(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D3: points for each in-force general administrative penalty."""
    found = [f for f in s.in_force(c.as_of, "penalty") if f.severity != "serious"]
    return _each("penalty_general", "一般行政处罚 {n} 条", found, p["points_each"])


@feature("penalty_serious", "points_each")
def penalty_serious(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D3: points for each in-force serious administrative penalty."""
    found = [f for f in s.in_force(c.as_of, "penalty") if f.severity == "serious"]
    return _each("penalty_serious", "严重行政处罚 {n} 条", found, p["points_each"])


@feature("dishonest_debtor", "points")
def dishonest_debtor(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D3: points once if any dishonest-debtor (失信被执行人) record is in force."""
    found = s.in_force(c.as_of, "dishonest_debtor")
    if not found:
        return []
    return [Part("dishonest_debtor", f"失信被执行人记录 {len(found)} 条", param(p["points"]),
                 tuple(f.record_id for f in found))]


@feature("commitment_breach", "points_each")
def commitment_breach(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D3: points for each in-force breach of a credit commitment."""
    return _each("commitment_breach", "违背信用承诺 {n} 条", s.in_force(c.as_of, "commitment_breach"),
                 p["points_each"])


@feature("rectification_overdue", "points_each")
def rectification_overdue(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D3: points for each in-force record of a rectification left overdue."""
    return _each("rectification_overdue", "逾期未整改 {n} 条", s.in_force(c.as_of, "rectification_overdue"),
                 p["points_each"])


def latest_tax_rating(s: SubjectFacts, as_of: date) -> Any:
    ratings = [f for f in s.records if f.type == "tax_rating" and f.status in ("active", "under_objection")
               and f.decided_on is not None and f.decided_on <= as_of]
    return max(ratings, key=lambda f: (f.decided_on, f.record_id), default=None)


def _tax(code: str, s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    latest = latest_tax_rating(s, c.as_of)
    if latest is None or latest.rating not in p:
        return []
    return [Part(code, f"最近纳税信用等级 {latest.rating}", param(p[latest.rating]), (latest.record_id,))]


@feature("tax_rating_low")
def tax_rating_low(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D3: points by the latest tax rating when it is one of the listed low grades."""
    return _tax("tax_rating_low", s, c, p)


@feature("negative_general", "points_each")
def negative_general(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """Worker C: points for each in-force general negative record."""
    found = [f for f in s.all_in_force(c.as_of) if f.negative and not f.serious]
    return _each("negative_general", "一般失信记录 {n} 条", found, p["points_each"])


@feature("negative_serious", "points_each")
def negative_serious(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """Worker C: points for each in-force serious negative record other than a background check."""
    found = [f for f in s.all_in_force(c.as_of) if f.serious and f.type != "background_check"]
    return _each("negative_serious", "严重失信记录 {n} 条", found, p["points_each"])


@feature("background_record_found", "points")
def background_record_found(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """Worker C: points once if an in-force background check found a record."""
    found = [f for f in s.in_force(c.as_of, "background_check") if f.result == "record_found"]
    if not found:
        return []
    return [Part("background_record_found", "背景核查发现违法犯罪记录", param(p["points"]),
                 tuple(f.record_id for f in found))]


# --- service: ratings and complaints ---------------------------------------------------------

@feature("ratings", "min_count", "window_days", "points_per_star", "neutral_stars")
def ratings(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D4 / worker S: with at least min_count ratings in the window, points per star above (or below) neutral."""
    window = int(p["window_days"])
    stars = [st for st, on in s.ratings if 0 <= (c.as_of - on).days < window]
    if len(stars) < int(p["min_count"]):
        return []
    # points_per_star × (average − neutral), over one denominator
    points = divide(param(p["points_per_star"]) * (sum(stars) - param(p["neutral_stars"]) * len(stars)), len(stars))
    avg = f"{sum(stars) / len(stars):.2f}".rstrip("0").rstrip(".")  # int / int is correctly rounded, as float(Fraction)
    return [Part("ratings", f"近一年消费者评价 {len(stars)} 条，平均 {avg} 星", points)] if points else []


def _complaints(code: str, label: str, finding: str, s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    found = [f for f in s.records if f.type == "complaint" and f.finding == finding
             and f.status in ("active", "under_objection") and f.within(c.as_of, int(p["window_days"]))]
    return _each(code, label, found, p["points_each"])


@feature("complaints_substantiated", "points_each", "window_days")
def complaints_substantiated(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D4 / worker C: points for each complaint found substantiated in the window."""
    return _complaints("complaints_substantiated", "近一年投诉经查属实 {n} 件", "substantiated", s, c, p)


@feature("complaints_unanswered", "points_each", "window_days")
def complaints_unanswered(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D4: points for each complaint left unanswered past its deadline in the window."""
    return _complaints("complaints_unanswered", "近一年投诉逾期未答复 {n} 件", "unanswered", s, c, p)


# --- company D5 positive ---------------------------------------------------------------------

@feature("commendations", "points_each", "max_points")
def commendations(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D5: points for each in-force commendation, up to a maximum."""
    found = s.in_force(c.as_of, "commendation")
    if not found:
        return []
    points = min(param(p["points_each"]) * len(found), param(p["max_points"]))
    return [Part("commendations", f"表彰奖励 {len(found)} 项", points, tuple(f.record_id for f in found))]


@feature("tax_rating_high")
def tax_rating_high(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D5: points by the latest tax rating when it is one of the listed good grades."""
    return _tax("tax_rating_high", s, c, p)


@feature("public_commitment", "points")
def public_commitment(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """D5: points once for a public voluntary or industry commitment in force."""
    found = [f for f in s.in_force(c.as_of, "commitment")
             if f.public and f.commitment_kind in ("voluntary", "industry")]
    if not found:
        return []
    return [Part("public_commitment", "公开信用承诺在履行中", param(p["points"]), tuple(f.record_id for f in found))]


# --- worker Q qualification ------------------------------------------------------------------

@feature("health_check_valid", "points")
def health_check_valid(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """Worker Q: points if a health check is valid on the date."""
    found = health_valid(s.in_force(c.as_of, "health_check"), c.as_of, c.health_check_default_days)
    if not found:
        return []
    return [Part("health_check_valid", "健康体检在有效期内", param(p["points"]), (found[-1].record_id,))]


@feature("training_hours", "points", "full_hours", "window_days")
def training_hours(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """Worker Q: points × min(training hours in the window, full_hours) / full_hours."""
    window = int(p["window_days"])
    found = [f for f in s.in_force(c.as_of, "training") if f.within(c.as_of, window)]
    hours: Number = 0
    for f in found:
        if f.hours:
            hours += f.hours
    if not hours:
        return []
    full = param(p["full_hours"])
    shown = f"{float(hours):g}"
    return [Part("training_hours", f"近两年培训 {shown} 学时", divide(param(p["points"]) * min(hours, full), full),
                 tuple(f.record_id for f in found))]


@feature("skill_certificate", "points")
def skill_certificate(s: SubjectFacts, c: Ctx, p: Params) -> list[Part]:
    """Worker Q: points if a skill certificate is in force (and not past its valid_until)."""
    found = [f for f in s.in_force(c.as_of, "skill_certificate")
             if f.valid_until is None or f.valid_until >= c.as_of]
    if not found:
        return []
    return [Part("skill_certificate", "持有有效职业技能证书", param(p["points"]), tuple(f.record_id for f in found))]
