"""The card token (``?t=``): signed by the platform secret over the code and the card's date; any change fails."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jzcredit.cards import token as card_token
from jzcredit.common.crypto import Vault
from jzcredit.common.ids import WORKER_CODE_ALPHABET, new_worker_code

ISSUED = date(2026, 6, 1)
TODAY = date(2026, 6, 30)


@pytest.fixture
def vault() -> Vault:
    return Vault(b"card-test-secret-" + b"s" * 32)


def test_a_signed_token_verifies_for_its_code_and_date(vault: Vault) -> None:
    code = new_worker_code()
    token = card_token.sign(vault, worker_code=code, issued_on=ISSUED)
    assert token.startswith("20260601-") and len(token) == 25
    assert set(token[9:]) <= set(WORKER_CODE_ALPHABET)
    check = card_token.verify(vault, worker_code=code, token=token, as_of=TODAY)
    assert check == card_token.TokenCheck(True, ISSUED)
    # as typed from a photo: lower case, spaces around
    assert card_token.verify(vault, worker_code=code, token=f"  {token.lower()} ", as_of=TODAY).genuine


def _flip(char: str) -> str:
    return WORKER_CODE_ALPHABET[(WORKER_CODE_ALPHABET.index(char) + 1) % len(WORKER_CODE_ALPHABET)]


def test_every_tampered_character_of_the_signature_fails(vault: Vault) -> None:
    code = new_worker_code()
    token = card_token.sign(vault, worker_code=code, issued_on=ISSUED)
    for i in range(9, len(token)):
        tampered = token[:i] + _flip(token[i]) + token[i + 1:]
        check = card_token.verify(vault, worker_code=code, token=tampered, as_of=TODAY)
        assert check == card_token.TokenCheck(False, None, "bad_signature"), tampered


def test_a_changed_date_fails_even_with_the_signature_kept(vault: Vault) -> None:
    """A lapsed card's date moved forward (to look new) keeps its MAC, which no longer matches."""
    code = new_worker_code()
    token = card_token.sign(vault, worker_code=code, issued_on=ISSUED)
    for other in (ISSUED + timedelta(days=1), ISSUED - timedelta(days=365), date(2026, 6, 29)):
        moved = f"{other:%Y%m%d}" + token[8:]
        assert card_token.verify(vault, worker_code=code, token=moved, as_of=TODAY).reason == "bad_signature"


def test_a_token_of_another_code_or_another_platform_fails(vault: Vault) -> None:
    code, other_code = new_worker_code(), new_worker_code()
    token = card_token.sign(vault, worker_code=code, issued_on=ISSUED)
    assert not card_token.verify(vault, worker_code=other_code, token=token, as_of=TODAY).genuine
    elsewhere = Vault(b"another-platform-secret-" + b"o" * 32)
    assert not card_token.verify(elsewhere, worker_code=code, token=token, as_of=TODAY).genuine
    assert card_token.sign(elsewhere, worker_code=code, issued_on=ISSUED) != token


def test_dates_a_real_card_cannot_have_fail(vault: Vault) -> None:
    """Signed, but dated after the scan (a clock set forward) or before the code existed."""
    code = new_worker_code()
    future = card_token.sign(vault, worker_code=code, issued_on=TODAY + timedelta(days=1))
    assert card_token.verify(vault, worker_code=code, token=future, as_of=TODAY).reason == "impossible_date"
    early = card_token.sign(vault, worker_code=code, issued_on=date(2025, 12, 31))
    assert card_token.verify(vault, worker_code=code, token=early, as_of=TODAY,
                             code_issued_on=date(2026, 1, 1)).reason == "impossible_date"
    assert card_token.verify(vault, worker_code=code, token=early, as_of=TODAY,
                             code_issued_on=date(2025, 12, 31)).genuine


@pytest.mark.parametrize("bad", ["", "x", "20260601", "20260601-", "20261301-0000000000000000",
                                 "20260231-0000000000000000", "2026060-10000000000000000", "20260601-ILOU000000000000",
                                 "20260601-" + "0" * 17, "<script>alert(1)</script>", "20260601-" + "A" * 200])
def test_malformed_tokens_are_not_genuine(vault: Vault, bad: str) -> None:
    check = card_token.verify(vault, worker_code=new_worker_code(), token=bad, as_of=TODAY)
    assert not check.genuine and check.issued_on is None
