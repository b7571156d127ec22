"""The public pages as HTML, on both engines (TestClient): the start page's search (worker code → card,
USCC → report, words → companies page by page, a message next to the field for empty, too long or
personal queries), the company's credit report, the red and black lists, hostile text escaped everywhere,
and the Chinese error pages of the one error handler (API clients still get problem+json).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.api.workflow_helpers import NOW, NOW_TEXT, problem
from tests.factories import add_company, add_rating, add_record
from tests.public.helpers import (  # noqa: F401  (fixtures)
    FULL_ID,
    MOBILE,
    TODAY,
    Town,
    add_entry,
    api_fixture,
    grade,
    town_fixture,
)

from jzcredit.api.app import create_app
from jzcredit.common import ids
from jzcredit.complaints import service as complaints_service
from jzcredit.config import Settings
from jzcredit.rectification import service as rectification_service
from jzcredit.registry.models import Company
from jzcredit.web import search_pages

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
HOSTILE = "<script>alert('x')</script>\"' OR 1=1 --"
FACTORS = [
    {"code": "D1.basic_fields", "label": "基础信息齐全 4/4 项", "points": 45, "record_ids": []},
    {"code": "D3.penalty_general", "label": "一般行政处罚 1 条", "points": -75, "record_ids": []},
    {"code": "cap.negative", "label": "有在公示期内的失信记录，等级最高为 B", "points": 0, "record_ids": []},
]


def page(api: TestClient, url: str, status: int = 200) -> str:
    response = api.get(url, headers=HTML, follow_redirects=False)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def main(text: str) -> str:
    """The page's own content, without the header and footer every page shares."""
    return text[text.index("<main"):text.index("</main>")]


