"""Parse one imported rating row (历史消费者评价) into a :class:`RatingDraft`."""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RatingDraft, RowRejected
from jzcredit.ingest.fields import Row


def parse(row: Row, opts: ParseOptions) -> RatingDraft:
    uscc = row.uscc("uscc")
    id_number = row.optional_id_number("id_number")
    stars = row.integer("stars", reason="invalid_stars")
    assert stars is not None
    if not 1 <= stars <= 5:
        raise RowRejected("invalid_stars", "stars")
    rated_on = row.day("rated_on", required=True, dayfirst=opts.dayfirst)
    assert rated_on is not None
    return RatingDraft(uscc=uscc, stars=stars, rated_on=rated_on, service_code=row.required_text("service_code"),
                       id_number=id_number, comment=row.text("comment"))
