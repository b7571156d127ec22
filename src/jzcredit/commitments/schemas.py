"""HTTP shapes of credit commitments (信用承诺), spec 02 "Commitments".

Request bodies refuse unknown fields. ``kind`` is checked by the service, so an unknown kind gets the
service's sentence (the one the CLI prints) listing the kinds.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from jzcredit.api.validation import RequestBody
from jzcredit.api.workflow import Version

TEXT_BOUND = 20_000
KEY_BOUND = 64
# a NUL is refused for every request body by api.validation.RequestBody
Text = Annotated[str, StringConstraints(max_length=TEXT_BOUND)]


class CommitmentSign(RequestBody):
    """签署信用承诺: a company for itself, or a regulator (or the admin) recording one for a subject."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"subject_key": "91370102MA3C5EXL0X", "kind": "voluntary", "text": "守法诚信经营，明码标价，不欺诈消费者",
         "public": True},
        {"subject_key": "91370102MA3C5EXL0X", "kind": "notification", "text": "承诺已具备从业资格",
         "in_place_of": "家政服务从业资格证明"}]})
    subject_key: str = Field(max_length=KEY_BOUND, description="USCC, worker code or ID number of the subject")
    kind: str = Field(max_length=16, description="notification (告知承诺), voluntary, industry or repair")
    text: Text = Field(description="What is promised")
    public: bool = Field(False, description="Published on the company's page")
    in_place_of: Text | None = Field(None, description="Notification only: the certificate it stands in for")


class CommitmentFulfilment(RequestBody):
    """The commitment was kept: ``in_force`` → ``fulfilled``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"note": "承诺期内无违法违规行为", "version": 1}]})
    note: Text | None = Field(None, description="How it was fulfilled")
    version: Version


class CommitmentBreach(RequestBody):
    """The commitment was broken: ``in_force`` → ``breached`` and a ``commitment_breach`` negative record."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "承诺明码标价，经查实存在价外加价", "version": 1}]})
    reason: Text = Field(description="What was broken")
    version: Version


class Commitment(BaseModel):
    """A commitment as the API shows it."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"commitment_id": 9, "subject_key": "91370102MA3C5EXL0X", "kind": "voluntary", "kind_label": "主动承诺",
         "text": "守法诚信经营", "signed_on": "2026-06-30", "signed_by": "company:5:济南家政", "public": True,
         "status": "in_force", "in_place_of": None, "record_id": 40, "breach_record_id": None, "ended_on": None,
         "ended_by": None, "end_note": None, "version": 1}]})
    commitment_id: int
    subject_key: str | None = Field(description="USCC or worker code")
    kind: str
    kind_label: str
    text: str
    signed_on: date
    signed_by: str
    public: bool
    status: str = Field(description="in_force, fulfilled or breached")
    in_place_of: str | None
    record_id: int | None = Field(description="The `commitment` credit record signing wrote")
    breach_record_id: int | None = Field(description="The `commitment_breach` record, once breached")
    ended_on: date | None
    ended_by: str | None
    end_note: str | None = Field(description="The fulfilment note or the breach reason")
    version: int = Field(description="Send it back with the next step (optimistic locking)")
