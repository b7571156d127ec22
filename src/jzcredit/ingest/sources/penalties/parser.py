"""Parse one penalties row (行政处罚) into a :class:`RecordDraft`.

Severity comes from the source's own column when it has one, else from the
§3.1 rule (fine bar and severe sanctions); the publication window likewise.
"""

from __future__ import annotations

from decimal import Decimal

from jzcredit.common import ids
from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RecordDraft, RowRejected
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import details, not_before, third_party_uscc
from jzcredit.records.policy import default_publish_until, infer_penalty_severity

SEVERITIES = {
    "general": "general", "一般": "general", "一般失信": "general",
    "serious": "serious", "严重": "serious", "严重失信": "serious",
}


def _amount(row: Row, opts: ParseOptions) -> Decimal | None:
    amount = row.amount("amount", unit=opts.amount_unit)
    if amount is not None and amount < 0:
        raise RowRejected("invalid_amount", "amount")
    return amount


def _masked_id(row: Row, name: str) -> str | None:
    """The legal representative's ID number is never stored in clear: only its masked form is kept."""
    raw = row.text(name)
    return ids.mask_id_number(raw) if raw else None


def parse(row: Row, opts: ParseOptions) -> RecordDraft:
    subject = row.subject("subject_code", "subject_name")
    decided = row.date("decided_on", required=True, dayfirst=opts.dayfirst)
    assert decided is not None
    doc_number = row.text("doc_number")
    penalty_types = row.text("penalty_types")
    content = row.text("content")
    amount = _amount(row, opts)
    severity = row.choice("severity", SEVERITIES, reason="invalid_severity", required=False)
    if severity is None:
        severity = infer_penalty_severity(amount, [penalty_types, content], opts.rules)
    publish_until = row.day("publish_until", dayfirst=opts.dayfirst)
    not_before(publish_until, decided.value, "publish_until")
    if publish_until is None:
        publish_until = default_publish_until("penalty", severity, decided.value, opts.rules)
    authority_uscc, authority_extra = third_party_uscc(row, "authority_uscc")
    legal_rep_id = _masked_id(row, "legal_representative_id_number")
    return RecordDraft(
        subject=subject, type="penalty", category="negative", severity=severity,
        decided_on=decided.value, precision=decided.precision,
        key_parts=(doc_number,) if doc_number else (decided.value.isoformat(), content or ""),
        doc_number=doc_number, authority=row.text("authority"), authority_uscc=authority_uscc,
        content=content, amount=amount, publish_until=publish_until,
        details=details(row, penalty_types=penalty_types, legal_representative_id_masked=legal_rep_id,
                        **authority_extra),
    )
