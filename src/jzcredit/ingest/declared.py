"""Sources and profiles declared as data: ``sources/<kind>/source.yml`` and ``profiles/<name>.yml``.

A source names its canonical columns (with aliases and which are required or
private); a profile maps one real-world header layout onto a source's columns
and names the extra columns it keeps as record details. Every header cell ends
as a column, a detail, or an *unmapped* column that the batch report lists.
"""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, cast, get_type_hints

import yaml

from jzcredit.errors import Invalid
from jzcredit.ingest import bounds
from jzcredit.ingest.drafts import Draft, RecordDraft
from jzcredit.rules import IngestRules


def header_key(text: str) -> str:
    """How header cells are compared: NFKC, no surrounding space, ASCII lower-case."""
    return unicodedata.normalize("NFKC", text).replace("\ufeff", "").strip().lower()


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    required: bool = False
    private: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceSpec:
    kind: str
    description: str
    columns: dict[str, ColumnSpec]


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str
    description: str
    columns: dict[str, str]  # header_key -> canonical column
    details: dict[str, str]  # header_key -> details key
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParseOptions:
    rules: IngestRules
    dayfirst: bool = False
    amount_unit: Decimal = Decimal(1)


Parser = Callable[[Any, ParseOptions], Draft]


def _read_yaml(package: str, name: str) -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load(resources.files(package).joinpath(name).read_text(encoding="utf-8")))


@cache
def known_kinds() -> tuple[str, ...]:
    root = resources.files("jzcredit.ingest.sources")
    return tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and p.joinpath("source.yml").is_file()))


@cache
def known_profiles() -> tuple[str, ...]:
    root = resources.files("jzcredit.ingest").joinpath("profiles")
    return tuple(sorted(p.name.removesuffix(".yml") for p in root.iterdir() if p.name.endswith(".yml")))


@cache
def load_source(kind: str) -> SourceSpec:
    if kind not in known_kinds():
        raise Invalid("ingest.unknown_kind", f"未知的数据类型 --kind {kind}；可用：{'、'.join(known_kinds())}")
    data = _read_yaml(f"jzcredit.ingest.sources.{kind}", "source.yml")
    columns = {
        name: ColumnSpec(name=name, required=bool(spec.get("required", False)),
                         private=bool(spec.get("private", False)), aliases=tuple(spec.get("aliases", ())))
        for name, spec in (data["columns"] or {}).items()
    }
    return SourceSpec(kind=data["kind"], description=data.get("description", ""), columns=columns)


def _parse_function(kind: str) -> Parser:
    load_source(kind)
    module = importlib.import_module(f"jzcredit.ingest.sources.{kind}.parser")
    return cast(Parser, module.parse)


@cache
def load_parser(kind: str) -> Parser:
    """The kind's pure parser, then the check that every value fits its column (``ingest/bounds.py``)."""
    parse = _parse_function(kind)

    def parse_and_check(row: Any, opts: ParseOptions) -> Draft:
        draft = parse(row, opts)
        bounds.check_draft(draft)
        return draft

    return parse_and_check


@cache
def keeps_unmapped(kind: str) -> bool:
    """Whether unmapped columns are kept (in each record's ``details.extra``): only kinds that make credit records.

    Read from the parser's return type, so a new kind cannot make the CLI's message untrue.
    """
    return get_type_hints(_parse_function(kind)).get("return") is RecordDraft


@cache
def load_profile(name: str) -> Profile:
    if name not in known_profiles():
        raise Invalid("ingest.unknown_profile", f"未知的导入模板 --profile {name}；可用：{'、'.join(known_profiles())}")
    data = _read_yaml("jzcredit.ingest.profiles", f"{name}.yml")
    return Profile(
        name=data["name"], kind=data["kind"], description=data.get("description", ""),
        columns={header_key(k): v for k, v in (data.get("columns") or {}).items()},
        details={header_key(k): v for k, v in (data.get("details") or {}).items()},
        options=dict(data.get("options") or {}),
    )


def parse_options(profile: Profile | None, rules: IngestRules) -> ParseOptions:
    opts = profile.options if profile else {}
    return ParseOptions(rules=rules, dayfirst=bool(opts.get("dayfirst", False)),
                        amount_unit=Decimal(str(opts.get("amount_unit", 1))))


@dataclass(frozen=True)
class HeaderMap:
    """Where each header cell goes, by position."""

    header: tuple[str, ...]
    columns: dict[int, str]  # position -> canonical column
    details: dict[int, str]  # position -> details key
    unmapped: dict[int, str]  # position -> original header text
    private_positions: frozenset[int]


def map_header(header: list[str], source: SourceSpec, profile: Profile | None) -> HeaderMap:
    lookup: dict[str, str] = {}
    for spec in source.columns.values():
        for alias in (spec.name, *spec.aliases):
            lookup.setdefault(header_key(alias), spec.name)
    columns: dict[int, str] = {}
    details: dict[int, str] = {}
    unmapped: dict[int, str] = {}
    for pos, cell in enumerate(header):
        key = header_key(cell)
        if profile and key in profile.columns:
            columns[pos] = profile.columns[key]
        elif profile and key in profile.details:
            details[pos] = profile.details[key]
        elif key in lookup:
            columns[pos] = lookup[key]
        elif key:
            unmapped[pos] = cell
    _check_required(source, profile, set(columns.values()))
    private = frozenset(p for p, c in columns.items() if source.columns[c].private)
    return HeaderMap(tuple(header), columns, details, unmapped, private)


def _check_required(source: SourceSpec, profile: Profile | None, present: set[str]) -> None:
    missing = [c for c, spec in source.columns.items() if spec.required and c not in present]
    if not missing:
        return
    wanted = []
    for col in missing:
        names = [h for h, c in (profile.columns.items() if profile else []) if c == col]
        names += list(source.columns[col].aliases[:2])
        wanted.append(f"{col}（{'/'.join(names)}）" if names else col)
    hint = "；请检查表头或用 --profile 指定模板" if profile is None else "；请检查表头是否与模板一致"
    raise Invalid("ingest.missing_column", f"文件缺少必需列：{'、'.join(wanted)}{hint}")
