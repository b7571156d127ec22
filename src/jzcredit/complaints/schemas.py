"""HTTP shapes of complaints (投诉) on the authenticated side and of service codes (服务评价码).

No shape has a field for the complainant's phone: it is kept encrypted and never answered, not even
masked. The complainant's name and tracking code are shown to regulators and the admin only (a company
reading its inbox gets ``null``). Request bodies refuse unknown fields; texts are bounded above the
service's own limit (``complaints.text_max_chars``) so an over-long text gets the service's sentence.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jzcredit.api.validation import RequestBody
from jzcredit.api.workflow import Version

TEXT_BOUND = 40_000
KEY_BOUND = 64
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # a key or an order number has no control characters (PostgreSQL takes no NUL)


class ComplaintStepIn(RequestBody):
    """A step that carries nothing but the version read (forwarding)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"version": 1}]})
    version: Version


class ComplaintResponse(RequestBody):
    """The company's answer (``forwarded`` → ``responded``); a late one is taken, the missed deadline stays."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "已与客户沟通，退还 2 小时服务费", "version": 2}]})
    text: str = Field(max_length=TEXT_BOUND, description="The response")
    version: Version


class ComplaintResolution(BaseModel):
    """The complainant's verdict on the answer, as recorded by the regulator: satisfied → ``resolved``,
    not → ``unresolved`` (for mediation)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"satisfied": False, "version": 3}]})
    satisfied: bool
    version: Version


class ComplaintMediation(RequestBody):
    """Mediation of an unresolved complaint, or of one left unanswered past ``respond_by``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"note": "双方同意退还半数服务费", "version": 4}]})
    note: str = Field(max_length=TEXT_BOUND, description="What the mediation found or agreed")
    version: Version


class ComplaintClosure(RequestBody):
    """Closing a resolved or mediated complaint with its finding; ``substantiated`` writes credit records."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"finding": "substantiated", "note": "经核实服务时长不足", "version": 5}]})
    finding: str = Field(max_length=32, description="substantiated or unsubstantiated")
    note: str | None = Field(None, max_length=TEXT_BOUND, description="Closing note")
    version: Version


class ComplaintStep(BaseModel):
    at: datetime
    action: str = Field(description="file, forward, respond, unanswered, resolve, mediate or close")
    from_status: str | None
    to_status: str
    actor: str = Field(description="Who took it (`投诉人` for the complainant in a company's view)")
    text: str | None = Field(description="The response, mediation note or closing note")
    record_id: int | None = Field(description="A credit record the step wrote")


class Complaint(BaseModel):
    """A complaint as the API shows it. Never the complainant's phone."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"complaint_id": 3, "tracking_code": None, "category": "quality", "category_label": "服务质量",
         "status": "forwarded", "status_label": "已转企业办理", "filed_on": "2026-06-30",
         "forwarded_on": "2026-06-30", "respond_by": "2026-07-07", "responded_on": None, "unanswered": False,
         "overdue": False, "finding": None, "finding_label": None, "closed_on": None,
         "company_key": "91370102MA3C5EXL0X", "worker_key": "JZ7K3M9Q2X4P", "filed_by": None,
         "description": "约定 4 小时保洁，实际只做了 2 小时。", "response": None, "version": 2}]})
    complaint_id: int
    tracking_code: str | None = Field(description="The complainant's code (regulators and the admin only)")
    category: str
    category_label: str
    status: str = Field(description="filed, forwarded, responded, resolved, unresolved, mediated or closed")
    status_label: str
    filed_on: date
    forwarded_on: date | None
    respond_by: date | None = Field(description="Forwarding date + complaints.response_days (7)")
    responded_on: date | None
    unanswered: bool = Field(description="The deadline passed without a response (counts against the company)")
    overdue: bool = Field(description="Forwarded, past `respond_by`, not answered")
    finding: str | None = Field(description="substantiated or unsubstantiated, once closed")
    finding_label: str | None
    closed_on: date | None
    company_key: str | None = Field(description="USCC of the company complained about")
    worker_key: str | None = Field(description="Worker code of the worker complained about")
    filed_by: str | None = Field(None, description="The complainant's name (regulators and the admin; single reads)")
    description: str | None = Field(None, description="What happened (single reads)")
    response: str | None = Field(None, description="The company's response (single reads)")
    version: int = Field(description="Send it back with the next step (optimistic locking)")
    steps: list[ComplaintStep] | None = Field(None, description="Every step, oldest first (single reads)")


class ServiceCodeIssue(RequestBody):
    """发放服务评价码: one per service order; ``order_ref`` names the order (then ``count`` is 1)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"count": 1, "worker_key": "JZ7K3M9Q2X4P", "order_ref": "DD-2026-0630-001"}, {"count": 20}]})
    count: int = Field(1, ge=1, le=100_000, description="How many codes (at most complaints.service_code_batch_max)")
    worker_key: str | None = Field(None, max_length=KEY_BOUND, pattern=PRINTABLE,
                                   description="Worker code of who served")
    order_ref: str | None = Field(None, max_length=1_000, pattern=PRINTABLE,
                                  description="The company's own order number")


class ServiceCode(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "code": "PJ7K3M9Q2X4PAB", "service_code_id": 1, "company_key": "91370102MA3C5EXL0X", "worker_key": None,
        "order_ref": "DD-2026-0630-001", "issued_at": "2026-06-30T10:00:00+08:00", "expires_on": "2026-07-30",
        "status": "unused", "used_at": None, "rating_id": None}]})

    code: str = Field(description="What the consumer types to rate (PJ…)")
    service_code_id: int
    company_key: str | None
    worker_key: str | None
    order_ref: str | None
    issued_at: datetime
    expires_on: date = Field(description="The last day it can be used")
    status: Literal["unused", "used", "expired"]
    used_at: datetime | None
    rating_id: int | None


class ServiceCodesIssued(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"company_key": "91370102MA3C5EXL0X", "expires_on": "2026-07-30", "count": 1, "codes": [
            {"code": "PJ7K3M9Q2X4PAB", "service_code_id": 1, "company_key": "91370102MA3C5EXL0X",
             "worker_key": None, "order_ref": "DD-2026-0630-001", "issued_at": "2026-06-30T10:00:00+08:00",
             "expires_on": "2026-07-30", "status": "unused", "used_at": None, "rating_id": None}]}]})
    company_key: str
    expires_on: date = Field(description="The last day the codes can be used")
    count: int
    codes: list[ServiceCode]
