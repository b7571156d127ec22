"""检查人员名册: the inspectors a plan draws from, read from a CSV or XLSX file.

Columns (English or Chinese header): ``name``/姓名 (required), ``department``/部门 (optional, shown with
the name) and ``region``/辖区 (optional six-digit code: the inspector is drawn only for companies inside
that scope; empty or ``000000`` = anywhere). Other columns are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jzcredit.common.regions import scope_prefix, validate_scope
from jzcredit.errors import Invalid, JzError
from jzcredit.ingest.formats import cell_text, open_table

COLUMN_ALIASES = {
    "name": ("name", "姓名", "检查人员", "执法人员"),
    "department": ("department", "部门", "所属部门", "单位", "所属单位"),
    "region": ("region", "region_code", "辖区", "区划代码", "行政区划代码"),
}


@dataclass(frozen=True)
class Inspector:
    name: str
    department: str
    region: str | None  # scope code as written; None = anywhere
    prefix: str | None  # scope prefix (see common.regions)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.department}）" if self.department else self.name


@dataclass(frozen=True)
class Roster:
    file_name: str
    sha256: str
    inspectors: tuple[Inspector, ...]


def _bad(path: Path, detail: str) -> Invalid:
    return Invalid("supervision.roster_invalid", f"检查人员名册 {path.name}：{detail}")


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for position, raw in enumerate(header):
        title = raw.strip().lower()
        for column, aliases in COLUMN_ALIASES.items():
            if title in aliases and column not in found:
                found[column] = position
    if "name" not in found:
        raise _bad(path, "缺少姓名列（表头应有 name 或 姓名；可选 department/部门、region/辖区）")
    return found


def _inspector(path: Path, number: int, cells: list[str], columns: dict[str, int]) -> Inspector:
    def cell(column: str) -> str:
        at = columns.get(column)
        return " ".join(cells[at].split()) if at is not None and at < len(cells) else ""

    name = cell("name")
    if not name:
        raise _bad(path, f"第 {number} 行没有姓名")
    region_text = cell("region") or None
    try:
        region = validate_scope(region_text)
    except JzError as exc:
        raise _bad(path, f"第 {number} 行辖区 {region_text!r} 无效，应为 6 位行政区划代码") from exc
    return Inspector(name=name, department=cell("department"), region=region, prefix=scope_prefix(region))


def load_roster(path: Path) -> Roster:
    """Read and check a roster: readable, a name column, no empty or repeated person, at least two people."""
    try:
        table = open_table(path)
    except JzError as exc:
        raise _bad(path, exc.detail) from exc
    columns = _columns(path, table.header)
    inspectors: list[Inspector] = []
    seen: set[tuple[str, str]] = set()
    for row in table.open_rows(None):
        if row.cells is None:
            raise _bad(path, f"第 {row.number} 行无法读取")
        person = _inspector(path, row.number, [cell_text(c) for c in row.cells], columns)
        if (person.name, person.department) in seen:
            raise _bad(path, f"第 {row.number} 行与前面重复：{person.label}（同名请写明部门）")
        seen.add((person.name, person.department))
        inspectors.append(person)
    if len(inspectors) < 2:
        raise _bad(path, f"只有 {len(inspectors)} 名检查人员，每次检查需要 2 名")
    return Roster(file_name=path.name, sha256=table.sha256, inspectors=tuple(inspectors))
