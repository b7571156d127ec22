"""``GET /api/v1/subjects/{key}``: a subject's credit file (信用档案) for those whose scope covers it.

Admin and regulators (by region) see any file in scope; a company sees itself and the workers it
employs now; a worker sees itself. The identifiers stay masked, and every read is audited (a credit
file is personal data that is not public).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Path
from sqlalchemy.orm import Session

from jzcredit.api.deps import WriteSession, clock, settings_of, vault
from jzcredit.api.policy import Principal, authorize_subject, requires
from jzcredit.common import audit, ids
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.errors import Invalid, NotFound
from jzcredit.evaluation.rulesets import load_models
from jzcredit.registry import service as registry
from jzcredit.registry.file import subject_file
from jzcredit.registry.schemas import SubjectFile

router = APIRouter(tags=["subjects"])

KEY_PATH = Path(min_length=1, max_length=40, description="USCC or worker code (an ID number is refused: it would "
                                                         "sit in URLs and logs)",
                examples=["91370102MA3C5EXL0X"])


def resolve_key(session: Session, vault: Vault, key: str) -> int | None:
    """The subject a path KEY names, or ``None`` when there is none (the caller answers like out of scope).

    ID numbers are refused in paths: a URL ends up in access logs and browser histories.
    """
    try:
        ids.validate_id_number(key.strip().upper())
    except ids.InvalidIdentifier:
        pass
    else:
        raise Invalid("subject.id_number_in_url", "网址中不能使用身份证号：请改用服务员编码或统一社会信用代码")
    try:
        return registry.resolve_subject_key(session, vault=vault, key=key)
    except NotFound:
        return None


@router.get("/subjects/{key}", response_model=SubjectFile, response_model_exclude_none=False,
            summary="A subject's credit file (信用档案)",
            responses={404: {"description": "No such subject, or outside your scope (the same answer)"}})
def get_subject(
    key: str = KEY_PATH,
    principal: Principal = Depends(requires("subjects.read")),
    session: Session = WriteSession,
    now: datetime = Depends(clock),
    secrets: Vault = Depends(vault),
    settings: Settings = Depends(settings_of),
) -> dict[str, Any]:
    """The file `jzcredit show KEY` prints, identifiers masked, for a subject inside your scope."""
    subject_id = authorize_subject(session, principal, "subjects.read", resolve_key(session, secrets, key), now=now)
    doc = subject_file(session, subject_id=subject_id, now=now, models=load_models(settings.config))
    audit.append(session, actor=principal.actor, action="subject.read", obj=f"subject:{subject_id}", now=now,
                 detail={"kind": doc["kind"], "via": "api"})
    return doc
