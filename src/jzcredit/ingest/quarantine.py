"""Quarantined rows: kept verbatim, but ID and phone numbers only encrypted and shown masked."""

from __future__ import annotations

import json
import re
from typing import Any

from jzcredit.common import ids
from jzcredit.common.crypto import Vault

ID_PATTERN = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
PHONE_PATTERN = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def mask_numbers(text: str) -> str:
    text = ID_PATTERN.sub(lambda m: ids.mask_id_number(m.group(0).upper()), text)
    return PHONE_PATTERN.sub(lambda m: ids.mask_phone(m.group(0)), text)


def _mask_whole(text: str) -> str:
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def protect_row(data: dict[str, str], private_columns: set[str], vault: Vault) -> tuple[dict[str, str], str | None]:
    """Split a verbatim row into what may be shown (masked) and an encrypted copy of what was masked."""
    shown: dict[str, str] = {}
    secret: dict[str, str] = {}
    for column, value in data.items():
        # a private column may carry a person's number even when it is invalid: mask any digit-heavy value whole
        digit_heavy = sum(ch.isdigit() for ch in value) >= 11
        masked = _mask_whole(value) if column in private_columns and digit_heavy else mask_numbers(value)
        shown[column] = masked
        if masked != value:
            secret[column] = value
    cipher = vault.encrypt(json.dumps(secret, ensure_ascii=False)) if secret else None
    return shown, cipher


def reveal_row(shown: dict[str, Any], cipher: str | None, vault: Vault) -> dict[str, Any]:
    """The verbatim row, for an authorised and audited correction."""
    if not cipher:
        return dict(shown)
    return {**shown, **json.loads(vault.decrypt(cipher))}
