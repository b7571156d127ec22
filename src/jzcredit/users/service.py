"""Users and bearer tokens: create a user (the token is shown once, only its keyed hash is kept) and authenticate.

Role scopes (spec 02, "Users, roles, scopes"): a ``regulator`` sees subjects inside
its ``region_code`` (``000000`` national, ``370000`` a province, ``370100`` a city);
a ``company`` or ``worker`` user acts for exactly one subject; a ``provider`` may
submit batches for the named record types (none named = every type).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.common.crypto import Vault
from jzcredit.common.ids import PROVINCES
from jzcredit.errors import Invalid, NotFound, Unauthorized
from jzcredit.records.models import TYPES as RECORD_TYPES
from jzcredit.registry.models import Subject
from jzcredit.users.models import ROLES, User

TOKEN_PREFIX = "jz_"
NATIONAL_REGION = "000000"
SUBJECT_ROLES = ("company", "worker")
MAX_NAME_LENGTH = 200
_REGION_SHAPE = re.compile(r"[0-9]{6}")

ROLE_LABELS = {
    "admin": "管理员",
    "regulator": "监管部门",
    "company": "家政企业",
    "worker": "家政服务员",
    "bank": "银行",
    "provider": "数据报送单位",
}


def new_token() -> str:
    """A bearer token: ``jz_`` + 256 random bits (URL-safe base64)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def validate_region_code(region_code: str | None) -> str:
    """A regulator's scope: ``000000`` or a 6-digit GB/T 2260 code of a known province."""
    code = (region_code or "").strip()
    if not code:
        raise Invalid("user.region_required", "监管部门用户需要 6 位行政区划代码（--region），如 370100（济南市）、"
                      "370000（山东省）或 000000（全国）")
    if not _REGION_SHAPE.fullmatch(code) or (code != NATIONAL_REGION and code[:2] not in PROVINCES):
        raise Invalid("user.region_invalid", f"行政区划代码 {code!r} 无效：应为 6 位数字，如 370100、370000 或 000000")
    return code


def _validate_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise Invalid("user.name_required", "用户名称不能为空（--name）")
    if len(clean) > MAX_NAME_LENGTH:
        raise Invalid("user.name_too_long", f"用户名称过长：最多 {MAX_NAME_LENGTH} 个字符")
    return clean


def _validate_record_types(role: str, record_types: list[str] | None) -> list[str] | None:
    if not record_types:
        return None
    if role != "provider":
        raise Invalid("user.record_types_unexpected", "只有数据报送单位（provider）可以限定报送的信息类型")
    unknown = sorted(set(record_types) - set(RECORD_TYPES))
    if unknown:
        raise Invalid("user.record_type_unknown",
                      f"未知的信息类型 {', '.join(unknown)}：可选 {', '.join(RECORD_TYPES)}")
    return sorted(set(record_types))


def _validate_subject(session: Session, role: str, subject_id: int | None) -> int | None:
    if role not in SUBJECT_ROLES:
        if subject_id is not None:
            raise Invalid("user.subject_unexpected", f"{ROLE_LABELS[role]}用户不对应某个信用主体，请去掉 --subject")
        return None
    if subject_id is None:
        raise Invalid("user.subject_required",
                      f"{ROLE_LABELS[role]}用户需要指定主体（--subject：统一社会信用代码、服务员码或身份证号）")
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise NotFound("user.subject_not_found", f"信用主体 {subject_id} 不存在")
    if subject.kind != role:
        label = ROLE_LABELS[role]
        raise Invalid("user.subject_kind", f"{label}用户只能对应{label}，该主体是 {subject.kind}")
    return subject_id


def add_user(
    session: Session,
    *,
    vault: Vault,
    role: str,
    name: str,
    now: datetime,
    region_code: str | None = None,
    subject_id: int | None = None,
    record_types: list[str] | None = None,
    expires_at: datetime | None = None,
    actor: str = "system",
) -> tuple[User, str]:
    """Create a user and return it with its clear token, which is never stored nor shown again.

    ``expires_at``: the token stops working at that moment (none: it works until revoked)."""
    if role not in ROLES:
        raise Invalid("user.role_unknown", f"未知角色 {role!r}：可选 {', '.join(ROLES)}")
    clean_name = _validate_name(name)
    if role == "regulator":
        region = validate_region_code(region_code)
    elif region_code:
        raise Invalid("user.region_unexpected", "只有监管部门（regulator）用户有辖区，请去掉 --region")
    else:
        region = None
    subject = _validate_subject(session, role, subject_id)
    types = _validate_record_types(role, record_types)
    if expires_at is not None and expires_at <= now:
        raise Invalid("user.expiry_past", f"令牌有效期 {expires_at:%Y-%m-%d %H:%M} 已过：请给出今后的日期")
    token = new_token()
    user = User(name=clean_name, role=role, region_code=region, subject_id=subject, record_types=types,
                token_hash=vault.token_hash(token), created_at=now, expires_at=expires_at)
    session.add(user)
    session.flush()
    # the token (and its hash) stay out of the audit detail
    audit.append(session, actor=actor, action="user.create", obj=f"user:{user.id}", now=now,
                 detail={"role": role, "name": clean_name, "region_code": region, "subject_id": subject,
                         "record_types": types, "expires_at": expires_at.isoformat() if expires_at else None})
    return user, token


def revoke_user(session: Session, *, user_id: int, now: datetime, actor: str = "system") -> User:
    """Revoke a user's token at once (every later request with it is 401); revoking twice is refused."""
    user = get_user(session, user_id=user_id)
    if user.revoked_at is not None:
        raise Invalid("user.already_revoked", f"用户 {user_id} 的令牌已于 {user.revoked_at:%Y-%m-%d %H:%M} 吊销")
    user.revoked_at = now
    audit.append(session, actor=actor, action="user.revoke", obj=f"user:{user.id}", now=now,
                 detail={"role": user.role, "name": user.name})
    return user


def authenticate(session: Session, *, vault: Vault, token: str, now: datetime) -> User:
    """The active user holding ``token``; :class:`Unauthorized` for a missing, unknown or revoked token."""
    if not token or not token.startswith(TOKEN_PREFIX):
        raise Unauthorized("auth.invalid_token", "令牌无效：请在 Authorization 头中提供 Bearer 令牌")
    user = session.execute(select(User).where(User.token_hash == vault.token_hash(token))).scalar_one_or_none()
    if user is None:
        raise Unauthorized("auth.invalid_token", "令牌无效：请检查令牌是否完整，或向管理员申请新令牌")
    return _check_active(user, now)


def _check_active(user: User, now: datetime) -> User:
    if user.revoked_at is not None and user.revoked_at <= now:
        raise Unauthorized("auth.revoked_token", "令牌已被吊销：请向管理员申请新令牌")
    if user.expires_at is not None and user.expires_at <= now:
        raise Unauthorized("auth.expired_token", "令牌已过期：请向管理员申请新令牌")
    return user


def active_user(session: Session, *, user_id: int, now: datetime) -> User:
    """The user a web session was opened for, checked as :func:`authenticate` checks a token, on every request:
    a revoked or expired token ends the session at once."""
    user = session.get(User, user_id)
    if user is None:
        raise Unauthorized("auth.invalid_token", "登录已失效：请重新登录")
    return _check_active(user, now)


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user.not_found", f"用户 {user_id} 不存在")
    return user
