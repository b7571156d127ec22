"""Parse one background checks row (背景核查) into a :class:`RecordDraft`.

A ``record_found`` check is a serious negative record (spec §3.3 caps, list rule B4).
"""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RecordDraft, RowRejected
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import details, person

RESULTS = {
    "clear": "clear", "无犯罪记录": "clear", "无记录": "clear",
    "record_found": "record_found", "有犯罪记录": "record_found", "有记录": "record_found",
}
OFFENCES = {
    "theft": "theft", "盗窃": "theft",
    "violence": "violence", "暴力": "violence",
    "abuse": "abuse", "虐待": "abuse",
    "sexual": "sexual", "性侵": "sexual",
    "fraud": "fraud", "诈骗": "fraud",
    "drugs": "drugs", "毒品": "drugs",
    "other": "other", "其他": "other",
}


def parse(row: Row, opts: ParseOptions) -> RecordDraft:
    subject = person(row)
    checked = row.date("checked_on", required=True, dayfirst=opts.dayfirst)
    assert checked is not None
    result = row.choice("result", RESULTS, reason="invalid_result")
    offence = row.choice("offence", OFFENCES, reason="invalid_offence", required=False)
    found = result == "record_found"
    # An offence is required with a record and contradicts a clear check: neither is guessed.
    if found != (offence is not None):
        raise RowRejected("invalid_offence", "offence")
    authority = row.text("authority")
    return RecordDraft(
        subject=subject, type="background_check", category="negative" if found else "basic",
        severity="serious" if found else None,
        decided_on=checked.value, precision=checked.precision,
        key_parts=(checked.value.isoformat(), authority or ""), authority=authority,
        details=details(row, result=result, offence=offence),
    )
