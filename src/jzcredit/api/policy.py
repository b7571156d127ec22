"""The one access policy every route goes through (spec 02 "Users, roles, scopes"; issue 5).

A route names its *action* (``Depends(requires("lists.review"))``); ``ACTIONS`` says which roles may
take it. Where the action concerns one subject the route also calls :func:`authorize_subject`, which
applies the role's scope:

- ``admin``: everything;
- ``regulator``: subjects inside its region (code prefix of ``region_code``) — a company by its own
  region code, a worker by the region of each current employer, or by native region when employed
  nowhere;
- ``company``: itself and the workers it employs now;
- ``worker``: itself;
- ``bank``: companies whose authorisation of this bank is in force;
- ``provider``: no subject at all (it submits batches for its record types only, and sees only
  the batches it submitted);
- ``public``: nothing behind a token.

A refusal never says whether the subject exists: "not found" and "forbidden" read the same to anyone
outside the scope (404 with the same words), so the policy cannot be used to probe for subjects.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from fastapi import Depends, Request
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jzcredit.common.regions import in_scope, scope_prefix, validate_scope
from jzcredit.errors import Forbidden, NotFound, Unauthorized
from jzcredit.finance.models import BankAuthorisation
from jzcredit.registry.models import Company, Employment, Subject, Worker

PUBLIC = "public"
ROLES = ("admin", "regulator", "company", "worker", "bank", "provider", PUBLIC)

# action → the roles that may take it (subject scope applied separately by authorize_subject)
ACTIONS: dict[str, frozenset[str]] = {
    "subjects.read": frozenset({"admin", "regulator", "company", "worker"}),
    "ingest.submit": frozenset({"admin", "regulator", "provider"}),
    "batches.read": frozenset({"admin", "regulator", "provider"}),
    "lists.read": frozenset({"admin", "regulator"}),
    "lists.review": frozenset({"admin", "regulator"}),
    "check.read": frozenset({"admin", "regulator"}),
    "notices.read": frozenset({"admin", "regulator", "company", "worker"}),
    "notices.issue": frozenset({"admin", "regulator"}),
    "notices.submit": frozenset({"admin", "regulator", "company", "worker"}),
    "notices.verify": frozenset({"admin", "regulator"}),
    "objections.read": frozenset({"admin", "regulator", "company", "worker"}),
    "objections.file": frozenset({"admin", "regulator", "company", "worker"}),
    "objections.decide": frozenset({"admin", "regulator"}),
    "repairs.read": frozenset({"admin", "regulator", "company", "worker"}),
    "repairs.apply": frozenset({"admin", "regulator", "company", "worker"}),
    "repairs.decide": frozenset({"admin", "regulator"}),
    "commitments.read": frozenset({"admin", "regulator", "company", "worker"}),
    "commitments.sign": frozenset({"admin", "regulator", "company"}),
    "commitments.fulfil": frozenset({"admin", "regulator"}),
    "commitments.breach": frozenset({"admin", "regulator"}),
    "complaints.read": frozenset({"admin", "regulator", "company"}),
    "complaints.respond": frozenset({"company"}),
    "complaints.manage": frozenset({"admin", "regulator"}),
    "servicecodes.issue": frozenset({"company"}),
    "servicecodes.read": frozenset({"admin", "regulator", "company"}),
    "finance.read": frozenset({"bank"}),
    "finance.authorise": frozenset({"company"}),
    "finance.inquiries": frozenset({"admin", "regulator", "company"}),
    "finance.authorisations": frozenset({"admin", "regulator", "company"}),
    "stats.read": frozenset({"admin", "regulator"}),
    "changes.read": frozenset({"admin", "regulator"}),
    "changes.receive": frozenset({"admin", "provider"}),
    "audit.verify": frozenset({"admin"}),
    # the card scan log: the worker, its current employers, regulators in scope (spec 02 "worker")
    "cards.scans": frozenset({"admin", "regulator", "company", "worker"}),
    "matches.decide": frozenset({"admin", "regulator"}),  # court-data match candidates (web /admin/matches)
}


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user behind a bearer token, or the anonymous public."""

    role: str
    user_id: int | None = None
    name: str = "公众"
    region_code: str | None = None
    subject_id: int | None = None
    record_types: tuple[str, ...] | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        return PUBLIC if self.user_id is None else f"{self.role}:{self.user_id}:{self.name}"

    @property
    def is_public(self) -> bool:
        return self.role == PUBLIC


