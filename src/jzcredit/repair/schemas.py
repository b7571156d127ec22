"""HTTP shapes of credit repair (信用修复), spec 02 "Credit repair" and §3.6.

Request bodies refuse unknown fields. The applicant names one target: a negative record (``record_id``)
or a published black-list entry (``list_entry_id``), whose in-force basis records are repaired together.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jzcredit.api.validation import RequestBody
from jzcredit.api.workflow import Id, Version

TEXT_BOUND = 20_000
# a NUL is refused for every request body by api.validation.RequestBody
Text = Annotated[str, StringConstraints(max_length=TEXT_BOUND)]


class RepairApply(RequestBody):
    """申请信用修复: the subject for itself, or a regulator (or the admin) on its behalf."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"record_id": 12, "commitment_signed": True, "evidence": "罚款已缴清，整改到位（缴款凭证 2026-03-01）",
         "training_completed": False},
        {"list_entry_id": 4, "commitment_signed": True, "evidence": "全部处罚已履行", "training_completed": True}]})
    record_id: Id | None = Field(None, description="The negative record to repair (or give `list_entry_id`)")
    list_entry_id: Id | None = Field(None, description="A published black-list entry: all its in-force basis")
    commitment_signed: bool = Field(False, description="Sign the repair commitment (信用承诺书) now; it is linked")
    evidence: Text | None = Field(None, description="Proof that the penalty or the rectification was fulfilled")
    training_completed: bool = Field(False, description="Credit-repair training completed (needed if serious)")


class RepairDecision(RequestBody):
    """The regulator's decision. The §3.6 conditions decide the outcome: ``approve`` is refused (409, naming
    every failed condition) unless all hold, ``reject`` is refused (409) when all hold."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "approve", "version": 1}, {"decision": "reject", "version": 1}]})
    decision: Literal["approve", "reject"] = Field(description="`approve` issues the certificate")
    version: Version


class FailedCondition(BaseModel):
    code: str = Field(description="not_repairable, min_period_not_served, no_commitment, no_evidence, "
                                  "training_required (§3.6) or not_in_force")
    reason: str


REPAIR_EXAMPLE: dict[str, Any] = {
    "repair_id": 5, "subject_key": "91370102MA3C5EXL0X", "record_id": 12, "list_entry_id": None,
    "record_ids": [12], "status": "submitted", "applied_on": "2026-06-30", "applied_by": "company:5:济南家政",
    "decide_by": "2026-07-07", "decided_on": None, "decided_by": None, "late": False, "failed": [],
    "commitment_signed": True, "commitment_id": 9, "evidence": "罚款已缴清", "training_completed": False,
    "certificate_number": None, "certificate": None, "version": 1}


class Repair(BaseModel):
    """An application as the API shows it."""

    model_config = ConfigDict(json_schema_extra={"examples": [REPAIR_EXAMPLE]})
    repair_id: int
    subject_key: str | None = Field(description="USCC or worker code of the applicant subject")
    record_id: int | None = Field(description="The target record (null for a list-entry target)")
    list_entry_id: int | None = Field(description="The target black-list entry")
    record_ids: list[int] = Field(description="The records the application is about")
    status: str = Field(description="submitted, approved or rejected")
    applied_on: date
    applied_by: str
    decide_by: date = Field(description="5 working days after applying")
    decided_on: date | None
    decided_by: str | None
    late: bool = Field(description="Decided, or still open, after `decide_by`")
    failed: list[str] = Field(description="The conditions that did not hold (rejected)")
    commitment_signed: bool
    commitment_id: int | None
    evidence: str | None
    training_completed: bool
    certificate_number: str | None = Field(description="信用修复证书 number, on approval")
    certificate: dict[str, Any] | None = Field(description="What the printed certificate shows")
    version: int = Field(description="Send it back with the decision (optimistic locking)")


class RepairDecided(Repair):
    model_config = ConfigDict(json_schema_extra={"examples": [REPAIR_EXAMPLE | {
        "status": "approved", "decided_on": "2026-07-03", "decided_by": "regulator:2:济南市监管",
        "certificate_number": "XYXF-2026-000005", "version": 2, "reasons": [],
        "list_entries_removed": [], "grade": "B"}]})

    reasons: list[FailedCondition] = Field(description="Each failed condition with its reason (rejected)")
    list_entries_removed: list[dict[str, Any]] = Field(description="List entries removed by the approval")
    grade: str | None = Field(description="The subject's grade after the decision")
