"""Text normalisation for ingest (spec §3.1).

Every function here is pure. Text is otherwise stored verbatim: NUL bytes
and other control characters are not stripped here, so that hostile input
can be kept as evidence and rejected or escaped by the caller.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

__all__ = [
    "normalise_code",
    "normalise_company_name",
    "normalise_text",
    "parse_amount",
    "parse_bool",
]

# Spaces next to a bracket are dropped because the full-width bracket carries
# its own spacing: "家政 (济南) 公司" and "家政（济南）公司" are one name.
_OPEN_BRACKET = re.compile(r"\s*\(\s*")
_CLOSE_BRACKET = re.compile(r"\s*\)\s*")

_TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "是", "有"})
_FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "否", "无", ""})

# Deliberately strict: no exponent, no NaN/Infinity, which Decimal() accepts.
_AMOUNT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_AMOUNT_PREFIX = re.compile(r"^(?:¥|RMB|CNY|人民币)", re.IGNORECASE)
_AMOUNT_NOISE = re.compile(r"[\s,]")


def normalise_text(s: str) -> str:
    """NFKC, trim, and collapse every inner run of white space to one space."""
    # ASCII is already NFKC; str.split() splits on the same Unicode white space as \s (U+3000 included)
    return " ".join((s if s.isascii() else unicodedata.normalize("NFKC", s)).split())


def normalise_code(s: str) -> str:
    """NFKC, remove all white space, upper-case: for USCCs, ID numbers, codes."""
    return "".join((s if s.isascii() else unicodedata.normalize("NFKC", s)).split()).upper()


def normalise_company_name(s: str) -> str:
    """Normalise a company name so that spelling variants compare equal.

    Canonical brackets are the Chinese full-width ones, ``（`` and ``）``,
    because that is how names are printed on business licences. NFKC turns
    full-width brackets into ASCII first, so both spellings end up here.
    """
    name = normalise_text(s)
    name = _OPEN_BRACKET.sub("（", name)
    return _CLOSE_BRACKET.sub("）", name).strip()


def parse_bool(s: str | bool | int | None) -> bool:
    """Read a yes/no cell: yes/no, y/n, true/false, t/f, 1/0, 是/否, 有/无.

    An empty cell (or ``None``) reads as ``False``: consents and flags must
    be asserted, so their absence means "not granted". Anything else raises
    ``ValueError`` for the caller to turn into a quarantine reason.
    """
    if s is None:
        return False
    if isinstance(s, bool):
        return s
    word = str(s) if isinstance(s, int) else normalise_text(s).lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(f"无法识别的是/否取值：{s!r}")


def parse_amount(s: str | int | float | Decimal | None) -> Decimal | None:
    """Read a money amount: ``"1,234.50元"``, ``"１２"``, ``12`` → ``Decimal``.

    Empty → ``None``; anything that is not a plain finite number raises
    ``ValueError``. The unit is not converted: a column in 万元 stays in 万元,
    and a cell such as ``"12万"`` is refused rather than guessed.
    """
    if s is None:
        return None
    if isinstance(s, bool):
        raise ValueError(f"不是金额：{s!r}")
    if isinstance(s, int):
        return Decimal(s)
    if isinstance(s, float | Decimal):
        # repr keeps a spreadsheet's 0.1 as 0.1, not its binary expansion.
        amount = Decimal(repr(s)) if isinstance(s, float) else s
        if not amount.is_finite():
            raise ValueError(f"不是金额：{s!r}")
        return amount
    text = _AMOUNT_PREFIX.sub("", normalise_text(s))
    text = _AMOUNT_NOISE.sub("", text.removesuffix("元"))
    if not text:
        return None
    if not _AMOUNT.fullmatch(text):
        raise ValueError(f"不是金额：{s!r}")
    return Decimal(text)
