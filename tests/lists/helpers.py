"""Helpers for the list tests: the date, settings with overrides, and complaint records."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session
from tests.factories import add_record

from jzcredit.common.clock import SHANGHAI
from jzcredit.lists.rules import ListsConfig
from jzcredit.records.models import CreditRecord
from jzcredit.rules import load_rules_dict

TODAY = date(2026, 6, 30)
NOW = datetime.combine(TODAY, time(10, 0), SHANGHAI)


def at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), SHANGHAI)


def config(**rules: dict[str, Any]) -> ListsConfig:
    """The shipped settings with ``lists.rules.<ID>`` overrides, e.g. ``config(B1={"grace_days": 30})``."""
    data = load_rules_dict()
    for rule_id, values in rules.items():
        data["lists"]["rules"][rule_id].update(values)
    return ListsConfig.from_dict(data)


def complaint(session: Session, subject_id: int, *, finding: str, category: str = "theft", decided_on: date,
              status: str = "active") -> CreditRecord:
    """A complaint as it reaches the credit file: a ``complaint`` record with its finding and category."""
    return add_record(session, subject_id, "complaint", decided_on=decided_on, status=status,
                      details={"finding": finding, "category": category})
