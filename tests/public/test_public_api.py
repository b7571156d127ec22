"""``/api/v1/public/…`` (spec §4.4 "Public, no token") on both engines: the worker card and its consents, the
company report, search, the red and black lists, and the complaint and rating forms with their refusals.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.api.workflow_helpers import NOW, problem
from tests.factories import add_company, add_rating, add_record, add_worker
from tests.public.helpers import (  # noqa: F401  (fixtures)
    CARD_FIELDS,
    FULL_ID,
    MOBILE,
    REPORT_FIELDS,
    TODAY,
    Town,
    add_entry,
    api_fixture,
    counts,
    grade,
    issue_code,
    town_fixture,
)

from jzcredit.common.ids import PROVINCES, id_facts
from jzcredit.complaints import service as complaints_service
from jzcredit.complaints.models import Complaint
from jzcredit.rectification import service as rectification_service
from jzcredit.registry import service as registry
from jzcredit.registry.models import Company, Employment, Worker

PUBLIC = "/api/v1/public"


def card(api: TestClient, code: str) -> dict[str, Any]:
    response = api.get(f"{PUBLIC}/workers/{code}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def report(api: TestClient, uscc: str) -> dict[str, Any]:
    response = api.get(f"{PUBLIC}/companies/{uscc}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def set_consent(town: Town, scope: str, granted: bool, at: datetime) -> None:
    with town.sessions() as s, s.begin():
        current = registry.current_consents(s, [town.worker_id])[town.worker_id]
        assert registry.set_consent(s, worker_id=town.worker_id, scope=scope, granted=granted, now=at, source="test",
                                    current=current)


def no_personal_numbers(body: Any, *numbers: str) -> None:
    text = json.dumps(body, ensure_ascii=False)
    assert not FULL_ID.search(text) and not MOBILE.search(text), text
    for number in numbers:
        assert number not in text


# --- the worker card ---------------------------------------------------------------------------


def test_worker_card_has_exactly_the_spec_fields_and_no_personal_number(api: TestClient, town: Town) -> None:
    body = card(api, town.code)
    # the §4.4 fields, plus the one documented addition (when a revoked code was revoked)
    assert set(body) == CARD_FIELDS | {"revoked_on"}
    facts = id_facts(town.id_number)
    assert body["worker_code"] == town.code and body["as_of"] == TODAY.isoformat()
    assert body["sex"] == facts.sex and body["native_province"] == PROVINCES[facts.native_region[:2]]
    born = facts.birth_date
    assert body["age"] == TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
    assert body["categories"] == ["cleaning"] and body["identity_verified"] is True
    assert body["employers"] == [{"name": "泉城家政服务有限公司", "uscc": town.uscc}]
    assert body["rating"] == {"average": None, "count": 0} and body["grade"] is None
    assert body["black_listed"] is False and body["card_status"] == "valid"
    assert body["background_check"] == {"status": "none", "checked_on": None}
    assert body["health_check"] == {"valid": False, "valid_until": None} and body["skill_certificates"] == []
    no_personal_numbers(body, town.id_number, town.id_number[-6:])


def test_without_public_card_consent_the_name_is_masked_and_there_is_no_photo(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        s.get_one(Worker, town.worker_id).photo_path = "/static/photos/zhang.jpg"
    body = card(api, town.code)
    assert body["display_name"] == "张*芳" and body["photo_url"] is None


def test_with_public_card_consent_the_card_shows_the_full_name_and_photo(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        s.get_one(Worker, town.worker_id).photo_path = "/static/photos/zhang.jpg"
    set_consent(town, "public_card", True, NOW - timedelta(days=3))
    body = card(api, town.code)
    assert body["display_name"] == "张小芳" and body["photo_url"] == "/static/photos/zhang.jpg"


def test_revoking_public_card_takes_effect_on_the_very_next_request(api: TestClient, town: Town) -> None:
    set_consent(town, "public_card", True, NOW - timedelta(days=3))
    assert card(api, town.code)["display_name"] == "张小芳"  # the app has now read the card once
    set_consent(town, "public_card", False, NOW - timedelta(minutes=1))
    assert card(api, town.code)["display_name"] == "张*芳"
    set_consent(town, "public_card", True, NOW - timedelta(seconds=30))
    assert card(api, town.code)["display_name"] == "张小芳"


def test_a_consent_granted_after_the_clock_does_not_count_yet(api: TestClient, town: Town) -> None:
    set_consent(town, "public_card", True, NOW + timedelta(hours=2))
    assert card(api, town.code)["display_name"] == "张*芳"


def test_card_status_valid_unverified_and_revoked(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        unverified = add_worker(s, town.vault, verified=False, name="王丽").subject_id
        no_collect = add_worker(s, town.vault, consents=(), name="赵敏").subject_id
    assert card(api, town.code)["card_status"] == "valid"
    body = card(api, town.code_of(unverified))
    assert body["card_status"] == "unverified" and body["identity_verified"] is False
    assert card(api, town.code_of(no_collect))["card_status"] == "unverified"
    set_consent(town, "collect", False, NOW - timedelta(minutes=1))
    assert card(api, town.code)["card_status"] == "unverified"

    with town.sessions() as s, s.begin():
        new_code = registry.reissue_worker_code(s, worker_id=town.worker_id, now=NOW - timedelta(days=1))
    old = card(api, town.code)
    assert old["card_status"] == "revoked" and old["revoked_on"] == (TODAY - timedelta(days=1)).isoformat()
    assert old["display_name"] is None and old["employers"] == [] and old["grade"] is None  # nothing about anyone
    assert set(old) == CARD_FIELDS | {"revoked_on"}
    assert card(api, new_code)["card_status"] == "unverified"  # collect was revoked above


def test_black_listed_only_while_a_published_black_entry_is_in_force(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        add_entry(s, town.worker_id, "black", status="candidate", rule="B4")
        add_entry(s, town.worker_id, "watch", status="active", rule="W1")
        add_entry(s, town.worker_id, "black", rule="B2", published_on=TODAY - timedelta(days=400),
                  expires_on=TODAY - timedelta(days=1))
    assert card(api, town.code)["black_listed"] is False
    with town.sessions() as s, s.begin():
        add_entry(s, town.worker_id, "black", rule="B1")
    assert card(api, town.code)["black_listed"] is True


def test_health_check_is_valid_only_for_a_pass_whose_window_covers_today(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        add_record(s, town.worker_id, "health_check", decided_on=TODAY - timedelta(days=400),
                   valid_until=TODAY - timedelta(days=35), details={"result": "pass"})
        add_record(s, town.worker_id, "health_check", decided_on=TODAY - timedelta(days=20),
                   valid_until=TODAY + timedelta(days=345), details={"result": "fail"})
    assert card(api, town.code)["health_check"] == {"valid": False,
                                                    "valid_until": (TODAY - timedelta(days=35)).isoformat()}
    with town.sessions() as s, s.begin():
        add_record(s, town.worker_id, "health_check", decided_on=TODAY - timedelta(days=10),
                   valid_until=TODAY + timedelta(days=355), details={"result": "pass"})
    assert card(api, town.code)["health_check"] == {"valid": True,
                                                    "valid_until": (TODAY + timedelta(days=355)).isoformat()}


def test_training_certificates_and_background_check_on_the_card(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        add_record(s, town.worker_id, "training", decided_on=TODAY - timedelta(days=100), details={"hours": "24"})
        add_record(s, town.worker_id, "training", decided_on=TODAY - timedelta(days=800), details={"hours": "40"})
        add_record(s, town.worker_id, "skill_certificate", decided_on=date(2025, 3, 1),
                   details={"title": "家政服务员", "level": "四级"})
        add_record(s, town.worker_id, "background_check", decided_on=date(2025, 1, 10), details={"result": "clear"})
    body = card(api, town.code)
    assert body["training_hours_2y"] == 24.0  # the 800-day-old course is outside the two years
    assert body["skill_certificates"] == [{"title": "家政服务员", "level": "四级", "issued_on": "2025-03-01",
                                           "valid_until": None}]
    assert body["background_check"] == {"status": "clear", "checked_on": "2025-01-10"}


def test_employers_are_the_current_ones_only(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        s.add(Employment(worker_id=town.worker_id, company_id=town.other_id, start_on=date(2022, 1, 1),
                         end_on=date(2023, 12, 31), source="test"))
    assert card(api, town.code)["employers"] == [{"name": "泉城家政服务有限公司", "uscc": town.uscc}]
    with town.sessions() as s, s.begin():
        s.add(Employment(worker_id=town.worker_id, company_id=town.other_id, start_on=date(2026, 2, 1),
                         source="test"))
    assert {e["uscc"] for e in card(api, town.code)["employers"]} == {town.uscc, town.other_uscc}


def test_several_records_and_employers_each_count_once(api: TestClient, town: Town) -> None:
    """The card is read in one statement (records × employers): nothing may be counted twice."""
    with town.sessions() as s, s.begin():
        s.add(Employment(worker_id=town.worker_id, company_id=town.other_id, start_on=date(2025, 1, 1),
                         source="test"))
        s.add(Employment(worker_id=town.worker_id, company_id=town.company_id, start_on=date(2025, 6, 1),
                         source="test"))  # a second current employment at the same company
        for days, hours in ((30, "8"), (60, "12.5"), (90, "4")):
            add_record(s, town.worker_id, "training", decided_on=TODAY - timedelta(days=days), details={"hours": hours})
        add_record(s, town.worker_id, "skill_certificate", decided_on=date(2024, 3, 1), details={"title": "育婴员"})
        add_record(s, town.worker_id, "skill_certificate", decided_on=date(2025, 3, 1),
                   details={"title": "家政服务员", "level": "四级"})
        add_record(s, town.worker_id, "penalty", decided_on=TODAY - timedelta(days=5), severity="minor")
        company, worker = s.get_one(Company, town.company_id), s.get_one(Worker, town.worker_id)
        for stars in (5, 3):
            add_rating(s, company, stars, rated_on=TODAY - timedelta(days=5), worker=worker)
    body = card(api, town.code)
    assert body["training_hours_2y"] == 24.5
    assert [c["title"] for c in body["skill_certificates"]] == ["家政服务员", "育婴员"]
    assert body["employers"] == [{"name": "泉城家政服务有限公司", "uscc": town.uscc},
                                 {"name": "浦江家政服务有限公司", "uscc": town.other_uscc}]
    assert body["rating"] == {"average": 4.0, "count": 2}


def test_rating_is_the_average_and_count_of_the_workers_ratings(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        company, worker = s.get_one(Company, town.company_id), s.get_one(Worker, town.worker_id)
        for stars in (5, 4, 4):
            add_rating(s, company, stars, rated_on=TODAY - timedelta(days=5), worker=worker)
        add_rating(s, company, 1, rated_on=TODAY - timedelta(days=5))  # on the company only
        grade(s, town.worker_id, "B", 700, [], model="worker-2026.1")
    body = card(api, town.code)
    assert body["rating"] == {"average": 4.33, "count": 3} and body["grade"] == "B"


def test_an_unknown_or_malformed_worker_code_is_a_404_problem(api: TestClient, town: Town) -> None:
    unknown = problem(api.get(f"{PUBLIC}/workers/JZ0000000000"), 404, code="public.worker_not_found")
    malformed = problem(api.get(f"{PUBLIC}/workers/{town.id_number}"), 404, code="public.worker_not_found")
    malformed.pop("instance")  # the path as asked (the client's own text); the rest never repeats it
    assert unknown["detail"] == malformed["detail"] and town.id_number not in json.dumps(malformed)
    assert card(api, town.code.lower())["worker_code"] == town.code  # as typed from the card


# --- the company report ------------------------------------------------------------------------


def test_company_report_has_the_spec_fields_grade_and_factors(api: TestClient, town: Town) -> None:
    factors = [{"code": "D1.basic_fields", "label": "基础信息 4 项", "points": 45, "record_ids": []},
               {"code": "D4.rating", "label": "消费者评价", "points": 30, "record_ids": [1, 2]}]
    with town.sessions() as s, s.begin():
        grade(s, town.company_id, "B", 810, factors)
    body = report(api, town.uscc)
    assert set(body) == REPORT_FIELDS | {"status", "as_of"}  # the two documented additions
    assert body["uscc"] == town.uscc and body["name"] == "泉城家政服务有限公司" and body["region_code"] == "370102"
    assert body["categories"] == ["cleaning", "elderly_care"] and body["employment_model"] == "employee"
    assert body["established_on"] == "2020-05-01"
    assert (body["grade"], body["score"], body["factors"]) == ("B", 810, factors)
    assert body["complaints_365d"] == {"total": 0, "resolved": 0, "unanswered": 0, "substantiated": 0}
    assert body["workers"] == {"current": 1, "identified_authorised": 1}
    no_personal_numbers(body)


def test_an_ungraded_company_shows_no_score(api: TestClient, town: Town) -> None:
    assert (report(api, town.uscc)["grade"], report(api, town.uscc)["score"]) == (None, None)
    with town.sessions() as s, s.begin():
        grade(s, town.company_id, "N", 300, [{"code": "x", "label": "y", "points": 300, "record_ids": []}])
    body = report(api, town.uscc)
    assert (body["grade"], body["score"], body["factors"]) == ("N", None, [])


def test_lists_on_the_report_are_published_red_and_black_entries_in_force_only(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        add_entry(s, town.company_id, "red", rule="R1")
        add_entry(s, town.company_id, "black", rule="B1", published_on=TODAY - timedelta(days=3),
                  expires_on=TODAY + timedelta(days=1000))
        add_entry(s, town.company_id, "watch", status="active", rule="W1")
        add_entry(s, town.company_id, "black", status="candidate", rule="B2")
        add_entry(s, town.company_id, "black", rule="B3", published_on=TODAY - timedelta(days=500),
                  expires_on=TODAY - timedelta(days=2))
    lists = report(api, town.uscc)["lists"]
    assert lists == [
        {"list": "red", "published_on": (TODAY - timedelta(days=10)).isoformat(),
         "expires_on": (TODAY + timedelta(days=365)).isoformat()},
        {"list": "black", "published_on": (TODAY - timedelta(days=3)).isoformat(),
         "expires_on": (TODAY + timedelta(days=1000)).isoformat()}]


def test_records_are_those_in_force_and_public_only(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        shown = add_record(s, town.company_id, "penalty", decided_on=date(2026, 3, 1), amount="2000",
                           publish_until=date(2027, 3, 1))
        objected = add_record(s, town.company_id, "license", decided_on=date(2026, 2, 1), status="under_objection")
        public_pledge = add_record(s, town.company_id, "commitment", decided_on=date(2026, 1, 5),
                                   details={"public": True})
        add_record(s, town.company_id, "commitment", decided_on=date(2026, 1, 6), details={"public": False})
        add_record(s, town.company_id, "penalty", decided_on=date(2023, 3, 1), publish_until=date(2026, 3, 1))
        for status in ("repaired", "revoked", "expired"):
            add_record(s, town.company_id, "penalty", decided_on=date(2026, 1, 1), status=status)
        add_record(s, town.company_id, "penalty", decided_on=TODAY + timedelta(days=3))  # not decided yet
        add_record(s, town.other_id, "penalty", decided_on=date(2026, 1, 1))
        secret = add_record(s, town.company_id, "other", decided_on=date(2026, 4, 1))
        secret.content = f"经营者身份证 {town.id_number}，电话 13812345678"
        expected = [shown.id, objected.id, public_pledge.id, secret.id]
    records = report(api, town.uscc)["records"]
    assert sorted(r["record_id"] for r in records) == sorted(expected)
    penalty = next(r for r in records if r["record_id"] == shown.id)
    assert penalty["amount"] == "2000.00"
    assert penalty["status"] == "active" and penalty["publish_until"] == "2027-03-01"
    masked = next(r for r in records if r["record_id"] == secret.id)["content"]
    assert town.id_number not in masked and "13812345678" not in masked and "138****5678" in masked
    no_personal_numbers(records)


def test_rectifications_show_every_notice_overdue_once_past_its_deadline(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        late = rectification_service.issue_notice(s, subject_id=town.company_id, requirements="补签合同",
                                                  now=NOW - timedelta(days=40), actor="regulator:test",
                                                  deadline=TODAY - timedelta(days=10))
        open_ = rectification_service.issue_notice(s, subject_id=town.company_id, requirements="公示价格",
                                                   now=NOW - timedelta(days=2), actor="regulator:test",
                                                   deadline=TODAY + timedelta(days=28))
    rows = report(api, town.uscc)["rectifications"]
    assert {r["notice_number"]: r["status"] for r in rows} == {late["notice_number"]: "overdue",
                                                               open_["notice_number"]: "issued"}
    assert {r["deadline"] for r in rows} == {(TODAY - timedelta(days=10)).isoformat(),
                                             (TODAY + timedelta(days=28)).isoformat()}
    assert set(rows[0]) == {"notice_number", "issued_on", "deadline", "status"}


def test_complaints_365d_counts_total_resolved_unanswered_and_substantiated(api: TestClient, town: Town) -> None:
    def file(s: Session, at: datetime) -> int:
        return complaints_service.file_complaint(s, vault=town.vault, category="quality", description="未按约定服务",
                                                 filed_by="消费者", now=at, actor="public",
                                                 company_uscc=town.uscc).id

    with town.sessions() as s, s.begin():
        file(s, NOW - timedelta(days=400))  # outside the window
        file(s, NOW - timedelta(days=2))  # filed, not yet forwarded
        unanswered = file(s, NOW - timedelta(days=30))
        complaints_service.forward(s, complaint_id=unanswered, now=NOW - timedelta(days=30), actor="regulator:test")
        settled = file(s, NOW - timedelta(days=20))
        complaints_service.forward(s, complaint_id=settled, now=NOW - timedelta(days=20), actor="regulator:test")
        complaints_service.respond(s, complaint_id=settled, text="已退款", now=NOW - timedelta(days=19),
                                   actor="company:test")
        complaints_service.resolve(s, complaint_id=settled, satisfied=True, now=NOW - timedelta(days=18),
                                   actor="public")
        complaints_service.close(s, complaint_id=settled, finding="substantiated", now=NOW - timedelta(days=17),
                                 actor="regulator:test")
    assert report(api, town.uscc)["complaints_365d"] == {"total": 3, "resolved": 1, "unanswered": 1,
                                                         "substantiated": 1}
    assert report(api, town.other_uscc)["complaints_365d"]["total"] == 0


def test_rating_and_worker_counts_on_the_report(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        company = s.get_one(Company, town.company_id)
        for stars in (5, 4):
            add_rating(s, company, stars, rated_on=TODAY - timedelta(days=3))
        add_worker(s, town.vault, verified=False, employer=company, name="王丽")  # current, not identified
        add_worker(s, town.vault, consents=(), employer=company, name="赵敏")  # current, no collect consent
        gone = add_worker(s, town.vault, name="钱多")
        s.add(Employment(worker_id=gone.subject_id, company_id=town.company_id, start_on=date(2024, 1, 1),
                         end_on=date(2025, 1, 1), source="test"))
    body = report(api, town.uscc)
    assert body["rating"] == {"average": 4.5, "count": 2}
    assert body["workers"] == {"current": 3, "identified_authorised": 1}


def test_an_unknown_or_malformed_uscc_is_a_404_problem(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        spare = add_company(s, name="临时家政")
        unknown = spare.uscc
        s.delete(spare)
    first = problem(api.get(f"{PUBLIC}/companies/{unknown}"), 404, code="public.company_not_found")
    second = problem(api.get(f"{PUBLIC}/companies/not-a-uscc"), 404, code="public.company_not_found")
    assert first["detail"] == second["detail"]


# --- search and lists --------------------------------------------------------------------------


def test_search_by_part_of_the_name_and_by_uscc_paginated(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        for i in range(3):
            add_company(s, name=f"泉城第{i}家政有限公司")
        grade(s, town.company_id, "A", 920, [])
    first = api.get(f"{PUBLIC}/companies", params={"q": "泉城", "size": 2, "page": 1}).json()
    second = api.get(f"{PUBLIC}/companies", params={"q": "泉城", "size": 2, "page": 2}).json()
    assert first["total"] == second["total"] == 4 and (first["page"], first["size"]) == (1, 2)
    assert len(first["items"]) == 2 and len(second["items"]) == 2
    names = [i["name"] for i in first["items"] + second["items"]]
    assert names == sorted(names) and len(set(names)) == 4 and all("泉城" in n for n in names)
    by_code = api.get(f"{PUBLIC}/companies", params={"q": town.uscc}).json()
    assert by_code["total"] == 1
    assert by_code["items"] == [{"uscc": town.uscc, "name": "泉城家政服务有限公司", "region_code": "370102",
                                 "grade": "A"}]
    none = api.get(f"{PUBLIC}/companies", params={"q": "没有这家"}).json()
    assert (none["items"], none["total"]) == ([], 0)
    beyond = api.get(f"{PUBLIC}/companies", params={"q": "泉城", "size": 2, "page": 3}).json()
    assert (beyond["items"], beyond["total"]) == ([], 4)
    problem(api.get(f"{PUBLIC}/companies", params={"q": ""}), 422)
    problem(api.get(f"{PUBLIC}/companies"), 422)


def test_search_takes_like_wildcards_literally(api: TestClient, town: Town) -> None:
    assert api.get(f"{PUBLIC}/companies", params={"q": "%"}).json()["total"] == 0
    assert api.get(f"{PUBLIC}/companies", params={"q": "_"}).json()["total"] == 0


def test_lists_publish_red_and_black_entries_only(api: TestClient, town: Town) -> None:
    with town.sessions() as s, s.begin():
        red = add_entry(s, town.company_id, "red", rule="R1").id
        black_worker = add_entry(s, town.worker_id, "black", rule="B2").id
        add_entry(s, town.other_id, "black", status="candidate")
        add_entry(s, town.other_id, "watch", status="active", rule="W1")
    reds = api.get(f"{PUBLIC}/lists/red").json()
    assert [i["entry_id"] for i in reds["items"]] == [red] and reds["total"] == 1
    assert reds["items"][0]["uscc"] == town.uscc and reds["items"][0]["kind"] == "company"
    blacks = api.get(f"{PUBLIC}/lists/black").json()
    assert [i["entry_id"] for i in blacks["items"]] == [black_worker]
    worker = blacks["items"][0]
    assert worker["name"] == "张*芳" and worker["worker_code"] == town.code and worker["uscc"] is None
    no_personal_numbers(blacks, town.id_number)
    watch = api.get(f"{PUBLIC}/lists/watch")
    assert watch.status_code in (404, 422)
    problem(watch, watch.status_code)
    assert "W1" not in watch.text and town.other_uscc not in watch.text


# --- complaints --------------------------------------------------------------------------------


def complaint_form(uscc: str, **extra: Any) -> dict[str, Any]:
    return {"company_uscc": uscc, "category": "quality", "description": "约定 4 小时保洁，实际只做了 2 小时。",
            "contact_phone": "13912345678", **extra}


def test_filing_a_complaint_answers_201_and_tracking_never_shows_the_phone(
        api: TestClient, town: Town, sessions: sessionmaker[Session]) -> None:
    response = api.post(f"{PUBLIC}/complaints", json=complaint_form(town.uscc, worker_code=town.code))
    assert response.status_code == 201, response.text
    filed = response.json()
    assert {"complaint_id", "tracking_code", "respond_by"} <= set(filed)
    assert filed["tracking_code"].startswith("TS") and "13912345678" not in response.text
    with sessions() as s:
        row = s.get_one(Complaint, filed["complaint_id"])
        assert (row.company_id, row.worker_id, row.status) == (town.company_id, town.worker_id, "filed")
        assert row.contact_phone_cipher and town.vault.decrypt(row.contact_phone_cipher) == "13912345678"
    tracked = api.get(f"{PUBLIC}/complaints/{filed['tracking_code']}")
    assert tracked.status_code == 200, tracked.text
    body = tracked.json()
    assert body["tracking_code"] == filed["tracking_code"] and body["status"] == "filed"
    assert body["filed_on"] == TODAY.isoformat() and [t["status"] for t in body["timeline"]] == ["filed"]
    assert "13912345678" not in tracked.text and "5678" not in tracked.text
    no_personal_numbers(body)
    assert api.get(f"{PUBLIC}/complaints/{filed['tracking_code'].lower()}").status_code == 200


def test_tracking_shows_the_company_answer_with_numbers_masked(api: TestClient, town: Town) -> None:
    tracking = api.post(f"{PUBLIC}/complaints", json=complaint_form(town.uscc)).json()["tracking_code"]
    with town.sessions() as s, s.begin():
        complaint = s.scalars(select(Complaint).where(Complaint.tracking_code == tracking)).one()
        complaints_service.forward(s, complaint_id=complaint.id, now=NOW, actor="regulator:test")
        complaints_service.respond(s, complaint_id=complaint.id, now=NOW, actor="company:test",
                                   text=f"已联系您，回访电话 13700001111，服务员证件 {town.id_number}")
    body = api.get(f"{PUBLIC}/complaints/{tracking}").json()
    assert body["status"] == "responded" and body["respond_by"] == (TODAY + timedelta(days=7)).isoformat()
    assert "137****1111" in body["response"]
    no_personal_numbers(body, town.id_number)


def test_complaint_refusals_are_clear_4xx_and_write_nothing(
        api: TestClient, town: Town, sessions: sessionmaker[Session]) -> None:
    with town.sessions() as s, s.begin():
        spare = add_company(s, name="临时家政")
        unknown = spare.uscc
        s.delete(spare)
    before = counts(sessions)
    gone = problem(api.post(f"{PUBLIC}/complaints", json=complaint_form(unknown)), 404, code="company.not_found")
    assert "统一社会信用代码" in gone["detail"]
    problem(api.post(f"{PUBLIC}/complaints", json=complaint_form("91370100XXXX")), 422, code="public.bad_uscc")
    phone = problem(api.post(f"{PUBLIC}/complaints", json=complaint_form(town.uscc, contact_phone="1234")), 422,
                    code="complaint.bad_phone")
    assert "1234" not in phone["detail"]
    problem(api.post(f"{PUBLIC}/complaints", json=complaint_form(town.uscc, category="noise")), 422)
    problem(api.post(f"{PUBLIC}/complaints", json=complaint_form(town.uscc, worker_code="JZ0000000000")), 404)
    problem(api.post(f"{PUBLIC}/complaints", json=complaint_form(town.uscc, worker_code=town.id_number)), 422,
            code="public.bad_worker_code")
    problem(api.post(f"{PUBLIC}/complaints", json=complaint_form(town.other_uscc, worker_code=town.code)), 422,
            code="complaint.not_employer")
    problem(api.post(f"{PUBLIC}/complaints", json=complaint_form(town.uscc, description="  ")), 422)
    problem(api.post(f"{PUBLIC}/complaints", json=complaint_form(town.uscc, extra="x")), 422)
    problem(api.post(f"{PUBLIC}/complaints", content=b"{not json", headers={"content-type": "application/json"}),
            422)
    assert counts(sessions) == before
    problem(api.get(f"{PUBLIC}/complaints/TS0000000000AB"), 404, code="complaint.not_found")


# --- ratings -----------------------------------------------------------------------------------


def rating_form(uscc: str, code: str | None, **extra: Any) -> dict[str, Any]:
    form: dict[str, Any] = {"company_uscc": uscc, "stars": 4, "comment": "准时、细心。", **extra}
    if code is not None:
        form["service_code"] = code
    return form


def test_a_rating_with_a_valid_unused_code_is_201_and_counts_at_once(
        api: TestClient, town: Town, sessions: sessionmaker[Session]) -> None:
    code = issue_code(town, town.uscc, worker_code=town.code)
    response = api.post(f"{PUBLIC}/ratings", json=rating_form(town.uscc, code))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["company_uscc"], body["worker_code"], body["stars"], body["rated_on"]) == (
        town.uscc, town.code, 4, TODAY.isoformat())
    assert report(api, town.uscc)["rating"] == {"average": 4.0, "count": 1}
    assert card(api, town.code)["rating"] == {"average": 4.0, "count": 1}
    before = counts(sessions)
    again = problem(api.post(f"{PUBLIC}/ratings", json=rating_form(town.uscc, code, stars=1)), 409,
                    code="rating.code_used")
    assert "只能评价一次" in again["detail"] and counts(sessions) == before


def test_rating_refusals_write_nothing(api: TestClient, town: Town, sessions: sessionmaker[Session]) -> None:
    expired = issue_code(town, town.uscc, expires_on=TODAY - timedelta(days=1))
    foreign = issue_code(town, town.other_uscc)
    valid = issue_code(town, town.uscc)
    before = counts(sessions)
    problem(api.post(f"{PUBLIC}/ratings", json=rating_form(town.uscc, expired)), 409, code="rating.code_expired")
    problem(api.post(f"{PUBLIC}/ratings", json=rating_form(town.uscc, foreign)), 422, code="rating.foreign_code")
    problem(api.post(f"{PUBLIC}/ratings", json=rating_form(town.uscc, None)), 422)
    problem(api.post(f"{PUBLIC}/ratings", json=rating_form(town.uscc, " ")), 422, code="rating.no_code")
    problem(api.post(f"{PUBLIC}/ratings", json=rating_form(town.uscc, "PJ0000000000AB")), 404,
            code="rating.unknown_code")
    for stars in (0, 6, "5", 4.5):
        problem(api.post(f"{PUBLIC}/ratings", json=rating_form(town.uscc, valid, stars=stars)), 422)
    problem(api.post(f"{PUBLIC}/ratings", json=rating_form(town.uscc, valid, worker_code=town.code)), 422,
            code="rating.code_without_worker")
    problem(api.post(f"{PUBLIC}/ratings", json=rating_form("91370100XXXX", valid)), 422, code="public.bad_uscc")
    assert counts(sessions) == before
    assert api.post(f"{PUBLIC}/ratings", json=rating_form(town.uscc, valid)).status_code == 201
