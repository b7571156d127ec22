from __future__ import annotations

import csv
import random
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jzcredit.common.ids import (
    ID_NUMBER_PREFIXES,
    PROVINCES,
    USCC_AUTHORITIES,
    USCC_CATEGORIES,
    WORKER_CODE_ALPHABET,
    IdFacts,
    InvalidIdentifier,
    Sex,
    id_facts,
    is_worker_code,
    make_id_number,
    make_uscc,
    mask_id_number,
    mask_name,
    mask_phone,
    new_worker_code,
    normalise_worker_code,
    parse_masked_id,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _read_csv(name: str, encoding: str = "utf-8") -> list[dict[str, str]]:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"sample data not found: {path}")
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle))


regions = st.builds(
    lambda province, rest: province + rest,
    st.sampled_from(sorted(PROVINCES)),
    st.text("0123456789", min_size=4, max_size=4),
)
authority_and_category = st.sampled_from([(a, c) for a, categories in USCC_CATEGORIES.items() for c in categories])
sexes: st.SearchStrategy[Sex] = st.sampled_from(["male", "female"])
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


# --- USCC --------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",  # python-stdnum's own example
        "91370103WA000LH0YM",
        " 9137 0103wa000lh0ym ",
        "９１３１０１０４４ＪＨＱ３Ａ１Ｄ２Ｄ",
    ],
)
def test_valid_uscc_is_returned_normalised(code: str) -> None:
    assert validate_uscc(code) == re.sub(r"\s", "", unicodedata.normalize("NFKC", code)).upper()


def test_authorities_defined_by_the_standard_are_all_present() -> None:
    assert set(USCC_AUTHORITIES) == set("123456789ANY")
    assert set(USCC_CATEGORIES) == set(USCC_AUTHORITIES)


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_authorities_refused_by_python_stdnum_are_accepted(authority: str) -> None:
    code = make_uscc(random.Random(1), region_code="370102", authority=authority)
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("91370112EW83R1T901", "wrong check character (sample penalties file)"),
        ("91370103WA000LH0Y", "17 characters"),
        ("91370103WA000LH0YMX", "19 characters"),
        ("B1370103WA000LH0YM", "undefined authority B"),
        ("90370103WA000LH0YM", "category 0"),
        ("913701O3WA000LH0YM", "letter in the region code"),
        ("91370103WA000LHOYM", "letter O is not in the alphabet"),
        ("", "empty"),
    ],
)
def test_invalid_uscc_is_refused_with_reason(code: str, why: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_uscc(code)
    assert caught.value.reason == "invalid_uscc", why
    assert "统一社会信用代码" in str(caught.value)


def test_uscc_does_not_require_the_organisation_code_check_character() -> None:
    # "00000000" + "1" fails GB 11714's own check (it would be "0"); the USCC is valid.
    code = make_uscc(random.Random(0), region_code="370102")
    first17 = code[:8] + "000000001"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, weights, strict=True))
    assert validate_uscc(first17 + USCC_ALPHABET[-total % 31])


@given(st.randoms(use_true_random=False), authority_and_category, regions)
def test_every_generated_uscc_validates(rng: random.Random, ac: tuple[str, str], region: str) -> None:
    code = make_uscc(rng, region_code=region, authority=ac[0], category=ac[1])
    assert validate_uscc(code) == code
    assert code[:2] == ac[0] + ac[1] and code[2:8] == region


