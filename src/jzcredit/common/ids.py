"""Identifiers: USCC, resident ID numbers, mobiles, worker codes, masking.

统一社会信用代码 (GB 32100-2015), 居民身份证号码 (GB 11643-1999), 手机号,
一人一码 worker codes. All functions are pure; the ``make_*`` helpers take a
``random.Random`` so that demo data and tests are reproducible.
"""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Literal

from jzcredit.common.text import normalise_code

__all__ = [
    "ID_NUMBER_PREFIXES",
    "PROVINCES",
    "USCC_AUTHORITIES",
    "USCC_CATEGORIES",
    "WORKER_CODE_ALPHABET",
    "IdFacts",
    "InvalidIdentifier",
    "MaskedId",
    "id_facts",
    "is_worker_code",
    "make_id_number",
    "make_uscc",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "new_worker_code",
    "normalise_worker_code",
    "parse_masked_id",
    "validate_id_number",
    "validate_mobile",
    "validate_uscc",
]

IdentifierReason = Literal["invalid_uscc", "invalid_id_number", "invalid_phone"]
Sex = Literal["male", "female"]

_MESSAGES: dict[str, str] = {
    "invalid_uscc": "统一社会信用代码无效",
    "invalid_id_number": "身份证号码无效",
    "invalid_phone": "手机号码无效",
}


class InvalidIdentifier(ValueError):
    """An identifier that fails its format or check character.

    ``reason`` is the machine-readable quarantine reason; ``str()`` is zh-CN.
    """

    def __init__(self, reason: IdentifierReason, value: object = None) -> None:
        self.reason: IdentifierReason = reason
        self.value = value
        super().__init__(f"{_MESSAGES[reason]}：{value!r}")


# --- USCC, GB 32100-2015 -------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

USCC_AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
"""Registration authorities (登记管理部门), first character, GB 32100-2015 table 1."""

USCC_CATEGORIES: dict[str, tuple[str, ...]] = {
    "1": ("1", "2", "3", "9"),
    "2": ("1", "9"),
    "3": ("1", "2", "3", "4", "5", "9"),
    "4": ("1", "9"),
    "5": ("1", "2", "3", "9"),
    "6": ("1", "2", "9"),
    "7": ("1", "2", "9"),
    "8": ("1", "9"),
    "9": ("1", "2", "3"),
    "A": ("1", "9"),
    "N": ("1", "2", "3", "9"),
    "Y": ("1",),
}
"""Entity categories (机构类别) the standard defines under each authority.

Validation does not hold codes to this table (see ``validate_uscc``); it is
what ``make_uscc`` draws from.
"""

# The category is only checked for its shape: a category missing from our
# copy of the table must not turn away a registered company, and typing
# errors are caught by the check character anyway.
_USCC_SHAPE = re.compile("[" + "".join(USCC_AUTHORITIES) + "][1-9Y][0-9]{6}[" + _USCC_ALPHABET + "]{10}")


_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}


def _uscc_check(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """Return the normalised USCC or raise ``InvalidIdentifier("invalid_uscc")``.

    Checked: 18 characters from the code alphabet; an authority defined by
    the standard (including ``A``, ``N`` and ``Y``, which python-stdnum 2.2
    refuses); a category character 1–9 or Y; a 6-digit region (not looked
    up: region codes change, registered codes do not); the check character.

    Not checked: the GB 11714 check character of the embedded organisation
    code (characters 9–17). Real, registered codes sometimes fail it, and a
    USCC's own check character already guards against typing errors.
    """
    normalised = normalise_code(code)
    if not _USCC_SHAPE.fullmatch(normalised) or _uscc_check(normalised[:17]) != normalised[17]:
        raise InvalidIdentifier("invalid_uscc", code)
    return normalised


def make_uscc(rng: random.Random, *, region_code: str, authority: str = "9", category: str = "1") -> str:
    """Generate a valid USCC (demo data and tests)."""
    if authority not in USCC_AUTHORITIES or not re.fullmatch(r"[1-9Y]", category):
        raise ValueError(f"unknown USCC authority/category: {authority}{category}")
    if not re.fullmatch(r"[0-9]{6}", region_code):
        raise ValueError(f"region code must be 6 digits: {region_code!r}")
    organisation = "".join(rng.choice(_USCC_ALPHABET) for _ in range(9))
    first17 = authority + category + region_code + organisation
    return first17 + _uscc_check(first17)


# --- Resident ID numbers, GB 11643-1999 ------------------------------------

PROVINCES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}
"""Provincial-level divisions (GB/T 2260), the first two digits of an ID number."""

