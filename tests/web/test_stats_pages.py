"""``/stats`` and ``/stats/models`` through the app on both engines: every figure on the page is the statistics
services' figure, every chart is SVG drawn from the same figures, and a bad region is a Chinese 422 page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.complaints.helpers import file
from tests.factories import add_company, set_grade
from tests.reports.test_stats import NOW, add_entry, populate
from tests.web.pages_helpers import body_rows, number, page_client, svg_values, tables

from jzcredit.common.crypto import Vault
from jzcredit.config import Settings
from jzcredit.evaluation.models import GRADES
from jzcredit.registry.models import Company
from jzcredit.reports import model_history, trends
from jzcredit.reports.stats import stats
from jzcredit.web.stats_pages import GRADE_LABELS

GRADE_KEYS = [*GRADES, "not_evaluated"]


@pytest.fixture
def world(sessions: sessionmaker[Session], vault: Vault) -> sessionmaker[Session]:
    """test_stats' population plus complaints in two months and a published red entry."""
    with sessions() as s, s.begin():
        populate(s, vault)
        lixia = s.query(Company).filter(Company.region_code == "370102", Company.status == "active").first()
        assert lixia is not None
        for day in (date(2026, 3, 5), date(2026, 3, 20), date(2026, 6, 2)):
            file(s, vault, lixia, day=day)
    return sessions


@pytest.fixture
def client(world: sessionmaker[Session], settings: Settings, tmp_path: Path) -> TestClient:
    return page_client(settings, tmp_path)


@pytest.mark.parametrize("region", [None, "370100", "370000"])
def test_every_figure_on_the_stats_page_is_the_services(client: TestClient, world: sessionmaker[Session],
                                                        region: str | None) -> None:
    response = client.get("/stats", params={"region": region} if region else {})
    assert response.status_code == 200, response.text
    with world() as s:
        expected = stats(s, region=region, now=NOW)
        regions = trends.verification_by_region(s, region=region, now=NOW)
        complaints = trends.complaints_by_month(s, region=region, now=NOW)
        lists = trends.list_entries_by_month(s, region=region, now=NOW)
    page = tables(response.text)
    grades = body_rows(page["信用等级分布（家数 / 人数）"])
    for g in GRADE_KEYS:
        assert [number(c) for c in grades[GRADE_LABELS[g]]] == [expected["by_grade"]["companies"][g],
                                                                 expected["by_grade"]["workers"][g]], g
    assert [number(c) for c in grades["合计"]] == [expected["companies"], expected["workers"]]
    # the chart draws the same figures: companies' segments then workers', zeros left out
    drawn = [expected["by_grade"][k][g] for k in ("companies", "workers") for g in GRADE_KEYS]
    assert svg_values(response.text, "grades") == [float(v) for v in drawn if v]
    level = {None: "省份", "370000": "城市", "370100": "区县"}[region]
    by_region = [row for row in page[f"各{level}服务员的核验与授权"][1:]]
    assert len(by_region) == len(regions["rows"]) > 0
    for row, want in zip(by_region, regions["rows"], strict=True):
        assert [number(c) for c in row[1:]] == [want["workers"], want["verified"], want["identified_authorised"],
                                                 want["public_card"]]
    v = expected["verification"]
    assert f"本范围内 {v['workers']:,} 名服务员中，已人证核验 {v['verified']:,} 人" in response.text
    months = body_rows(page["每月受理的投诉（按被投诉企业所在地区）"])
    assert list(months) == complaints["months"]
    assert [number(months[m][0]) for m in complaints["months"]] == complaints["filed"]
    entries = body_rows(page["每月新增的名单条目"])
    assert [[number(c) for c in entries[m]] for m in lists["months"]] == [
        [lists["red"][i], lists["black"][i], lists["watch"][i]] for i in range(12)]
    assert svg_values(response.text, "complaints")[:12] == [float(n) for n in complaints["filed"]]
    assert response.text.count('<svg class="chart') == 6  # grades, three rates, complaints, lists


def test_the_city_page_names_its_districts_and_counts_its_complaints(client: TestClient) -> None:
    html = client.get("/stats", params={"region": "370100"}).text
    assert "历下区（370102）" in html and 'value="370100" selected' in html
    complaints = body_rows(tables(html)["每月受理的投诉（按被投诉企业所在地区）"])
    assert (complaints["2026-03"][0], complaints["2026-06"][0], complaints["2026-05"][0]) == ("2", "1", "0")
    other = body_rows(tables(client.get("/stats", params={"region": "370200"}).text)[
        "每月受理的投诉（按被投诉企业所在地区）"])
    assert all(row[0] == "0" for row in other.values())