@given(st.randoms(use_true_random=False), regions, st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_changing_any_single_uscc_character_is_detected(
    rng: random.Random, region: str, position: int, replacement: str
) -> None:
    code = make_uscc(rng, region_code=region)
    if code[position] == replacement:
        return
    with pytest.raises(InvalidIdentifier):
        validate_uscc(code[:position] + replacement + code[position + 1 :])


@given(st.randoms(use_true_random=False), regions)
def test_uscc_check_agrees_with_python_stdnum_for_business_codes(rng: random.Random, region: str) -> None:
    stdnum_uscc = pytest.importorskip("stdnum.cn.uscc")
    code = make_uscc(rng, region_code=region)
    assert stdnum_uscc.is_valid(code)
    assert not stdnum_uscc.is_valid(code[:17] + ("0" if code[17] != "0" else "1"))


def test_make_uscc_refuses_unknown_authority_or_region() -> None:
    with pytest.raises(ValueError):
        make_uscc(random.Random(0), region_code="370102", authority="B")
    with pytest.raises(ValueError):
        make_uscc(random.Random(0), region_code="3701")


def test_every_sample_company_uscc_validates() -> None:
    rows = _read_csv("companies.csv")
    assert len(rows) == 24
    for row in rows:
        assert validate_uscc(row["uscc"]) == row["uscc"]


# --- Resident ID numbers -------------------------------------------------------


def _with_check(first17: str) -> str:
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def test_valid_id_number_is_returned_normalised() -> None:
    assert validate_id_number(" 370102196509109885 ") == "370102196509109885"
    x_number = next(
        number for sequence in range(1000) if (number := _with_check(f"37010219900101{sequence:03d}")).endswith("X")
    )
    assert validate_id_number(x_number.lower()) == x_number


def test_provinces_cover_the_34_provincial_divisions() -> None:
    assert len(PROVINCES) == 34
    assert PROVINCES["37"] == "山东省" and PROVINCES["81"] == "香港特别行政区"
    assert set(ID_NUMBER_PREFIXES) - set(PROVINCES) == {"83"}


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("370102196509109886", "wrong check character"),
        ("37010219650910988", "17 characters"),
        ("37010219650910988X5", "19 characters"),
        ("3701021965091098A5", "letter before the check character"),
        (_with_check("37010219650230988"), "30 February"),
        (_with_check("37010218991231988"), "born before 1900"),
        (_with_check("37010221010101988"), "born after 2100"),
        (_with_check("99010219650910988"), "unknown province 99"),
        (_with_check("00010219650910988"), "unknown province 00"),
        ("", "empty"),
    ],
)
def test_invalid_id_number_is_refused_with_reason(number: str, why: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_id_number(number)
    assert caught.value.reason == "invalid_id_number", why


def test_unknown_county_codes_are_accepted() -> None:
    # 379999 is no county anywhere; the province prefix 37 is what counts.
    assert validate_id_number(_with_check("37999919800101123"))


def test_birth_date_in_the_future_of_today_is_refused() -> None:
    number = _with_check("37010220300101123")
    assert validate_id_number(number)
    with pytest.raises(InvalidIdentifier):
        validate_id_number(number, today=date(2026, 1, 1))


def test_id_facts_reads_birth_date_sex_and_region() -> None:
    assert id_facts("370102196509109885") == IdFacts(
        birth_date=date(1965, 9, 10), sex="female", native_region="370102", province_code="37"
    )
    assert id_facts(_with_check("11010519800507177")).sex == "male"


def test_id_facts_refuses_an_invalid_number() -> None:
    with pytest.raises(InvalidIdentifier):
        id_facts("370102196509109886")


@given(st.randoms(use_true_random=False), regions, birth_dates, sexes)
def test_every_generated_id_number_validates_and_gives_back_its_facts(
    rng: random.Random, region: str, born: date, sex: Sex
) -> None:
    number = make_id_number(rng, region_code=region, birth_date=born, sex=sex)
    assert validate_id_number(number) == number
    assert id_facts(number) == IdFacts(birth_date=born, sex=sex, native_region=region, province_code=region[:2])


@given(
    st.randoms(use_true_random=False),
    regions,
    birth_dates,
    sexes,
    st.integers(0, 17),
    st.sampled_from("0123456789X"),
)
def test_changing_any_single_id_character_is_detected(
    rng: random.Random, region: str, born: date, sex: Sex, position: int, replacement: str
) -> None:
    number = make_id_number(rng, region_code=region, birth_date=born, sex=sex)
    if number[position] == replacement:
        return
    with pytest.raises(InvalidIdentifier):
        validate_id_number(number[:position] + replacement + number[position + 1 :])


def test_make_id_number_refuses_an_unknown_province() -> None:
    with pytest.raises(ValueError):
        make_id_number(random.Random(0), region_code="990101", birth_date=date(1990, 1, 1), sex="male")


def test_every_sample_worker_id_number_validates() -> None:
    rows = _read_csv("workers.csv")
    assert len(rows) == 80
    for row in rows:
        assert validate_id_number(row["id_number"]) == row["id_number"].upper()


def test_sample_ids_that_python_stdnum_refuses_for_their_county_are_valid() -> None:
    stdnum_ric = pytest.importorskip("stdnum.cn.ric")
    refused = [r["id_number"] for r in _read_csv("workers.csv") if not stdnum_ric.is_valid(r["id_number"])]
    assert len(refused) == 28  # as the sample data's README says
    assert all(validate_id_number(number) for number in refused)


# --- Mobiles and masking -------------------------------------------------------


@pytest.mark.parametrize(
    "phone", ["18946858501", "189 4685 8501", "189-4685-8501", "+86 18946858501", "１８９４６８５８５０１"]
)
def test_mainland_mobiles_are_accepted_in_common_spellings(phone: str) -> None:
    assert validate_mobile(phone) == "18946858501"


@pytest.mark.parametrize("phone", ["12946858501", "1894685850", "189468585012", "0531-88888888", "", "abc"])
def test_other_phone_numbers_are_refused(phone: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_mobile(phone)
    assert caught.value.reason == "invalid_phone"


def test_every_sample_worker_phone_is_a_mobile() -> None:
    for row in _read_csv("workers.csv"):
        assert validate_mobile(row["phone"]) == row["phone"]


def test_masks_show_only_the_agreed_characters() -> None:
    assert mask_id_number("370102196509109885") == "3701**********9885"
    assert mask_id_number("37010219650910123x") == "3701**********123X"
    assert mask_phone("18946858501") == "189****8501"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张小芳", "张*芳"), ("张芳", "张*"), ("张", "张"), ("欧阳小芳", "欧**芳"), ("", "")],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@given(st.randoms(use_true_random=False), regions, birth_dates, sexes)
def test_a_masked_id_number_never_contains_an_18_digit_run(
    rng: random.Random, region: str, born: date, sex: Sex
) -> None:
    masked = mask_id_number(make_id_number(rng, region_code=region, birth_date=born, sex=sex))
    assert len(masked) == 18 and not re.search(r"\d{5}", masked)


# --- Masked ID numbers in court data ----------------------------------------------


def test_masked_id_patterns_are_recognised() -> None:
    masked = parse_masked_id("3701**********9885")
    assert masked is not None
    assert (masked.pattern, masked.prefix, masked.suffix) == ("3701**********9885", "3701", "9885")
    assert masked.matches("370102196509109885")
    assert not masked.matches("370102196509109886")
    second = parse_masked_id("1101051980****177x")
    assert second is not None and second.pattern == "1101051980****177X"


@pytest.mark.parametrize(
    "value",
    ["370102196509109885", "3701**********988", "37*1**********9885", "*****************5", "abc", ""],
)
def test_other_values_are_not_masked_ids(value: str) -> None:
    assert parse_masked_id(value) is None


def test_sample_court_masked_ids_match_exactly_their_worker() -> None:
    workers = _read_csv("workers.csv")
    rows = _read_csv("court-dishonest.csv", "utf-8-sig")
    masked_rows = [r for r in rows if "*" in r["身份证号码/组织机构代码"]]
    assert len(masked_rows) == 4
    for row in masked_rows:
        masked = parse_masked_id(row["身份证号码/组织机构代码"])
        assert masked is not None
        fits = [w for w in workers if masked.matches(w["id_number"])]
        assert [w["name"] for w in fits] == [row["被执行人姓名/名称"]]


def test_sample_court_companies_carry_valid_usccs() -> None:
    rows = _read_csv("court-dishonest.csv", "utf-8-sig")
    codes = [r["身份证号码/组织机构代码"] for r in rows if "*" not in r["身份证号码/组织机构代码"]]
    assert len(codes) == 2
    assert all(validate_uscc(code) for code in codes)


# --- Worker codes ---------------------------------------------------------------


def test_worker_codes_never_collide_and_use_the_crockford_alphabet() -> None:
    codes = {new_worker_code() for _ in range(10_000)}
    assert len(codes) == 10_000
    pattern = re.compile(f"JZ[{WORKER_CODE_ALPHABET}]{{10}}")
    assert all(pattern.fullmatch(code) and is_worker_code(code) for code in codes)


def test_worker_codes_use_every_character_position_randomly() -> None:
    codes = [new_worker_code() for _ in range(2_000)]
    for position in range(2, 12):
        assert len({code[position] for code in codes}) == 32


def test_crockford_alphabet_has_no_ambiguous_letters() -> None:
    assert len(WORKER_CODE_ALPHABET) == 32 and not set("ILOU") & set(WORKER_CODE_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("jz0123456789", "JZ0123456789"),
        ("JZ O1IL-ABCD EF", "JZ0111ABCDEF"),
        ("ｊｚ０１２３４５６７８９", "JZ0123456789"),
    ],
)
def test_typed_worker_codes_normalise_to_the_canonical_form(typed: str, canonical: str) -> None:
    assert normalise_worker_code(typed) == canonical
    assert is_worker_code(canonical)


@pytest.mark.parametrize("value", ["jz0123456789", "JZ012345678", "JZ0123456789A", "JZ012345678U", "XX0123456789", ""])
def test_non_canonical_or_malformed_worker_codes_are_not_worker_codes(value: str) -> None:
    assert not is_worker_code(value)
