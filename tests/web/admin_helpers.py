"""Signing in to the web pages from a TestClient: the login form's CSRF token, the session cookie, and the
CSRF token a signed-in page's forms carry."""

from __future__ import annotations

import re

import httpx
from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: TestClient, token: str, *, next_path: str = "") -> httpx.Response:
    """Open the login form (it sets its own nonce cookie) and post the token; the redirect is not followed."""
    form = client.get("/admin/login")
    assert form.status_code == 200
    return client.post("/admin/login", data={"token": token, "csrf_token": csrf_of(form.text), "next": next_path},
                       follow_redirects=False)


def signed_in(client: TestClient, token: str) -> str:
    """Log in and return the CSRF token of the signed-in forms."""
    answer = login(client, token)
    assert answer.status_code == 303, answer.text
    page = client.get("/admin")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def main_text(html: str) -> str:
    """The page's main content without tags (what a person reads)."""
    body = html.split("<main", 1)[-1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
