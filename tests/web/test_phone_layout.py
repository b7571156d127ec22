"""Spec §5.4 / issue 6: every public page renders on a 375 px wide phone without horizontal scrolling.

The pages are enumerated from the app's routes (as the privacy crawler does), so a page added later is
checked too — or the test fails asking for real keys for its path. Each page is opened in Debian's
Chromium with a real key from the demo and with an unknown one (the Chinese error page must fit too).
Signed-in pages (``/admin``, ``/portal``) are checked by their own browser tests.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select
from tests.public.test_privacy_crawler import public_get_routes
from tests.web.conftest import LiveServer, horizontal_overflow

from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.registry.models import Company, WorkerCode

SIGNED_IN = ("/admin", "/portal")
DOWNLOADS = (".pdf",)
UNKNOWN = {"worker_code": "JZ0000000000", "uscc": "91370100MA00000000", "tracking_code": "TS000000000000"}


def _keys(live_server: LiveServer) -> dict[str, str]:
    engine = make_engine(live_server.database_url)
    try:
        with make_sessionmaker(engine)() as s:
            code = s.scalars(select(WorkerCode.code).where(WorkerCode.status == "active").limit(1)).one()
            company = s.scalars(select(Company).order_by(Company.subject_id).limit(1)).one()
            uscc, name = company.uscc, company.name
    finally:
        engine.dispose()
    filed = httpx.post(live_server.url("/api/v1/public/complaints"), json={
        "company_uscc": uscc, "category": "damage", "description": "上门服务时打碎了花瓶，要求赔偿。" * 3,
        "contact_phone": "13912345678"})
    assert filed.status_code == 201, filed.text
    return {"worker_code": code, "uscc": uscc, "tracking_code": filed.json()["tracking_code"],
            "list_name": "black", "q": name[:4]}


def _fill(path: str, keys: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in keys:
            pytest.fail(f"the phone-layout test does not know what to put in {{{name}}} of {path}: add a demo key")
        return quote(keys[name], safe="")
    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def page_urls(live_server: LiveServer) -> list[str]:
    keys = _keys(live_server)
    urls: list[str] = []
    for route in public_get_routes(live_server.app):
        if not route.is_page or route.path.startswith(SIGNED_IN) or route.path.startswith("/static"):
            continue
        if route.path.endswith(DOWNLOADS):
            continue  # a download, not a page (Chromium saves it): tests/web/test_documents.py opens it
        urls.append(_fill(route.path, keys))
        if "q" in route.query:
            urls.append(_fill(route.path, keys) + "?q=" + quote(keys["q"]))
        if set(route.path_params) & set(UNKNOWN):
            urls.append(_fill(route.path, {**keys, **UNKNOWN}))
    return urls


def test_every_public_page_fits_a_375px_phone(live_server: LiveServer, page: Any) -> None:
    urls = page_urls(live_server)
    assert "/" in urls
    too_wide: list[str] = []
    shown = 0
    for url in urls:
        response = page.goto(live_server.url(url))
        assert response is not None and response.status < 500, f"{url}: {response and response.status}"
        if not (response.headers.get("content-type") or "").startswith("text/html"):
            continue  # an image or a PDF, not a page
        shown += 1
        if (extra := horizontal_overflow(page)) > 0:
            too_wide.append(f"{url}: {extra} px too wide")
    assert shown >= 1
    assert not too_wide, "pages wider than a 375 px phone:\n" + "\n".join(too_wide)