ANONYMOUS = Principal(role=PUBLIC)


def allowed(principal: Principal, action: str) -> bool:
    return principal.role in ACTIONS[action]


def authorize(principal: Principal, action: str) -> None:
    """The role gate: 401 for the public, 403 for a role the action is not for."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action}")  # a programming error, caught by the matrix test
    if principal.is_public:
        raise Unauthorized("auth.required", "此操作需要登录：请在 Authorization 头中提供 Bearer 令牌")
    if not allowed(principal, action):
        raise Forbidden("auth.role", f"您的角色（{principal.role}）不能进行此操作")


def requires(action: str) -> Callable[..., Principal]:
    """A route dependency: the principal, after the role gate for ``action``."""
    from jzcredit.api.deps import current_principal  # the deps module imports this one

    def dependency(request: Request, principal: Principal = Depends(current_principal)) -> Principal:
        authorize(principal, action)
        request.state.action = action
        return principal

    dependency.action = action  # type: ignore[attr-defined]  # read by the authorisation matrix test
    return dependency


def _worker_regions(session: Session, worker_id: int, as_of: date) -> set[str | None]:
    rows = session.scalars(select(Company.region_code).join(Employment, Employment.company_id == Company.subject_id)
                           .where(Employment.worker_id == worker_id, current_employment(as_of)))
    regions: set[str | None] = set(rows)
    if not regions:
        worker = session.get(Worker, worker_id)
        regions = {worker.native_region if worker else None}
    return regions


def current_employment(as_of: date):  # type: ignore[no-untyped-def]
    """Employed on ``as_of``: started by then, not ended before it."""
    return (Employment.start_on.is_(None) | (Employment.start_on <= as_of)) & or_(
        Employment.end_on.is_(None), Employment.end_on >= as_of)


def subject_regions(session: Session, subject_id: int, as_of: date) -> set[str | None]:
    subject = session.get(Subject, subject_id)
    if subject is None:
        return set()
    if subject.kind == "company":
        company = session.get(Company, subject_id)
        return {company.region_code if company else None}
    return _worker_regions(session, subject_id, as_of)


def bank_authorised(session: Session, *, bank_user_id: int, company_id: int, now: datetime) -> bool:
    """A company's authorisation of this bank is in force now."""
    return session.scalar(select(BankAuthorisation.id).where(
        BankAuthorisation.bank_user_id == bank_user_id, BankAuthorisation.company_id == company_id,
        BankAuthorisation.granted_at <= now,
        or_(BankAuthorisation.revoked_at.is_(None), BankAuthorisation.revoked_at > now)).limit(1)) is not None


def _employs(session: Session, company_id: int, worker_id: int, as_of: date) -> bool:
    return session.scalar(select(Employment.id).where(Employment.company_id == company_id,
                                                      Employment.worker_id == worker_id,
                                                      current_employment(as_of)).limit(1)) is not None


def in_scope_of(session: Session, principal: Principal, subject_id: int, now: datetime) -> bool:
    """Whether ``subject_id`` lies inside the principal's scope (the role gate is separate)."""
    as_of = now.date()
    if principal.role == "admin":
        return True
    if principal.role == "regulator":
        prefix = scope_prefix(principal.region_code)
        return any(in_scope(r, prefix) for r in subject_regions(session, subject_id, as_of))
    if principal.role == "company" and principal.subject_id is not None:
        return subject_id == principal.subject_id or _employs(session, principal.subject_id, subject_id, as_of)
    if principal.role == "worker":
        return subject_id == principal.subject_id
    if principal.role == "bank" and principal.user_id is not None:
        return bank_authorised(session, bank_user_id=principal.user_id, company_id=subject_id, now=now)
    return False


