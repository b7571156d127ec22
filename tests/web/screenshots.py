"""Screenshots of the main pages for the README (``make screenshots`` → ``docs/screenshots/*.png``).

Builds ``make run``'s demo in a temporary folder, serves it on loopback, and photographs each page in
Debian's Chromium as a phone (375 px wide, full page) — the same set-up as the browser tests. Not a test:
run it after a change to the pages and commit the pictures.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import httpx
import yaml
from benchmarks import serving
from benchmarks.load import prepare
from sqlalchemy import select
from tests.web.conftest import DEBIAN_CHROMIUM, PHONE, serve_in_thread

from jzcredit.api.app import create_app
from jzcredit.common.clock import current_time
from jzcredit.common.crypto import load_vault
from jzcredit.config import Settings
from jzcredit.db import make_engine, make_sessionmaker
from jzcredit.registry.models import Company, WorkerCode
from jzcredit.users.service import add_user

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        prepare(url, companies=40, workers=400)
        config = Path(folder) / "shots.yml"
        config.write_text(yaml.safe_dump({"api": {"rate_limits": {"enabled": False}}}), encoding="utf-8")
        port = serving.free_port()
        base = f"http://{serving.HOST}:{port}"
        settings = Settings(database_url=url, secret_key=serving.SECRET, config=config,  # type: ignore[arg-type]
                            key_file=Path(folder) / "jzcredit.key", base_url=base)
        engine = make_engine(url)
        with make_sessionmaker(engine)() as s, s.begin():
            codes = list(s.scalars(select(WorkerCode.code).where(WorkerCode.status == "active")
                                   .order_by(WorkerCode.code)))
            company = s.scalars(select(Company).order_by(Company.subject_id).limit(1)).one()
            uscc, name = company.uscc, company.name
            _user, token = add_user(s, vault=load_vault(settings), role="regulator", name="示例监管部门",
                                    region_code="000000", now=current_time(None))
        engine.dispose()
        server, thread = serve_in_thread(create_app(settings), port)
        try:
            code = next(c for c in codes if _card_is_valid(base, c))
            shoot(base, token, {
                "start": "/", "search": f"/?q={name[2:4]}", "worker-card": f"/w/{code}", "company-report": f"/c/{uscc}",
                "black-list": "/lists/black", "stats": "/stats", "complaint-new": "/complaints/new",
                "not-found": "/w/JZ0000000000"}, {"admin-review": "/admin/review", "admin-ingest": "/admin/ingest"})
        finally:
            server.should_exit = True
            thread.join(timeout=15)
    return 0


def _card_is_valid(base: str, code: str) -> bool:
    """A card that shows everything a good card shows: valid, with a health check in date."""
    card = httpx.get(f"{base}/api/v1/public/workers/{code}").json()
    return bool(card["card_status"] == "valid" and card["health_check"]["valid"] and card["grade"])


def shoot(base: str, token: str, public: dict[str, str], admin: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=DEBIAN_CHROMIUM, args=["--no-sandbox"])
        page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
        for name, path in public.items():
            page.goto(base + path)
            page.screenshot(path=OUT / f"{name}.png", full_page=True)
            print(f"{name}: {path}")
        page.goto(base + "/admin/login")
        page.fill("#token", token)
        page.click("button[type=submit]")
        page.wait_for_url("**/admin")
        for name, path in admin.items():
            page.goto(base + path)
            page.screenshot(path=OUT / f"{name}.png", full_page=True)
            print(f"{name}: {path}")
        browser.close()


if __name__ == "__main__":
    sys.exit(main())
