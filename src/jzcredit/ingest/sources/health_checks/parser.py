"""Parse one health checks row (体检) into a :class:`RecordDraft`.

Valid on a date when ``result`` is ``pass`` and checked_on ≤ date ≤ valid_until (spec §4.3).
"""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RecordDraft
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import details, not_before, person

RESULTS = {"pass": "pass", "合格": "pass", "fail": "fail", "不合格": "fail"}


def parse(row: Row, opts: ParseOptions) -> RecordDraft:
    subject = person(row)
    checked = row.date("checked_on", required=True, dayfirst=opts.dayfirst)
    assert checked is not None
    result = row.choice("result", RESULTS, reason="invalid_result")
    valid_until = row.day("valid_until", dayfirst=opts.dayfirst)
    not_before(valid_until, checked.value, "valid_until")
    institution = row.text("institution")
    return RecordDraft(
        subject=subject, type="health_check", category="basic",
        decided_on=checked.value, precision=checked.precision,
        key_parts=(checked.value.isoformat(), institution or ""),
        authority=institution, valid_until=valid_until,
        details=details(row, result=result, institution=institution),
    )
