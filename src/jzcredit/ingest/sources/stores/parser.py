"""Parse one stores row (门店) into a :class:`StoreDraft`."""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import StoreDraft
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import number


def parse(row: Row, opts: ParseOptions) -> StoreDraft:
    uscc = row.uscc("uscc")
    address = row.required_text("address")
    area = number(row, "area_m2", units=("平方米", "平米", "m2"), positive=True, required=True)
    opened_on = row.day("opened_on", required=True, dayfirst=opts.dayfirst)
    assert area is not None and opened_on is not None
    return StoreDraft(uscc=uscc, address=address, area_m2=area, opened_on=opened_on)
