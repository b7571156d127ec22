"""Browser tests (spec §5.4): the real app served by uvicorn on loopback over ``make run``'s demo, driven by
Playwright in Debian's Chromium — never a downloaded browser.

``JZCREDIT_TEST_CHROMIUM`` names another Chromium binary. Without one the browser tests skip with the
reason (a laptop without Chromium); ``JZCREDIT_TEST_REQUIRE_BROWSER=1`` (set by ``.ci/run``) makes a missing
browser a failure instead, so CI never skips them.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import yaml
from benchmarks import serving
from tests.demo_db import demo_database

from jzcredit.api.app import create_app
from jzcredit.config import Settings

DEBIAN_CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 375, "height": 812}


def chromium_path() -> Path | None:
    path = Path(os.environ.get("JZCREDIT_TEST_CHROMIUM", DEBIAN_CHROMIUM))
    if path.exists():
        return path
    reason = f"browser tests need Debian's Chromium at {path} (apt install chromium)"
    if os.environ.get("JZCREDIT_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)
    return None


@dataclass
class LiveServer:
    base_url: str
    database_url: str
    settings: Settings
    app: Any

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_demo_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``make run``'s demo (init, demo, evaluate, lists propose) on each engine."""
    yield from demo_database(request, tmp_path_factory, name="web", companies=10, workers=50)


def serve_in_thread(app: Any, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(uvicorn.Config(app, host=serving.HOST, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    return server, thread


@pytest.fixture(scope="module")
def live_server(web_demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app as ``jzcredit serve`` runs it, rate limits off (one browser is every client here)."""
    folder = tmp_path_factory.mktemp("web-config")
    config = folder / "web.yml"
    config.write_text(yaml.safe_dump({"api": {"rate_limits": {"enabled": False}}}), encoding="utf-8")
    port = serving.free_port()
    base_url = f"http://{serving.HOST}:{port}"
    settings = Settings(database_url=web_demo_url, secret_key=serving.SECRET, config=config,  # type: ignore[arg-type]
                        key_file=folder / "jzcredit.key", base_url=base_url)
    app = create_app(settings)
    server, thread = serve_in_thread(app, port)
    try:
        yield LiveServer(base_url, web_demo_url, settings, app)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
        browser = playwright.chromium.launch(executable_path=str(path), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A phone: 375 px wide, Chinese locale."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
    try:
        yield context.new_page()
    finally:
        context.close()


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than its viewport (0: no horizontal scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
