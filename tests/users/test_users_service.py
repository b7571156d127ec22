"""Users and tokens: validation per role, token shown once and stored hashed, audited creation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.common import audit
from jzcredit.common.crypto import Vault
from jzcredit.errors import Invalid, NotFound, Unauthorized
from jzcredit.registry.models import Subject
from jzcredit.users import service as users_service
from jzcredit.users.models import User

NOW = datetime(2026, 6, 30, 2, 0, tzinfo=UTC)


def _subject(session: Session, kind: str) -> int:
    subject = Subject(kind=kind, created_at=NOW)
    session.add(subject)
    session.flush()
    return subject.id


def test_add_user_returns_token_once_and_stores_only_its_hash(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        user, token = users_service.add_user(s, vault=vault, role="admin", name=" 平台  管理员 ", now=NOW)
    assert token.startswith("jz_") and len(token) >= 40
    with sessions() as s:
        stored = s.execute(select(User)).scalar_one()
        assert stored.id == user.id and stored.name == "平台 管理员"
        assert stored.token_hash == vault.token_hash(token) and token not in stored.token_hash
        entries = s.execute(select(audit.AuditEntry)).scalars().all()
        assert [(e.action, e.object) for e in entries] == [("user.create", f"user:{user.id}")]
        assert token not in entries[0].detail and stored.token_hash not in entries[0].detail
        assert audit.verify(s).ok


def test_authenticate_accepts_the_token_and_refuses_others(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        user, token = users_service.add_user(s, vault=vault, role="bank", name="某银行", now=NOW)
    with sessions() as s:
        assert users_service.authenticate(s, vault=vault, token=token, now=NOW).id == user.id
        for bad in ("", "Bearer " + token, token + "x", users_service.new_token()):
            with pytest.raises(Unauthorized):
                users_service.authenticate(s, vault=vault, token=bad, now=NOW)


def test_revoked_token_is_refused(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        user, token = users_service.add_user(s, vault=vault, role="admin", name="管理员", now=NOW)
        user.revoked_at = NOW + timedelta(hours=1)
    with sessions() as s:
        assert users_service.authenticate(s, vault=vault, token=token, now=NOW).id == user.id
        with pytest.raises(Unauthorized) as caught:
            users_service.authenticate(s, vault=vault, token=token, now=NOW + timedelta(hours=2))
        assert caught.value.code == "auth.revoked_token"


@pytest.mark.parametrize("region", ["000000", "370000", "370100", "370102"])
def test_regulator_takes_a_region_scope(sessions: sessionmaker[Session], vault: Vault, region: str) -> None:
    with sessions() as s, s.begin():
        user, _ = users_service.add_user(s, vault=vault, role="regulator", name="监管", region_code=region, now=NOW)
        assert user.region_code == region


@pytest.mark.parametrize(
    ("role", "region", "code"),
    [
        ("regulator", None, "user.region_required"),
        ("regulator", "37010", "user.region_invalid"),
        ("regulator", "990000", "user.region_invalid"),
        ("regulator", "37010A", "user.region_invalid"),
        ("admin", "370100", "user.region_unexpected"),
        ("superuser", None, "user.role_unknown"),
        ("company", None, "user.subject_required"),
        ("worker", None, "user.subject_required"),
    ],
)
def test_invalid_users_are_refused_with_a_reason(
    sessions: sessionmaker[Session], vault: Vault, role: str, region: str | None, code: str
) -> None:
    with sessions() as s, s.begin():
        with pytest.raises(Invalid) as caught:
            users_service.add_user(s, vault=vault, role=role, name="某人", region_code=region, now=NOW)
        assert caught.value.code == code
        assert "\n" not in caught.value.detail
        assert s.execute(select(User)).first() is None


def test_company_and_worker_users_need_a_subject_of_their_kind(
    sessions: sessionmaker[Session], vault: Vault
) -> None:
    with sessions() as s, s.begin():
        company, worker = _subject(s, "company"), _subject(s, "worker")
        user, _ = users_service.add_user(s, vault=vault, role="company", name="企业", subject_id=company, now=NOW)
        assert user.subject_id == company
        with pytest.raises(Invalid, match="家政企业"):
            users_service.add_user(s, vault=vault, role="company", name="企业", subject_id=worker, now=NOW)
        with pytest.raises(NotFound):
            users_service.add_user(s, vault=vault, role="worker", name="服务员", subject_id=worker + 99, now=NOW)
        with pytest.raises(Invalid):
            users_service.add_user(s, vault=vault, role="bank", name="银行", subject_id=company, now=NOW)


def test_provider_record_types_are_checked(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        user, _ = users_service.add_user(s, vault=vault, role="provider", name="市场监管局", now=NOW,
                                         record_types=["penalty", "license", "penalty"])
        assert user.record_types == ["license", "penalty"]
        with pytest.raises(Invalid, match="未知的信息类型"):
            users_service.add_user(s, vault=vault, role="provider", name="x", record_types=["bogus"], now=NOW)
        with pytest.raises(Invalid):
            users_service.add_user(s, vault=vault, role="admin", name="x", record_types=["penalty"], now=NOW)


def test_token_works_until_its_expiry_and_not_a_moment_after(sessions: sessionmaker[Session], vault: Vault) -> None:
    expires = NOW + timedelta(days=30)
    with sessions() as s, s.begin():
        user, token = users_service.add_user(s, vault=vault, role="bank", name="济南银行", now=NOW, expires_at=expires)
    with sessions() as s:
        assert users_service.authenticate(s, vault=vault, token=token, now=expires - timedelta(seconds=1)).id == user.id
        with pytest.raises(Unauthorized) as exc:
            users_service.authenticate(s, vault=vault, token=token, now=expires)
        assert exc.value.code == "auth.expired_token"
        entry = s.execute(select(audit.AuditEntry)).scalar_one()
        assert expires.isoformat() in entry.detail


def test_expiry_in_the_past_is_refused_and_nothing_is_created(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin(), pytest.raises(Invalid) as exc:
        users_service.add_user(s, vault=vault, role="admin", name="管理员", now=NOW, expires_at=NOW)
    assert exc.value.code == "user.expiry_past"
    with sessions() as s:
        assert s.execute(select(User)).first() is None


def test_revoke_user_refuses_the_token_at_once_audited_and_only_once(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        user, token = users_service.add_user(s, vault=vault, role="admin", name="管理员", now=NOW)
    later = NOW + timedelta(hours=1)
    with sessions() as s, s.begin():
        users_service.revoke_user(s, user_id=user.id, now=later, actor="admin:1:平台")
    with sessions() as s:
        assert users_service.authenticate(s, vault=vault, token=token, now=later - timedelta(seconds=1)).id == user.id
        with pytest.raises(Unauthorized) as exc:
            users_service.authenticate(s, vault=vault, token=token, now=later)
        assert exc.value.code == "auth.revoked_token"
        actions = list(s.scalars(select(audit.AuditEntry.action).order_by(audit.AuditEntry.id)))
        assert actions == ["user.create", "user.revoke"]
    with sessions() as s, s.begin(), pytest.raises(Invalid) as again:
        users_service.revoke_user(s, user_id=user.id, now=later, actor="admin:1:平台")
    assert again.value.code == "user.already_revoked"
    with sessions() as s, s.begin(), pytest.raises(NotFound):
        users_service.revoke_user(s, user_id=user.id + 100, now=later)
