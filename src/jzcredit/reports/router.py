"""``GET /api/v1/stats``: the counts of ``jzcredit stats`` for a region scope.

A regulator gets its own region when it names none, any region inside its own, and 403 for a wider or
another one; admin gets any region (none = national).
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from jzcredit.api.deps import ReadSession, clock
from jzcredit.api.policy import Principal, authorize_region, requires
from jzcredit.reports import stats as stats_report

router = APIRouter(tags=["stats"])


class RegionCounts(BaseModel):
    region_code: str | None = Field(description="GB/T 2260 code; null holds companies without a region and "
                                                "workers employed nowhere (national view only)")
    name: str | None
    companies: int
    workers: int


class StatsOut(BaseModel):
    """统计: counts by region, grade, list, identity verification and poverty status (spec §4.3 ``stats``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "as_of": "2026-06-30", "region": "370100", "companies": 120, "workers": 2400,
        "by_region": [{"region_code": "370102", "name": "历下区", "companies": 30, "workers": 610}],
        "by_grade": {"companies": {"A": 10, "B": 60, "C": 30, "D": 5, "N": 10, "not_evaluated": 5},
                     "workers": {"A": 300, "B": 1500, "C": 400, "D": 50, "N": 100, "not_evaluated": 50}},
        "by_list": {"red": {"published": 4, "candidates": 1}, "black": {"published": 2, "candidates": 1},
                    "watch": {"active": 6, "candidates": 0}},
        "verification": {"workers": 2400, "verified": 2200, "identified_authorised": 2100},
        "poverty": {"native_region": {"national_poor_county": 300, "provincial_poor_county": 200, "none": 1800,
                                      "unknown": 100}, "registered_poor": 150}}]})

    as_of: date
    region: str | None = Field(description="The scope counted; null = national")
    companies: int
    workers: int
    by_region: list[RegionCounts]
    by_grade: dict[str, dict[str, int]] = Field(description="companies / workers → grade → count")
    by_list: dict[str, dict[str, int]] = Field(description="list → on it now / candidates → subjects")
    verification: dict[str, int] = Field(description="人证核验 and 完成识别授权 among the workers")
    poverty: dict[str, dict[str, int] | int] = Field(description="Workers by native region's poverty level, and "
                                                                "registered poor workers")


@router.get("/stats", response_model=StatsOut, summary="Counts for a region",
            responses={403: {"description": "The region is wider than, or outside, your own"}})
def stats(
    region: str | None = Query(None, min_length=6, max_length=6, pattern=r"^[0-9]{6}$",
                               description="000000 national, 370000 a province, 370100 a city; "
                                           "none = your own region", examples=["370100"]),
    principal: Principal = Depends(requires("stats.read")),
    session: Session = ReadSession,
    now: datetime = Depends(clock),
) -> StatsOut:
    """Counts by region, grade, list, identity verification and poverty status, for your region or inside it."""
    scope = authorize_region(principal, "stats.read", region)
    return StatsOut.model_validate(stats_report.stats(session, region=scope, now=now))
