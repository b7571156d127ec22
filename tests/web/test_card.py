"""The worker's card in Debian's Chromium on a 375 px phone (spec §5.4), over ``make run``'s demo on each engine:
the start page's search with a worker code → the card page; the scanning flow — the printable card
``/card/{code}.png``, its QR code read by the real zbar decoder → the URL → opened in the browser → 有效; the
code re-issued → the same printed card's URL → 已撤销; a tampered token → 伪造; the QR code shown on the card
page itself scans to the card too; and no card page scrolls sideways.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from benchmarks import serving
from sqlalchemy import select
from tests.web.conftest import LiveServer, horizontal_overflow

from jzcredit.cards import service as card_service
from jzcredit.common.clock import current_time
from jzcredit.common.crypto import Vault
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.evaluation.rulesets import load_models
from jzcredit.registry import service as registry
from jzcredit.registry.models import WorkerCode


@dataclass(frozen=True)
class Holder:
    code: str
    worker_id: int


def zbar(path: Path) -> list[str]:
    binary = shutil.which("zbarimg")
    if binary is None:
        pytest.fail("zbarimg is missing: install Debian's zbar-tools (.ci/run installs it)")
    found = subprocess.run([binary, "--raw", "-q", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert found.returncode == 0, f"zbarimg found no code in {path.name}: {found.stderr}"
    return found.stdout.splitlines()


@pytest.fixture(scope="module")
def holders(live_server: LiveServer) -> list[Holder]:
    """Demo workers whose card is valid today (identity verified, consent, a health check in force)."""
    engine = make_engine(live_server.database_url)
    vault, now, models = Vault(serving.SECRET.encode()), current_time(None), load_models(live_server.settings.config)
    try:
        with make_sessionmaker(engine)() as s:
            found = []
            for code, worker_id in s.execute(select(WorkerCode.code, WorkerCode.worker_id)
                                             .where(WorkerCode.status == "active").order_by(WorkerCode.id)):
                verdict = card_service.check_card(s, vault=vault, worker_code=code, token=None, now=now,
                                                  models=models)[1]
                if verdict.status == "valid":
                    found.append(Holder(code, worker_id))
    finally:
        engine.dispose()
    assert len(found) >= 2, "the demo has fewer than two workers with a valid card"
    return found


def banner(page: Any) -> tuple[str, str]:
    element = page.locator(".wcard-banner")
    return str(element.get_attribute("data-status")), str(page.locator("#wcard-status").inner_text())


def test_searching_a_worker_code_on_the_start_page_opens_the_card(live_server: LiveServer, holders: list[Holder],
                                                                  page: Any) -> None:
    page.goto(live_server.url("/"))
    page.fill("#q", holders[0].code.lower())  # as someone types it off the card
    page.locator("form.search button[type=submit]").click()
    page.wait_for_url(f"**/w/{holders[0].code}")
    assert banner(page) == ("valid", "有效")
    assert page.locator(".wcard-body").is_visible() and holders[0].code in page.inner_text(".wcard-body")
    assert "按服务员码查询的实时状态" in page.inner_text(".wcard-banner")
    assert horizontal_overflow(page) == 0


def test_scanning_the_printed_card_shows_valid_then_revoked_after_reissue(live_server: LiveServer,
                                                                           holders: list[Holder], page: Any,
                                                                           tmp_path: Path) -> None:
    holder = holders[1]
    printed = page.request.get(live_server.url(f"/card/{holder.code}.png"))
    assert printed.status == 200 and printed.headers["content-type"] == "image/png"
    card_png = tmp_path / "card.png"
    card_png.write_bytes(printed.body())
    [url] = zbar(card_png)
    assert url.startswith(f"{live_server.base_url}/w/{holder.code}?t=")
    response = page.goto(url)
    assert response is not None and response.status == 200
    assert banner(page) == ("valid", "有效")
    assert "卡片签发" in page.inner_text(".wcard-banner")
    assert horizontal_overflow(page) == 0

    # the worker gets a new code: the printed card's URL now says revoked, at once and prominently
    engine = make_engine(live_server.database_url)
    try:
        with make_sessionmaker(engine)() as s, s.begin():
            new_code = registry.reissue_worker_code(s, worker_id=holder.worker_id,
                                                    now=current_time(None) - timedelta(minutes=1))
    finally:
        engine.dispose()
    page.goto(url)
    assert banner(page) == ("revoked", "已撤销")
    shown = page.locator(".wcard-banner")
    assert shown.is_visible() and shown.bounding_box()["y"] < 200  # at the top of the phone's screen
    assert "这张卡不再有效" in shown.inner_text()
    assert horizontal_overflow(page) == 0
    page.goto(live_server.url(f"/w/{new_code}"))
    assert banner(page)[0] == "valid"


def test_a_tampered_token_shows_forged(live_server: LiveServer, holders: list[Holder], page: Any,
                                       tmp_path: Path) -> None:
    holder = holders[0]
    png = tmp_path / "card.png"
    png.write_bytes(page.request.get(live_server.url(f"/card/{holder.code}.png")).body())
    [url] = zbar(png)
    last = url[-1]
    page.goto(url[:-1] + ("0" if last != "0" else "1"))
    assert banner(page) == ("forged", "伪造或被篡改")
    assert "防伪签名核验失败" in page.inner_text(".wcard-banner")
    assert page.locator(".wcard-body").count() == 0
    assert horizontal_overflow(page) == 0
    base = urlsplit(url)
    page.goto(f"{base.scheme}://{base.netloc}/w/JZ0000000000?t=20260101-0000000000000000")
    assert banner(page)[0] == "forged" and "没有这个服务员码" in page.inner_text(".wcard-banner")


def test_the_qr_code_on_the_card_page_scans_to_the_card(live_server: LiveServer, holders: list[Holder], page: Any,
                                                        tmp_path: Path) -> None:
    holder = holders[0]
    page.goto(live_server.url(f"/w/{holder.code}"))
    shot = tmp_path / "page-qr.png"
    page.locator(".wcard-qr img").screenshot(path=str(shot))
    [url] = zbar(shot)
    assert url.startswith(f"{live_server.base_url}/w/{holder.code}?t=")
    page.goto(url)
    assert banner(page) == ("valid", "有效") and "卡片签发" in page.inner_text(".wcard-banner")
