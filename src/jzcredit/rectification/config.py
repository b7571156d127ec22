"""Rectification settings (``rectification:`` in ``defaults.yml``, overridable with ``JZCREDIT_CONFIG``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jzcredit.config import get_settings
from jzcredit.errors import Misconfigured
from jzcredit.rules import load_rules_dict


def _non_negative(d: dict[str, Any], key: str) -> int:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Misconfigured("config.rectification", f"配置 rectification.{key} 必须是非负整数")
    return value


@dataclass(frozen=True)
class RectificationConfig:
    deadline_days: int  # §3.5: default deadline, calendar days after the issue date
    authority: str  # the issuing authority in notice numbers when none is named
    overdue_publish_years: int  # publication window of the rectification_overdue record

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RectificationConfig:
        d = data.get("rectification")
        if not isinstance(d, dict):
            raise Misconfigured("config.rectification", "配置缺少 rectification 部分")
        authority = str(d.get("authority") or "").strip()
        if not authority:
            raise Misconfigured("config.rectification", "配置 rectification.authority 不能为空")
        return cls(deadline_days=_non_negative(d, "deadline_days"), authority=authority,
                   overdue_publish_years=_non_negative(d, "overdue_publish_years"))


def rectification_config(override: Path | None = None) -> RectificationConfig:
    return RectificationConfig.from_dict(load_rules_dict(override))


def current_config() -> RectificationConfig:
    """The settings in effect: defaults merged with ``JZCREDIT_CONFIG`` / ``--config``."""
    return rectification_config(get_settings().config)
