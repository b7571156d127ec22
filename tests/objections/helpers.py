"""Helpers for the objection tests: filing and deciding with defaults, and what a refusal must not change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.lists.helpers import NOW, config

from jzcredit.common.audit import AuditEntry
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists.models import ListEntry, ListTransition
from jzcredit.objections import service
from jzcredit.objections.config import objections_config
from jzcredit.objections.models import Objection
from jzcredit.records.models import CreditRecord, RecordHistory


def file(s: Session, record_id: int, *, now: datetime = NOW, **kw: Any) -> dict[str, Any]:
    kw.setdefault("reason", "处罚决定已被复议机关撤销")
    return service.file_objection(s, record_id=record_id, now=now, actor=kw.pop("actor", "企业法人"),
                                  cfg=objections_config(), **kw)


def decide(s: Session, objection_id: int, *, uphold: bool, now: datetime = NOW, **kw: Any) -> dict[str, Any]:
    return service.decide_objection(s, objection_id=objection_id, uphold=uphold, now=now,
                                    actor=kw.pop("actor", "王监管"), lists_cfg=config(), models=load_models(), **kw)


def counts(s: Session) -> dict[str, Any]:
    """Everything filing or deciding writes, to show that a refusal wrote nothing."""
    def n(model: Any) -> int:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)

    return {"objections": sorted(s.execute(select(Objection.id, Objection.status, Objection.version)).all()),
            "records": sorted(s.execute(select(CreditRecord.id, CreditRecord.status, CreditRecord.severity,
                                               CreditRecord.amount)).all()),
            "history": n(RecordHistory), "audit": n(AuditEntry), "entries": n(ListEntry),
            "transitions": n(ListTransition)}
