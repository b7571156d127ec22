"""Parse one court list row (失信被执行人) into a :class:`RecordDraft`.

A person's number is usually masked by the court: the record then stays
unmatched with a match candidate for a regulator (spec §3.1), never auto-linked.
No default publication window: a listing is lifted by the court, not by time.
"""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RecordDraft, RowRejected
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import details, iso


def parse(row: Row, opts: ParseOptions) -> RecordDraft:
    subject = row.subject("subject_code", "subject_name")
    case_number = row.required_text("case_number")
    filed = row.date("filed_on", dayfirst=opts.dayfirst)
    published = row.date("published_on", dayfirst=opts.dayfirst)
    decided = published or filed  # listed on publication; the filing date when that is all we have
    if decided is None:
        raise RowRejected("missing_value", "published_on")
    obligation = row.text("obligation")
    performance = row.text("performance")
    behaviour = row.text("behaviour")
    return RecordDraft(
        subject=subject, type="dishonest_debtor", category="negative", severity="serious",
        decided_on=decided.value, precision=decided.precision,
        key_parts=(case_number,), doc_number=case_number, authority=row.text("court"),
        content=behaviour or obligation,
        details=details(row, filed_on=iso(filed.value if filed else None),
                        published_on=iso(published.value if published else None),
                        obligation=obligation, performance=performance, behaviour=behaviour),
    )
