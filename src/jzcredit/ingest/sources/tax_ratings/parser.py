"""Parse one tax ratings row (纳税信用等级) into a :class:`RecordDraft`."""

from __future__ import annotations

from datetime import date

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RecordDraft, SubjectRef
from jzcredit.ingest.fields import Row
from jzcredit.ingest.sources import details, tax_year

RATINGS = {grade.lower(): grade for grade in "ABMCD"} | {f"{grade.lower()}级": grade for grade in "ABMCD"}


def parse(row: Row, opts: ParseOptions) -> RecordDraft:
    uscc = row.uscc("uscc")
    name = row.text("name")
    year = tax_year(row, "year")
    rating = row.choice("rating", RATINGS, reason="invalid_tax_rating")
    assert rating is not None
    return RecordDraft(
        subject=SubjectRef(uscc=uscc, name=name), type="tax_rating", category="other",
        # The rating grades the whole tax year, so it is dated on that year's last day: "the latest
        # tax rating" is then the one for the latest year, whenever the tax office published it.
        decided_on=date(year, 12, 31),
        key_parts=(str(year),), content=f"{year}年度纳税信用等级 {rating}",
        details=details(row, year=year, rating=rating),
    )
