"""The complaint state machine through the services, on both engines: every transition, every refusal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.complaints.helpers import (
    CFG,
    FILED,
    MASKED_PHONE,
    PHONE,
    ROUTE,
    at,
    code_of,
    drive,
    file,
    party,
    snapshot,
    step,
)
from tests.factories import add_company, add_worker

from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.common.ids import WORKER_CODE_ALPHABET
from jzcredit.complaints import service
from jzcredit.complaints.models import CATEGORIES, Complaint, ComplaintStep
from jzcredit.errors import Conflict, Invalid, JzError, NotFound
from jzcredit.records.models import CreditRecord
from jzcredit.registry.models import Employment

# --- filing -----------------------------------------------------------------------------------


def test_filing_keeps_the_phone_encrypted_and_masked_and_gives_a_tracking_code(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, worker = party(s, vault)
        complaint = file(s, vault, company, worker)
        assert complaint.status == "filed" and complaint.filed_on == FILED and complaint.version == 1
        assert (complaint.company_id, complaint.worker_id) == (company.subject_id, worker.subject_id)
        assert complaint.contact_phone_masked == MASKED_PHONE
        assert PHONE not in (complaint.contact_phone_cipher or "")
        assert vault.decrypt(complaint.contact_phone_cipher or "") == PHONE
        code = complaint.tracking_code
        assert code.startswith("TS") and len(code) == 14 and set(code[2:]) <= set(WORKER_CODE_ALPHABET)
        (st,) = s.scalars(select(ComplaintStep)).all()
        assert (st.action, st.from_status, st.to_status, st.actor) == ("file", None, "filed", "王女士")
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "complaint.file")).all()
        assert entry.object == f"complaint:{complaint.id}" and PHONE not in entry.detail
        shown = service.detail(s, complaint, as_of=FILED)
        assert PHONE not in repr(shown) and shown["contact_phone"] == MASKED_PHONE


def test_every_category_of_the_spec_is_accepted_and_tracking_codes_are_unique(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, _ = party(s, vault)
        filed = [file(s, vault, company, category=c) for c in CATEGORIES]
        assert sorted(CATEGORIES) == sorted(["quality", "price", "contract", "damage", "theft", "abuse", "injury",
                                             "other"])
        assert len({c.tracking_code for c in filed}) == len(CATEGORIES)
        assert service.find(s, filed[0].tracking_code.lower()).id == filed[0].id
        assert service.find(s, str(filed[1].id)).id == filed[1].id


def test_a_complaint_against_a_worker_reaches_the_current_employer(sessions: sessionmaker[Session],
                                                                   vault: Vault) -> None:
    with sessions() as s, s.begin():
        former, current = add_company(s), add_company(s)
        worker = add_worker(s, vault, employer=former)
        s.scalars(select(Employment)).one().end_on = date(2025, 12, 31)
        s.add(Employment(worker_id=worker.subject_id, company_id=current.subject_id, start_on=date(2026, 1, 1),
                         source="test"))
        s.flush()
        by_worker = service.file_complaint(s, vault=vault, category="quality", description="打扫不干净",
                                           filed_by="李先生", now=at(FILED), actor="李先生",
                                           worker_code=code_of(s, worker))
        assert (by_worker.company_id, by_worker.worker_id) == (current.subject_id, worker.subject_id)
        # the company that employed the worker when the service was done may be named
        assert file(s, vault, former, worker).company_id == former.subject_id


def refused(sessions: sessionmaker[Session], work: Any, error: type[JzError], words: str) -> None:
    """``work(session)`` is refused with ``error`` naming ``words``, and nothing at all changed."""
    with sessions() as s:
        before = snapshot(s)
    with pytest.raises(error) as caught, sessions() as s, s.begin():
        work(s)
    assert words in caught.value.detail and "\n" not in caught.value.detail
    with sessions() as s:
        assert snapshot(s) == before


def test_filing_refusals_change_nothing(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, worker = party(s, vault)
        other = add_company(s)
        second = add_company(s)
        busy = add_worker(s, vault, employer=company)
        s.add(Employment(worker_id=busy.subject_id, company_id=second.subject_id, start_on=date(2025, 1, 1),
                         source="test"))
        idle = add_worker(s, vault)
        keys = {"uscc": company.uscc, "other": other.uscc, "worker": code_of(s, worker), "busy": code_of(s, busy),
                "idle": code_of(s, idle)}

    def filing(**kwargs: Any) -> Any:
        args: dict[str, Any] = {"category": "theft", "description": "丢了东西", "filed_by": "王女士",
                                "company_uscc": keys["uscc"]} | kwargs
        return lambda s: service.file_complaint(s, vault=vault, now=at(FILED), actor="王女士", cfg=CFG, **args)

    refused(sessions, filing(category="rude"), Invalid, "未知的投诉类别")
    refused(sessions, filing(description="  "), Invalid, "投诉内容不能为空")
    refused(sessions, filing(description="x" * (CFG.text_max_chars + 1)), Invalid, "过长")
    refused(sessions, filing(description="a\x00b"), Invalid, "控制字符")
    refused(sessions, filing(company_uscc="123"), NotFound, "统一社会信用代码无效")
    refused(sessions, filing(company_uscc=_unknown_uscc()), NotFound, "没有统一社会信用代码")
    refused(sessions, filing(worker_code="JZ0000000000"), NotFound, "没有服务员编码为 JZ0000000000 的家政服务员")
    refused(sessions, filing(worker_code="JZ-NOT-A-CODE"), NotFound, "无法识别")
    refused(sessions, filing(company_uscc=None), Invalid, "--company 或 --worker")
    refused(sessions, filing(company_uscc=keys["other"], worker_code=keys["worker"]), Invalid, "从未受雇")
    refused(sessions, filing(company_uscc=None, worker_code=keys["busy"]), Invalid, "多家企业")
    refused(sessions, filing(company_uscc=None, worker_code=keys["idle"]), Invalid, "没有受雇企业")
    with pytest.raises(Invalid) as caught, sessions() as s, s.begin():
        filing(phone="12345678901")(s)
    assert "12345678901" not in caught.value.detail and "手机号码" in caught.value.detail


def _unknown_uscc() -> str:
    import random

    from jzcredit.common.ids import make_uscc

    return make_uscc(random.Random(424242), region_code="370102")


# --- the transitions --------------------------------------------------------------------------


def test_the_happy_route_forward_respond_satisfied_close(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, worker = party(s, vault)
        complaint = file(s, vault, company, worker)
        step(s, "forward", complaint.id, FILED)
        assert complaint.forwarded_on == FILED and complaint.respond_by == FILED + timedelta(days=CFG.response_days)
        step(s, "respond", complaint.id, FILED + timedelta(days=7), text="已道歉并退款")  # the last day is in time
        assert (complaint.status, complaint.response, complaint.unanswered) == ("responded", "已道歉并退款", False)
        step(s, "resolve", complaint.id, FILED + timedelta(days=8), satisfied=True)
        assert complaint.status == "resolved"
        step(s, "close", complaint.id, FILED + timedelta(days=9), finding="unsubstantiated", note="未发现过错")
        assert (complaint.status, complaint.finding, complaint.closed_on) == ("closed", "unsubstantiated",
                                                                               FILED + timedelta(days=9))
        assert s.scalars(select(CreditRecord)).all() == []  # unsubstantiated: nothing on the file
        steps = s.scalars(select(ComplaintStep).order_by(ComplaintStep.id)).all()
        assert [(x.action, x.from_status, x.to_status) for x in steps] == [
            ("file", None, "filed"), ("forward", "filed", "forwarded"), ("respond", "forwarded", "responded"),
            ("resolve", "responded", "resolved"), ("close", "resolved", "closed")]
        audited = s.scalars(select(AuditEntry.action).where(AuditEntry.object == f"complaint:{complaint.id}")).all()
        assert audited == ["complaint.file", "complaint.forward", "complaint.respond", "complaint.resolve",
                           "complaint.close"]
        assert complaint.version == 5


def test_unsatisfied_goes_to_mediation_and_a_substantiated_close_writes_records_on_both(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, worker = party(s, vault)
        complaint = drive(s, file(s, vault, company, worker), "mediated")
        closed_on = FILED + timedelta(days=10)
        step(s, "close", complaint.id, closed_on, finding="substantiated")
        records = s.scalars(select(CreditRecord).order_by(CreditRecord.id)).all()
        assert [(r.subject_id, r.type, r.decided_on, r.details) for r in records] == [
            (sid, "complaint", closed_on, {"finding": "substantiated", "category": "theft",
                                           "complaint_id": complaint.id})
            for sid in (company.subject_id, worker.subject_id)]
        last = s.scalars(select(ComplaintStep).order_by(ComplaintStep.id.desc())).first()
        assert last is not None and (last.action, last.from_status, last.record_id) == (
            "close", "mediated", records[0].id)
        listed = {c["complaint_id"]: c for c in service.for_subject(s, subject_id=worker.subject_id,
                                                                     as_of=closed_on)}
        assert listed[complaint.id]["finding"] == "substantiated"
        assert listed[complaint.id]["company_key"] == company.uscc


def test_a_resolved_complaint_may_still_be_found_substantiated(sessions: sessionmaker[Session],
                                                               vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, _ = party(s, vault)
        complaint = drive(s, file(s, vault, company), "resolved")
        step(s, "close", complaint.id, FILED + timedelta(days=5), finding="substantiated")
        (record,) = s.scalars(select(CreditRecord)).all()
        assert record.subject_id == company.subject_id  # no worker named: the company only


# each action and the statuses it may start from (mediate from forwarded only past the deadline)
ALLOWED = {"forward": {"filed"}, "respond": {"forwarded"}, "resolve": {"responded"},
           "mediate": {"unresolved", "forwarded"}, "close": {"resolved", "mediated"}}
ARGS: dict[str, dict[str, Any]] = {"forward": {}, "respond": {"text": "答复"}, "resolve": {"satisfied": True},
                                   "mediate": {"note": "调解"}, "close": {"finding": "substantiated"}}


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_every_step_from_a_wrong_status_is_refused_and_changes_nothing(
        sessions: sessionmaker[Session], vault: Vault, action: str) -> None:
    with sessions() as s, s.begin():
        company, _ = party(s, vault)
        ids = {status: drive(s, file(s, vault, company), status).id for status in ROUTE}
    day = FILED + timedelta(days=6)  # every complaint still inside its response deadline
    for status, complaint_id in ids.items():
        if status in ALLOWED[action] and not (action == "mediate" and status == "forwarded"):
            continue
        words = "答复期限内" if (action, status) == ("mediate", "forwarded") else "不能"
        refused(sessions, lambda s, cid=complaint_id: step(s, action, cid, day, **ARGS[action]), Conflict, words)


def test_unknown_complaints_findings_and_backdated_steps_are_refused(sessions: sessionmaker[Session],
                                                                     vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, _ = party(s, vault)
        filed = file(s, vault, company).id
        resolved = drive(s, file(s, vault, company), "resolved").id
    refused(sessions, lambda s: step(s, "forward", 99999, FILED), NotFound, "99999")
    refused(sessions, lambda s: step(s, "close", resolved, FILED + timedelta(days=9), finding="maybe"), Invalid,
            "未知的调查结论")
    refused(sessions, lambda s: step(s, "forward", filed, FILED - timedelta(days=1)), Conflict, "更早的日期")
    refused(sessions, lambda s: step(s, "respond", filed, FILED, text=" "), Invalid, "答复内容不能为空")
    with pytest.raises(NotFound), sessions() as s:
        service.find(s, "TS0000000000AA")
    with pytest.raises(NotFound), sessions() as s:
        service.track(s, tracking_code="nonsense")


# --- deadlines --------------------------------------------------------------------------------


def _forwarded(sessions: sessionmaker[Session], vault: Vault, n: int = 1) -> tuple[int, list[int]]:
    with sessions() as s, s.begin():
        company, _ = party(s, vault)
        ids = [drive(s, file(s, vault, company), "forwarded", start=FILED - timedelta(days=1)).id
               for _ in range(n)]
        return company.subject_id, ids


def test_tick_marks_unanswered_once_with_a_record_the_day_after_the_deadline(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    company_id, (cid,) = _forwarded(sessions, vault)
    respond_by = FILED + timedelta(days=CFG.response_days)
    with sessions() as s, s.begin():
        assert service.mark_unanswered(s, now=at(respond_by, 23), actor="tick") == []  # the last day is in time
        (changed,) = service.mark_unanswered(s, now=at(respond_by + timedelta(days=1)), actor="tick")
        assert changed["complaint_id"] == cid and changed["respond_by"] == respond_by
        record = s.get_one(CreditRecord, changed["record_id"])
        assert (record.subject_id, record.decided_on, record.details["finding"]) == (
            company_id, respond_by + timedelta(days=1), "unanswered")
        complaint = s.get_one(Complaint, cid)
        assert complaint.unanswered and complaint.status == "forwarded"
        assert service.list_complaints(s, as_of=respond_by + timedelta(days=1), overdue=True)[0]["complaint_id"] == cid
    with sessions() as s:
        before = snapshot(s)
    with sessions() as s, s.begin():
        assert service.mark_unanswered(s, now=at(respond_by + timedelta(days=2)), actor="tick") == []
    with sessions() as s:
        assert snapshot(s) == before


def test_a_late_response_is_taken_and_the_missed_deadline_stays_whether_or_not_tick_ran(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    _, (cid,) = _forwarded(sessions, vault)
    late = FILED + timedelta(days=CFG.response_days + 3)
    with sessions() as s, s.begin():
        complaint = step(s, "respond", cid, late, text="迟到的答复")
        assert (complaint.status, complaint.unanswered) == ("responded", True)
        (record,) = s.scalars(select(CreditRecord)).all()
        assert record.details["finding"] == "unanswered"
        assert record.decided_on == FILED + timedelta(days=CFG.response_days + 1)
        actions = s.scalars(select(ComplaintStep.action).where(ComplaintStep.complaint_id == cid)
                            .order_by(ComplaintStep.id)).all()
        assert actions == ["file", "forward", "unanswered", "respond"]
        assert service.mark_unanswered(s, now=at(late), actor="tick") == []
        assert service.track(s, tracking_code=complaint.tracking_code)["unanswered"] is True


def test_an_unanswered_complaint_goes_to_mediation_and_closes(sessions: sessionmaker[Session],
                                                              vault: Vault) -> None:
    _, (cid,) = _forwarded(sessions, vault)
    day = FILED + timedelta(days=CFG.response_days + 2)
    with sessions() as s, s.begin():
        complaint = step(s, "mediate", cid, day, note="企业逾期未答复，监管部门介入")
        assert (complaint.status, complaint.unanswered) == ("mediated", True)
        step(s, "close", cid, day, finding="substantiated")
        findings = sorted(r.details["finding"] for r in s.scalars(select(CreditRecord)))
        assert findings == ["substantiated", "unanswered"]


def test_track_shows_status_dates_and_response_but_no_personal_data(sessions: sessionmaker[Session],
                                                                    vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, worker = party(s, vault)
        complaint = drive(s, file(s, vault, company, worker), "responded")
        seen = service.track(s, tracking_code=complaint.tracking_code)
        assert seen["status"] == "responded" and seen["response"] == "已与客户沟通，愿意赔偿"
        assert [t["status"] for t in seen["timeline"]] == ["filed", "forwarded", "responded"]
        text = repr(seen)
        for private in (PHONE, MASKED_PHONE, "王女士", worker.name, "现金", company.uscc):
            assert private not in text