def authorize_subject(session: Session, principal: Principal, action: str, subject_id: int | None,
                      *, now: datetime, own_only: bool = False) -> int:
    """The role gate and the subject scope. ``own_only``: a company acts only for itself, not its workers.

    Outside the scope answers exactly like an unknown subject (404), so existence never leaks.
    """
    authorize(principal, action)
    hidden = NotFound("subject.not_found", "没有找到这个信用主体，或您无权查看")
    if subject_id is None or not in_scope_of(session, principal, subject_id, now):
        raise hidden
    if own_only and principal.role in ("company", "worker") and subject_id != principal.subject_id:
        raise hidden
    return subject_id


def subjects_in_scope(session: Session, principal: Principal, subject_ids: Iterable[int], now: datetime) -> set[int]:
    """The subjects of ``subject_ids`` inside the principal's scope (for lists a route filters)."""
    wanted = set(subject_ids)
    if principal.role == "admin" or (principal.role == "regulator" and scope_prefix(principal.region_code) is None):
        return wanted
    return {s for s in wanted if in_scope_of(session, principal, s, now)}


def authorize_record_types(principal: Principal, action: str, record_types: Collection[str]) -> None:
    """The role gate, then a provider's record types: it submits only the types it was given (none given =
    every type). Data that makes no credit record (registry, figures) needs a provider without a limit."""
    authorize(principal, action)
    if principal.role != "provider" or principal.record_types is None:
        return
    if not record_types or not set(record_types) <= set(principal.record_types):
        raise Forbidden("auth.record_type", "您只能报送以下信息类型：" + "、".join(principal.record_types)
                        + ("；此文件的数据不属于其中" if record_types else "；此类数据不是信用信息，不能由您报送"))


def authorize_owner(principal: Principal, action: str, owner_actor: str, hidden: NotFound) -> None:
    """The role gate, then ownership for a provider: it sees only what it submitted itself.

    Someone else's answers exactly like an unknown one (``hidden``), so existence never leaks.
    """
    authorize(principal, action)
    # the actor text ends with the user's name: the role and user id before it identify the user
    if principal.role == "provider" and not owner_actor.startswith(f"provider:{principal.user_id}:"):
        raise hidden


def authorize_region(principal: Principal, action: str, region: str | None) -> str | None:
    """The role gate, then a regulator's region: none asked means its own; a region inside its own is fine;
    a wider or another region is 403. Returns the region to use (``None`` = national)."""
    authorize(principal, action)
    asked = validate_scope(region)
    if principal.role != "regulator":
        return asked
    own = principal.region_code
    if asked is None:
        return own
    own_prefix, asked_prefix = scope_prefix(own), scope_prefix(asked)
    if own_prefix is None or (asked_prefix is not None and asked_prefix.startswith(own_prefix)):
        return asked
    raise Forbidden("auth.region", f"您的辖区是 {own}，不能查看 {asked} 范围的数据")


def listing_scope(principal: Principal, action: str) -> tuple[int | None, str | None]:
    """The role gate, then what a route listing many subjects' items may show: ``(subject_id, region_prefix)``.

    A company or worker sees only itself, a regulator its region (``None`` prefix = national), admin
    everything (``(None, None)``); a role with no subject and no region (bank, provider) lists nothing.
    """
    authorize(principal, action)
    if principal.role == "admin":
        return None, None
    if principal.role == "regulator":
        return None, scope_prefix(principal.region_code)
    if principal.role in ("company", "worker") and principal.subject_id is not None:
        return principal.subject_id, None
    raise Forbidden("auth.role", f"您的角色（{principal.role}）不能进行此操作")
