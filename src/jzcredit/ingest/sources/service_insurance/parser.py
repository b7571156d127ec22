"""Parse one service insurance row (社会保险缴费) into a yearly :class:`FigureDraft`."""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import FigureDraft, RowRejected
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import tax_year


def parse(row: Row, opts: ParseOptions) -> FigureDraft:
    uscc = row.uscc("uscc")
    year = tax_year(row, "year")
    value = row.amount("paid_cny", unit=opts.amount_unit)
    if value is None:
        raise RowRejected("missing_value", "paid_cny")
    if value < 0:
        raise RowRejected("invalid_amount", "paid_cny")
    return FigureDraft(uscc=uscc, figure="service_insurance", period=str(year), value=value)
