"""Parse one commendations row (表彰奖励) into a :class:`RecordDraft`."""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RecordDraft
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import details, not_before
from jzcredit.records.policy import default_publish_until


def parse(row: Row, opts: ParseOptions) -> RecordDraft:
    subject = row.subject("subject_code", "subject_name")
    decided = row.date("decided_on", required=True, dayfirst=opts.dayfirst)
    assert decided is not None
    title = row.required_text("title")
    publish_until = row.day("publish_until", dayfirst=opts.dayfirst)
    not_before(publish_until, decided.value, "publish_until")
    if publish_until is None:
        publish_until = default_publish_until("commendation", None, decided.value, opts.rules)
    return RecordDraft(
        subject=subject, type="commendation", category="positive",
        decided_on=decided.value, precision=decided.precision,
        key_parts=(title, decided.value.isoformat()),
        authority=row.text("authority"), content=title, publish_until=publish_until,
        details=details(row),
    )
