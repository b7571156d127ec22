"""The ``complaints:`` settings (``defaults.yml``, overridable with ``JZCREDIT_CONFIG``) and the codes.

Tracking codes (投诉查询码) and service codes (服务评价码) are drawn from the operating system's CSPRNG in
Crockford base32 (no I, L, O, U), so a code read aloud or typed from a receipt survives; typed input is
normalised the same way as worker codes (O→0, I/L→1, spaces and hyphens dropped).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jzcredit.common.ids import WORKER_CODE_ALPHABET, normalise_worker_code
from jzcredit.config import get_settings
from jzcredit.errors import Misconfigured
from jzcredit.rules import load_rules_dict

TRACKING_PREFIX = "TS"  # 投诉
SERVICE_CODE_PREFIX = "PJ"  # 评价
CODE_LENGTH = 12  # 12 base32 characters = 60 random bits after the prefix


def new_code(prefix: str) -> str:
    """A fresh code: the prefix and ``CODE_LENGTH`` CSPRNG characters of the unambiguous alphabet."""
    return prefix + "".join(secrets.choice(WORKER_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    return normalise_worker_code(typed)


def looks_like(code: str, prefix: str) -> bool:
    return (len(code) == len(prefix) + CODE_LENGTH and code.startswith(prefix)
            and all(ch in WORKER_CODE_ALPHABET for ch in code[len(prefix):]))


@dataclass(frozen=True)
class ComplaintsConfig:
    response_days: int
    service_code_days: int
    service_code_batch_max: int
    text_max_chars: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ComplaintsConfig:
        d = data.get("complaints")
        if not isinstance(d, dict):
            raise Misconfigured("config.complaints", "配置缺少 complaints 部分")
        values: dict[str, int] = {}
        for key in ("response_days", "service_code_days", "service_code_batch_max", "text_max_chars"):
            value = d.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise Misconfigured("config.complaints", f"配置 complaints.{key} 必须是正整数")
            values[key] = value
        return cls(**values)


def complaints_config(override: Path | None = None) -> ComplaintsConfig:
    return ComplaintsConfig.from_dict(load_rules_dict(override))


def current_config() -> ComplaintsConfig:
    """The settings in effect: defaults merged with ``JZCREDIT_CONFIG`` / ``--config``."""
    return complaints_config(get_settings().config)
