"""docs/ingest.md and the code agree (STYLE: a column, setting or rule in one and not the other fails a test).

Checked both ways: every kind with its columns (required, private, aliases), every profile with its header
mapping and options, every ``ingest:`` setting with its default, every quarantine reason code the code can
produce and every code that refuses a whole file.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from jzcredit.ingest import declared

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ingest.md"
SRC = ROOT / "src" / "jzcredit"
INGEST_CODE = sorted((SRC / "ingest").rglob("*.py"))
IDENTIFIER_CODE = [SRC / "common" / "ids.py", SRC / "common" / "dates.py"]
TICKED = re.compile(r"`([^`]+)`")
Table = list[dict[str, str]]


# --- reading the document ------------------------------------------------------------------


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def section(text: str, title: str, level: int = 2) -> str:
    """The body of the first heading ``title`` (at ``level``) up to the next heading of that level or above."""
    mark = "#" * level
    match = re.search(rf"^{mark} {re.escape(title)}\s*$", text, re.M)
    assert match, f"docs/ingest.md has no heading '{mark} {title}'"
    end = re.compile(rf"^#{{1,{level}}} ", re.M).search(text, match.end())
    return text[match.end():end.start() if end else len(text)]


def subsections(text: str) -> dict[str, str]:
    """``### `name` …`` headings in a section, by the first ticked word, with their bodies."""
    parts = re.split(r"^### ", text, flags=re.M)[1:]
    out: dict[str, str] = {}
    for part in parts:
        title, _, body = part.partition("\n")
        name = TICKED.search(title)
        assert name, f"a ### heading without a `name`: {title}"
        assert name.group(1) not in out, f"two sections for {name.group(1)}"
        out[name.group(1)] = body
    return out


