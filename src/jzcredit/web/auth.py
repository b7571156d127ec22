"""The web login (登录) every signed-in page uses: a signed session cookie over the API's own token check.

How a page requires a signed-in principal — the same :class:`~jzcredit.api.policy.Principal` the API's
policy module checks, so a page calls the same policy functions as the API route it mirrors::

    from jzcredit.web.auth import WebSession, form_requires, page_requires

    @router.get("/portal")
    def portal(request: Request, web: WebSession = Depends(page_requires("notices.read"))) -> Response:
        # web.principal: the policy's principal (role gate for the action already applied);
        # scope checks as in the API: policy.authorize_subject(...), api.workflow.visible(...)
        return templates.TemplateResponse(request, "portal/home.html", web.context() | {...})

    @router.post("/portal/things/{thing_id}")
    async def act(request: Request, web: WebSession = Depends(form_requires("notices.submit"))) -> Response:
        # the form's CSRF token was checked before this runs; read the fields with ``await request.form()``,
        # or declare them as ``Form("")`` parameters of a plain ``def`` handler (web/admin.py does)
        ...

Every ``<form method="post">`` includes ``{% include "admin/_csrf.html" %}`` (the hidden ``csrf_token``);
``page_requires(None)`` / ``form_requires(None)`` ask only for a signed-in user.

Without a valid session (none, past its 8 hours, signed out, or its token revoked or expired since) a page —
GET or POST — answers 303 to ``/admin/login?next=…`` and does nothing. A role the action is not for gets
the policy's 403 page. After login a company user lands on ``/portal``, staff on ``/admin``
(:data:`LANDING`).

The cookie (``jz_session``: HttpOnly, SameSite=Strict, Secure when ``JZCREDIT_BASE_URL`` is https) holds the
user id, a sign-out generation, issue and expiry times and a random nonce, signed with a key derived from
the platform secret; the signature also covers the user's token hash. Nothing is stored server-side
except the generation, which logout bumps (every session of that user ends). docs/decisions.md says why.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from jzcredit.api.deps import clock, principal_of, settings_of, vault
from jzcredit.api.policy import Principal, authorize
from jzcredit.common import audit
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.errors import Forbidden, Unauthorized
from jzcredit.users import service as users
from jzcredit.users.models import User
from jzcredit.web import templates
from jzcredit.web.admin_nav import sections_for

SESSION_COOKIE = "jz_session"
LOGIN_COOKIE = "jz_login"  # the login form's own CSRF nonce (there is no session yet)
SESSION_SECONDS = 8 * 3600
LOGIN_FORM_SECONDS = 3600
LOGIN_PATH = "/admin/login"
LOGOUT_PATH = "/admin/logout"
MAX_TOKEN_LENGTH = 200
# signed-in pages and the login form: never cached, never framed by another site (clickjacking a form)
PRIVATE_PAGE_HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                        "Content-Security-Policy": "frame-ancestors 'none'"}
GENERATION_KEY = "web_session_generation"  # in users.extra: logout bumps it, ending every older session

# where each role lands after login; a role not named has no web pages (it uses the API)
LANDING = {"admin": "/admin", "regulator": "/admin", "provider": "/admin", "company": "/portal"}

# why the login page is shown again (a fixed set: nothing from the URL is echoed)
WHY = {
    "required": "请先登录。",
    "expired": "登录已超时，请重新登录。",
    "signed_out": "您已退出登录。",
    "revoked": "您的令牌已被吊销，登录已失效。请向平台管理员申请新令牌。",
    "token_expired": "您的令牌已过期，登录已失效。请向平台管理员申请新令牌。",
}
_REASONS = {"auth.revoked_token": "revoked", "auth.expired_token": "token_expired"}
_SAFE_NEXT = re.compile(r"/(admin|portal)(/[A-Za-z0-9_\-./]*)?(\?[A-Za-z0-9_=&%\-.]*)?")


@dataclass(frozen=True)
class WebSession:
    """A signed-in user on the web: the policy's principal and the CSRF token its forms carry."""

    principal: Principal
    csrf_token: str

    def context(self) -> dict[str, Any]:
        """What every signed-in template needs (the nav, the logout form, the CSRF field)."""
        return {"principal": self.principal, "csrf_token": self.csrf_token, "logout_path": LOGOUT_PATH,
                "role_label": users.ROLE_LABELS.get(self.principal.role, self.principal.role),
                "sections": sections_for(self.principal)}


