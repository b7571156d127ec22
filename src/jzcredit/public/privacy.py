"""What keeps personal data out of every public answer: masked names and redacted free text.

Free text that reaches the public (a record's content, a company's answer to a complaint) came from a
department or a company, not from us, and may carry an ID or mobile number. Every run of 11 or more
digits is masked before it leaves, so no public answer can hold an 18-digit ID pattern
(``\\d{17}[\\dXx]``) or an 11-digit mobile pattern (``1[3-9]\\d{9}``) — the crawler test checks both.
"""

from __future__ import annotations

import re

from jzcredit.common import ids

# an 18-character ID ends in X; any longer run of digits is masked as well (an account, a licence number)
_LONG_DIGITS = re.compile(r"\d{11,}[Xx]?")


def _mask_digits(match: re.Match[str]) -> str:
    run = match.group(0)
    if len(run) == 18:
        return ids.mask_id_number(run)
    if len(run) == 11:
        return ids.mask_phone(run)
    return run[:3] + "*" * (len(run) - 7) + run[-4:]


def redact(text: str | None) -> str | None:
    """The text with every run of 11+ digits masked (``3701**********123X``, ``138****5678``)."""
    if not text:
        return text
    return _LONG_DIGITS.sub(_mask_digits, text)


def display_name(name: str, *, public_card: bool) -> str:
    """The full name only with the worker's ``public_card`` consent in force, else ``张*芳``."""
    return name if public_card else ids.mask_name(name)
