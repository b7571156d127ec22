"""The card page ``/w/{code}`` and its verdict on both engines: a printed card's QR link (with its token) is
checked and logged; revoked, lapsed, unverified and forged cards say so in the banner; without a token the live
status shows and nothing is logged."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from tests.cards.helpers import BASE_URL, HEALTH_UNTIL, NOW, TODAY, card_worker, client_at, scan_verdicts
from tests.factories import add_record

from jzcredit.cards import printing
from jzcredit.cards import service as card_service
from jzcredit.cards import token as card_token
from jzcredit.cards.models import CardScan
from jzcredit.common.clock import SHANGHAI
from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.evaluation.rulesets import load_models
from jzcredit.registry import service as registry
from jzcredit.registry.models import Consent

HTML = {"Accept": "text/html"}
BANNER = re.compile(r'data-status="(\w+)"')


def status_of(html: str) -> str:
    found = BANNER.search(html)
    assert found, html[:500]
    return found.group(1)


def signed(vault: Vault, code: str, issued_on: date = date(2026, 6, 1)) -> str:
    return card_token.sign(vault, worker_code=code, issued_on=issued_on)


def at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), SHANGHAI)


def verdict_on(sessions: sessionmaker[Session], vault: Vault, code: str, token: str | None,
               now: datetime) -> card_service.Verdict:
    with sessions() as s:
        return card_service.check_card(s, vault=vault, worker_code=code, token=token, now=now,
                                       models=load_models(None))[1]


def test_a_valid_card_scanned_shows_valid_and_is_logged(settings: Settings, sessions: sessionmaker[Session],
                                                         vault: Vault) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault, consents=("collect", "public_card"))
    with client_at(settings) as client:
        page = client.get(f"/w/{w.code}", params={"t": signed(vault, w.code)}, headers=HTML)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert status_of(page.text) == "valid" and "这是本平台签发的上门服务证" in page.text
    assert "李小芳" in page.text and "卡片签发 2026-06-01" in page.text
    assert f"有效至 {HEALTH_UNTIL.isoformat()}" in page.text and "济南好帮手家政服务有限公司" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert scan_verdicts(sessions, w.worker.subject_id) == ["valid"]
    with sessions() as s:
        scan = s.scalars(select(CardScan)).one()
        assert scan.token_issued_on == date(2026, 6, 1) and scan.scanned_at == NOW


def test_without_consent_the_page_shows_a_masked_name_and_no_photo(settings: Settings,
                                                                   sessions: sessionmaker[Session],
                                                                   vault: Vault) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault, consents=("collect", "public_card"))
        w.worker.photo_path = "/static/photos/li.jpg"
    with client_at(settings) as client:
        shown = client.get(f"/w/{w.code}", headers=HTML).text
        assert "李小芳" in shown and "/static/photos/li.jpg" in shown and "未经本人授权" not in shown
        with sessions() as s, s.begin():  # the worker takes public_card back: at once
            s.execute(Consent.__table__.update().where(Consent.worker_id == w.worker.subject_id,
                                                       Consent.scope == "public_card").values(revoked_at=NOW))
        masked = client.get(f"/w/{w.code}", headers=HTML).text
    assert "李小芳" not in masked and "李*芳" in masked and "/static/photos/li.jpg" not in masked
    assert "未经本人授权，不显示全名和照片" in masked


def test_without_a_token_the_live_status_shows_and_nothing_is_logged(settings: Settings,
                                                                     sessions: sessionmaker[Session],
                                                                     vault: Vault) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault)
    with client_at(settings) as client:
        for params in ({}, {"t": ""}):
            page = client.get(f"/w/{w.code}", params=params, headers=HTML)
            assert page.status_code == 200 and status_of(page.text) == "valid"
            assert "按服务员码查询的实时状态" in page.text
            assert "扫描卡上的二维码可核验卡片本身的真伪" in page.text and "这是本平台签发的" not in page.text
        # the code as a person may type it
        assert client.get(f"/w/{w.code.lower()}", headers=HTML).status_code == 200
    assert scan_verdicts(sessions, w.worker.subject_id) == []


def test_a_reissued_code_shows_revoked_on_the_old_card(settings: Settings, sessions: sessionmaker[Session],
                                                       vault: Vault) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault, consents=("collect", "public_card"))
    token = signed(vault, w.code)
    with sessions() as s, s.begin():
        new_code = registry.reissue_worker_code(s, worker_id=w.worker.subject_id, now=NOW - timedelta(days=2))
    with client_at(settings) as client:
        old = client.get(f"/w/{w.code}", params={"t": token}, headers=HTML)
        live = client.get(f"/w/{w.code}", headers=HTML)
        new = client.get(f"/w/{new_code}", params={"t": signed(vault, new_code, TODAY)}, headers=HTML)
    assert status_of(old.text) == "revoked" and "已撤销" in old.text and "2026-06-28" in old.text
    assert "李小芳" not in old.text  # an old card says nothing about the person
    assert status_of(live.text) == "revoked"
    assert status_of(new.text) == "valid"
    assert scan_verdicts(sessions, w.worker.subject_id) == ["revoked", "valid"]


def test_a_card_whose_health_check_lapsed_since_issue_shows_expired(settings: Settings,
                                                                    sessions: sessionmaker[Session],
                                                                    vault: Vault) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault)
    token = signed(vault, w.code, TODAY)
    assert verdict_on(sessions, vault, w.code, token, NOW).status == "valid"
    lapsed = HEALTH_UNTIL + timedelta(days=1)
    verdict = verdict_on(sessions, vault, w.code, token, at(lapsed))
    assert verdict.status == "expired" and verdict.token_issued_on == TODAY
    assert any("健康体检已于 2026-12-31 到期" in r for r in verdict.reasons)
    with client_at(settings, at(lapsed)) as client:
        page = client.get(f"/w/{w.code}", params={"t": token}, headers=HTML)
    assert status_of(page.text) == "expired" and "已过期" in page.text and "2026-12-31 到期" in page.text
    # a new health check puts it right, with the same printed card
    with sessions() as s, s.begin():
        add_record(s, w.worker.subject_id, "health_check", decided_on=date(2026, 12, 20),
                   valid_until=date(2027, 12, 19), details={"result": "pass"})
    assert verdict_on(sessions, vault, w.code, token, at(lapsed)).status == "valid"


def test_a_background_check_with_a_record_since_issue_ends_the_card(sessions: sessionmaker[Session],
                                                                    vault: Vault) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault)
    token = signed(vault, w.code)
    with sessions() as s, s.begin():
        add_record(s, w.worker.subject_id, "background_check", decided_on=date(2026, 6, 20),
                   details={"result": "record_found", "offence": "theft"})
    verdict = verdict_on(sessions, vault, w.code, token, NOW)
    assert verdict.status == "expired" and "背景核查发现违法犯罪记录。" in verdict.reasons


def test_a_card_older_than_its_year_shows_expired(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault, health_until=date(2028, 1, 1))
    token = signed(vault, w.code, date(2026, 1, 2))
    assert verdict_on(sessions, vault, w.code, token, at(date(2027, 1, 2))).status == "valid"
    old = verdict_on(sessions, vault, w.code, token, at(date(2027, 1, 3)))
    assert old.status == "expired" and "超过 365 天有效期" in old.reasons[0]
    # the same worker looked up without a card: live status, no card year
    assert verdict_on(sessions, vault, w.code, None, at(date(2027, 1, 3))).status == "valid"


def test_an_unverified_worker_shows_unverified(settings: Settings, sessions: sessionmaker[Session],
                                               vault: Vault) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault, verified=False)
    with client_at(settings) as client:
        page = client.get(f"/w/{w.code}", params={"t": signed(vault, w.code)}, headers=HTML)
    assert status_of(page.text) == "unverified" and "未核验" in page.text
    assert scan_verdicts(sessions, w.worker.subject_id) == ["unverified"]


@pytest.mark.parametrize("tamper", ["signature", "date", "garbage", "long"])
def test_a_forged_or_tampered_token_shows_forged_and_is_logged(settings: Settings, sessions: sessionmaker[Session],
                                                               vault: Vault, tamper: str) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault, consents=("collect", "public_card"))
    good = signed(vault, w.code)
    bad = {"signature": good[:-1] + ("0" if good[-1] != "0" else "1"), "date": "20260615" + good[8:],
           "garbage": "hello", "long": good * 40}[tamper]
    with client_at(settings) as client:
        page = client.get(f"/w/{w.code}", params={"t": bad}, headers=HTML)
    assert page.status_code == 200 and status_of(page.text) == "forged"
    assert "伪造或被篡改" in page.text and "防伪签名核验失败" in page.text
    assert "李小芳" not in page.text  # a forged card is not dressed in the real worker's details
    assert scan_verdicts(sessions, w.worker.subject_id) == ["forged"]


def test_a_token_on_a_code_nobody_has_is_a_forged_card(settings: Settings, vault: Vault) -> None:
    with client_at(settings) as client:
        unknown = "JZ0000000000"
        forged = client.get(f"/w/{unknown}", params={"t": signed(vault, unknown)}, headers=HTML)
        plain = client.get(f"/w/{unknown}", headers=HTML)
        junk = client.get("/w/<script>", headers=HTML)
    assert forged.status_code == 404 and status_of(forged.text) == "forged" and "没有这个服务员码" in forged.text
    assert plain.status_code == 404 and "没有这个服务员码" in plain.text
    assert junk.status_code == 404 and "<script>" not in junk.text


def test_the_printable_card_is_a_png_only_while_the_card_is_valid(settings: Settings,
                                                                  sessions: sessionmaker[Session],
                                                                  vault: Vault) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault)
        unverified = card_worker(s, vault, verified=False, employer=w.company)
        lapsed = card_worker(s, vault, health_until=date(2026, 5, 1), employer=w.company)
    with client_at(settings) as client:
        png = client.get(f"/card/{w.code}.png")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
        refusals = {c: client.get(f"/card/{c}.png", headers={"Accept": "application/json"})
                    for c in (unverified.code, lapsed.code)}
        with sessions() as s, s.begin():
            registry.reissue_worker_code(s, worker_id=w.worker.subject_id, now=NOW)
        revoked = client.get(f"/card/{w.code}.png", headers={"Accept": "application/json"})
        unknown = client.get("/card/JZ0000000000.png", headers={"Accept": "application/json"})
    assert refusals[unverified.code].status_code == 409
    assert refusals[unverified.code].json()["code"] == "card.unverified"
    assert refusals[lapsed.code].json()["code"] == "card.lapsed" and "2026-05-01" in refusals[lapsed.code].text
    assert revoked.status_code == 409 and revoked.json()["code"] == "card.revoked"
    assert unknown.status_code == 404
    assert scan_verdicts(sessions, w.worker.subject_id) == []  # printing is not scanning


def test_the_card_url_is_the_base_url_the_code_and_the_token(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault)
    with sessions() as s:
        printed = printing.print_card(s, vault=vault, worker_code=w.code.lower(), now=NOW, models=load_models(None),
                                      base_url=BASE_URL + "/")
    assert printed.url == f"{BASE_URL}/w/{w.code}?t={signed(vault, w.code, TODAY)}"
    assert printed.issued_on == TODAY and printed.valid_until == HEALTH_UNTIL  # the health check ends first


def test_a_scan_that_cannot_be_logged_still_shows_the_verdict(settings: Settings, sessions: sessionmaker[Session],
                                                              vault: Vault, monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    with sessions() as s, s.begin():
        w = card_worker(s, vault)

    def busy(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT INTO card_scans", {}, Exception("database is locked"))

    monkeypatch.setattr(card_service, "record_scan", busy)
    with client_at(settings) as client:
        page = client.get(f"/w/{w.code}", params={"t": signed(vault, w.code)}, headers=HTML)
    assert page.status_code == 200 and status_of(page.text) == "valid"
    assert "not logged" in caplog.text
    assert scan_verdicts(sessions, w.worker.subject_id) == []