class LoginRequired(StarletteHTTPException):
    """303 to the login page (rendered by the one error handler, which passes the headers on)."""

    def __init__(self, request: Request, why: str, *, clear_cookie: bool) -> None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location = f"{LOGIN_PATH}?why={why}"
        if _SAFE_NEXT.fullmatch(target) and request.method == "GET":
            location += "&next=" + quote(target, safe="/")
        headers = {"Location": location, "Cache-Control": "no-store"}
        if clear_cookie:
            headers["Set-Cookie"] = f"{SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict"
        super().__init__(status_code=303, headers=headers)


# --- the session cookie ---------------------------------------------------------------------------


def _generation(user: User) -> int:
    value = (user.extra or {}).get(GENERATION_KEY, 0)
    return value if isinstance(value, int) else 0


def _signed(keys: Vault, fields: list[str], user: User) -> str:
    return keys.session_mac("session|v1|" + "|".join(fields) + "|" + user.token_hash)


def session_cookie_value(keys: Vault, user: User, now: datetime) -> str:
    """``v1.<user>.<generation>.<issued>.<expires>.<nonce>.<mac>`` — the session is never longer than the token."""
    issued = int(now.timestamp())
    expires = issued + SESSION_SECONDS
    if user.expires_at is not None:
        expires = min(expires, int(user.expires_at.timestamp()))
    fields = [str(user.id), str(_generation(user)), str(issued), str(expires), secrets.token_urlsafe(16)]
    return ".".join(["v1", *fields, _signed(keys, fields, user)])


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison that also takes any text a client sends (str comparison refuses non-ASCII)."""
    return secrets.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def _csrf_for(keys: Vault, nonce: str) -> str:
    return keys.session_mac("csrf|" + nonce)


def _read_session(request: Request, keys: Vault, now: datetime) -> WebSession | str:
    """The session, or why there is none (a :data:`WHY` key)."""
    raw = request.cookies.get(SESSION_COOKIE, "")
    parts = raw.split(".")
    if len(parts) != 7 or parts[0] != "v1" or not all(p.isdigit() for p in parts[1:5]):
        return "required"
    fields, mac = parts[1:6], parts[6]
    user_id, generation, _issued, expires = (int(p) for p in fields[:4])
    with request.app.state.sessions() as session:
        user = session.get(User, user_id)
        if user is None or not _same(mac, _signed(keys, fields, user)):
            return "required"
        if generation != _generation(user):
            return "signed_out"
        try:
            users.active_user(session, user_id=user_id, now=now)
        except Unauthorized as exc:
            return _REASONS.get(exc.code, "required")
        if now.timestamp() >= expires:
            return "expired"
        return WebSession(principal=principal_of(user), csrf_token=_csrf_for(keys, fields[4]))


def current_web_session(request: Request, keys: Vault = Depends(vault),
                        now: datetime = Depends(clock)) -> WebSession | None:
    """The signed-in user, or ``None`` (a page that also serves the public may use this one)."""
    found = _read_session(request, keys, now)
    return found if isinstance(found, WebSession) else None


def signed_in(request: Request, keys: Vault = Depends(vault), now: datetime = Depends(clock)) -> WebSession:
    """The signed-in user; otherwise 303 to the login page (a stale cookie is cleared on the way)."""
    found = _read_session(request, keys, now)
    if isinstance(found, WebSession):
        return found
    raise LoginRequired(request, found, clear_cookie=SESSION_COOKIE in request.cookies)


def page_requires(action: str | None) -> Callable[..., WebSession]:
    """A page dependency: signed in, then the policy's role gate for ``action`` (``None``: any role)."""

    def dependency(request: Request, web: WebSession = Depends(signed_in)) -> WebSession:
        if action is not None:
            authorize(web.principal, action)
            request.state.action = action
        return web

    return dependency


def form_requires(action: str | None) -> Callable[..., Awaitable[WebSession]]:
    """A form POST dependency: signed in, the form's ``csrf_token`` is this session's, then the role gate."""

    async def dependency(request: Request, web: WebSession = Depends(signed_in)) -> WebSession:
        form = await request.form()
        sent = form.get("csrf_token")
        if not isinstance(sent, str) or not _same(sent, web.csrf_token):
            raise Forbidden("auth.csrf", "表单已失效或来源不明（缺少有效的 CSRF 令牌）：请刷新页面后重新提交")
        if action is not None:
            authorize(web.principal, action)
            request.state.action = action
        return web

    return dependency


