"""Evaluation models as data: ``company-2026.1`` and ``worker-2026.1`` from the shipped YAML.

A model is checked whole before it is used — every dimension has a weight, the
weights add up to exactly 1, every feature exists with the numbers it needs, the
thresholds fall — so a broken override file is refused and the previous model
stays in force (nothing half-applies).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from jzcredit.errors import Invalid
from jzcredit.evaluation.features import FEATURES, Feature, num
from jzcredit.rules import load_rules_dict

GRADE_ORDER = ("A", "B", "C", "D")  # best first; N (not graded) stands apart
CAP_KINDS = ("serious_negative", "black_listed", "other_negative")


@dataclass(frozen=True)
class FeatureUse:
    feature: Feature
    params: dict[str, Any]


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    weight: Fraction
    base: Fraction
    floor: Fraction | None
    ceiling: Fraction | None
    features: tuple[FeatureUse, ...]


@dataclass(frozen=True)
class Model:
    name: str  # e.g. company-2026.1
    subject: str  # company | worker
    thresholds: dict[str, Fraction]  # A, B, C lower bounds; below C is D
    caps: dict[str, str]
    dimensions: tuple[Dimension, ...]

    def grade_for(self, score: int) -> str:
        for grade in ("A", "B", "C"):
            if score >= self.thresholds[grade]:
                return grade
        return "D"


@dataclass(frozen=True)
class Models:
    by_name: dict[str, Model]
    active: dict[str, str]  # subject kind → model name
    health_check_default_days: int
    repair_min_days: dict[str, int]  # §3.6 least days since decided_on, by severity

    def for_kind(self, kind: str) -> Model:
        return self.by_name[self.active[kind]]


def _bad(model: str, what: str) -> Invalid:
    return Invalid("model.invalid", f"评价模型 {model} 配置有误：{what}")


def _number(name: str, where: str, value: Any) -> Fraction:
    try:
        return num(value)
    except (ValueError, ZeroDivisionError, TypeError) as exc:
        raise _bad(name, f"{where} 不是数字（{value!r}）") from exc


def _feature_use(name: str, dim: str, fname: str, params: Any) -> FeatureUse:
    feature = FEATURES.get(fname)
    if feature is None:
        raise _bad(name, f"{dim} 使用了未知的特征 {fname}（可用：{'、'.join(sorted(FEATURES))}）")
    params = params or {}
    if not isinstance(params, dict):
        raise _bad(name, f"{dim}.{fname} 的参数必须是映射")
    missing = [p for p in feature.params if p not in params]
    if missing:
        raise _bad(name, f"{dim}.{fname} 缺少参数 {'、'.join(missing)}")
    for key, value in params.items():
        _number(name, f"{dim}.{fname}.{key}", value)
    return FeatureUse(feature, dict(params))


def _dimension(name: str, code: str, d: Any) -> Dimension:
    if not isinstance(d, dict):
        raise _bad(name, f"维度 {code} 必须是映射")
    if "weight" not in d or d["weight"] is None:
        raise _bad(name, f"维度 {code} 缺少权重 weight")
    features = d.get("features") or {}
    if not isinstance(features, dict) or not features:
        raise _bad(name, f"维度 {code} 没有特征")

    def opt(key: str) -> Fraction | None:
        return None if d.get(key) is None else _number(name, f"{code}.{key}", d[key])

    return Dimension(code=code, label=str(d.get("label", code)), weight=_number(name, f"{code}.weight", d["weight"]),
                     base=opt("base") or Fraction(0), floor=opt("floor"), ceiling=opt("ceiling"),
                     features=tuple(_feature_use(name, code, f, p) for f, p in features.items()))


def _model(name: str, m: Any) -> Model:
    if not isinstance(m, dict):
        raise _bad(name, "必须是映射")
    if m.get("subject") not in ("company", "worker"):
        raise _bad(name, "subject 必须是 company 或 worker")
    dims = m.get("dimensions")
    if not isinstance(dims, dict) or not dims:
        raise _bad(name, "没有维度 dimensions")
    dimensions = tuple(_dimension(name, code, d) for code, d in dims.items())
    total = sum((d.weight for d in dimensions), Fraction(0))
    if total != 1:
        raise _bad(name, f"各维度权重之和为 {float(total):g}，应为 1")
    raw = m.get("thresholds") or {}
    if any(g not in raw for g in ("A", "B", "C")):
        raise _bad(name, "thresholds 需要 A、B、C 三个分数线")
    thresholds = {g: _number(name, f"thresholds.{g}", raw[g]) for g in ("A", "B", "C")}
    if not thresholds["A"] > thresholds["B"] > thresholds["C"]:
        raise _bad(name, "分数线应满足 A > B > C")
    caps = dict(m.get("caps") or {})
    for kind, grade in caps.items():
        if kind not in CAP_KINDS or grade not in GRADE_ORDER:
            raise _bad(name, f"caps 中的 {kind}: {grade} 无效")
    return Model(name=name, subject=m["subject"], thresholds=thresholds, caps=caps, dimensions=dimensions)


def models_from_dict(data: dict[str, Any]) -> Models:
    ev = data.get("evaluation")
    if not isinstance(ev, dict) or not isinstance(ev.get("models"), dict):
        raise Invalid("model.invalid", "配置中缺少 evaluation.models")
    by_name = {name: _model(name, m) for name, m in ev["models"].items()}
    active = dict(ev.get("active") or {})
    for kind in ("company", "worker"):
        chosen = active.get(kind)
        if chosen not in by_name or by_name[chosen].subject != kind:
            raise Invalid("model.invalid", f"evaluation.active.{kind} 指向的模型 {chosen} 不存在或不适用于该主体")
    repair = (data.get("repair") or {}).get("min_period_days") or {}
    if any(k not in repair for k in ("general", "serious")):
        raise Invalid("model.invalid", "配置中缺少 repair.min_period_days 的 general 或 serious")
    return Models(by_name=by_name, active=active,
                  health_check_default_days=int(ev.get("health_check_default_days", 365)),
                  repair_min_days={k: int(repair[k]) for k in ("general", "serious")})


def load_models(override: Path | None = None) -> Models:
    return models_from_dict(load_rules_dict(override))
