"""Parse one companies row into a :class:`CompanyDraft`; an empty or absent column changes nothing."""

from __future__ import annotations

from jzcredit.common.text import normalise_company_name
from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import CompanyDraft
from jzcredit.ingest.fields import Row, region_code

EMPLOYMENT_MODELS = {
    "employee": "employee", "员工制": "employee",
    "intermediary": "intermediary", "中介制": "intermediary",
}


def parse(row: Row, opts: ParseOptions) -> CompanyDraft:
    return CompanyDraft(
        uscc=row.uscc("uscc"),
        name=normalise_company_name(row.required_text("name")),
        legal_representative=row.text("legal_representative"),
        address=row.text("address"),
        region_code=region_code(row, "region_code"),
        established_on=row.day("established_on", dayfirst=opts.dayfirst),
        categories=row.categories("categories") or None,
        employment_model=row.choice("employment_model", EMPLOYMENT_MODELS, reason="invalid_employment_model",
                                    required=False),
        onboarded_on=row.day("onboarded_on", dayfirst=opts.dayfirst),
    )