def _secure(settings: Settings) -> bool:
    return settings.base_url.lower().startswith("https://")


# --- login and logout -------------------------------------------------------------------------------

router = APIRouter(include_in_schema=False)


def _safe_next(next_path: str | None, landing: str) -> str:
    """Only a path inside the role's own area (no other host, no scheme)."""
    if next_path and _SAFE_NEXT.fullmatch(next_path) and next_path.startswith(landing.rstrip("/") or "/"):
        return next_path
    return landing


def _login_page(request: Request, *, settings: Settings, keys: Vault, status: int = 200, why: str | None = None,
                error: str | None = None, next_path: str = "") -> Response:
    nonce = secrets.token_urlsafe(16)
    context = {"why": WHY.get(why or ""), "error": error, "csrf_token": _csrf_for(keys, "login|" + nonce),
               "next": next_path if _SAFE_NEXT.fullmatch(next_path or "") else "", "max_token": MAX_TOKEN_LENGTH}
    response = templates.TemplateResponse(request, "admin/login.html", context, status_code=status,
                                          headers=PRIVATE_PAGE_HEADERS)
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=LOGIN_FORM_SECONDS, path=LOGIN_PATH, httponly=True,
                        samesite="strict", secure=_secure(settings))
    return response


@router.get(LOGIN_PATH)
def login_form(request: Request, why: str | None = None, next: str | None = None,
               web: WebSession | None = Depends(current_web_session), settings: Settings = Depends(settings_of),
               keys: Vault = Depends(vault)) -> Response:
    """登录: the token ``jzcredit users add`` printed; a signed-in user goes straight to its pages."""
    if web is not None and web.principal.role in LANDING:
        return RedirectResponse(_safe_next(next, LANDING[web.principal.role]), status_code=303)
    return _login_page(request, settings=settings, keys=keys, why=why, next_path=next or "")


@router.post(LOGIN_PATH)
def login(request: Request, token: str = Form("", max_length=MAX_TOKEN_LENGTH),
          csrf_token: str = Form("", max_length=200), next: str = Form("", max_length=500),
          settings: Settings = Depends(settings_of), keys: Vault = Depends(vault),
          now: datetime = Depends(clock)) -> Response:
    """Check the token as the API does; set the session cookie and go to the role's pages."""

    def again(status: int, error: str) -> Response:
        return _login_page(request, settings=settings, keys=keys, status=status, error=error, next_path=next)

    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not _same(csrf_token, _csrf_for(keys, "login|" + nonce)):
        return again(403, "登录页面已过期或来源不明，请重新输入令牌后登录。")
    if not token.strip():
        return again(422, "请输入令牌。")
    with request.app.state.sessions() as session, session.begin():
        try:
            user = users.authenticate(session, vault=keys, token=token.strip(), now=now)
        except Unauthorized as exc:
            return again(401, exc.detail.replace("请在 Authorization 头中提供 Bearer 令牌", "请检查输入的令牌"))
        landing = LANDING.get(user.role)
        if landing is None:
            label = users.ROLE_LABELS.get(user.role, user.role)
            return again(403, f"{label}账号没有网页管理入口，请在接口中使用令牌（Authorization: Bearer）。")
        principal = principal_of(user)
        audit.append(session, actor=principal.actor, action="user.login", obj=f"user:{user.id}", now=now,
                     detail={"via": "web"})
        cookie = session_cookie_value(keys, user, now)
    response = RedirectResponse(_safe_next(next, landing), status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, path="/", httponly=True,
                        samesite="strict", secure=_secure(settings))
    response.delete_cookie(LOGIN_COOKIE, path=LOGIN_PATH, httponly=True, samesite="strict")
    return response


@router.post(LOGOUT_PATH)
def logout(request: Request, web: WebSession = Depends(form_requires(None)),
           now: datetime = Depends(clock)) -> Response:
    """退出登录: every session of this user ends (the generation in the signature moves on)."""
    with request.app.state.sessions() as session, session.begin():
        user = session.get(User, web.principal.user_id)
        if user is not None:
            user.extra = {**(user.extra or {}), GENERATION_KEY: _generation(user) + 1}
            audit.append(session, actor=web.principal.actor, action="user.logout", obj=f"user:{user.id}", now=now,
                         detail={"via": "web"})
    response = RedirectResponse(f"{LOGIN_PATH}?why=signed_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
