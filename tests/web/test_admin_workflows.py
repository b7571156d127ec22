"""Notices, objections and repairs on /admin, on both engines: the region's items only, a form's refusals next
to its fields, decisions through the workflow services (with the version seen: 409 when stale), the §3.6
codes of a repair that fails its conditions shown before and after deciding, an item outside the region the
same 404 page as an unknown one."""

from __future__ import annotations

from datetime import date

import httpx
from fastapi.testclient import TestClient
from tests.api.regulator_helpers import (  # noqa: F401  (fixtures)
    NOW,
    World,
    client_fixture,
    world_fixture,
)
from tests.factories import add_record
from tests.web.admin_helpers import main_text, signed_in

from jzcredit.objections import service as objections
from jzcredit.objections.models import Objection
from jzcredit.records.models import CreditRecord
from jzcredit.rectification import service as rectification
from jzcredit.rectification.models import RectificationNotice
from jzcredit.repair import service as repairs
from jzcredit.repair.models import RepairApplication
from jzcredit.repair.rules import repair_rules

HTML = {"Accept": "text/html"}


def _post(client: TestClient, path: str, csrf: str, **data: str) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf, **data}, headers=HTML, follow_redirects=False)


def _notice(world: World, subject: str, *, submitted: bool = False) -> int:
    with world.sessions() as s, s.begin():
        notice = rectification.issue_notice(s, subject_id=world.ids[subject], requirements="公示收费标准",
                                            now=NOW, actor="test")
        if submitted:
            rectification.submit_evidence(s, notice_id=notice["notice_id"], evidence="已公示", now=NOW, actor="test")
        return int(notice["notice_id"])


def test_issuing_a_notice_checks_each_field_and_then_issues(client: TestClient, world: World) -> None:
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    refused = _post(client, "/admin/notices", csrf, subject_key="", requirements="", deadline="2026-13-01")
    assert refused.status_code == 422
    said = main_text(refused.text)
    assert "请填写主体" in said and "请填写整改要求" in said and "整改期限应为日期" in said
    assert 'id="e0-subject_key"' in refused.text and 'id="e0-requirements"' in refused.text
    outside = _post(client, "/admin/notices", csrf, subject_key=world.keys["B"], requirements="整改")
    assert outside.status_code == 422 and "没有找到这个信用主体" in outside.text  # B is in another province
    assert world.keys["B"] in outside.text  # the value typed is kept in the field
    issued = _post(client, "/admin/notices", csrf, subject_key=world.keys["A"], requirements="<b>公示</b>收费标准",
                   deadline="2026-07-31")
    assert issued.status_code == 303
    page = client.get(issued.headers["location"])
    assert "整改通知已下达" in page.text and "&lt;b&gt;公示&lt;/b&gt;收费标准" in page.text
    assert "2026-07-31" in page.text
    with world.sessions() as s:
        notice = s.query(RectificationNotice).one()
        assert notice.subject_id == world.ids["A"] and notice.issued_by == world.who["regulator_city"].actor


def test_the_notices_list_shows_the_region_and_overdue(client: TestClient, world: World) -> None:
    mine, theirs = _notice(world, "A"), _notice(world, "B")
    with world.sessions() as s, s.begin():
        s.get_one(RectificationNotice, mine).deadline = date(2026, 6, 1)  # past, not yet marked by tick
    signed_in(client, world.who["regulator_city"].token or "")
    page = client.get("/admin/notices", params={"show": "overdue"})
    assert page.status_code == 200
    assert f'id="notice-{mine}"' in page.text and f'id="notice-{theirs}"' not in page.text
    assert "已过期限" in page.text


def test_verifying_submitted_evidence_with_the_version_seen(client: TestClient, world: World) -> None:
    notice_id = _notice(world, "A", submitted=True)
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    assert f'action="/admin/notices/{notice_id}/verification"' in client.get("/admin/notices").text
    stale = _post(client, f"/admin/notices/{notice_id}/verification", csrf, decision="accept", version="1")
    assert stale.status_code == 409 and "已被他人修改" in stale.text
    returned = _post(client, f"/admin/notices/{notice_id}/verification", csrf, decision="reject", version="2")
    assert returned.status_code == 422 and "请填写退回理由" in returned.text
    accepted = _post(client, f"/admin/notices/{notice_id}/verification", csrf, decision="accept", version="2")
    assert accepted.status_code == 303
    with world.sessions() as s:
        assert s.get_one(RectificationNotice, notice_id).status == "verified"


