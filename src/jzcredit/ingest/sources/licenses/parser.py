"""Parse one licences row (行政许可) into a :class:`RecordDraft`; licences have no publication window."""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RecordDraft
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import details, not_before, third_party_uscc


def parse(row: Row, opts: ParseOptions) -> RecordDraft:
    subject = row.subject("subject_code", "subject_name")
    doc_number = row.required_text("doc_number")
    decided = row.date("decided_on", required=True, dayfirst=opts.dayfirst)
    assert decided is not None
    license_name = row.text("license_name")
    valid_until = row.day("valid_until", dayfirst=opts.dayfirst)
    not_before(valid_until, decided.value, "valid_until")
    authority_uscc, authority_extra = third_party_uscc(row, "authority_uscc")
    return RecordDraft(
        subject=subject, type="license", category="basic",
        decided_on=decided.value, precision=decided.precision,
        key_parts=(doc_number, license_name or ""),
        doc_number=doc_number, authority=row.text("authority"), authority_uscc=authority_uscc,
        content=row.text("content") or license_name, valid_until=valid_until,
        details=details(row, license_name=license_name, **authority_extra),
    )