def test_the_region_selector_offers_every_level_where_companies_are(client: TestClient) -> None:
    html = client.get("/stats").text
    for code in ("000000", "110000", "370000", "370100", "370102", "370103", "370200", "370202"):
        assert f'<option value="{code}"' in html, code
    assert 'value="000000" selected' in html


@pytest.mark.parametrize("region", ["3701", "990000", "37010a"])
def test_a_bad_region_is_a_chinese_error_page(client: TestClient, region: str) -> None:
    response = client.get("/stats", params={"region": region})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    assert "行政区划代码" in response.text and "<svg" not in response.text


def test_an_empty_platform_shows_empty_charts_not_errors(sessions: sessionmaker[Session], settings: Settings,
                                                         tmp_path: Path) -> None:
    client = page_client(settings, tmp_path)
    response = client.get("/stats")
    assert response.status_code == 200 and "暂无数据" in response.text
    models = client.get("/stats/models")
    assert models.status_code == 200 and "本范围内还没有信用评价" in models.text


def test_hostile_region_names_are_escaped(sessions: sessionmaker[Session], settings: Settings,
                                         tmp_path: Path) -> None:
    from jzcredit.registry.models import Region

    with sessions() as s, s.begin():
        s.add(Region(region_code="370102", name='<script>alert(1)</script>', poverty_level="none"))
        add_company(s, region_code="370102")
    html = page_client(settings, tmp_path).get("/stats", params={"region": "370100"}).text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_models_page_shows_each_version_by_month_and_the_switch(sessions: sessionmaker[Session],
                                                                    settings: Settings, tmp_path: Path) -> None:
    with sessions() as s, s.begin():
        a, b = add_company(s), add_company(s)
        set_grade(s, a.subject_id, "B", model="company-2026.1", as_of=date(2026, 1, 5))
        set_grade(s, b.subject_id, "C", model="company-2026.1", as_of=date(2026, 1, 5))
        set_grade(s, a.subject_id, "A", model="company-2026.2", as_of=date(2026, 5, 5))
    response = page_client(settings, tmp_path).get("/stats/models")
    assert response.status_code == 200
    with sessions() as s:
        history = model_history.grades_by_model(s, region=None, now=NOW)
    page = tables(response.text)
    for m in history["models"]:
        rows = body_rows(page[f"{m['model']} 各月末的等级分布（主体数）"])
        assert [number(rows[month][0]) for month in history["months"]] == m["subjects"]
        assert [[number(c) for c in rows[month][1:]] for month in history["months"]] == [
            [m["grades"][g][i] for g in GRADES] for i in range(12)]
    assert "company-2026.1 → company-2026.2" in response.text
    assert "1 个主体换版：等级上升 1，不变 0，下降 0" in response.text
    matrix = body_rows(page["行：换版前的等级；列：换版后的等级"])
    assert matrix[GRADE_LABELS["B"]][0] == "1" and sum(int(c) for r in matrix.values() for c in r) == 1
    assert "结果没有变化的重新评价不另存记录" in response.text  # what the stored history can say
    # a bar per month the version had subjects, each 100 %
    assert svg_values(response.text, "model-company-2026-2") == [1.0, 1.0]
    assert sum(svg_values(response.text, "model-company-2026-1")) == 2 * 4 + 1 * 2  # Jan–Apr both, May–Jun one


def test_the_stats_page_is_cached_briefly_per_region_and_day(client: TestClient, world: sessionmaker[Session],
                                                             vault: Vault) -> None:
    first = client.get("/stats", params={"region": "370100"}).text
    with world() as s, s.begin():
        add_entry(s, add_company(s, region_code="370102").subject_id, "red", "published")
    assert client.get("/stats", params={"region": "370100"}).text == first  # the same minute: the cached page
    client.app.state.stats_page_cache.clear()  # type: ignore[attr-defined]
    assert client.get("/stats", params={"region": "370100"}).text != first


def test_the_stats_pages_are_public_lookups_under_the_rate_limit(sessions: sessionmaker[Session], settings: Settings,
                                                                 tmp_path: Path) -> None:
    client = page_client(settings, tmp_path, limits=True)  # the shipped limits: a burst of 60 look-ups
    client.app.state.limits_clock = lambda: 1000.0  # type: ignore[attr-defined]  # time stands still: no refill
    statuses = [client.get("/stats" if i % 2 else "/stats/models").status_code for i in range(61)]
    assert statuses == [200] * 60 + [429]
    assert "请求过于频繁" in client.get("/stats").text
