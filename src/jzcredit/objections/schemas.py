"""HTTP shapes of objections (异议) against credit records, spec §4.4 "objections".

Request bodies refuse unknown fields; free text is bounded above the service's own limit so an over-long
text gets the service's sentence (the one the CLI prints).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jzcredit.api.validation import RequestBody
from jzcredit.api.workflow import Id, Version

TEXT_BOUND = 40_000  # the service allows 20,000 characters after trimming

FieldName = Annotated[str, StringConstraints(max_length=32)]
FieldValue = Annotated[str, StringConstraints(max_length=TEXT_BOUND)]


class ObjectionFile(RequestBody):
    """提出异议: the subject for its own record, or a regulator for a record in its region."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"record_id": 12, "reason": "该处罚已被复议撤销", "evidence": "复议决定书 济政复〔2026〕3号"}]})
    record_id: Id = Field(description="The credit record objected to")
    reason: str = Field(max_length=TEXT_BOUND, description="Why the record is wrong")
    evidence: str | None = Field(None, max_length=TEXT_BOUND, description="Supporting evidence")


class ObjectionDecision(RequestBody):
    """The regulator's decision: uphold (revoke, or correct with ``corrections``) or dismiss (restore)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "uphold", "note": "复议决定已撤销原处罚", "version": 1},
        {"decision": "uphold", "corrections": {"amount": "500"}, "version": 1}]})
    decision: Literal["uphold", "dismiss"]
    note: str | None = Field(None, max_length=TEXT_BOUND, description="The decision's reasons")
    corrections: dict[FieldName, FieldValue] | None = Field(
        None, max_length=20, description="With uphold: field → corrected value (as `--correct FIELD=VALUE`); "
                                         "the record is corrected and restored instead of revoked")
    version: Version


class EntryChange(BaseModel):
    entry_id: int
    list: str
    rule: str
    from_status: str
    to_status: str
    reason: str


class Objection(BaseModel):
    """An objection; ``late`` when decided after ``decide_by`` or still open past it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"objection_id": 3, "record_id": 12, "status": "filed", "subject_key": "91370102MA3C5EXL0X",
         "filed_by": "company:5:济南家政", "filer_role": "subject", "reason": "该处罚已被复议撤销", "evidence": None,
         "filed_on": "2026-06-30", "decide_by": "2026-07-15", "record_status_before": "active", "decided_by": None,
         "decided_on": None, "decision_note": None, "outcome": None, "correction": None, "late": False,
         "version": 1, "record_status": "under_objection"}]})
    objection_id: int
    record_id: int
    status: str = Field(description="filed, upheld or dismissed")
    subject_key: str | None = Field(description="USCC or worker code of the record's subject")
    filed_by: str
    filer_role: str = Field(description="subject, named or regulator")
    reason: str
    evidence: str | None
    filed_on: date
    decide_by: date
    record_status_before: str = Field(description="The record's status before the objection")
    decided_by: str | None
    decided_on: date | None
    decision_note: str | None
    outcome: str | None = Field(description="Upheld: revoked or corrected")
    correction: dict[str, Any] | None = Field(description="field → {from, to} of an upheld correction")
    late: bool
    version: int = Field(description="Send it back with the decision (optimistic locking)")
    record_status: str | None = Field(None, description="The record's status after filing or deciding")
    record: dict[str, Any] | None = Field(None, description="The record as it stands now (single reads)")


class ObjectionDecided(Objection):
    list_entries_changed: list[EntryChange] = Field(
        default_factory=list, description="List entries rejected or removed because their basis fell away")