ID_NUMBER_PREFIXES: dict[str, str] = PROVINCES | {"83": "台湾居民居住证"}
"""Prefixes an ID number may carry: the provinces, plus 83 which residence
permits for Taiwan residents (台湾居民居住证, since 2018) use in the same
GB 11643 number format. Hong Kong and Macao permits use 81 and 82."""

_ID_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_EARLIEST_BIRTH = date(1900, 1, 1)
_LATEST_BIRTH = date(2100, 12, 31)


def _id_check(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def validate_id_number(s: str, *, today: date | None = None) -> str:
    """Return the normalised ID number (``x`` → ``X``) or raise ``invalid_id_number``.

    Checked: 17 digits and a digit or X; the ISO 7064 MOD 11-2 check
    character; a real birth date from 1900-01-01 to ``today`` (to 2100 when
    no ``today`` is given, so that the check stays pure); a known prefix
    (``ID_NUMBER_PREFIXES``). The county code is deliberately not looked up
    (spec §3.1): people keep their numbers when county codes change.
    """
    number = normalise_code(s)
    if not _ID_SHAPE.fullmatch(number) or _id_check(number[:17]) != number[17]:
        raise InvalidIdentifier("invalid_id_number", s)
    born = _birth_date(number)
    latest = today if today is not None else _LATEST_BIRTH
    if born is None or not _EARLIEST_BIRTH <= born <= latest:
        raise InvalidIdentifier("invalid_id_number", s)
    if number[:2] not in ID_NUMBER_PREFIXES:
        raise InvalidIdentifier("invalid_id_number", s)
    return number


@dataclass(frozen=True)
class IdFacts:
    """What an ID number says about its holder."""

    birth_date: date
    sex: Sex
    native_region: str
    """The 6-digit administrative division code of the first registration."""
    province_code: str


def id_facts(id_number: str) -> IdFacts:
    """Birth date, sex (17th digit: odd = male) and native region of a valid ID number."""
    number = validate_id_number(id_number)
    born = _birth_date(number)
    assert born is not None  # validate_id_number has checked it
    return IdFacts(
        birth_date=born,
        sex="male" if int(number[16]) % 2 else "female",
        native_region=number[:6],
        province_code=number[:2],
    )


def make_id_number(rng: random.Random, *, region_code: str, birth_date: date, sex: Sex) -> str:
    """Generate a valid ID number (demo data and tests)."""
    if not re.fullmatch(r"[0-9]{6}", region_code) or region_code[:2] not in ID_NUMBER_PREFIXES:
        raise ValueError(f"unknown region code: {region_code!r}")
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be male or female: {sex!r}")
    sex_digit = rng.choice("13579" if sex == "male" else "02468")
    first17 = f"{region_code}{birth_date:%Y%m%d}{rng.randrange(100):02d}{sex_digit}"
    return first17 + _id_check(first17)


# --- Mobile numbers -----------------------------------------------------------

_MOBILE = re.compile(r"(?:\+?86)?(1[3-9][0-9]{9})")


def validate_mobile(s: str) -> str:
    """Return an 11-digit mainland mobile (``1[3-9]`` + 9 digits) or raise ``invalid_phone``.

    A ``+86``/``86`` prefix and separators (spaces, hyphens) are dropped, as
    people write their numbers that way; landlines are not mobiles.
    """
    match = _MOBILE.fullmatch(normalise_code(s).replace("-", ""))
    if match is None:
        raise InvalidIdentifier("invalid_phone", s)
    return match.group(1)


# --- Masking (display) -------------------------------------------------------


def _mask(text: str, keep_head: int, keep_tail: int) -> str:
    if len(text) <= keep_head + keep_tail:
        return "*" * len(text)  # too short to show anything safely
    return text[:keep_head] + "*" * (len(text) - keep_head - keep_tail) + text[-keep_tail:]


def mask_id_number(id_number: str) -> str:
    """``370102196509109885`` → ``3701**********9885``."""
    return _mask(normalise_code(id_number), 4, 4)


def mask_phone(phone: str) -> str:
    """``18946858501`` → ``189****8501``."""
    return _mask(normalise_code(phone), 3, 4)


def mask_name(name: str) -> str:
    """``张小芳`` → ``张*芳``, ``张芳`` → ``张*``, ``欧阳小芳`` → ``欧**芳``; one character is kept."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# --- Masked ID numbers in court data ----------------------------------------

_MASKED_ID = re.compile(r"[0-9]*\*+[0-9]*[0-9X]?")
_MIN_VISIBLE = 4


@dataclass(frozen=True)
class MaskedId:
    """A masked ID number as courts publish it: ``3701**********9885``.

    ``prefix`` and ``suffix`` are the visible characters around the single
    run of ``*``; they allow an indexed pre-filter before ``matches``.
    """

    pattern: str

    @property
    def prefix(self) -> str:
        return self.pattern[: self.pattern.index("*")]

    @property
    def suffix(self) -> str:
        return self.pattern[self.pattern.rindex("*") + 1 :]

    def matches(self, full_id: str) -> bool:
        """Whether ``full_id`` agrees with every visible character."""
        number = normalise_code(full_id)
        return len(number) == len(self.pattern) and all(
            p in ("*", c) for p, c in zip(self.pattern, number, strict=True)
        )


def parse_masked_id(s: str) -> MaskedId | None:
    """Recognise an 18-character ID number with one run of ``*``, else ``None``.

    At least four characters must stay visible, so that a mask alone never
    fits a large share of the workers; a full, unmasked number is ``None``
    too (validate it with ``validate_id_number``).
    """
    pattern = normalise_code(s)
    if len(pattern) != 18 or not _MASKED_ID.fullmatch(pattern):
        return None
    if 18 - pattern.count("*") < _MIN_VISIBLE:
        return None
    return MaskedId(pattern)


# --- Worker codes (一人一码) -------------------------------------------------

WORKER_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford base32: no I, L, O, U, so a code read aloud or off a card survives."""

_WORKER_CODE_PREFIX = "JZ"
_WORKER_CODE_LENGTH = 10  # 10 base32 characters = 50 random bits (spec §5.3)
_WORKER_CODE = re.compile(f"{_WORKER_CODE_PREFIX}[{WORKER_CODE_ALPHABET}]{{{_WORKER_CODE_LENGTH}}}")
_CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_worker_code() -> str:
    """A fresh, unguessable worker code: ``JZ`` + 10 Crockford base32 characters."""
    bits = secrets.randbits(5 * _WORKER_CODE_LENGTH)
    chars = [WORKER_CODE_ALPHABET[(bits >> (5 * i)) & 0x1F] for i in reversed(range(_WORKER_CODE_LENGTH))]
    return _WORKER_CODE_PREFIX + "".join(chars)


def is_worker_code(s: str) -> bool:
    """Whether ``s`` is a worker code in canonical form (see ``normalise_worker_code``)."""
    return _WORKER_CODE.fullmatch(s) is not None


def normalise_worker_code(s: str) -> str:
    """Canonical form of a typed code: upper case, no spaces or hyphens, O→0, I/L→1."""
    # The prefix letters J and Z have no aliases, so translating it is harmless.
    return normalise_code(s).replace("-", "").translate(_CROCKFORD_ALIASES)
