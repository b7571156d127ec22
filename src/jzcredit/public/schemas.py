"""What the public API answers and accepts (spec §4.4 "Public, no token": the field names are a contract).

Requests forbid unknown fields and bound every string, so a malformed body is a readable 422 and never
reaches a service. No response model has a field for an ID or phone number.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jzcredit.api.validation import RequestBody

ListName = Literal["red", "black"]
# the complaints domain's vocabulary (complaints.models.CATEGORIES; a test keeps the two equal)
ComplaintCategory = Literal["quality", "price", "contract", "damage", "theft", "abuse", "injury", "other"]


def _example(**values: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [values]})


class ProblemOut(BaseModel):
    """An RFC 9457 problem (``application/problem+json``), as the one error handler writes it."""

    type: str
    title: str
    status: int
    detail: str = Field(description="One zh-CN sentence a person understands; never echoes what was sent")
    instance: str | None = None
    code: str = Field(description="Stable machine-readable code")


# --- the worker card (上门服务证) ----------------------------------------------------------------


class HealthCheck(BaseModel):
    valid: bool = Field(description="A passed health check is valid on the day")
    valid_until: date | None = Field(description="Last day of the latest passed health check (null: none)")


class SkillCertificate(BaseModel):
    title: str | None = Field(description="职业技能证书名称")
    level: str | None = Field(description="等级, as the issuer gave it")
    issued_on: date | None
    valid_until: date | None


class BackgroundCheck(BaseModel):
    status: Literal["clear", "record_found", "none"] = Field(
        description="The latest background check in force: clear, record_found, or none when there is none")
    checked_on: date | None


class Employer(BaseModel):
    name: str
    uscc: str


class RatingSummary(BaseModel):
    average: float | None = Field(description="Average stars (1–5), two decimals; null without ratings")
    count: int


class WorkerCard(BaseModel):
    """The public worker card. A revoked code shows only that it is revoked (see docs/decisions.md)."""

    model_config = _example(
        worker_code="JZ7K3M9Q2XWD", display_name="李*芳", photo_url=None, sex="female", age=46,
        native_province="山东省", categories=["cleaning"], identity_verified=True,
        health_check={"valid": True, "valid_until": "2026-12-31"}, training_hours_2y=48.0,
        skill_certificates=[{"title": "家政服务员", "level": "四级", "issued_on": "2025-03-01",
                             "valid_until": None}],
        background_check={"status": "clear", "checked_on": "2025-01-10"},
        employers=[{"name": "济南家政服务有限公司", "uscc": "91370100MA3C5EXL0X"}],
        rating={"average": 4.67, "count": 3}, grade="A", black_listed=False, card_status="valid",
        as_of="2026-06-30", revoked_on=None)

    worker_code: str = Field(description="The code asked about (一人一码)")
    display_name: str | None = Field(description="Full name with the public_card consent, else masked (张*芳)")
    photo_url: str | None = Field(description="Only with the public_card consent and a stored photo")
    sex: Literal["male", "female"] | None
    age: int | None = Field(description="Full years on as_of")
    native_province: str | None = Field(description="Province of first registration (籍贯省份)")
    categories: list[str]
    identity_verified: bool = Field(description="人证核验 done")
    health_check: HealthCheck
    training_hours_2y: float | None = Field(description="Training hours in the last 730 days")
    skill_certificates: list[SkillCertificate] = Field(description="Certificates in force")
    background_check: BackgroundCheck
    employers: list[Employer] = Field(description="Current employers")
    rating: RatingSummary
    grade: str | None = Field(description="Worker grade A–D, or N (未核验); null when never evaluated")
    black_listed: bool | None = Field(description="On the published black list (null on a revoked card)")
    card_status: Literal["valid", "revoked", "unverified"] = Field(
        description="valid: identity verified and collect consent in force; revoked: the code was re-issued")
    as_of: date
    revoked_on: date | None = Field(default=None, description="When the code was revoked")


# --- the company report ----------------------------------------------------------------------


class Factor(BaseModel):
    code: str
    label: str
    points: int | None = None
    record_ids: list[int] = Field(default_factory=list)


class ListBadge(BaseModel):
    list: ListName
    published_on: date | None
    expires_on: date | None


class PublicRecord(BaseModel):
    """A credit record in force and public; free text has long digit runs masked."""

    record_id: int
    type: str
    category: str
    severity: str | None
    status: Literal["active", "under_objection"]
    decided_on: date | None
    doc_number: str | None
    authority: str | None
    content: str | None
    amount: str | None = Field(description="CNY, exact decimal as text")
    publish_until: date | None
    valid_until: date | None


class Rectification(BaseModel):
    notice_number: str
    issued_on: date
    deadline: date
    status: Literal["issued", "submitted", "verified", "overdue"] = Field(
        description="overdue as soon as the deadline has passed unverified")


class Complaints365(BaseModel):
    total: int = Field(description="Complaints against the company filed in the last 365 days")
    resolved: int = Field(description="…of them resolved or closed")
    unanswered: int = Field(description="…left unanswered past their response deadline")
    substantiated: int = Field(description="…closed with the finding substantiated")


class WorkerCounts(BaseModel):
    current: int
    identified_authorised: int = Field(description="完成识别授权: identity verified and collect consent")


class CompanyReport(BaseModel):
    model_config = _example(
        uscc="91370100MA3C5EXL0X", name="济南家政服务有限公司", region_code="370102", categories=["cleaning"],
        employment_model="employee", established_on="2021-03-01", grade="B", score=810,
        factors=[{"code": "D1.basic_fields", "label": "基础信息 4 项", "points": 45, "record_ids": []}],
        lists=[], records=[], rectifications=[],
        complaints_365d={"total": 0, "resolved": 0, "unanswered": 0, "substantiated": 0},
        rating={"average": 4.5, "count": 4}, workers={"current": 10, "identified_authorised": 8},
        status="active", as_of="2026-06-30")

    uscc: str
    name: str
    region_code: str | None
    categories: list[str]
    employment_model: str | None
    established_on: date | None
    grade: str | None = Field(description="A–D, or N (未评级); null when never evaluated")
    score: int | None = Field(description="0–1000; null when not graded (N) or never evaluated")
    factors: list[Factor] = Field(description="What made the score; empty when the score is not shown")
    lists: list[ListBadge] = Field(description="Published red and black entries in force")
    records: list[PublicRecord]
    rectifications: list[Rectification]
    complaints_365d: Complaints365
    rating: RatingSummary
    workers: WorkerCounts
    status: str = Field(description="active or deregistered")
    as_of: date


class CompanyHit(BaseModel):
    model_config = _example(uscc="91370100MA3C5EXL0X", name="济南家政服务有限公司", region_code="370102", grade="B")

    uscc: str
    name: str
    region_code: str | None
    grade: str | None


class CompanyPage(BaseModel):
    items: list[CompanyHit]
    total: int
    page: int
    size: int


# --- the lists ---------------------------------------------------------------------------------


class ListItem(BaseModel):
    """A published entry. A worker shows by masked name and card code, never by any other identifier."""

    model_config = _example(entry_id=12, list="black", kind="company", name="某某家政服务有限公司",
                            uscc="91370100MA3C5EXL0X", worker_code=None, region_code="370102", rule="B1",
                            reason="有效期内的严重行政处罚", published_on="2026-05-01", expires_on="2029-05-01")

    entry_id: int
    list: ListName
    kind: Literal["company", "worker"]
    name: str
    uscc: str | None
    worker_code: str | None
    region_code: str | None
    rule: str
    reason: str
    published_on: date | None
    expires_on: date | None


class ListPage(BaseModel):
    items: list[ListItem]
    total: int
    page: int
    size: int


# --- complaints and ratings -----------------------------------------------------------------------


class ComplaintIn(RequestBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "company_uscc": "91370100MA3C5EXL0X", "worker_code": None, "category": "quality",
        "description": "约定 4 小时保洁，实际只做了 2 小时。", "contact_phone": "13812345678"}]})

    company_uscc: str = Field(min_length=1, max_length=40, description="USCC of the company complained about")
    worker_code: str | None = Field(default=None, max_length=40, description="The worker's card code, if any")
    category: ComplaintCategory
    description: str = Field(min_length=1, max_length=4000)
    contact_phone: str = Field(min_length=1, max_length=40, description="Mobile; kept encrypted, shown masked")


class ComplaintFiled(BaseModel):
    model_config = _example(complaint_id=41, tracking_code="TS7K3M9Q2XWD", respond_by=None, status="filed")

    complaint_id: int
    tracking_code: str = Field(description="投诉查询码: keep it to follow the complaint")
    respond_by: date | None = Field(description="Set when the regulator forwards it to the company")
    status: str


class TimelineStep(BaseModel):
    on: date
    status: str
    status_label: str


class ComplaintTrack(BaseModel):
    """What the complainant sees by the tracking code: no personal data."""

    model_config = _example(tracking_code="TS7K3M9Q2XWD", status="responded", status_label="企业已答复",
                            category="quality", filed_on="2026-06-01", forwarded_on="2026-06-02",
                            respond_by="2026-06-09", responded_on="2026-06-05",
                            response="已安排补做 2 小时保洁并致歉。", unanswered=False, finding=None, closed_on=None,
                            timeline=[{"on": "2026-06-01", "status": "filed", "status_label": "已受理"},
                                      {"on": "2026-06-02", "status": "forwarded", "status_label": "已转企业"},
                                      {"on": "2026-06-05", "status": "responded", "status_label": "企业已答复"}])

    tracking_code: str
    status: str
    status_label: str
    category: str
    filed_on: date
    forwarded_on: date | None
    respond_by: date | None
    responded_on: date | None
    response: str | None = Field(description="The company's answer (long digit runs masked)")
    unanswered: bool
    finding: str | None
    closed_on: date | None
    timeline: list[TimelineStep]


class RatingIn(RequestBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "company_uscc": "91370100MA3C5EXL0X", "service_code": "PJ7K3M9Q2XWDAB", "stars": 5,
        "worker_code": None, "comment": "准时、细心。"}]})

    company_uscc: str = Field(min_length=1, max_length=40)
    service_code: str = Field(min_length=1, max_length=40,
                              description="服务评价码 from the company (no code, no rating)")
    stars: int = Field(ge=1, le=5, strict=True, description="1–5, a whole number")
    worker_code: str | None = Field(default=None, max_length=40)
    comment: str | None = Field(default=None, max_length=4000)


class RatingAdded(BaseModel):
    model_config = _example(rating_id=7, company_uscc="91370100MA3C5EXL0X", worker_code="JZ7K3M9Q2XWD", stars=5,
                            rated_on="2026-06-30")

    rating_id: int
    company_uscc: str
    worker_code: str | None
    stars: int
    rated_on: date
