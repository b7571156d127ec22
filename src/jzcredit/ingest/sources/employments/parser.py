"""Parse one employments row into an :class:`EmploymentDraft`."""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import EmploymentDraft
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import not_before


def parse(row: Row, opts: ParseOptions) -> EmploymentDraft:
    id_number = row.id_number("id_number")
    uscc = row.uscc("uscc")
    start_on = row.day("start_on", dayfirst=opts.dayfirst)
    end_on = row.day("end_on", dayfirst=opts.dayfirst)
    not_before(end_on, start_on, "end_on")
    return EmploymentDraft(id_number=id_number, uscc=uscc, start_on=start_on, end_on=end_on)
