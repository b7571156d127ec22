"""Parse one regions row (行政区划) into a :class:`RegionDraft`."""

from __future__ import annotations

from jzcredit.ingest.declared import ParseOptions
from jzcredit.ingest.drafts import RegionDraft
from jzcredit.ingest.fields import Row, region_code

POVERTY_LEVELS = {
    "none": "none", "无": "none", "否": "none",
    "provincial": "provincial", "省级": "provincial",
    "national": "national", "国家级": "national",
}


def parse(row: Row, opts: ParseOptions) -> RegionDraft:
    code = region_code(row, "region_code", required=True)
    assert code is not None
    name = row.required_text("name")
    if not row.has("poverty_level"):  # a list of names only: the poverty levels stay as they are
        return RegionDraft(region_code=code, name=name, poverty_level=None)
    level = row.choice("poverty_level", POVERTY_LEVELS, reason="invalid_poverty_level", required=False)
    return RegionDraft(region_code=code, name=name, poverty_level=level or "none")
