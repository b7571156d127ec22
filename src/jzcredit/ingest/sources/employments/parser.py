"""Parse one employments row (从业关系) into an :class:`EmploymentDraft`."""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import EmploymentDraft, RowRejected
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import not_before

ROLE_MAX_CHARS = 64  # employments.role is VARCHAR(64): longer is refused here, not cut by the database


def parse(row: Row, opts: ParseOptions) -> EmploymentDraft:
    id_number = row.id_number("id_number")
    uscc = row.uscc("uscc")
    start_on = row.day("start_on", dayfirst=opts.dayfirst)
    end_on = row.day("end_on", dayfirst=opts.dayfirst)
    not_before(end_on, start_on, "end_on")
    role = row.text("role")
    if role is not None and len(role) > ROLE_MAX_CHARS:
        raise RowRejected("value_too_long", f"role: > {ROLE_MAX_CHARS}")
    return EmploymentDraft(id_number=id_number, uscc=uscc, start_on=start_on, end_on=end_on, role=role)
