"""奖惩措施清单 and the check "凡办必查": which measures apply to a subject for an action now, and why.

The catalogue is the shipped ``lists/measures.yml`` (or the file named by
``lists.measures_catalogue``). A subject is on a list now when it has a
published red/black entry with ``published_on`` ≤ today ≤ ``expires_on``, or an
active watch entry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.clock import today
from jzcredit.errors import Invalid, Misconfigured
from jzcredit.lists.common import LIST_LABELS
from jzcredit.lists.models import LISTS, ListEntry
from jzcredit.lists.rules import RULES, ListsConfig, current_config

EFFECTS = ("restrict", "prohibit", "facilitate", "increase_frequency", "reduce_frequency")
FIELDS = ("measure_code", "list", "department", "action", "effect", "legal_basis", "text")


@dataclass(frozen=True)
class Measure:
    measure_code: str
    list: str
    department: str
    action: str
    effect: str
    legal_basis: str
    text: str


def _parse(data: Any, name: str) -> list[Measure]:
    items = data.get("measures") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise Misconfigured("measures.invalid", f"措施清单 {name} 缺少 measures 列表")
    out: list[Measure] = []
    for n, item in enumerate(items, 1):
        missing = [f for f in FIELDS if not isinstance(item, dict) or not str(item.get(f) or "").strip()]
        if missing:
            raise Misconfigured("measures.invalid", f"措施清单 {name} 第 {n} 项缺少 {'、'.join(missing)}")
        measure = Measure(**{f: str(item[f]).strip() for f in FIELDS})
        if measure.list not in LISTS or measure.effect not in EFFECTS:
            raise Misconfigured("measures.invalid", f"措施 {measure.measure_code} 的 list 或 effect 不在规定取值内")
        out.append(measure)
    codes = [m.measure_code for m in out]
    if len(set(codes)) != len(codes):
        raise Misconfigured("measures.invalid", f"措施清单 {name} 有重复的 measure_code")
    return out


def load_catalogue(path: Path | None = None) -> list[Measure]:
    """The shipped catalogue, or the YAML file ``path`` in its place."""
    try:
        if path is None:
            text = resources.files("jzcredit.lists").joinpath("measures.yml").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise Misconfigured("measures.unreadable", f"无法读取措施清单：{exc}") from exc
    return _parse(data, path.name if path else "measures.yml")


def catalogue_for(cfg: ListsConfig) -> list[Measure]:
    return load_catalogue(cfg.measures_catalogue)


def current_entries(session: Session, *, subject_id: int, as_of: date) -> list[ListEntry]:
    """The entries that put the subject on a list today."""
    published = and_(ListEntry.list_name.in_(("red", "black")), ListEntry.status == "published",
                     ListEntry.published_on <= as_of, ListEntry.expires_on >= as_of)
    watch = and_(ListEntry.list_name == "watch", ListEntry.status == "active")
    return list(session.scalars(select(ListEntry).where(ListEntry.subject_id == subject_id, or_(published, watch))
                                .order_by(ListEntry.id)))


def _why(entry: ListEntry) -> str:
    rule = RULES.get(entry.rule)
    condition = (entry.details or {}).get("condition") or (rule.description_zh if rule else entry.rule)
    if entry.list_name == "watch":
        since = f"自 {today(entry.proposed_at).isoformat()} 起列为{LIST_LABELS['watch']}"
    else:
        since = f"于 {entry.published_on} 列入{LIST_LABELS[entry.list_name]}（有效期至 {entry.expires_on}）"
    return f"该主体{since}，名单条目 {entry.id}，依据规则 {entry.rule}（{condition}）"


def _row(measure: Measure, entries: list[ListEntry]) -> dict[str, Any]:
    reason = "；".join(_why(e) for e in entries) + f"。按 {measure.legal_basis}，由{measure.department}：{measure.text}"
    return {"measure_code": measure.measure_code, "list": measure.list, "action": measure.action,
            "effect": measure.effect, "reason": reason, "department": measure.department,
            "legal_basis": measure.legal_basis, "text": measure.text, "entry_ids": [e.id for e in entries],
            "rules": [e.rule for e in entries]}


def check(session: Session, *, subject_id: int, action: str, now: datetime, actor: str,
          rules: ListsConfig | None = None) -> list[dict[str, Any]]:
    """凡办必查: the measures that apply now to this subject for ``action``, each once, with the entries
    (list, rule, publication date) that make it apply (audited)."""
    catalogue = catalogue_for(rules or current_config())
    known = sorted({m.action for m in catalogue})
    if action not in known:
        raise Invalid("check.unknown_action", f"未知的事项 {action}，可选：{'、'.join(known)}")
    on_lists = current_entries(session, subject_id=subject_id, as_of=today(now))
    results = [_row(m, [e for e in on_lists if e.list_name == m.list]) for m in catalogue
               if m.action == action and any(e.list_name == m.list for e in on_lists)]
    audit.append(session, actor=actor, action="check", obj=f"subject:{subject_id}", now=now,
                 detail={"action": action, "entries": [e.id for e in on_lists],
                         "measures": [r["measure_code"] for r in results]})
    return results


def catalogue_dicts(cfg: ListsConfig | None = None) -> list[dict[str, str]]:
    return [asdict(m) for m in catalogue_for(cfg or current_config())]
