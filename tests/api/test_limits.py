"""Rate and size limits (``api/limits.py``, the ``api:`` settings; spec §5.3 "public look-ups and POSTs are rate
limited per client") on both engines: 429 problems with ``Retry-After`` per client and kind of request, buckets
that refill with (injected) time, 413 problems for bodies over the limit with or without ``Content-Length``,
the larger limit of the upload path, and everything off by configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.api.regulator_helpers import csv_bytes
from tests.api.workflow_helpers import NOW, NOW_TEXT, problem
from tests.factories import add_company

from jzcredit.api.app import create_app
from jzcredit.api.limits import LimitsConfig, client_of
from jzcredit.common.crypto import Vault
from jzcredit.complaints.models import Complaint
from jzcredit.config import Settings
from jzcredit.errors import Misconfigured
from jzcredit.ingest.models import Batch
from jzcredit.rules import load_rules_dict
from jzcredit.users.service import add_user

LOOKUP_BURST, LOOKUP_PER_MINUTE = 3, 60  # a token a second
SUBMIT_BURST, SUBMIT_PER_MINUTE = 2, 6  # a token every ten seconds
MAX_BYTES, UPLOAD_MAX_BYTES = 4096, 65536
PROXY = "10.0.0.7"
CARD = "/api/v1/public/workers/JZ0000000000"  # an unknown code: a look-up all the same (404)
COMPLAINTS = "/api/v1/public/complaints"


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Limited:
    app: FastAPI
    clock: FakeClock
    sessions: sessionmaker[Session]
    uscc: str
    admin_token: str

    def client(self, address: str = "203.0.113.5") -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False, client=(address, 40000))


def write_config(folder: Path, **rate: Any) -> Path:
    config = folder / "limits.yml"
    config.write_text(yaml.safe_dump({"api": {
        "rate_limits": {"enabled": True, "trusted_proxies": ["10.0.0.0/8"],
                        "lookup": {"per_minute": LOOKUP_PER_MINUTE, "burst": LOOKUP_BURST},
                        "submit": {"per_minute": SUBMIT_PER_MINUTE, "burst": SUBMIT_BURST}, **rate},
        "body_limits": {"max_bytes": MAX_BYTES, "upload_max_bytes": UPLOAD_MAX_BYTES}}}), encoding="utf-8")
    return config


@pytest.fixture
def limited(settings: Settings, sessions: sessionmaker[Session], vault: Vault, tmp_path: Path) -> Iterator[Limited]:
    with sessions() as s, s.begin():
        uscc = add_company(s, name="泉城家政服务有限公司").uscc
        _user, token = add_user(s, vault=vault, role="admin", name="管理员", now=NOW)
    settings.config, settings.now = write_config(tmp_path), NOW_TEXT
    app = create_app(settings)
    clock = FakeClock()
    app.state.limits_clock = clock
    yield Limited(app, clock, sessions, uscc, token)


def too_many(response: httpx.Response) -> int:
    """A 429 problem with a whole number of seconds in ``Retry-After``; returns them."""
    body = problem(response, 429, code="rate_limited")
    seconds = int(response.headers["retry-after"])
    assert seconds >= 1 and f"{seconds} 秒" in body["detail"]
    return seconds


def complaint(uscc: str) -> dict[str, Any]:
    return {"company_uscc": uscc, "category": "quality", "description": "保洁不到位", "contact_phone": "13912345678"}


def complaint_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Complaint)) or 0


# --- rate ----------------------------------------------------------------------------------------


def test_lookups_past_the_burst_are_429_problems_with_retry_after(limited: Limited) -> None:
    client = limited.client()
    for _ in range(LOOKUP_BURST):
        assert client.get(CARD).status_code == 404
    assert too_many(client.get(CARD)) == 1  # one token a second
    assert too_many(client.get(f"/api/v1/public/companies/{limited.uscc}")) == 1  # every public look-up
    page = client.get("/", headers={"Accept": "text/html"})  # a page shares the look-up bucket, answers in HTML
    assert page.status_code == 429 and page.headers["retry-after"] == "1"
    assert page.headers["content-type"].startswith("text/html") and "请求过于频繁" in page.text


def test_retry_after_is_the_time_until_the_next_token(limited: Limited) -> None:
    client = limited.client()
    for _ in range(SUBMIT_BURST):
        assert client.post(COMPLAINTS, json={}).status_code == 422
    assert too_many(client.post(COMPLAINTS, json={})) == 10
    limited.clock.now += 7.5
    assert too_many(client.post(COMPLAINTS, json={})) == 3  # 2.5 s left, rounded up


def test_the_bucket_refills_with_time_up_to_the_burst(limited: Limited) -> None:
    client = limited.client()
    for _ in range(LOOKUP_BURST):
        client.get(CARD)
    too_many(client.get(CARD))
    limited.clock.now += 1.0  # one token back
    assert client.get(CARD).status_code == 404
    too_many(client.get(CARD))
    limited.clock.now += 3600  # an hour idle refills to the burst, not beyond
    assert [client.get(CARD).status_code for _ in range(LOOKUP_BURST + 1)] == [404] * LOOKUP_BURST + [429]


def test_limits_are_per_client_address(limited: Limited) -> None:
    first, second = limited.client("203.0.113.5"), limited.client("198.51.100.9")
    for _ in range(LOOKUP_BURST):
        first.get(CARD)
    too_many(first.get(CARD))
    assert second.get(CARD).status_code == 404


def test_a_trusted_proxy_names_the_client_an_untrusted_forwarded_for_is_ignored(limited: Limited) -> None:
    proxy = limited.client(PROXY)
    behind = {"X-Forwarded-For": "198.51.100.20"}
    for _ in range(LOOKUP_BURST):
        assert proxy.get(CARD, headers=behind).status_code == 404
    too_many(proxy.get(CARD, headers=behind))
    # another client behind the same proxy, even with a forged address in front of the proxy's own entry
    assert proxy.get(CARD, headers={"X-Forwarded-For": "198.51.100.20, 198.51.100.21"}).status_code == 404
    assert proxy.get(CARD).status_code == 404  # the proxy itself, nobody forwarded

    direct = limited.client("203.0.113.5")
    for _ in range(LOOKUP_BURST):
        direct.get(CARD, headers={"X-Forwarded-For": "192.0.2.1"})
    # an untrusted peer cannot pose as someone else to get a fresh bucket
    too_many(direct.get(CARD, headers={"X-Forwarded-For": "192.0.2.99"}))


def test_client_of_takes_the_right_most_address_the_proxies_did_not_add() -> None:
    proxies = LimitsConfig.from_dict({"api": {
        "rate_limits": {"enabled": True, "trusted_proxies": ["10.0.0.0/8", "2001:db8::/32"], "max_clients": 10,
                        "lookup": {"per_minute": 1, "burst": 1, "paths": ["/x"]},
                        "submit": {"per_minute": 1, "burst": 1, "paths": ["/x"]}},
        "body_limits": {"max_bytes": 1, "upload_max_bytes": 1, "upload_paths": ["/x"]}}}).trusted_proxies

    def scope(peer: str, *forwarded: str) -> dict[str, Any]:
        return {"client": (peer, 1), "headers": [(b"x-forwarded-for", f.encode()) for f in forwarded]}

    assert client_of(scope("10.1.1.1", "1.2.3.4, 10.2.2.2"), proxies) == "1.2.3.4"
    assert client_of(scope("10.1.1.1", "6.6.6.6, 1.2.3.4"), proxies) == "1.2.3.4"
    assert client_of(scope("10.1.1.1", "6.6.6.6", "1.2.3.4, 10.9.9.9"), proxies) == "1.2.3.4"
    assert client_of(scope("2001:db8::1", "2001:db9::5"), proxies) == "2001:db9::5"
    assert client_of(scope("10.1.1.1", "10.2.2.2"), proxies) == "10.1.1.1"
    assert client_of(scope("1.2.3.4", "5.6.7.8"), proxies) == "1.2.3.4"


def test_the_post_limit_is_separate_from_the_lookup_limit(limited: Limited) -> None:
    client = limited.client()
    for _ in range(LOOKUP_BURST):
        client.get(CARD)
    too_many(client.get(CARD))
    filed = client.post(COMPLAINTS, json=complaint(limited.uscc))  # look-ups spent, submissions not
    assert filed.status_code == 201, filed.text
    assert client.post(COMPLAINTS, json=complaint(limited.uscc)).status_code == 201
    before = complaint_count(limited.sessions)
    too_many(client.post(COMPLAINTS, json=complaint(limited.uscc)))
    assert complaint_count(limited.sessions) == before == 2  # refused before anything was written

    other = limited.client("198.51.100.9")
    for _ in range(SUBMIT_BURST):
        other.post(COMPLAINTS, json={})
    too_many(other.post(COMPLAINTS, json={}))
    assert other.get(CARD).status_code == 404  # submissions spent, look-ups not


def test_token_holders_routes_and_the_health_check_are_not_rate_limited(limited: Limited) -> None:
    client = limited.client()
    headers = {"Authorization": f"Bearer {limited.admin_token}"}
    for _ in range(LOOKUP_BURST * 3):
        assert client.get("/api/v1/health").status_code == 200
        assert client.get(f"/api/v1/subjects/{limited.uscc}", headers=headers).status_code == 200


def test_rate_limits_off_by_configuration(settings: Settings, tmp_path: Path) -> None:
    settings.config, settings.now = write_config(tmp_path, enabled=False), NOW_TEXT
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    assert {client.get(CARD).status_code for _ in range(LOOKUP_BURST * 4)} == {404}
    assert {client.post(COMPLAINTS, json={}).status_code for _ in range(SUBMIT_BURST * 4)} == {422}


def test_a_kind_with_zero_per_minute_is_unlimited(settings: Settings, tmp_path: Path) -> None:
    settings.config = write_config(tmp_path, lookup={"per_minute": 0, "burst": 1})
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    assert {client.get(CARD).status_code for _ in range(10)} == {404}


def test_a_bad_setting_is_refused_with_the_key_named(tmp_path: Path) -> None:
    for rate, key in (({"enabled": "yes"}, "enabled"), ({"lookup": {"per_minute": -1, "burst": 1}}, "per_minute"),
                      ({"trusted_proxies": ["not-an-address"]}, "trusted_proxies"),
                      ({"submit": {"per_minute": 1, "burst": 0}}, "burst")):
        with pytest.raises(Misconfigured) as caught:
            LimitsConfig.from_dict(load_rules_dict(write_config(tmp_path, **rate)))
        assert key in caught.value.detail


# --- size ----------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_a_413_problem_before_it_is_read(limited: Limited) -> None:
    client = limited.client()
    form = complaint(limited.uscc) | {"description": "很" * MAX_BYTES}
    body = problem(client.post(COMPLAINTS, json=form), 413, code="payload_too_large")
    assert "4096 字节" in body["detail"]
    assert complaint_count(limited.sessions) == 0
    small = complaint(limited.uscc) | {"description": "很" * 100}
    assert limited.client("198.51.100.1").post(COMPLAINTS, json=small).status_code == 201


def test_a_chunked_body_without_content_length_is_counted_and_refused(limited: Limited) -> None:
    client = limited.client()
    head = b'{"company_uscc": "' + limited.uscc.encode() + b'", "category": "quality", "contact_phone": "13912345678"'

    def chunks(size: int) -> Iterator[bytes]:
        yield head + b', "description": "'
        for _ in range(size // 1024):
            yield b"x" * 1024
        yield b'"}'

    probe = httpx.Request("POST", "http://testserver" + COMPLAINTS, content=chunks(8192))
    assert "content-length" not in probe.headers and probe.headers["transfer-encoding"] == "chunked"
    refused = client.post(COMPLAINTS, content=chunks(8192), headers={"content-type": "application/json"})
    assert "上限" in problem(refused, 413, code="payload_too_large")["detail"]  # the sentence naming the limit
    assert complaint_count(limited.sessions) == 0
    taken = limited.client("198.51.100.2").post(COMPLAINTS, content=chunks(1024),
                                                headers={"content-type": "application/json"})
    assert taken.status_code == 201, taken.text


def test_a_large_upload_on_the_ingest_path_is_allowed_up_to_its_own_limit(limited: Limited) -> None:
    client = limited.client()
    headers = {"Authorization": f"Bearer {limited.admin_token}"}
    header = ["统一社会信用代码", "当事人名称", "行政处罚决定书文号", "处罚决定日期", "处罚内容", "罚款金额"]

    def penalties(count: int) -> bytes:
        return csv_bytes(header, [[limited.uscc, "泉城家政服务有限公司", f"济市监罚〔2026〕{i}号", "2026-03-01",
                                   "未按规定公示收费标准" * 3, "2000"] for i in range(count)])

    big = penalties(150)
    assert MAX_BYTES < len(big) < UPLOAD_MAX_BYTES
    response = client.post("/api/v1/ingest/penalties", headers=headers, files={"file": ("p.csv", big, "text/csv")},
                           data={"source": "济南市市场监督管理局"})
    assert response.status_code == 201, response.text
    assert response.json()["accepted"] == 150
    huge = penalties(800)
    assert len(huge) > UPLOAD_MAX_BYTES
    refused = client.post("/api/v1/ingest/penalties", headers=headers, files={"file": ("p.csv", huge, "text/csv")},
                          data={"source": "济南市市场监督管理局"})
    assert "65536 字节" in problem(refused, 413, code="payload_too_large")["detail"]
    with limited.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == 1
    # the upload limit is the ingest path's own: anywhere else the small one holds
    problem(client.post("/api/v1/notices", headers=headers | {"content-type": "application/json"}, content=big), 413)
