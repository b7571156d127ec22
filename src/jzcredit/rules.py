"""Rule defaults from the shipped ``defaults.yml``, merged with ``JZCREDIT_CONFIG``."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jzcredit.errors import Invalid


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@functools.lru_cache(maxsize=16)
def _parsed(text: str) -> Any:
    """YAML parsed once per distinct text: every request's settings come from here, and parsing is the cost."""
    return yaml.safe_load(text)


def load_rules_dict(override: Path | None = None) -> dict[str, Any]:
    """The settings as a fresh dict (callers may change theirs); the files are read each time, so an edited
    ``JZCREDIT_CONFIG`` takes effect, but a text already seen is not parsed again."""
    text = resources.files("jzcredit").joinpath("defaults.yml").read_text(encoding="utf-8")
    data: dict[str, Any] = copy.deepcopy(_parsed(text))
    if override is not None:
        try:
            extra = copy.deepcopy(_parsed(override.read_text(encoding="utf-8"))) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise Invalid("config.unreadable", f"无法读取配置文件 {override.name}：{exc}") from exc
        if not isinstance(extra, dict):
            raise Invalid("config.not_mapping", f"配置文件 {override.name} 必须是 YAML 映射")
        data = _merge(data, extra)
    return data


@dataclass(frozen=True)
class IngestRules:
    chunk_size: int
    max_field_chars: int
    serious_fine_cny: Decimal
    serious_penalty_keywords: tuple[str, ...]
    publication_years: dict[str, int]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IngestRules:
        d = data["ingest"]
        return cls(
            chunk_size=int(d["chunk_size"]),
            max_field_chars=int(d["max_field_chars"]),
            serious_fine_cny=Decimal(str(d["serious_fine_cny"])),
            serious_penalty_keywords=tuple(d["serious_penalty_keywords"]),
            publication_years={k: int(v) for k, v in d["publication_years"].items()},
        )


def ingest_rules(override: Path | None = None) -> IngestRules:
    return IngestRules.from_dict(load_rules_dict(override))
