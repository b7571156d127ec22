"""HTTP shapes of rectification notices (限期整改通知), spec §4.4 "notices".

Request bodies refuse unknown fields. Free text is bounded well above the service's own limit, so an
over-long text gets the service's sentence (the one the CLI prints) and only absurd bodies stop here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from jzcredit.api.validation import RequestBody
from jzcredit.api.workflow import Id, Version

TEXT_BOUND = 40_000  # the service allows 20,000 characters after trimming
KEY_BOUND = 64


class NoticeIssue(RequestBody):
    """下达限期整改通知."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"subject_key": "91370102MA3C5EXL0X", "requirements": "三十日内补签全部家政服务合同",
         "deadline": "2026-07-30", "basis": [12]}]})
    subject_key: str = Field(max_length=KEY_BOUND, description="USCC, worker code or ID number of the subject")
    requirements: str = Field(max_length=TEXT_BOUND, description="What must be rectified")
    deadline: date | None = Field(None, description="Last day; default: issue date + rectification.deadline_days")
    basis: list[Id] = Field(default_factory=list, max_length=200,
                             description="Ids of the subject's credit records the notice rests on")
    authority: str | None = Field(None, max_length=200,
                                  description="Issuing authority (part of the notice number); default from settings")


class NoticeEvidence(RequestBody):
    """The subject's rectification evidence (``issued`` → ``submitted``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"evidence": "已补签 12 份合同，扫描件见附件", "version": 1}]})
    evidence: str = Field(max_length=TEXT_BOUND, description="What was done, and the proof")
    version: Version


class NoticeVerification(RequestBody):
    """The regulator's check of the evidence: accept (→ ``verified``) or reject (→ ``issued``, same deadline)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "accept", "note": "材料齐全", "version": 2}]})
    decision: Literal["accept", "reject"] = Field(description="`accept` closes the notice; `reject` reopens it")
    note: str | None = Field(None, max_length=TEXT_BOUND, description="The verifier's note")
    version: Version


class NoticeStep(BaseModel):
    at: datetime = Field(description="When the step was taken")
    action: str = Field(description="issue, submit, accept, reject or overdue")
    from_status: str | None
    to_status: str
    actor: str = Field(description="Who took it")
    text: str | None = Field(description="Requirements, evidence or the verifier's note")


class Notice(BaseModel):
    """A notice as the API shows it: the spec's keys first, then the rest of the file."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"notice_id": 7, "notice_number": "JZ-ZG-2026-000007", "issued_on": "2026-06-30",
         "deadline": "2026-07-30", "status": "issued", "subject_key": "91370102MA3C5EXL0X",
         "authority": "JZ", "issued_by": "regulator:3:王监管", "requirements": "三十日内补签全部家政服务合同",
         "basis": [12], "evidence": None, "verified_on": None, "overdue_on": None, "overdue_record_id": None,
         "list_entry_id": None, "past_deadline": False, "version": 1}]})
    notice_id: int
    notice_number: str = Field(description="Unique per issuing authority and year")
    issued_on: date
    deadline: date
    status: str = Field(description="issued, submitted, verified or overdue")
    subject_key: str | None = Field(description="USCC or worker code")
    authority: str
    issued_by: str
    requirements: str
    basis: list[int] = Field(description="Credit record ids")
    evidence: str | None = Field(description="The latest evidence submitted")
    verified_on: date | None
    overdue_on: date | None
    overdue_record_id: int | None = Field(description="The rectification_overdue record, once overdue")
    list_entry_id: int | None = Field(description="The B3 black-list candidate, once overdue")
    past_deadline: bool = Field(description="Past the deadline unverified, marked by tick or not yet")
    version: int = Field(description="Send it back with the next step (optimistic locking)")
    steps: list[NoticeStep] | None = Field(None, description="Every step, oldest first (single-notice reads)")
