"""Parse one trainings row (培训) into a :class:`RecordDraft`."""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RecordDraft
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import details, number, person


def parse(row: Row, opts: ParseOptions) -> RecordDraft:
    subject = person(row)
    course = row.required_text("course")
    hours = number(row, "hours", units=("学时", "小时", "课时"))
    completed = row.date("completed_on", required=True, dayfirst=opts.dayfirst)
    assert completed is not None
    institution = row.text("institution")
    certificate = row.text("certificate_number")
    return RecordDraft(
        subject=subject, type="training", category="positive",
        decided_on=completed.value, precision=completed.precision,
        key_parts=(certificate,) if certificate else (course, completed.value.isoformat()),
        doc_number=certificate, authority=institution, content=course,
        details=details(row, course=course, hours=None if hours is None else str(hours),
                        institution=institution, certificate_number=certificate),
    )
