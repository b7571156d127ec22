"""The card's signed, dated token (the ``?t=`` of the QR code): "the platform printed a card for this code on
this day".

``20261205-7K3M9Q2XWDH4B8CN``: the issue date, a hyphen, and 80 bits of HMAC-SHA256 over the code and the date
in Crockford base32 — 25 characters, so the QR code stays small enough to scan from a worn or photographed card.
The MAC key is derived from the platform secret (``JZCREDIT_SECRET_KEY`` or the key file) through the vault's
look-up key, so no new secret is needed and a card signed by another instance never verifies here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from jzcredit.common.crypto import Vault
from jzcredit.common.ids import WORKER_CODE_ALPHABET

KEY_PURPOSE = "jzcredit card token v1"
MAC_BYTES = 10  # 80 bits: 16 base32 characters
MAX_TOKEN_LENGTH = 64
_TOKEN = re.compile(rf"(\d{{8}})-([{WORKER_CODE_ALPHABET}]{{{MAC_BYTES * 8 // 5}}})")


@dataclass(frozen=True)
class TokenCheck:
    """What a presented token proves: ``genuine`` with its ``issued_on``, or not (``reason`` says why)."""

    genuine: bool
    issued_on: date | None
    reason: str | None = None


def _key(vault: Vault) -> bytes:
    # HMAC with the vault's look-up key over a fixed label: a key of its own, derived from the one secret
    return bytes.fromhex(vault.lookup_hash(KEY_PURPOSE))


def _base32(data: bytes) -> str:
    number, bits = int.from_bytes(data, "big"), len(data) * 8
    return "".join(WORKER_CODE_ALPHABET[(number >> shift) & 0x1F] for shift in range(bits - 5, -1, -5))


def _mac(vault: Vault, worker_code: str, issued_on: date) -> str:
    message = f"{worker_code}|{issued_on.isoformat()}".encode("ascii")
    return _base32(hmac.new(_key(vault), message, hashlib.sha256).digest()[:MAC_BYTES])


def sign(vault: Vault, *, worker_code: str, issued_on: date) -> str:
    """The token printed on a card for ``worker_code`` issued on ``issued_on``."""
    return f"{issued_on:%Y%m%d}-{_mac(vault, worker_code, issued_on)}"


def verify(vault: Vault, *, worker_code: str, token: str, as_of: date,
           code_issued_on: date | None = None) -> TokenCheck:
    """Check a token scanned on ``as_of``: signed by this platform for this code, dated no later than today and
    no earlier than the code itself (a card cannot predate its code). Case and spaces around it do not matter."""
    found = _TOKEN.fullmatch(token.strip().upper()[:MAX_TOKEN_LENGTH + 1])
    if found is None:
        return TokenCheck(False, None, "malformed")
    try:
        issued_on = date(int(found[1][:4]), int(found[1][4:6]), int(found[1][6:]))
    except ValueError:
        return TokenCheck(False, None, "malformed")
    if not hmac.compare_digest(found[2], _mac(vault, worker_code, issued_on)):
        return TokenCheck(False, None, "bad_signature")
    if issued_on > as_of or (code_issued_on is not None and issued_on < code_issued_on):
        return TokenCheck(False, None, "impossible_date")
    return TokenCheck(True, issued_on)
