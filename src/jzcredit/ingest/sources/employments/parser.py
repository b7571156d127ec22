"""Parse one employments row (从业关系) into an :class:`EmploymentDraft`.

A ``role`` longer than its column is quarantined as ``value_too_long`` by the shared bounds check
(``ingest/bounds.py``), not cut by the database.
"""

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
    return EmploymentDraft(id_number=id_number, uscc=uscc, start_on=start_on, end_on=end_on, role=row.text("role"))
