"""Each declared source's parser: a good row per kind, every documented refusal, and the §3.1 rules."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from jzcredit.ingest import declared
from jzcredit.ingest.drafts import (
    CompanyDraft,
    Draft,
    EmploymentDraft,
    FigureDraft,
    RatingDraft,
    RecordDraft,
    RegionDraft,
    RowRejected,
    StoreDraft,
    WorkerDraft,
)
from jzcredit.ingest.fields import Row
from jzcredit.rules import ingest_rules

USCC = "91370103WA000LH0YM"
AUTHORITY_USCC = "91370100RB2RDY43H5"
ID = "370102196509109885"
BAD_ID = "370102196509109884"  # wrong check character
OPTS = declared.ParseOptions(rules=ingest_rules())
SHUANGGONGSHI = declared.parse_options(declared.load_profile("penalty-shuanggongshi"), ingest_rules())

GOOD: dict[str, dict[str, Any]] = {
    "companies": {
        "uscc": USCC, "name": "济南诚信家政 (历下) 有限公司", "legal_representative": "叶巧",
        "address": "济南市市中区经十路271号", "region_code": "370103", "established_on": "2015年8月16日",
        "categories": "保洁;月嫂;cooking", "employment_model": "员工制", "onboarded_on": "2025-08-10",
    },
    "workers": {
        "id_number": ID, "name": "段玉", "phone": "+86 189-4685-8501", "categories": "childcare;cleaning",
        "identity_verified_on": "2025-06-18", "consent_collect": "是", "consent_public_card": "no",
        "consent_employer": "yes", "consent_bank_aggregate": "", "registered_poor": "否",
        "employer_uscc": USCC, "employment_start_on": "2024-01-15",
    },
    "employments": {"id_number": ID, "uscc": USCC, "start_on": "2024-01-15", "end_on": "2025-01-14", "role": "育婴员"},
    "penalties": {
        "subject_code": USCC, "subject_name": "济南诚信家政服务有限公司", "doc_number": "济商务罚〔2025〕101号",
        "decided_on": "2025/3/25", "penalty_types": "罚款", "content": "罚款人民币8000元", "amount": "8000",
        "authority": "济南市商务局", "authority_uscc": AUTHORITY_USCC, "publish_until": "",
        "severity": "", "legal_representative_id_number": ID,
    },
    "licenses": {
        "subject_code": USCC, "subject_name": "济南诚信家政服务有限公司", "doc_number": "济商务许〔2025〕7号",
        "decided_on": "2025-01-02", "license_name": "家政服务经营许可", "content": "准予许可",
        "authority": "济南市商务局", "authority_uscc": AUTHORITY_USCC, "valid_until": "2030-01-01",
    },
    "commendations": {
        "subject_code": USCC, "subject_name": "济南诚信家政服务有限公司", "decided_on": "2025-05-01",
        "title": "诚信家政示范企业", "authority": "济南市商务局", "publish_until": "",
    },
    "dishonest_debtors": {
        "subject_code": "3701**********9885", "subject_name": "段玉", "case_number": "(2025)鲁0102执1201号",
        "court": "济南市历下区人民法院", "filed_on": "2025年3月11日", "published_on": "2025-04-01",
        "obligation": "偿还借款本金及利息", "performance": "全部未履行",
        "behaviour": "有履行能力而拒不履行生效法律文书确定义务",
    },
    "tax_ratings": {"uscc": USCC, "name": "济南诚信家政服务有限公司", "year": "2024", "rating": "b"},
    "health_checks": {
        "id_number": ID, "name": "段玉", "checked_on": "2025-03-01", "result": "合格",
        "valid_until": "2026-02-28", "institution": "济南市中心医院",
    },
    "trainings": {
        "id_number": ID, "name": "段玉", "course": "母婴护理", "hours": "24.5学时", "completed_on": "2025-04-30",
        "institution": "济南家政培训学校", "certificate_number": "PX2025-001",
    },
    "background_checks": {
        "id_number": ID, "name": "段玉", "checked_on": "2025-02-01", "result": "有犯罪记录", "offence": "盗窃",
        "authority": "历下公安分局",
    },
    "skill_certificates": {
        "id_number": ID, "name": "段玉", "certificate_number": "ZS-2025-01", "title": "育婴员", "level": "四级",
        "issued_on": "2025-05-20", "valid_until": "2029-05-19",
    },
    "revenue": {"uscc": USCC, "year": "2024年", "revenue": "1,234,567.80元"},
    "payroll_monthly": {"uscc": USCC, "month": "2025年5月", "headcount": "42"},
    "stores": {"uscc": USCC, "address": "济南市历下区泉城路1号", "area_m2": "120.5㎡", "opened_on": "2024-10-01"},
    "regions": {"region_code": "410225", "name": "兰考县", "poverty_level": "国家级"},
    "ratings": {
        "uscc": USCC, "id_number": ID, "stars": "5", "rated_on": "2024-12-01", "service_code": "ORD-0001",
        "comment": "很好",
    },
    "service_insurance": {"uscc": USCC, "year": "2024", "paid_cny": "86000"},
}


def parse(kind: str, overrides: dict[str, Any] | None = None, *, details: dict[str, Any] | None = None,
          opts: declared.ParseOptions = OPTS) -> Draft:
    return declared.load_parser(kind)(Row({**GOOD[kind], **(overrides or {})}, details), opts)


def record(kind: str, overrides: dict[str, Any] | None = None, **kw: Any) -> RecordDraft:
    draft = parse(kind, overrides, **kw)
    assert isinstance(draft, RecordDraft)
    return draft


# --- good rows ----------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_good_row_parses_and_every_declared_column_is_taken(kind: str) -> None:
    assert set(GOOD[kind]) == set(declared.load_source(kind).columns), "the good row covers every column"
    row = Row(dict(GOOD[kind]))
    declared.load_parser(kind)(row, OPTS)
    assert row.leftovers() == {}


def test_company_row_is_normalised() -> None:
    draft = parse("companies")
    assert draft == CompanyDraft(
        uscc=USCC, name="济南诚信家政（历下）有限公司", legal_representative="叶巧",
        address="济南市市中区经十路271号", region_code="370103", established_on=date(2015, 8, 16),
        categories=["cleaning", "maternity", "cooking"], employment_model="employee", onboarded_on=date(2025, 8, 10))
    assert isinstance(parse("companies", {"employment_model": "Intermediary"}), CompanyDraft)


def test_worker_row_reads_phone_consents_and_employer() -> None:
    draft = parse("workers")
    assert isinstance(draft, WorkerDraft)
    assert draft.phone == "18946858501" and draft.registered_poor is False
    assert draft.consents == {"collect": True, "public_card": False, "employer": True, "bank_aggregate": False}
    assert draft.employer_uscc == USCC and draft.employment_start_on == date(2024, 1, 15)
    bare = parse("workers", {"phone": "", "employer_uscc": "  ", "identity_verified_on": ""})
    assert isinstance(bare, WorkerDraft) and bare.phone is None and bare.employer_uscc is None


def test_employment_row_with_open_end() -> None:
    assert parse("employments", {"end_on": ""}) == EmploymentDraft(ID, USCC, date(2024, 1, 15), None, "育婴员")


def test_penalty_row_keeps_profile_details_and_checks_the_authority_code() -> None:
    draft = record("penalties", details={"subject_category": "法人及非法人组织", "extra": {"备注2": "x"}})
    assert draft.type == "penalty" and draft.category == "negative" and draft.severity == "general"
    assert draft.subject.uscc == USCC and draft.subject.name == "济南诚信家政服务有限公司"
    assert draft.key_parts == ("济商务罚〔2025〕101号",) and draft.doc_number == "济商务罚〔2025〕101号"
    assert draft.authority_uscc == AUTHORITY_USCC and draft.amount == Decimal(8000)
    assert draft.details["subject_category"] == "法人及非法人组织" and draft.details["extra"] == {"备注2": "x"}
    assert draft.details["penalty_types"] == "罚款"
    assert draft.details["legal_representative_id_masked"] == "3701**********9885"
    assert ID not in str(draft.details)
    bad_authority = record("penalties", {"authority_uscc": "91370100RB2RDY43H6"})
    assert bad_authority.authority_uscc is None
    assert bad_authority.details["authority_code_raw"] == "91370100RB2RDY43H6"


def test_penalty_subject_may_be_a_person_or_a_masked_number() -> None:
    person = record("penalties", {"subject_code": ID, "subject_name": "段玉"})
    assert person.subject.id_number == ID and person.subject.uscc is None
    masked = record("penalties", {"subject_code": "3701**********9885"})
    assert masked.subject.masked is not None and masked.subject.masked.pattern == "3701**********9885"


def test_penalty_without_doc_number_is_keyed_on_date_and_content() -> None:
    draft = record("penalties", {"doc_number": ""})
    assert draft.key_parts == ("2025-03-25", "罚款人民币8000元") and draft.doc_number is None


def test_month_only_and_day_first_dates() -> None:
    month = record("penalties", {"decided_on": "2025年5月"})
    assert month.decided_on == date(2025, 5, 1) and month.precision == "month"
    assert record("penalties", {"decided_on": "13/05/2025"}).decided_on == date(2025, 5, 13)
    dayfirst = declared.ParseOptions(rules=ingest_rules(), dayfirst=True)
    assert record("penalties", {"decided_on": "05/06/2025"}, opts=dayfirst).decided_on == date(2025, 6, 5)
    excel = record("penalties", {"decided_on": datetime(2025, 3, 25, 10, 30)})
    assert excel.decided_on == date(2025, 3, 25) and excel.precision == "day"


# --- §3.1 severity and publication windows ------------------------------------------


def test_shuanggongshi_amount_is_ten_thousands_and_12_is_serious() -> None:
    assert SHUANGGONGSHI.amount_unit == Decimal(10000)
    draft = record("penalties", {"amount": "12", "decided_on": "2025-06-05"}, opts=SHUANGGONGSHI)
    assert draft.amount == Decimal(120000) and draft.severity == "serious"
    assert draft.publish_until == date(2028, 6, 5)


def test_a_small_fine_is_general_with_a_one_year_window() -> None:
    draft = record("penalties", {"amount": "0.8", "decided_on": "2025-03-25"}, opts=SHUANGGONGSHI)
    assert draft.amount == Decimal(8000) and draft.severity == "general"
    assert draft.publish_until == date(2026, 3, 25)


@pytest.mark.parametrize("column,value", [("penalty_types", "吊销许可证"), ("content", "责令停产停业整顿"),
                                          ("content", "限制从业三年"), ("penalty_types", "行政拘留")])
def test_severe_sanctions_are_serious_without_a_large_fine(column: str, value: str) -> None:
    draft = record("penalties", {column: value, "amount": ""})
    assert draft.severity == "serious" and draft.amount is None
    assert draft.publish_until == date(2028, 3, 25)


def test_source_severity_and_window_win_over_the_defaults() -> None:
    draft = record("penalties", {"amount": "500000", "severity": "一般", "publish_until": "2026/03/31"})
    assert draft.severity == "general" and draft.publish_until == date(2026, 3, 31)
    assert record("penalties", {"severity": "serious"}).severity == "serious"


def test_commendation_window_is_three_years_and_licences_have_none() -> None:
    commendation = record("commendations")
    assert (commendation.type, commendation.category) == ("commendation", "positive")
    assert commendation.publish_until == date(2028, 5, 1) and commendation.content == "诚信家政示范企业"
    assert commendation.key_parts == ("诚信家政示范企业", "2025-05-01")
    assert record("commendations", {"publish_until": "2026-05-01"}).publish_until == date(2026, 5, 1)
    licence = record("licenses")
    assert (licence.type, licence.category, licence.publish_until) == ("license", "basic", None)
    assert licence.valid_until == date(2030, 1, 1) and licence.key_parts == ("济商务许〔2025〕7号", "家政服务经营许可")
    assert licence.details["license_name"] == "家政服务经营许可" and licence.authority_uscc == AUTHORITY_USCC


# --- court, tax and worker records --------------------------------------------------


def test_dishonest_debtor_is_serious_and_dated_on_publication() -> None:
    draft = record("dishonest_debtors", details={"sex": "女"})
    assert (draft.type, draft.category, draft.severity) == ("dishonest_debtor", "negative", "serious")
    assert draft.subject.masked is not None and draft.subject.name == "段玉"
    assert draft.decided_on == date(2025, 4, 1) and draft.publish_until is None
    assert draft.doc_number == "(2025)鲁0102执1201号" and draft.key_parts == ("(2025)鲁0102执1201号",)
    assert draft.authority == "济南市历下区人民法院" and draft.content == "有履行能力而拒不履行生效法律文书确定义务"
    assert draft.details["filed_on"] == "2025-03-11" and draft.details["published_on"] == "2025-04-01"
    assert draft.details["performance"] == "全部未履行" and draft.details["sex"] == "女"
    filed_only = record("dishonest_debtors", {"published_on": "", "behaviour": ""})
    assert filed_only.decided_on == date(2025, 3, 11) and filed_only.content == "偿还借款本金及利息"
    company = record("dishonest_debtors", {"subject_code": USCC})
    assert company.subject.uscc == USCC


def test_tax_rating_is_dated_on_the_last_day_of_its_year() -> None:
    draft = record("tax_ratings")
    assert (draft.type, draft.category) == ("tax_rating", "other")
    assert draft.decided_on == date(2024, 12, 31) and draft.key_parts == ("2024",)
    assert draft.details == {"year": 2024, "rating": "B"} and draft.subject.uscc == USCC
    assert record("tax_ratings", {"year": 2023.0, "rating": "A级"}).details == {"year": 2023, "rating": "A"}


def test_health_check_row() -> None:
    draft = record("health_checks")
    assert (draft.type, draft.category, draft.severity) == ("health_check", "basic", None)
    assert draft.subject.id_number == ID and draft.decided_on == date(2025, 3, 1)
    assert draft.valid_until == date(2026, 2, 28) and draft.key_parts == ("2025-03-01", "济南市中心医院")
    assert draft.details == {"result": "pass", "institution": "济南市中心医院"}
    assert record("health_checks", {"result": "fail", "institution": ""}).key_parts == ("2025-03-01", "")


def test_training_row() -> None:
    draft = record("trainings")
    assert (draft.type, draft.category) == ("training", "positive")
    assert draft.details["hours"] == "24.5" and draft.details["course"] == "母婴护理"
    assert draft.key_parts == ("PX2025-001",) and draft.decided_on == date(2025, 4, 30)
    assert record("trainings", {"certificate_number": ""}).key_parts == ("母婴护理", "2025-04-30")


def test_background_check_with_a_record_is_serious_negative() -> None:
    found = record("background_checks")
    assert (found.category, found.severity) == ("negative", "serious")
    assert found.details == {"result": "record_found", "offence": "theft"}
    assert found.key_parts == ("2025-02-01", "历下公安分局")
    clear = record("background_checks", {"result": "无犯罪记录", "offence": "", "authority": ""})
    assert (clear.category, clear.severity, clear.details) == ("basic", None, {"result": "clear"})
    assert clear.key_parts == ("2025-02-01", "")


def test_skill_certificate_row() -> None:
    draft = record("skill_certificates")
    assert (draft.type, draft.category, draft.doc_number) == ("skill_certificate", "positive", "ZS-2025-01")
    assert draft.key_parts == ("ZS-2025-01",) and draft.valid_until == date(2029, 5, 19)
    assert draft.details == {"title": "育婴员", "level": "四级"} and draft.decided_on == date(2025, 5, 20)


# --- registry-side kinds ------------------------------------------------------------


def test_figures_stores_regions_and_ratings() -> None:
    assert parse("revenue") == FigureDraft(USCC, "revenue", "2024", Decimal("1234567.80"))
    assert parse("payroll_monthly") == FigureDraft(USCC, "payroll_headcount", "2025-05", Decimal(42))
    assert parse("payroll_monthly", {"month": datetime(2025, 6, 1)}) == FigureDraft(
        USCC, "payroll_headcount", "2025-06", Decimal(42))
    assert parse("payroll_monthly", {"month": 202507.0}) == FigureDraft(USCC, "payroll_headcount", "2025-07",
                                                                        Decimal(42))
    assert parse("service_insurance") == FigureDraft(USCC, "service_insurance", "2024", Decimal(86000))
    assert parse("stores") == StoreDraft(USCC, "济南市历下区泉城路1号", Decimal("120.5"), date(2024, 10, 1))
    assert parse("regions") == RegionDraft("410225", "兰考县", "national")
    assert parse("regions", {"poverty_level": ""}) == RegionDraft("410225", "兰考县", "none")
    assert parse("regions", {"poverty_level": "省级"}) == RegionDraft("410225", "兰考县", "provincial")
    assert parse("ratings") == RatingDraft(USCC, 5, date(2024, 12, 1), "ORD-0001", ID, "很好")
    anonymous = parse("ratings", {"id_number": "", "comment": ""})
    assert isinstance(anonymous, RatingDraft) and anonymous.id_number is None and anonymous.comment is None


# --- refusals -----------------------------------------------------------------------

REFUSALS: list[tuple[str, dict[str, Any], str, str]] = [
    ("companies", {"uscc": "91370103WA000LH0YN"}, "invalid_uscc", "uscc"),
    ("companies", {"name": " "}, "missing_value", "name"),
    ("companies", {"region_code": "37010"}, "invalid_region_code", "region_code"),
    ("companies", {"established_on": "2021-02-30"}, "invalid_date", "established_on"),
    ("companies", {"established_on": "05/06/2021"}, "ambiguous_date", "established_on"),
    ("companies", {"established_on": "去年"}, "unparseable_date", "established_on"),
    ("companies", {"categories": "保洁;洗车"}, "invalid_category", "categories"),
    ("companies", {"employment_model": "派遣制"}, "invalid_employment_model", "employment_model"),
    ("workers", {"id_number": BAD_ID}, "invalid_id_number", "id_number"),
    ("workers", {"phone": "0531-1234567"}, "invalid_phone", "phone"),
    ("workers", {"consent_collect": "也许"}, "invalid_flag", "consent_collect"),
    ("workers", {"employer_uscc": "91370103WA000LH0YN"}, "invalid_uscc", "employer_uscc"),
    ("workers", {"name": ""}, "missing_value", "name"),
    ("employments", {"end_on": "2023-12-31"}, "invalid_date", "end_on"),
    ("employments", {"uscc": ""}, "missing_value", "uscc"),
    ("employments", {"role": "育" * 65}, "value_too_long", "role"),
    ("penalties", {"subject_code": "91370103WA000LH0YN"}, "invalid_uscc", "subject_code"),
    ("penalties", {"subject_code": BAD_ID}, "invalid_id_number", "subject_code"),
    ("penalties", {"subject_code": ""}, "missing_value", "subject_code"),
    ("penalties", {"decided_on": ""}, "missing_value", "decided_on"),
    ("penalties", {"decided_on": "2025-02-30"}, "invalid_date", "decided_on"),
    ("penalties", {"decided_on": "05/06/2025"}, "ambiguous_date", "decided_on"),
    ("penalties", {"amount": "12万"}, "invalid_amount", "amount"),
    ("penalties", {"amount": "-1"}, "invalid_amount", "amount"),
    ("penalties", {"severity": "特别严重"}, "invalid_severity", "severity"),
    ("penalties", {"publish_until": "2025-01-01"}, "invalid_date", "publish_until"),
    ("licenses", {"doc_number": ""}, "missing_value", "doc_number"),
    ("licenses", {"valid_until": "2024-12-31"}, "invalid_date", "valid_until"),
    ("commendations", {"title": ""}, "missing_value", "title"),
    ("commendations", {"decided_on": "二〇二五年十三月一日"}, "invalid_date", "decided_on"),
    ("dishonest_debtors", {"published_on": "", "filed_on": ""}, "missing_value", "published_on"),
    ("dishonest_debtors", {"subject_code": "3***************9X"}, "invalid_id_number", "subject_code"),
    ("dishonest_debtors", {"case_number": ""}, "missing_value", "case_number"),
    ("tax_ratings", {"rating": "E"}, "invalid_tax_rating", "rating"),
    ("tax_ratings", {"year": "1989"}, "invalid_year", "year"),
    ("tax_ratings", {"year": "2024.5"}, "invalid_year", "year"),
    ("tax_ratings", {"year": "去年"}, "invalid_year", "year"),
    ("health_checks", {"result": "良好"}, "invalid_result", "result"),
    ("health_checks", {"checked_on": ""}, "missing_value", "checked_on"),
    ("health_checks", {"valid_until": "2025-02-28"}, "invalid_date", "valid_until"),
    ("health_checks", {"id_number": BAD_ID}, "invalid_id_number", "id_number"),
    ("trainings", {"hours": "-2"}, "invalid_number", "hours"),
    ("trainings", {"hours": "很多"}, "invalid_number", "hours"),
    ("trainings", {"completed_on": ""}, "missing_value", "completed_on"),
    ("trainings", {"course": ""}, "missing_value", "course"),
    ("background_checks", {"result": "unknown"}, "invalid_result", "result"),
    ("background_checks", {"offence": "赌博"}, "invalid_offence", "offence"),
    ("background_checks", {"offence": ""}, "invalid_offence", "offence"),
    ("background_checks", {"result": "clear", "offence": "theft"}, "invalid_offence", "offence"),
    ("skill_certificates", {"certificate_number": ""}, "missing_value", "certificate_number"),
    ("skill_certificates", {"valid_until": "2020-01-01"}, "invalid_date", "valid_until"),
    ("revenue", {"revenue": "很多"}, "invalid_amount", "revenue"),
    ("revenue", {"revenue": "-5"}, "invalid_amount", "revenue"),
    ("revenue", {"revenue": ""}, "missing_value", "revenue"),
    ("revenue", {"year": "20x4"}, "invalid_year", "year"),
    ("payroll_monthly", {"month": "2025-13"}, "invalid_month", "month"),
    ("payroll_monthly", {"month": "五月"}, "invalid_month", "month"),
    ("payroll_monthly", {"headcount": "-1"}, "invalid_number", "headcount"),
    ("payroll_monthly", {"headcount": "2.5"}, "invalid_number", "headcount"),
    ("payroll_monthly", {"headcount": "Infinity"}, "invalid_number", "headcount"),
    ("stores", {"area_m2": "0"}, "invalid_number", "area_m2"),
    ("stores", {"area_m2": "大"}, "invalid_number", "area_m2"),
    ("stores", {"opened_on": ""}, "missing_value", "opened_on"),
    ("regions", {"poverty_level": "县级"}, "invalid_poverty_level", "poverty_level"),
    ("regions", {"region_code": "ABCDEF"}, "invalid_region_code", "region_code"),
    ("regions", {"name": ""}, "missing_value", "name"),
    ("ratings", {"stars": "6"}, "invalid_stars", "stars"),
    ("ratings", {"stars": "0"}, "invalid_stars", "stars"),
    ("ratings", {"stars": "4.5"}, "invalid_stars", "stars"),
    ("ratings", {"service_code": ""}, "missing_value", "service_code"),
    ("ratings", {"id_number": BAD_ID}, "invalid_id_number", "id_number"),
    ("ratings", {"rated_on": ""}, "missing_value", "rated_on"),
    ("service_insurance", {"paid_cny": "-1"}, "invalid_amount", "paid_cny"),
    ("service_insurance", {"year": "2101"}, "invalid_year", "year"),
]


@pytest.mark.parametrize("kind,overrides,reason,column", REFUSALS,
                         ids=[f"{k}-{r}-{c}-{i}" for i, (k, _, r, c) in enumerate(REFUSALS)])
def test_bad_values_are_refused_with_a_machine_readable_reason(kind: str, overrides: dict[str, Any], reason: str,
                                                               column: str) -> None:
    with pytest.raises(RowRejected) as caught:
        parse(kind, overrides)
    assert caught.value.reason == reason
    assert caught.value.detail.split(":")[0] == column


def test_every_kind_has_refusal_cases() -> None:
    assert {kind for kind, *_ in REFUSALS} == set(declared.known_kinds())
