"""Plain-Chinese words for the codes the public documents carry, as Jinja filters.

The templates (pages and the company report partial, which the PDF report renders too) show
``{{ r.type | label("record_type") }}`` instead of ``penalty``; an unknown code shows as itself, escaped,
so a new code never breaks a page. :func:`install` registers the filters on a Jinja environment;
``jzcredit.web`` installs them on the one the site uses, so any template rendered through it has them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from jinja2 import Environment

from jzcredit.common.ids import PROVINCES

LABELS: Mapping[str, Mapping[str, str]] = {
    "grade": {"A": "信用优秀", "B": "信用良好", "C": "信用一般", "D": "信用较差", "N": "未评级"},
    # the company model's dimensions (spec §3.2); caps and "not graded" notes come from the engine
    "dimension": {"D1": "基础信息", "D2": "从业人员", "D3": "合规经营", "D4": "服务评价", "D5": "守信激励",
                  "cap": "等级上限", "grade": "评级说明"},
    "list": {"red": "红名单", "black": "黑名单", "watch": "重点关注名单"},
    "list_long": {"red": "守信激励对象名单（红名单）", "black": "失信惩戒对象名单（黑名单）"},
    "service_category": {"cleaning": "家庭保洁", "maternity": "母婴护理（月嫂）", "childcare": "育婴育儿",
                         "elderly_care": "养老护理", "hospital_escort": "医院陪护", "cooking": "家庭烹饪",
                         "other": "其他"},
    "employment_model": {"employee": "员工制", "intermediary": "中介制"},
    "company_status": {"active": "存续", "deregistered": "已注销"},
    "record_type": {"license": "行政许可", "penalty": "行政处罚", "commendation": "表彰奖励",
                    "dishonest_debtor": "失信被执行人", "tax_rating": "纳税信用等级", "commitment": "信用承诺",
                    "commitment_breach": "违背承诺", "complaint": "投诉处理", "rating": "服务评价",
                    "training": "培训", "health_check": "健康体检", "background_check": "背景核查",
                    "skill_certificate": "职业技能证书", "rectification_overdue": "逾期未整改", "other": "其他"},
    "record_category": {"basic": "基础信息", "negative": "失信信息", "positive": "守信信息", "other": "其他信息"},
    "severity": {"general": "一般失信", "serious": "严重失信"},
    "rectification": {"issued": "整改中（通知已下达）", "submitted": "已提交整改材料，待核验",
                      "verified": "整改完成（已核验通过）", "overdue": "逾期未整改"},
    "subject_kind": {"company": "家政企业", "worker": "家政服务员"},
}

EMPTY = "—"


def label(value: Any, kind: str) -> str:
    """The Chinese word for ``value`` among ``kind``'s codes; the code itself when it has none."""
    if value is None or value == "":
        return EMPTY
    return LABELS.get(kind, {}).get(str(value), str(value))


def labels(values: Any, kind: str, sep: str = "、") -> str:
    """Several codes joined (``["cleaning", "cooking"]`` → ``家庭保洁、家庭烹饪``)."""
    words = [label(v, kind) for v in values or ()]
    return sep.join(words) or EMPTY


def day(value: Any) -> str:
    """A date as ``2026-06-30`` (dates, datetimes and ISO text alike); none → a dash."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def _number(value: Any) -> Decimal | None:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def points(value: Any) -> str:
    """A factor's contribution with its sign: ``+45``, ``−75``, ``0``, ``+12.5``."""
    number = _number(value)
    if number is None:
        return str(value) if value is not None else EMPTY
    text = f"{abs(number.quantize(Decimal('0.1'))).normalize():f}"
    if number > 0:
        return "+" + text
    return "−" + text if number < 0 else "0"


def dimension(code: Any) -> str:
    """The dimension a factor belongs to, from its code (``D3.penalty_general`` → 合规经营)."""
    return label(str(code or "").split(".", 1)[0], "dimension")


def region(code: Any) -> str:
    """A region code with its province (``370102`` → ``山东省 370102``); the code alone when unknown."""
    text = str(code or "")
    if not text:
        return EMPTY
    province = PROVINCES.get(text[:2])
    return f"{province} {text}" if province else text


def yuan(value: Any) -> str:
    """An amount in CNY as ``5,000 元`` (``5,000.5 元`` when it has cents)."""
    number = _number(value)
    if number is None:
        return EMPTY if value in (None, "") else str(value)
    whole = number == number.to_integral_value()
    return f"{number:,.0f} 元" if whole else f"{number:,.2f} 元"


FILTERS = {"label": label, "labels": labels, "day": day, "points": points, "dimension": dimension,
           "region": region, "yuan": yuan}


def install(env: Environment) -> None:
    """Register the filters on ``env`` (the site's, or another that renders the same templates)."""
    env.filters.update(FILTERS)