def _objection(world: World, subject: str) -> tuple[int, int]:
    with world.sessions() as s, s.begin():
        record = add_record(s, world.ids[subject], "penalty", decided_on=date(2026, 3, 1))
        found = objections.file_objection(s, record_id=record.id, reason="<i>不是我们</i>", now=NOW, actor="test")
        return int(found["objection_id"]), record.id


def test_an_objection_in_the_region_is_upheld_and_one_outside_is_hidden(client: TestClient, world: World) -> None:
    (mine, record_id), (theirs, _) = _objection(world, "A"), _objection(world, "B")
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    page = client.get("/admin/objections")
    assert f'id="objection-{mine}"' in page.text and f'id="objection-{theirs}"' not in page.text
    assert "&lt;i&gt;不是我们&lt;/i&gt;" in page.text
    no_reason = _post(client, f"/admin/objections/{mine}", csrf, decision="uphold", version="1")
    assert no_reason.status_code == 422 and "请填写决定理由" in no_reason.text
    hidden = _post(client, f"/admin/objections/{theirs}", csrf, decision="uphold", note="理由", version="1")
    unknown = _post(client, "/admin/objections/777777", csrf, decision="uphold", note="理由", version="1")
    assert hidden.status_code == unknown.status_code == 404
    assert main_text(hidden.text).replace(str(theirs), "N") == main_text(unknown.text).replace("777777", "N")
    upheld = _post(client, f"/admin/objections/{mine}", csrf, decision="uphold", note="经核实为误报", version="1")
    assert upheld.status_code == 303
    with world.sessions() as s:
        assert s.get_one(Objection, mine).status == "upheld"
        assert s.get_one(CreditRecord, record_id).status == "revoked"
        assert s.get_one(Objection, theirs).status == "filed"


def _repair(world: World, subject: str) -> int:
    """An application for a general penalty decided too recently, with no evidence: two §3.6 conditions fail."""
    with world.sessions() as s, s.begin():
        record = add_record(s, world.ids[subject], "penalty", decided_on=date(2026, 6, 1),
                            publish_until=date(2029, 6, 1))
        application = repairs.apply(s, subject_id=world.ids[subject], by="test", now=NOW, rules=repair_rules(),
                                    record_id=record.id, commitment=True)
        return application.id


def test_a_repair_shows_its_failed_conditions_and_cannot_be_approved(client: TestClient, world: World) -> None:
    repair_id = _repair(world, "A")
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    page = client.get("/admin/repairs")
    assert page.status_code == 200 and f'id="repair-{repair_id}"' in page.text
    assert "min_period_not_served" in page.text and "no_evidence" in page.text and "no_commitment" not in page.text
    refused = _post(client, f"/admin/repairs/{repair_id}", csrf, decision="approve", version="1")
    assert refused.status_code == 409 and "不符合信用修复条件" in refused.text
    assert "min_period_not_served" in main_text(refused.text)
    with world.sessions() as s:
        assert s.get_one(RepairApplication, repair_id).status == "submitted"  # nothing written
    rejected = _post(client, f"/admin/repairs/{repair_id}", csrf, decision="reject", version="1")
    assert rejected.status_code == 303
    after = client.get(rejected.headers["location"]).text
    assert f"信用修复申请 {repair_id} 已驳回" in after and "min_period_not_served" in after
    with world.sessions() as s:
        application = s.get_one(RepairApplication, repair_id)
        assert application.status == "rejected" and "no_evidence" in application.failed


def test_a_repair_outside_the_region_is_hidden(client: TestClient, world: World) -> None:
    theirs = _repair(world, "B")
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    assert f'id="repair-{theirs}"' not in client.get("/admin/repairs").text
    assert _post(client, f"/admin/repairs/{theirs}", csrf, decision="reject", version="1").status_code == 404


def test_verifying_a_notice_outside_the_region_is_the_unknown_notices_404(client: TestClient, world: World) -> None:
    theirs = _notice(world, "B", submitted=True)
    csrf = signed_in(client, world.who["regulator_city"].token or "")
    hidden = _post(client, f"/admin/notices/{theirs}/verification", csrf, decision="accept", version="2")
    unknown = _post(client, "/admin/notices/888888/verification", csrf, decision="accept", version="2")
    assert hidden.status_code == unknown.status_code == 404
    assert main_text(hidden.text).replace(str(theirs), "N") == main_text(unknown.text).replace("888888", "N")
    with world.sessions() as s:
        assert s.get_one(RectificationNotice, theirs).status == "submitted"