def tables(text: str) -> Iterator[Table]:
    """Every Markdown table in ``text`` as rows keyed by its (lower-cased) header cells."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|[\s|:-]+\|", lines[i + 1].strip()):
            header = [c.strip().lower() for c in lines[i].strip().strip("|").split("|")]
            rows: Table = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                assert len(cells) == len(header), f"table row with {len(cells)} cells: {lines[i]}"
                rows.append(dict(zip(header, cells, strict=True)))
                i += 1
            yield rows
        else:
            i += 1


def table_with(text: str, first: str) -> Table:
    """The one table whose first header cell is ``first``."""
    found = [t for t in tables(text) if t and next(iter(t[0])) == first]
    assert len(found) == 1, f"expected one table headed '{first}', found {len(found)}"
    return found[0]


def ticked(cell: str) -> list[str]:
    return TICKED.findall(cell)


def one_ticked(cell: str) -> str:
    words = ticked(cell)
    assert len(words) == 1, f"expected one `name` in '{cell}'"
    return words[0]


def flag(cell: str) -> bool:
    assert cell in ("yes", ""), f"a required/private cell is 'yes' or empty, not '{cell}'"
    return cell == "yes"


# --- what the code can produce ------------------------------------------------------------------


def _literals(node: ast.expr | None) -> set[str]:
    """String constants an expression can evaluate to: ``"a"``, ``"a" if c else "b"``, ``x or "a"``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    if isinstance(node, ast.BoolOp):
        return set().union(*(_literals(v) for v in node.values))
    return set()


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _arg(node: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(node.args) > position:
        return node.args[position]
    return next((k.value for k in node.keywords if k.arg == keyword), None)


def _reasons_in(path: Path, raisers: set[str]) -> set[str]:
    codes: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            if _called(node) in raisers:
                codes |= _literals(_arg(node, 0, "reason"))
            if _called(node) == "RawRow":
                codes |= _literals(_arg(node, 2, "problem"))
            codes |= set().union(*(_literals(k.value) for k in node.keywords if k.arg == "reason"))
        elif isinstance(node, ast.FunctionDef):  # def number(..., reason: str = "invalid_number")
            args = node.args.kwonlyargs + node.args.posonlyargs + node.args.args
            defaults = list(node.args.kw_defaults) + [None] * (
                len(node.args.posonlyargs) + len(node.args.args) - len(node.args.defaults)) + list(node.args.defaults)
            codes |= set().union(*(_literals(d) for a, d in zip(args, defaults, strict=True) if a.arg == "reason"))
    return codes


def code_reasons() -> set[str]:
    """Every quarantine reason code: ``RowRejected("…")`` and ``reason="…"`` in ingest, the readers'
    row problems (``malformed_json`` …), and the identifier and date checks' reasons."""
    codes = set().union(*(_reasons_in(p, {"RowRejected"}) for p in INGEST_CODE))
    codes |= set().union(*(_reasons_in(p, {"InvalidIdentifier", "DateParseError"}) for p in IDENTIFIER_CODE))
    return codes


def code_file_refusals() -> set[str]:
    """``Invalid("ingest.…")`` and its siblings: the codes that refuse a whole file before anything is written."""
    codes: set[str] = set()
    for path in INGEST_CODE:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _called(node) in {"Invalid", "NotFound", "Conflict", "Forbidden"}:
                codes |= {c for c in _literals(_arg(node, 0, "code")) if c.startswith("ingest.")}
    return codes


def ingest_settings() -> dict[str, Any]:
    """``ingest:`` in the shipped defaults.yml, flattened to ``ingest.a.b`` → value."""
    data = yaml.safe_load(resources.files("jzcredit").joinpath("defaults.yml").read_text(encoding="utf-8"))

    def walk(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(value, dict):
            for key, inner in value.items():
                yield from walk(f"{prefix}.{key}", inner)
        else:
            yield prefix, value

    return dict(walk("ingest", data["ingest"]))


def raw_profile(name: str) -> dict[str, Any]:
    text = resources.files("jzcredit.ingest.profiles").joinpath(f"{name}.yml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


# --- the checks ------------------------------------------------------------------------


def test_the_code_scan_finds_reasons_of_every_origin() -> None:
    """Guards the scanner itself: one code from each place a reason is made."""
    assert {"nul_byte", "wrong_column_count", "missing_value", "invalid_result", "invalid_number", "invalid_year",
            "conflicts_with_existing", "unknown_worker", "not_a_quarantined_row", "malformed_json",
            "unexpected_fields", "invalid_uscc", "invalid_phone", "ambiguous_date", "unparseable_date",
            "invalid_id_number"} <= code_reasons()
    assert {"ingest.missing_column", "ingest.unknown_encoding", "ingest.empty_file"} <= code_file_refusals()


def test_every_quarantine_reason_the_code_produces_is_documented() -> None:
    documented = {one_ticked(r["reason"]) for r in table_with(section(doc_text(), "Quarantine reasons"), "reason")}
    assert sorted(code_reasons() - documented) == [], "reason codes missing from docs/ingest.md"


def test_every_documented_quarantine_reason_exists_in_the_code() -> None:
    documented = [one_ticked(r["reason"]) for r in table_with(section(doc_text(), "Quarantine reasons"), "reason")]
    assert len(documented) == len(set(documented)), "a reason listed twice"
    assert sorted(set(documented) - code_reasons()) == [], "docs/ingest.md lists reasons the code never produces"
    for row in table_with(section(doc_text(), "Quarantine reasons"), "reason"):
        assert row["meaning"] and row["what to do"], f"{row['reason']}: meaning and what to do are both needed"


def test_whole_file_refusal_codes_agree() -> None:
    documented = {one_ticked(r["code"]) for r in table_with(section(doc_text(), "Files that are refused"), "code")}
    assert documented == code_file_refusals()


def test_every_kind_has_a_section_and_every_section_a_kind() -> None:
    assert set(subsections(section(doc_text(), "Kinds"))) == set(declared.known_kinds())


@pytest.mark.parametrize("kind", declared.known_kinds())
def test_kind_table_matches_its_source_yml(kind: str) -> None:
    body = subsections(section(doc_text(), "Kinds"))[kind]
    rows = table_with(body, "column")
    documented = {one_ticked(r["column"]): r for r in rows}
    assert len(documented) == len(rows), f"{kind}: a column listed twice"
    columns = declared.load_source(kind).columns
    assert list(documented) == list(columns), f"{kind}: the table's columns (in order) differ from source.yml"
    for name, spec in columns.items():
        row = documented[name]
        assert flag(row["required"]) == spec.required, f"{kind}.{name}: required"
        assert flag(row["private"]) == spec.private, f"{kind}.{name}: private"
        assert ticked(row["aliases"]) == list(spec.aliases), f"{kind}.{name}: aliases"


def test_every_profile_has_a_section_and_every_section_a_profile() -> None:
    assert set(subsections(section(doc_text(), "Profiles"))) == set(declared.known_profiles())


@pytest.mark.parametrize("name", declared.known_profiles())
def test_profile_section_matches_its_yml(name: str) -> None:
    body = subsections(section(doc_text(), "Profiles"))[name]
    profile = declared.load_profile(name)
    assert f"`--kind {profile.kind}`" in body, f"{name}: the section names its kind as `--kind {profile.kind}`"
    mapping = table_with(body, "header")
    documented = [(declared.header_key(one_ticked(r["header"])), one_ticked(r["maps to"])) for r in mapping]
    expected = [(h, c) for h, c in profile.columns.items()] + [(h, f"details.{d}") for h, d in profile.details.items()]
    assert sorted(documented) == sorted(expected), f"{name}: header mapping differs from the profile"
    raw = raw_profile(name)
    assert [declared.header_key(one_ticked(r["header"])) for r in mapping] == [
        declared.header_key(h) for h in [*(raw.get("columns") or {}), *(raw.get("details") or {})]], \
        f"{name}: list the headers in the profile's order"
    options = {one_ticked(r["option"]): ticked(r["value"]) for r in table_with(body, "option")} \
        if profile.options else {}
    assert options == {k: [str(v)] for k, v in profile.options.items()}, f"{name}: options"


def test_settings_table_matches_defaults_yml() -> None:
    rows = table_with(section(doc_text(), "Settings"), "setting")
    documented = {one_ticked(r["setting"]): ticked(r["default"]) for r in rows}
    expected = {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in ingest_settings().items()}
    assert documented == expected
    assert all(r["meaning"] for r in rows)
