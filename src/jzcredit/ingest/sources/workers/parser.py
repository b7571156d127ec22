"""Parse one workers row into a :class:`WorkerDraft`."""

from __future__ import annotations

from jzcredit.common import ids
from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RowRejected, WorkerDraft
from jzcredit.ingest.fields import Row

CONSENTS = ("collect", "public_card", "employer", "bank_aggregate")


def _phone(row: Row) -> str | None:
    raw = row.text("phone")
    if raw is None:
        return None
    try:
        return ids.validate_mobile(raw)
    except ids.InvalidIdentifier:
        raise RowRejected("invalid_phone", "phone") from None


def parse(row: Row, opts: ParseOptions) -> WorkerDraft:
    return WorkerDraft(
        id_number=row.id_number("id_number"),
        name=row.required_text("name"),
        phone=_phone(row),
        categories=row.categories("categories") or None,
        identity_verified_on=row.day("identity_verified_on", dayfirst=opts.dayfirst),
        # a column the file does not have changes nothing; in a column it has, an empty consent cell is
        # "not granted": consent must be stated
        consents={key: row.flag(f"consent_{key}") for key in CONSENTS if row.has(f"consent_{key}")},
        registered_poor=row.flag("registered_poor") if row.has("registered_poor") else None,
        employer_uscc=row.optional_uscc("employer_uscc"),
        employment_start_on=row.day("employment_start_on", dayfirst=opts.dayfirst),
    )
