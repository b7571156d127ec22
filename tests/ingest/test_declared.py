"""Declared sources and profiles: every kind loads, the spec's columns exist, the samples' headers all map."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from jzcredit.errors import Invalid
from jzcredit.ingest import declared
from jzcredit.rules import ingest_rules

# spec 04-interfaces.md, "Ingest kinds and columns"
SPEC_COLUMNS: dict[str, set[str]] = {
    "companies": {"uscc", "name", "legal_representative", "address", "region_code", "established_on", "categories",
                  "employment_model", "onboarded_on"},
    "workers": {"id_number", "name", "phone", "categories", "identity_verified_on", "consent_collect",
                "consent_public_card", "consent_employer", "consent_bank_aggregate", "registered_poor",
                "employer_uscc", "employment_start_on"},
    "employments": {"id_number", "uscc", "start_on", "end_on"},
    "penalties": {"subject_code", "subject_name", "doc_number", "decided_on", "penalty_types", "content", "amount",
                  "authority", "publish_until", "severity"},
    "licenses": {"subject_code", "subject_name", "doc_number", "decided_on", "license_name", "content", "authority",
                 "valid_until"},
    "commendations": {"subject_code", "subject_name", "decided_on", "title", "authority"},
    "dishonest_debtors": {"subject_code", "subject_name", "case_number", "court", "filed_on", "published_on",
                          "obligation", "performance", "behaviour"},
    "tax_ratings": {"uscc", "year", "rating"},
    "health_checks": {"id_number", "checked_on", "result", "valid_until", "institution"},
    "trainings": {"id_number", "course", "hours", "completed_on", "institution", "certificate_number"},
    "background_checks": {"id_number", "checked_on", "result", "offence", "authority"},
    "skill_certificates": {"id_number", "certificate_number", "title", "level", "issued_on", "valid_until"},
    "revenue": {"uscc", "year", "revenue"},
    "payroll_monthly": {"uscc", "month", "headcount"},
    "stores": {"uscc", "address", "area_m2", "opened_on"},
    "regions": {"region_code", "name", "poverty_level"},
    "ratings": {"uscc", "id_number", "stars", "rated_on", "service_code"},
    "service_insurance": {"uscc", "year", "paid_cny"},
}
PEOPLE_CODES = {"penalties", "licenses", "commendations", "dishonest_debtors"}
PROFILE_SAMPLES = [
    ("penalty-shuanggongshi", "penalties-shuanggongshi.gb18030.csv", "gb18030"),
    ("court-dishonest", "court-dishonest.csv", "utf-8-sig"),
]
CANONICAL_SAMPLES = [("companies", "companies.csv"), ("workers", "workers.csv"), ("regions", "regions-poverty.csv")]


def read_header(path: Path, encoding: str) -> list[str]:
    with path.open(encoding=encoding, newline="") as fh:
        return next(csv.reader(fh))


def test_every_spec_kind_is_declared_with_a_parser() -> None:
    assert set(declared.known_kinds()) == set(SPEC_COLUMNS)
    for kind in declared.known_kinds():
        source = declared.load_source(kind)
        assert source.kind == kind and source.description
        assert callable(declared.load_parser(kind))


@pytest.mark.parametrize("kind", sorted(SPEC_COLUMNS))
def test_source_declares_the_spec_columns_and_marks_private_ones(kind: str) -> None:
    columns = declared.load_source(kind).columns
    assert SPEC_COLUMNS[kind] <= set(columns)
    for name in ("id_number", "phone"):
        if name in columns:
            assert columns[name].private, f"{kind}.{name} must be private"
    if kind in PEOPLE_CODES:
        assert columns["subject_code"].private
    assert not any(c.private for c in columns.values() if c.name in {"uscc", "name", "subject_name"})


@pytest.mark.parametrize("kind", sorted(SPEC_COLUMNS))
def test_no_alias_points_at_two_columns(kind: str) -> None:
    seen: dict[str, str] = {}
    for spec in declared.load_source(kind).columns.values():
        for alias in (spec.name, *spec.aliases):
            key = declared.header_key(alias)
            assert seen.setdefault(key, spec.name) == spec.name, f"{alias} maps to {seen[key]} and {spec.name}"


def test_unknown_kind_and_profile_are_refused() -> None:
    with pytest.raises(Invalid):
        declared.load_source("nope")
    with pytest.raises(Invalid):
        declared.load_parser("nope")
    with pytest.raises(Invalid):
        declared.load_profile("nope")


@pytest.mark.parametrize("name", ["penalty-shuanggongshi", "court-dishonest"])
def test_profiles_target_existing_columns(name: str) -> None:
    profile = declared.load_profile(name)
    columns = declared.load_source(profile.kind).columns
    assert set(profile.columns.values()) <= set(columns)
    assert not set(profile.details.values()) & set(columns), "a details key must not shadow a column"


def test_shuanggongshi_amounts_are_in_ten_thousands() -> None:
    profile = declared.load_profile("penalty-shuanggongshi")
    assert profile.kind == "penalties"
    opts = declared.parse_options(profile, ingest_rules())
    assert opts.amount_unit == Decimal(10000) and opts.dayfirst is False
    court = declared.parse_options(declared.load_profile("court-dishonest"), ingest_rules())
    assert court.amount_unit == Decimal(1)


@pytest.mark.parametrize("name,filename,encoding", PROFILE_SAMPLES)
def test_every_header_of_the_profile_samples_maps(shared_data: Path, name: str, filename: str,
                                                  encoding: str) -> None:
    profile = declared.load_profile(name)
    header = read_header(shared_data / filename, encoding)
    mapped = declared.map_header(header, declared.load_source(profile.kind), profile)
    assert mapped.unmapped == {}
    assert len(mapped.columns) + len(mapped.details) == len(header)


def test_shuanggongshi_header_variants_map() -> None:
    profile = declared.load_profile("penalty-shuanggongshi")
    header = ["行政相对人名称", "行政相对人代码_1（统一社会信用代码）", "统一社会信用代码", "罚款金额(万元)",
              " 处罚决定日期 ", "证件类型", "证件号码", "法定代表人证件号码", "处罚机关统一社会信用代码"]
    mapped = declared.map_header(header, declared.load_source("penalties"), profile)
    assert mapped.unmapped == {}
    assert mapped.columns == {0: "subject_name", 1: "subject_code", 2: "subject_code", 3: "amount",
                              4: "decided_on", 6: "subject_code", 7: "legal_representative_id_number",
                              8: "authority_uscc"}
    assert mapped.private_positions == frozenset({1, 2, 6, 7})


@pytest.mark.parametrize("kind,filename", CANONICAL_SAMPLES)
def test_canonical_samples_map_without_a_profile(shared_data: Path, kind: str, filename: str) -> None:
    header = read_header(shared_data / filename, "utf-8-sig")
    mapped = declared.map_header(header, declared.load_source(kind), None)
    assert mapped.unmapped == {} and set(mapped.columns.values()) == set(header)


def test_chinese_aliases_map_without_a_profile() -> None:
    header = ["身份证号码", "姓名", "手机号", "体检日期", "体检结果"]
    mapped = declared.map_header(header, declared.load_source("workers"), None)
    assert mapped.columns == {0: "id_number", 1: "name", 2: "phone"} and set(mapped.unmapped) == {3, 4}
    assert mapped.private_positions == frozenset({0, 2})
    health = declared.map_header(header, declared.load_source("health_checks"), None)
    assert set(health.columns.values()) == {"id_number", "name", "checked_on", "result"}
