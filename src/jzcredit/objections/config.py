"""Objection settings (``objections:`` in ``defaults.yml``, overridable with ``JZCREDIT_CONFIG``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jzcredit.config import get_settings
from jzcredit.errors import Misconfigured
from jzcredit.rules import load_rules_dict


@dataclass(frozen=True)
class ObjectionsConfig:
    decision_days: int  # §3.5: calendar days to decide; a later decision is marked late

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ObjectionsConfig:
        d = data.get("objections")
        value = d.get("decision_days") if isinstance(d, dict) else None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Misconfigured("config.objections", "配置 objections.decision_days 必须是非负整数")
        return cls(decision_days=value)


def objections_config(override: Path | None = None) -> ObjectionsConfig:
    return ObjectionsConfig.from_dict(load_rules_dict(override))


def current_config() -> ObjectionsConfig:
    """The settings in effect: defaults merged with ``JZCREDIT_CONFIG`` / ``--config``."""
    return objections_config(get_settings().config)
