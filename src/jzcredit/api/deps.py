"""What every route gets from the request: the clock, the vault, a database session and the principal.

A write route's session commits when the handler returns and rolls back on any error (the caller owns
the transaction, STYLE.md); public read routes use the read session (the replica when configured).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from jzcredit.api.policy import ANONYMOUS, Principal
from jzcredit.common.clock import current_time
from jzcredit.common.crypto import Vault, load_vault
from jzcredit.config import Settings
from jzcredit.users import service as users
from jzcredit.users.models import User


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def clock(request: Request) -> datetime:
    """Now, or the simulated ``JZCREDIT_NOW`` (the same clock as the CLI's ``--as-of``)."""
    return current_time(settings_of(request).now)


def vault(request: Request) -> Vault:
    cached: Vault | None = getattr(request.app.state, "vault", None)
    if cached is None:
        cached = load_vault(settings_of(request))
        request.app.state.vault = cached
    return cached


def db(request: Request) -> Iterator[Session]:
    """A read-write session in one transaction for the whole request."""
    with request.app.state.sessions() as session, session.begin():
        yield session


def read_db(request: Request) -> Iterator[Session]:
    """A session for public reads (the read replica when configured)."""
    with request.app.state.read_sessions() as session:
        yield session


# The transaction ends (commits or rolls back) before the answer is sent ("function" scope): a client never
# gets a 2xx for a write that then failed to commit, and the connection goes back to the pool at once.
WriteSession = Depends(db, scope="function")
ReadSession = Depends(read_db, scope="function")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def current_principal(request: Request, vault: Vault = Depends(vault), now: datetime = Depends(clock)) -> Principal:
    """The user behind the bearer token (401 for a bad, unknown or revoked one), else the public."""
    token = _bearer(request)
    if token is None:
        return ANONYMOUS
    with request.app.state.sessions() as session:
        return principal_of(users.authenticate(session, vault=vault, token=token, now=now))


def principal_of(user: User) -> Principal:
    """The policy's principal for an authenticated user (the API's bearer token and the web login alike)."""
    return Principal(role=user.role, user_id=user.id, name=user.name, region_code=user.region_code,
                     subject_id=user.subject_id, record_types=tuple(user.record_types) if user.record_types else None)
