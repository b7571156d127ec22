"""What a user looks like outside the service (CLI ``--json`` and, later, the API)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from jzcredit.users.models import User


class UserOut(BaseModel):
    user_id: int
    name: str
    role: str
    region_code: str | None
    subject_id: int | None
    record_types: list[str] | None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(user_id=user.id, name=user.name, role=user.role, region_code=user.region_code,
                   subject_id=user.subject_id, record_types=user.record_types, expires_at=user.expires_at,
                   revoked_at=user.revoked_at)


class NewUserOut(UserOut):
    """``users add --json``: the only time the clear token is ever shown."""

    token: str
