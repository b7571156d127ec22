"""The credit file (信用档案) over HTTP: ``GET /api/v1/subjects/{key}`` — the document ``show KEY --json`` prints.

The parts owned by the registry (identifiers, employments, consents, worker codes) are typed here; the
parts other domains write (records, evaluation, lists, notices, objections, repairs, commitments,
complaints, ratings) are their own dictionaries, so a key they add reaches the client unchanged.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

USCC_EXAMPLE = "91370102MA3C5EXL0X"
WORKER_CODE_EXAMPLE = "JZ3701ABCD2345"


class Identifiers(BaseModel):
    """Identifiers, always masked: a company's USCC is public; a worker's ID and phone are shown masked."""

    uscc: str | None = Field(None, description="Unified social credit code (companies)", examples=[USCC_EXAMPLE])
    id_number: str | None = Field(None, description="ID number, masked (workers)", examples=["3701**********123X"])
    phone: str | None = Field(None, description="Mobile number, masked (workers)", examples=["138****1234"])


class EmploymentOut(BaseModel):
    """从业关系: one employment of the worker, or one worker of the company."""

    company_uscc: str = Field(examples=[USCC_EXAMPLE])
    company_name: str = Field(examples=["济南家政服务有限公司"])
    worker_name: str = Field(examples=["李小芳"])
    worker_id_masked: str = Field(description="The worker's ID number, masked", examples=["3701**********123X"])
    start_on: date | None
    end_on: date | None
    role: str | None
    current: bool = Field(description="No end date: employed now")


class ConsentOut(BaseModel):
    """A worker's consent (授权) and when it was revoked, if it was."""

    scope: str = Field(examples=["public_card"])
    granted_at: datetime
    revoked_at: datetime | None
    source: str | None = None


class WorkerCodeOut(BaseModel):
    code: str = Field(examples=[WORKER_CODE_EXAMPLE])
    status: str = Field(examples=["active"])
    issued_at: datetime
    revoked_at: datetime | None


class SubjectFile(BaseModel):
    """A subject's credit file with masked identifiers, as ``jzcredit show KEY --json`` prints it."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "kind": "company", "subject_id": 12, "as_of": "2026-06-30", "subject_key": USCC_EXAMPLE,
        "name": "济南家政服务有限公司", "identifiers": {"uscc": USCC_EXAMPLE}, "region_code": "370102",
        "records": [], "employments": [], "consents": [],
        "evaluation": {"grade": "B", "score": 72, "model": "company-2026.1", "factors": [], "improvements": []},
        "lists": [], "prior_notices": [], "notices": [], "objections": [], "repairs": [], "commitments": [],
        "complaints": [], "ratings": {"count": 0, "average": None}}]})

    kind: Literal["company", "worker"]
    subject_id: int = Field(description="The platform's internal subject number")
    as_of: date = Field(description="The day the file describes (Asia/Shanghai)")
    subject_key: str | None = Field(description="USCC for a company, the active worker code for a worker")
    name: str | None
    identifiers: Identifiers
    # company part
    legal_representative: str | None = None
    address: str | None = None
    region_code: str | None = Field(None, description="Company: GB/T 2260 region code")
    established_on: date | None = None
    employment_model: str | None = None
    onboarded_on: date | None = None
    status: str | None = None
    on_platform: bool | None = Field(None, description="Company: registered on the platform, not only known "
                                                       "from another department's record")
    # worker part
    worker_code: str | None = Field(None, examples=[WORKER_CODE_EXAMPLE])
    birth_date: date | None = None
    sex: str | None = None
    native_region: str | None = None
    identity_verified_at: datetime | None = None
    identity_method: str | None = None
    registered_poor: bool | None = None
    worker_codes: list[WorkerCodeOut] = Field(default_factory=list)
    # both
    categories: list[str] | None = None
    records: list[dict[str, Any]] = Field(description="Credit records (信用信息), newest first")
    employments: list[EmploymentOut]
    consents: list[ConsentOut]
    evaluation: dict[str, Any] = Field(description="The current evaluation with its factors and improvements")
    lists: list[dict[str, Any]] = Field(description="List entries (every list and status) with transitions")
    prior_notices: list[dict[str, Any]] = Field(description="事前告知 sent before a black listing")
    notices: list[dict[str, Any]] = Field(description="Rectification notices (限期整改)")
    objections: list[dict[str, Any]]
    repairs: list[dict[str, Any]] = Field(description="Credit repair applications (信用修复)")
    commitments: list[dict[str, Any]] = Field(description="Credit commitments (信用承诺)")
    complaints: list[dict[str, Any]]
    ratings: dict[str, Any] = Field(description="Consumer ratings with count and average")
