"""Signing in through the web login as a browser does (the login form's CSRF nonce, then the session cookie),
for TestClient tests of the signed-in pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, token: str) -> None:
    """Log in with a ``users add`` token (whoever was signed in before is forgotten); the client keeps the
    session cookie."""
    client.cookies.clear()
    form = client.get("/admin/login")
    answer = client.post("/admin/login", data={"token": token, "csrf_token": csrf_of(form.text), "next": ""},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
