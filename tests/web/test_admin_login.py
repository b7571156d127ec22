"""The web login on both engines: the token ``users add`` printed opens a signed, HttpOnly, SameSite=Strict
session; logout, an expired session, an expired or revoked token end it at once; every form POST needs the
session's CSRF token; a company lands on /portal, staff on /admin; a role is refused what the policy refuses."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.api.regulator_helpers import (  # noqa: F401  (fixtures)
    NOW,
    World,
    api_client,
    client_fixture,
    open_candidate,
    revoke,
    world_fixture,
)
from tests.web.admin_helpers import csrf_of, login, main_text, signed_in

from jzcredit.api.app import create_app
from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.lists.models import ListEntry
from jzcredit.users.service import add_user
from jzcredit.web.auth import SESSION_COOKIE


def _at(settings: Settings, moment: datetime) -> None:
    settings.now = moment.strftime("%Y-%m-%dT%H:%M")


def _cookie_header(response: object) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(SESSION_COOKIE + "=")]
    assert found, headers
    return str(found[0])


def test_a_page_without_a_session_redirects_to_the_login_form(client: TestClient) -> None:
    answer = client.get("/admin/review", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/login?why=required&next=/admin/review"
    form = client.get(answer.headers["location"])
    assert form.status_code == 200 and "请先登录" in form.text and 'name="token"' in form.text
    assert client.post("/admin/review/1", data={"decision": "approve"}, follow_redirects=False).status_code == 303


def test_login_sets_a_signed_httponly_strict_cookie_and_the_regulator_lands_on_admin(
    client: TestClient, world: World, sessions: sessionmaker[Session]
) -> None:
    answer = login(client, world.who["regulator_city"].token or "")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin"
    cookie = _cookie_header(answer).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # http base URL
    assert (world.who["regulator_city"].token or "") not in _cookie_header(answer)
    home = client.get("/admin")
    assert home.status_code == 200
    for page in (home, TestClient(client.app).get("/admin/login")):  # never cached, never framed
        assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
        assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert "regulator_city" in home.text and "名单审核" in home.text and "370100" in home.text
    with sessions() as s:
        assert s.scalars(select(AuditEntry.actor).where(AuditEntry.action == "user.login")).all() == [
            world.who["regulator_city"].actor]


def test_the_cookie_is_secure_when_the_site_is_https(settings: Settings, world: World) -> None:
    settings.base_url = "https://credit.example.cn"
    _at(settings, NOW)
    with TestClient(create_app(settings), base_url="https://testserver") as client:  # Secure cookies go back
        answer = login(client, world.who["admin"].token or "")
        assert answer.status_code == 303
        assert "secure" in _cookie_header(answer).lower()


def test_a_bad_token_is_refused_next_to_the_field_and_sets_no_session(client: TestClient) -> None:
    answer = login(client, "jz_" + "x" * 43)
    assert answer.status_code == 401
    assert "令牌无效" in answer.text and 'class="field-error"' in answer.text
    assert SESSION_COOKIE not in client.cookies
    assert login(client, "").status_code == 422


def test_a_login_post_without_the_forms_token_is_refused(client: TestClient, world: World) -> None:
    client.get("/admin/login")
    answer = client.post("/admin/login", data={"token": world.who["admin"].token, "csrf_token": "0" * 64},
                         follow_redirects=False)
    assert answer.status_code == 403 and SESSION_COOKIE not in client.cookies
    fresh = TestClient(client.app)  # a forged post from elsewhere: no nonce cookie at all
    assert fresh.post("/admin/login", data={"token": world.who["admin"].token}).status_code == 403


def test_a_company_lands_on_the_portal_and_may_not_use_the_review_queue(client: TestClient, world: World) -> None:
    answer = login(client, world.who["company"].token or "", next_path="/admin/review")
    assert answer.status_code == 303 and answer.headers["location"] == "/portal"  # not its area
    refused = client.get("/admin/review", headers={"Accept": "text/html"})
    assert refused.status_code == 403 and "无权" in refused.text


def test_banks_and_workers_have_no_web_pages(client: TestClient, world: World) -> None:
    for who in ("bank", "worker"):
        answer = login(client, world.who[who].token or "")
        assert answer.status_code == 403 and "没有网页管理入口" in answer.text
        assert SESSION_COOKIE not in client.cookies


def test_next_is_followed_inside_the_area_only(client: TestClient, world: World) -> None:
    token = world.who["admin"].token or ""
    assert login(client, token, next_path="/admin/review").headers["location"] == "/admin/review"
    client.cookies.clear()
    assert login(client, token, next_path="//evil.example/admin").headers["location"] == "/admin"
    client.cookies.clear()
    assert login(client, token, next_path="https://evil.example/").headers["location"] == "/admin"


def test_logout_ends_the_session_and_the_old_cookie_no_longer_works(client: TestClient, world: World) -> None:
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    old = client.cookies.get(SESSION_COOKIE)
    answer = client.post("/admin/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/login?why=signed_out"
    assert client.get("/admin", follow_redirects=False).status_code == 303
    client.cookies.set(SESSION_COOKIE, old or "")  # a copy of the cookie kept from before the logout
    again = client.get("/admin", follow_redirects=False)
    assert again.status_code == 303 and "why=signed_out" in again.headers["location"]


def test_logout_needs_the_csrf_token(client: TestClient, world: World) -> None:
    signed_in(client, world.who["regulator_city"].token or "")
    assert client.post("/admin/logout", data={}, headers={"Accept": "text/html"}).status_code == 403
    assert client.get("/admin").status_code == 200  # still signed in


def test_a_revoked_token_ends_the_session_at_once(client: TestClient, world: World,
                                                  sessions: sessionmaker[Session]) -> None:
    signed_in(client, world.who["regulator_city"].token or "")
    revoke(sessions, world.who["regulator_city"].user_id, NOW)
    answer = client.get("/admin/review", follow_redirects=False)
    assert answer.status_code == 303 and "why=revoked" in answer.headers["location"]
    assert "吊销" in client.get(answer.headers["location"]).text


def test_an_expiring_token_ends_the_session_when_it_expires(settings: Settings, world: World, vault: Vault,
                                                           sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        _user, token = add_user(s, vault=vault, role="regulator", name="临时", region_code="370100", now=NOW,
                                expires_at=NOW + timedelta(hours=1))
    with api_client(settings) as client:
        signed_in(client, token)
        _at(settings, NOW + timedelta(minutes=59))
        assert client.get("/admin").status_code == 200
        _at(settings, NOW + timedelta(hours=1, minutes=1))
        answer = client.get("/admin", follow_redirects=False)
        assert answer.status_code == 303 and "why=token_expired" in answer.headers["location"]


def test_a_session_expires_after_eight_hours(settings: Settings, world: World) -> None:
    with api_client(settings) as client:
        signed_in(client, world.who["regulator_city"].token or "")
        _at(settings, NOW + timedelta(hours=7, minutes=59))
        assert client.get("/admin").status_code == 200
        _at(settings, NOW + timedelta(hours=8, minutes=1))
        answer = client.get("/admin", follow_redirects=False)
        assert answer.status_code == 303 and "why=expired" in answer.headers["location"]


def test_a_tampered_cookie_is_no_session(client: TestClient, world: World) -> None:
    signed_in(client, world.who["regulator_city"].token or "")
    value = client.cookies.get(SESSION_COOKIE) or ""
    parts = value.split(".")
    parts[1] = str(world.who["admin"].user_id)  # claim to be the admin
    client.cookies.set(SESSION_COOKIE, ".".join(parts))
    assert client.get("/admin", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("csrf", [None, "", "0" * 64, "other-session"])
def test_a_form_post_without_this_sessions_csrf_token_changes_nothing(
    client: TestClient, world: World, settings: Settings, csrf: str | None
) -> None:
    entry_id, version = open_candidate(world, "A")
    if csrf == "other-session":
        with api_client(settings) as other:
            csrf = signed_in(other, world.who["admin"].token or "")
    signed_in(client, world.who["regulator_city"].token or "")
    data = {"decision": "reject", "note": "理由", "version": str(version)}
    if csrf is not None:
        data["csrf_token"] = csrf
    answer = client.post(f"/admin/review/{entry_id}", data=data, headers={"Accept": "text/html"})
    assert answer.status_code == 403 and "CSRF" in answer.text
    with world.sessions() as s:
        entry = s.get_one(ListEntry, entry_id)
        assert entry.status == "candidate" and entry.version == version


def test_the_login_page_escapes_and_never_echoes_what_the_url_says(client: TestClient) -> None:
    page = client.get("/admin/login", params={"why": "<script>alert(1)</script>", "next": '"><script>x</script>'})
    assert page.status_code == 200
    assert "<script>" not in page.text and "alert(1)" not in main_text(page.text)
    assert csrf_of(page.text)


def test_login_attempts_from_one_address_are_rate_limited(client: TestClient, world: World) -> None:
    """The login form is a public form: the shipped ``submit`` bucket (burst 5) limits guessing from one client."""
    answers = [login(client, "jz_" + "y" * 43).status_code for _ in range(6)]
    assert answers[:5] == [401] * 5 and answers[5] == 429
    assert login(client, world.who["admin"].token or "").status_code == 429  # even a good token waits


def test_hostile_tokens_and_cookies_are_refused_not_errors(client: TestClient, world: World) -> None:
    client.get("/admin/login")
    answer = client.post("/admin/login", data={"token": "jz_令牌\u202e", "csrf_token": "令牌"}, follow_redirects=False)
    assert answer.status_code == 403 and "过期或来源不明" in answer.text
    answer = client.post("/admin/login", data={"token": "令牌", "csrf_token": csrf_of(answer.text)},
                         follow_redirects=False)
    assert answer.status_code == 401
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    assert csrf
    refused = client.post("/admin/logout", data={"csrf_token": "令牌"}, headers={"Accept": "text/html"})
    assert refused.status_code == 403
    client.cookies.clear()
    raw = f"{SESSION_COOKIE}=v1.1.0.1.99999999999.x.令牌".encode()
    assert client.get("/admin", headers={"Cookie": raw}, follow_redirects=False).status_code == 303  # type: ignore[dict-item]


def test_an_expired_or_revoked_token_cannot_log_in(client: TestClient, world: World, vault: Vault,
                                                   sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        _user, token = add_user(s, vault=vault, role="regulator", name="过期", region_code="370100",
                                now=NOW - timedelta(days=10), expires_at=NOW - timedelta(days=1))
    expired = login(client, token)
    assert expired.status_code == 401 and "令牌已过期" in expired.text
    revoke(sessions, world.who["regulator_city"].user_id, NOW - timedelta(minutes=1))
    revoked = login(client, world.who["regulator_city"].token or "")
    assert revoked.status_code == 401 and "令牌已被吊销" in revoked.text
    assert SESSION_COOKIE not in client.cookies
