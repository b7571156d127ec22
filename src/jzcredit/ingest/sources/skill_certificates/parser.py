"""Parse one skill certificates row (职业技能证书) into a :class:`RecordDraft`."""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RecordDraft
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import details, not_before, person


def parse(row: Row, opts: ParseOptions) -> RecordDraft:
    subject = person(row)
    certificate = row.required_text("certificate_number")
    title = row.required_text("title")
    level = row.text("level")
    issued = row.date("issued_on", required=True, dayfirst=opts.dayfirst)
    assert issued is not None
    valid_until = row.day("valid_until", dayfirst=opts.dayfirst)
    not_before(valid_until, issued.value, "valid_until")
    return RecordDraft(
        subject=subject, type="skill_certificate", category="positive",
        decided_on=issued.value, precision=issued.precision,
        key_parts=(certificate,), doc_number=certificate, content=title, valid_until=valid_until,
        details=details(row, title=title, level=level),
    )
