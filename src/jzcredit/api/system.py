"""Platform routes that belong to no domain: ``GET /api/v1/audit/verify`` (admin)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from jzcredit.api.deps import WriteSession
from jzcredit.api.policy import Principal, requires
from jzcredit.common import audit

router = APIRouter(tags=["system"])


class AuditChainOut(BaseModel):
    """The audit hash chain: intact, or where the first change or removal is."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"ok": True, "entries": 1834, "first_bad": None, "problem": None},
        {"ok": False, "entries": 211, "first_bad": 211, "problem": "entry was changed after it was written"}]})

    ok: bool
    entries: int = Field(description="Entries checked")
    first_bad: int | None = Field(description="Id of the first entry that does not hold")
    problem: str | None


@router.get("/audit/verify", response_model=AuditChainOut, summary="Check the audit hash chain")
def verify_audit(principal: Principal = Depends(requires("audit.verify")),
                 session: Session = WriteSession) -> AuditChainOut:
    """What `jzcredit audit verify` reports; a broken chain is still a 200 with `ok: false`."""
    report = audit.verify(session)
    return AuditChainOut(ok=report.ok, entries=report.entries, first_bad=report.first_bad, problem=report.problem)