def visible(text: str) -> str:
    """The words a reader sees (tags dropped, entities decoded, white space folded)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main(text))).split())


def box_value(text: str) -> str:
    match = re.search(r'<input id="q" name="q" type="search" value="([^"]*)"', text)
    assert match, "no search box on the page"
    return html.unescape(match.group(1))


# --- search ------------------------------------------------------------------------------------


def test_a_name_lists_matching_companies_with_grade_region_and_link(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        grade(s, town.company_id, "B", 760, FACTORS)
    text = page(api, "/?q=" + "泉城家政")
    words = visible(text)
    assert "泉城家政服务有限公司" in words and "浦江家政服务有限公司" not in words
    assert "B 级 · 信用良好" in words and "山东省 370102" in words
    assert f'href="/c/{town.uscc}"' in text
    assert "名称含“泉城家政”的家政企业共 1 家" in words
    assert box_value(text) == "泉城家政"
    assert "平台收录" not in words  # the results replace the start page's counts


def test_a_worker_code_typed_any_way_goes_to_the_card(api: TestClient, town: Town) -> None:
    typed = f" {town.code[:6].lower()}-{town.code[6:]} "
    response = api.get("/", params={"q": typed}, headers=HTML, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/w/{town.code}"


def test_a_uscc_goes_to_the_company_report(api: TestClient, town: Town) -> None:
    response = api.get("/", params={"q": town.uscc.lower()}, headers=HTML, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/c/{town.uscc}"
    assert "泉城家政服务有限公司" in page(api, response.headers["location"])


def test_an_empty_or_too_long_query_gets_a_message_next_to_the_field(api: TestClient, town: Town) -> None:
    text = page(api, "/?q=%20%20")
    assert 'id="q-error"' in text and search_pages.EMPTY in visible(text)
    assert 'aria-describedby="q-error"' in text
    long_query = "家" * (search_pages.MAX_QUERY_LENGTH + 1)
    text = page(api, "/?q=" + long_query, status=422)
    assert f"查询内容过长（{search_pages.MAX_QUERY_LENGTH + 1} 个字）" in visible(text)
    assert box_value(text) == "家" * search_pages.MAX_QUERY_LENGTH
    # a query at the limit is searched
    assert 'id="q-error"' not in page(api, "/?q=" + "家" * search_pages.MAX_QUERY_LENGTH)


def test_an_id_or_mobile_number_is_not_searched_and_never_shown_back(api: TestClient, town: Town) -> None:
    for number in (town.id_number, "13912345678", "+86 139 1234 5678"):
        text = page(api, "/?" + f"q={number.replace('+', '%2B').replace(' ', '%20')}")
        assert search_pages.PERSONAL in visible(text)
        assert not FULL_ID.search(text) and not MOBILE.search(text.replace(" ", "")), number
    assert box_value(page(api, "/?q=13912345678")) == "139****5678"


def test_a_mistyped_code_is_named_as_such(api: TestClient, town: Town) -> None:
    wrong_check = town.uscc[:17] + ("0" if town.uscc[17] != "0" else "1")
    assert "校验不通过" in visible(page(api, f"/?q={wrong_check}"))
    assert "像是服务员码" in visible(page(api, "/?q=JZ12345"))
    assert "没有找到名称含“月球家政”的家政企业" in visible(page(api, "/?q=月球家政"))


def test_search_results_come_page_by_page_with_the_query_kept(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        for i in range(25):
            add_company(s, name=f"分页测试家政{i:02d}有限公司")
    first = page(api, "/?q=分页测试")
    assert first.count('class="result-name"') == 20 and "第 1 页 / 共 2 页" in visible(first)
    assert "共 25 家，这是第 1–20 家" in visible(first)
    next_link = re.search(r'href="([^"]+)" rel="next"', first)
    assert next_link and "page=2" in next_link.group(1)
    second = page(api, html.unescape(next_link.group(1)))
    assert second.count('class="result-name"') == 5 and box_value(second) == "分页测试"
    assert "分页测试家政24有限公司" in second and "分页测试家政00有限公司" not in second
    assert "没有第 9 页" in visible(page(api, "/?q=分页测试&page=9"))
    page(api, "/?q=分页测试&page=0", status=422)


def test_the_start_page_without_a_query_shows_the_counts(api: TestClient, town: Town) -> None:
    words = visible(page(api, "/"))
    assert "平台收录" in words and "查询结果" not in words and box_value(page(api, "/")) == ""


# --- the company report -------------------------------------------------------------------------


def test_the_company_page_shows_the_whole_report_in_plain_chinese(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        grade(s, town.company_id, "B", 760, FACTORS)
        add_entry(s, town.company_id, "red", rule="R1")
        add_entry(s, town.company_id, "watch", rule="W1")  # internal: never on the page
        add_record(s, town.company_id, "penalty", decided_on=TODAY - timedelta(days=40), amount="5000",
                   publish_until=TODAY + timedelta(days=300))
        add_record(s, town.company_id, "commitment", decided_on=TODAY - timedelta(days=5),
                   details={"public": True, "kind": "voluntary"}).content = "守法诚信经营，明码标价"
        add_record(s, town.company_id, "commitment", decided_on=TODAY - timedelta(days=5),
                   details={"public": False}).content = "不公开的承诺"
        rectification_service.issue_notice(s, subject_id=town.company_id, requirements="补签服务合同",
                                           now=NOW - timedelta(days=3), actor="regulator:test")
        complaints_service.file_complaint(s, vault=town.vault, category="quality", description="未按约定服务",
                                          filed_by="消费者", now=NOW - timedelta(days=2), actor="public",
                                          company_uscc=town.uscc)
        company = s.get_one(Company, town.company_id)
        for stars in (5, 4):
            add_rating(s, company, stars, rated_on=TODAY - timedelta(days=3))
    text = page(api, f"/c/{town.uscc}")
    words = visible(text)
    assert "<title>泉城家政服务有限公司 信用报告" in text
    assert "信用等级 B 级 · 信用良好" in words and "信用评分 760 分" in words
    assert "基础信息 基础信息齐全 4/4 项 +45" in words and "合规经营 一般行政处罚 1 条 −75" in words
    assert "等级上限 有在公示期内的失信记录，等级最高为 B 0" in words
    assert "列入守信激励对象名单（红名单）" in words and "重点关注" not in words
    assert "行政处罚 一般失信 失信信息" in words and "金额 5,000 元" in words
    assert "整改中（通知已下达）" in words
    assert "1 收到投诉 0 已办结" in words
    assert "共 2 条评价，平均 4.5 星" in words
    assert "守法诚信经营，明码标价" in words and "不公开的承诺" not in words
    assert "1 在职家政服务员 1 已完成身份核验和授权" in words
    assert "山东省 370102" in words and "家庭保洁、养老护理" in words and "员工制" in words
    assert f'href="/c/{town.uscc}/report.pdf"' in text
    assert f'href="/complaints/new?q={town.uscc}"' in text
    assert 'class="search"' in text  # the search box, to look up the next one


def test_a_company_without_grade_or_with_grade_n_says_so_without_a_score(api: TestClient, town: Town) -> None:
    words = visible(page(api, f"/c/{town.uscc}"))
    assert "尚未评价" in words and "信用评分" not in words
    with town.sessions() as s, s.begin():
        grade(s, town.company_id, "N", 300, [{"code": "x", "label": "y", "points": 300, "record_ids": []}])
    words = visible(page(api, f"/c/{town.uscc}"))
    assert "未评级" in words and "暂无在职家政服务员" in words and "300" not in words


def test_the_report_page_never_shows_a_full_id_or_mobile_number(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        s.get_one(Company, town.company_id).name = "泉城家政（电话13912345678）"
        add_record(s, town.company_id, "penalty", decided_on=TODAY - timedelta(days=4)).content = (
            f"当事人 {town.id_number} 电话 13812345678")
    text = page(api, f"/c/{town.uscc}")
    assert not FULL_ID.search(text) and not MOBILE.search(text)
    assert "139****5678" in text and ids.mask_id_number(town.id_number) in text


# --- the lists ---------------------------------------------------------------------------------


def test_the_black_and_red_lists_show_published_entries_with_reason_and_dates(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        add_entry(s, town.company_id, "black", rule="B1")
        add_entry(s, town.worker_id, "black", rule="B4")
        add_entry(s, town.other_id, "black", status="candidate")  # not reviewed: not public
        add_entry(s, town.other_id, "red", rule="R1")
    black = page(api, "/lists/black")
    words = visible(black)
    assert "失信惩戒对象名单（黑名单）公示" in words and "共 2 条" in words
    assert "泉城家政服务有限公司" in words and "浦江家政服务有限公司" not in words
    assert "张*芳" in words and "张小芳" not in words and town.code in words
    assert "测试条件（规则 B1）" in words
    assert f"公布日期 {(TODAY - timedelta(days=10)).isoformat()}" in words
    assert f"有效期至 {(TODAY + timedelta(days=365)).isoformat()}" in words
    assert f'href="/c/{town.uscc}"' in black and f'href="/w/{town.code}"' in black
    assert re.findall(r'href="([^"]+)" aria-current="page"', black) == ["/lists/black"]
    red = visible(page(api, "/lists/red"))
    assert "浦江家政服务有限公司" in red and "泉城家政服务有限公司" not in red and "共 1 条" in red


def test_the_lists_come_page_by_page_and_only_red_and_black_exist(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        for i in range(21):
            company = add_company(s, name=f"黑名单企业{i:02d}")
            add_entry(s, company.subject_id, "black", published_on=TODAY - timedelta(days=i + 1))
    first = page(api, "/lists/black")
    assert first.count('class="entry entry-company"') == 20 and "黑名单企业00" in first
    second = page(api, "/lists/black?page=2")
    assert second.count('class="entry entry-company"') == 1 and "黑名单企业20" in second
    assert "没有第 5 页" in visible(page(api, "/lists/black?page=5"))
    assert "目前没有在公示期内的红名单" in visible(page(api, "/lists/red"))
    assert "没有这个页面" in visible(page(api, "/lists/watch", status=404))


# --- hostile text ------------------------------------------------------------------------------


def test_hostile_text_is_shown_escaped_on_every_page(api: TestClient, town: Town) -> None:
    long_name = "长" * 3000 + "家政"
    with town.sessions() as s, s.begin():
        hostile = add_company(s, name=f"恶意家政{HOSTILE}")
        add_company(s, name=long_name)
        add_record(s, hostile.subject_id, "penalty", decided_on=TODAY - timedelta(days=3)).content = HOSTILE
        grade(s, hostile.subject_id, "C", 600, [{"code": "D1.x", "label": HOSTILE, "points": 1, "record_ids": []}])
        entry = add_entry(s, hostile.subject_id, "black")
        entry.details = {"condition": HOSTILE}
        uscc = hostile.uscc
    texts = {
        "search": page(api, "/?q=恶意家政"),
        "search-echo": page(api, "/?q=" + HOSTILE.replace("'", "%27").replace("=", "%3D")),
        "report": page(api, f"/c/{uscc}"),
        "black": page(api, "/lists/black"),
    }
    for where, text in texts.items():
        assert "<script>" not in text, where
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#34;&#39; OR 1=1 --" in text, where
    assert HOSTILE in box_value(texts["search-echo"])
    assert long_name in visible(page(api, "/?q=长长长"))


# --- error pages -------------------------------------------------------------------------------


def test_an_unknown_uscc_is_a_chinese_404_page_with_the_search_box(api: TestClient, town: Town) -> None:
    for path in ("/c/91370100MA00000000", "/c/not-a-code", "/c/" + "9" * 300):
        text = page(api, path, status=404)
        words = visible(text)
        assert "没有找到这家企业" in words and "下一步怎么办" in words and "营业执照" in words
        assert 'class="search"' in text and 'action="/"' in text
        assert "not-a-code" not in words
    body = problem(api.get("/c/91370100MA00000000"), 404, code="public.company_not_found")
    assert body["title"] == "未找到"


def test_an_unknown_worker_code_is_a_chinese_404_page_saying_what_to_check(api: TestClient, town: Town) -> None:
    text = page(api, "/w/JZ0000000000", status=404)
    words = visible(text)
    assert "没有找到这个服务员码" in words and "扫描证上的二维码" in words and 'class="search"' in text
    problem(api.get("/w/JZ0000000000"), 404)


def test_unknown_pages_and_bad_input_are_chinese_pages_for_a_browser(api: TestClient, town: Town) -> None:
    words = visible(page(api, "/no/such/page", status=404))
    assert "没有这个页面" in words and "回到首页" in words
    problem(api.get("/no/such/page"), 404, code="not_found")
    words = visible(page(api, "/lists/red?page=abc", status=422))
    assert "输入不符合要求" in words and "page" in words and "下一步怎么办" in words
    problem(api.get("/lists/red?page=abc", headers={"Accept": "application/json"}), 422)
    words = visible(page(api, "/c/%00", status=400))
    assert "空字符" in words


@pytest.fixture(name="strict_app")
def strict_app_fixture(settings: Settings, tmp_path: Path) -> Iterator[FastAPI]:
    """The app with a look-up bucket of two, and a page that fails (for the 429 and 500 pages)."""
    config = tmp_path / "strict.yml"
    config.write_text(yaml.safe_dump({"api": {"rate_limits": {"lookup": {"burst": 2, "per_minute": 1}}}}),
                      encoding="utf-8")
    settings.config, settings.now = config, NOW_TEXT
    app = create_app(settings)

    @app.get("/c/{uscc}/boom", include_in_schema=False)
    def boom(uscc: str) -> None:
        raise RuntimeError("a bug")

    yield app


def test_too_many_requests_and_a_bug_are_chinese_pages_too(strict_app: FastAPI, town: Town) -> None:
    with TestClient(strict_app, raise_server_exceptions=False) as client:
        page(client, "/c/91370100MA00000000/boom", status=500)
        text = page(client, "/c/91370100MA00000000/boom", status=500)
        words = visible(text)
        assert "系统内部错误" in words and "事件编号" in words and "Traceback" not in text and "a bug" not in text
        limited = client.get(f"/c/{town.uscc}", headers=HTML)
        assert limited.status_code == 429 and limited.headers["retry-after"]
        words = visible(limited.text)
        assert "请求过于频繁" in words and "请稍候" in words
        problem(client.get(f"/c/{town.uscc}"), 429)

