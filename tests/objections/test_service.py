"""Objections through the service: filing, every decision, every refusal, lists and grades, lateness, races."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.test_tick_cli import staffed_company
from tests.factories import add_company, add_record
from tests.lists.helpers import NOW, TODAY, at, config
from tests.objections.helpers import counts, decide, file

from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.errors import Conflict, Invalid, JzError, NotFound
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists import service as lists_service
from jzcredit.lists.models import ListEntry, ListTransition
from jzcredit.objections import service
from jzcredit.objections.models import Objection
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord, RecordHistory


def history(s: Session, record_id: int) -> list[tuple[str | None, str, str]]:
    rows = s.scalars(select(RecordHistory).where(RecordHistory.record_id == record_id).order_by(RecordHistory.id))
    return [(h.from_status, h.to_status, h.reason) for h in rows]


def serious_penalty(s: Session, subject_id: int, **kw: Any) -> CreditRecord:
    kw.setdefault("decided_on", date(2026, 3, 1))
    return add_record(s, subject_id, "penalty", severity="serious", amount="150000", **kw)


def test_filing_puts_the_record_under_objection_and_keeps_its_status(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        record = serious_penalty(s, add_company(s).subject_id)
        filed = file(s, record.id, evidence="复议决定书", role="subject")
        assert {k: filed[k] for k in ("record_id", "status", "record_status", "record_status_before", "filed_on",
                                      "decide_by", "late", "filer_role", "filed_by")} == {
            "record_id": record.id, "status": "filed", "record_status": "under_objection",
            "record_status_before": "active", "filed_on": TODAY, "decide_by": TODAY + timedelta(days=15),
            "late": False, "filer_role": "subject", "filed_by": "企业法人"}
        assert record.status == "under_objection"
        assert history(s, record.id)[-1][:2] == ("active", "under_objection")
        assert s.scalars(select(AuditEntry.action)).all() == ["objection.file"]
        assert records_service.is_in_force(record, TODAY)  # still in force, as the spec's predicate says


def test_refused_filings_change_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        open_one = serious_penalty(s, company)
        first = file(s, open_one.id)
        revoked = add_record(s, company, "penalty", decided_on=date(2026, 1, 1), status="revoked")
        repaired = add_record(s, company, "penalty", decided_on=date(2026, 1, 1), status="repaired")
        fine = add_record(s, company, "penalty", decided_on=date(2026, 1, 1))
        before = counts(s)
        cases: list[tuple[type[JzError], str, int, dict[str, Any]]] = [
            (Conflict, f"已有未决的异议 {first['objection_id']}", open_one.id, {}),
            (Conflict, "已撤销", revoked.id, {}),
            (Conflict, "已信用修复", repaired.id, {}),
            (NotFound, "没有编号为 999999 的信用记录", 999999, {}),
            (Invalid, "异议理由", fine.id, {"reason": "  "}),
            (Invalid, "异议人身份", fine.id, {"role": "neighbour"}),
        ]
        for error, words, record_id, kw in cases:
            with pytest.raises(error, match=words):
                file(s, record_id, **kw)
        assert counts(s) == before


def test_an_expired_record_can_be_objected_to_and_dismissal_restores_expired(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        record = add_record(s, add_company(s).subject_id, "penalty", decided_on=date(2024, 1, 1), status="expired",
                            publish_until=date(2025, 1, 1))
        filed = file(s, record.id)
        decided = decide(s, filed["objection_id"], uphold=False, note="处罚认定无误")
        assert (decided["status"], decided["record_status"], decided["outcome"]) == ("dismissed", "expired", None)
        assert history(s, record.id)[-1][:2] == ("under_objection", "expired")
        assert "处罚认定无误" in history(s, record.id)[-1][2]


def test_a_record_under_objection_makes_no_candidate_until_dismissed(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        record = serious_penalty(s, company)
        filed = file(s, record.id)
        assert lists_service.propose(s, now=NOW, actor="t", rules=config(), rule_ids=["B1"]) == []
        decide(s, filed["objection_id"], uphold=False)
        assert record.status == "active"
        (entry,) = lists_service.propose(s, now=NOW, actor="t", rules=config(), rule_ids=["B1"])
        assert entry["basis"] == [record.id]


def test_approval_names_the_open_objection_and_works_after_dismissal(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        record = serious_penalty(s, add_company(s).subject_id)
        (entry,) = lists_service.propose(s, now=NOW, actor="t", rules=config(), rule_ids=["B1"])
        filed = file(s, record.id)
        with pytest.raises(Conflict, match=rf"异议 {filed['objection_id']}（记录 {record.id}）"):
            lists_service.review(s, entry_id=entry["entry_id"], approve=True, by="王审核", note=None, now=NOW,
                                 rules=config())
        decide(s, filed["objection_id"], uphold=False)
        reviewed = lists_service.review(s, entry_id=entry["entry_id"], approve=True, by="王审核", note=None, now=NOW,
                                        rules=config())
        assert reviewed["status"] == "published"


def test_upheld_objection_revokes_the_record_rejects_the_candidate_and_regrades(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = staffed_company(s, vault)
        record = serious_penalty(s, company)
        models = load_models()
        evaluation.evaluate_subjects(s, models=models, subject_ids=[company], now=NOW)
        assert evaluation.current(s, company).grade == "D"  # type: ignore[union-attr]
        (entry,) = lists_service.propose(s, now=NOW, actor="t", rules=config(), rule_ids=["B1"])
        filed = file(s, record.id)
        later = at(date(2026, 7, 3))
        decided = decide(s, filed["objection_id"], uphold=True, note="复议撤销", now=later)
        assert (decided["status"], decided["outcome"], decided["record_status"]) == ("upheld", "revoked", "revoked")
        assert decided["decided_on"] == date(2026, 7, 3) and decided["late"] is False
        assert history(s, record.id)[-1][:2] == ("under_objection", "revoked")
        (changed,) = decided["list_entries_changed"]
        assert (changed["entry_id"], changed["from_status"], changed["to_status"]) == (
            entry["entry_id"], "candidate", "rejected")
        last = s.scalars(select(ListTransition).where(ListTransition.entry_id == entry["entry_id"])
                         .order_by(ListTransition.id.desc())).first()
        assert last is not None and f"异议 {filed['objection_id']} 成立" in last.reason
        assert evaluation.current(s, company).grade != "D"  # type: ignore[union-attr]
        assert company in decided["evaluated"]
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-2:] == ["list.reject", "objection.uphold"]


def test_upheld_objection_removes_a_published_entry_it_was_the_basis_of(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        record = serious_penalty(s, add_company(s).subject_id)
        (entry,) = lists_service.propose(s, now=NOW, actor="t", rules=config(), rule_ids=["B1"])
        lists_service.review(s, entry_id=entry["entry_id"], approve=True, by="王审核", note=None, now=NOW,
                             rules=config())
        filed = file(s, record.id)
        decide(s, filed["objection_id"], uphold=True, corrections={"severity": "general"})
        published = s.get_one(ListEntry, entry["entry_id"])
        assert (published.status, published.removal_reason, published.removed_on) == (
            "removed", "objection_upheld", TODAY)


def test_correction_keeps_old_values_restores_the_status_and_drops_what_no_longer_holds(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        record = serious_penalty(s, add_company(s).subject_id)
        (entry,) = lists_service.propose(s, now=NOW, actor="t", rules=config(), rule_ids=["B1"])
        filed = file(s, record.id)
        old_doc = record.doc_number
        decided = decide(s, filed["objection_id"], uphold=True, note="罚款金额录入有误",
                         corrections={"amount": "1,500", "severity": "general", "doc_number": "济市监罚〔2026〕7号"})
        assert (decided["outcome"], decided["record_status"]) == ("corrected", "active")
        assert decided["correction"] == {"amount": {"from": "150000.00", "to": "1500.00"},
                                         "severity": {"from": "serious", "to": "general"},
                                         "doc_number": {"from": old_doc, "to": "济市监罚〔2026〕7号"}}
        s.refresh(record)
        assert (str(record.amount), record.severity, record.status) == ("1500.00", "general", "active")
        last = history(s, record.id)[-1]
        assert last[:2] == ("under_objection", "active") and "150000" in last[2] and "serious → general" in last[2]
        assert s.get_one(ListEntry, entry["entry_id"]).status == "rejected"


def test_an_entry_whose_rule_still_holds_on_the_rest_of_its_basis_stays(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        records = [serious_penalty(s, company, decided_on=date(2026, 3, n)) for n in (1, 2)]
        (entry,) = lists_service.propose(s, now=NOW, actor="t", rules=config(), rule_ids=["B1"])
        filed = file(s, records[0].id)
        assert decide(s, filed["objection_id"], uphold=True)["list_entries_changed"] == []
        assert s.get_one(ListEntry, entry["entry_id"]).status == "candidate"


def test_an_expired_record_corrected_into_its_window_is_active_again(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        record = add_record(s, add_company(s).subject_id, "penalty", decided_on=date(2025, 3, 1), status="expired",
                            publish_until=date(2026, 3, 1))
        filed = file(s, record.id)
        decided = decide(s, filed["objection_id"], uphold=True, corrections={"publish_until": "2026年9月1日"})
        assert decided["record_status"] == "active" and record.publish_until == date(2026, 9, 1)


def test_a_window_that_passed_during_the_objection_is_expired_by_the_next_tick(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        record = add_record(s, add_company(s).subject_id, "penalty", decided_on=date(2025, 7, 1),
                            publish_until=date(2026, 7, 1))
        filed = file(s, record.id)
        later = at(date(2026, 7, 10))
        assert records_service.expire_records(s, now=later, actor="tick") == []  # waits for the decision
        assert decide(s, filed["objection_id"], uphold=False, now=later)["record_status"] == "active"
        assert records_service.expire_records(s, now=later, actor="tick") == [record.id]


def test_refused_decisions_change_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        done = file(s, serious_penalty(s, company).id)["objection_id"]
        decide(s, done, uphold=False)
        praise = add_record(s, company, "commendation", decided_on=date(2026, 1, 1))
        praise_objection = file(s, praise.id)["objection_id"]
        open_id = file(s, serious_penalty(s, company).id)["objection_id"]
        before = counts(s)
        cases: list[tuple[type[JzError], str, int, bool, dict[str, Any]]] = [
            (Conflict, "已于 2026-06-30 处理完毕", done, True, {}),
            (Conflict, "不能再次决定", done, False, {}),
            (NotFound, "没有编号为 999999 的异议", 999999, True, {}),
            (Invalid, "只有异议成立", open_id, False, {"corrections": {"amount": "1"}}),
            (Invalid, "不能更正字段 status", open_id, True, {"corrections": {"status": "active"}}),
            (Invalid, "与原值相同", open_id, True, {"corrections": {"severity": "serious"}}),
            (Invalid, "只能是 general 或 serious", open_id, True, {"corrections": {"severity": "grave"}}),
            (Invalid, "不是金额", open_id, True, {"corrections": {"amount": "十万"}}),
            (Invalid, "非负金额", open_id, True, {"corrections": {"amount": "-5"}}),
            (Invalid, "晚于今天", open_id, True, {"corrections": {"decided_on": "2026-07-01"}}),
            (Invalid, "早于决定日期", open_id, True, {"corrections": {"publish_until": "2026-02-01"}}),
            (Invalid, "必须精确到日", open_id, True, {"corrections": {"decided_on": "2026年3月"}}),
            (Invalid, "content 不能为空", open_id, True, {"corrections": {"content": " "}}),
            (Invalid, "不是失信记录", praise_objection, True, {"corrections": {"severity": "general"}}),
        ]
        for error, words, oid, uphold, kw in cases:
            with pytest.raises(error, match=words):
                decide(s, oid, uphold=uphold, **kw)
        assert counts(s) == before


def test_late_decisions_are_marked_and_listed(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        on_time, late, still_open = (file(s, add_record(s, company, "penalty", decided_on=date(2026, 1, 1)).id)
                                     ["objection_id"] for _ in range(3))
        assert decide(s, on_time, uphold=False, now=at(date(2026, 7, 15)))["late"] is False  # day 15: in time
        assert decide(s, late, uphold=False, now=at(date(2026, 7, 16)))["late"] is True
        day = date(2026, 7, 16)
        assert [o["objection_id"] for o in service.list_objections(s, as_of=day, late=True)] == [late, still_open]
        assert [o["objection_id"] for o in service.list_objections(s, as_of=day, late=True, status="dismissed")] == [
            late]
        # the day before, the open one was still in time
        assert [o["objection_id"] for o in service.list_objections(s, as_of=date(2026, 7, 15), late=True)] == [late]
        assert [o["objection_id"] for o in service.list_objections(s, as_of=day, status="filed")] == [still_open]
        with pytest.raises(Invalid, match="未知的异议状态"):
            service.list_objections(s, as_of=day, status="open")
        shown = {o["objection_id"]: o["late"] for o in service.for_subject(s, subject_id=company, as_of=day)}
        assert shown == {on_time: False, late: True, still_open: True}
        found = service.show_objection(s, objection_id=late, as_of=day)
        assert found["record"]["status"] == "active" and found["decision_note"] is None
        audit = s.scalars(select(AuditEntry).where(AuditEntry.object == f"objection:{late}")
                          .order_by(AuditEntry.id.desc())).first()
        assert audit is not None and '"late":true' in audit.detail


def test_two_objections_filed_at_once_leave_exactly_one_open(sessions: sessionmaker[Session],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with sessions() as s, s.begin():
        record_id = serious_penalty(s, add_company(s).subject_id).id
    both_read = threading.Barrier(2, timeout=20)

    def read_then_wait(session: Session, rid: int) -> CreditRecord:
        found = session.get_one(CreditRecord, rid)  # no row lock: both pass the status check
        both_read.wait()
        return found

    monkeypatch.setattr(service, "_record", read_then_wait)
    outcomes: dict[str, Any] = {}

    def filer(name: str) -> None:
        try:
            with sessions() as own, own.begin():
                outcomes[name] = file(own, record_id, actor=name)["status"]
        except JzError as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=filer, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(map(str, outcomes.values())).count("filed") == 1, outcomes
    (lost,) = [o for o in outcomes.values() if o != "filed"]
    assert isinstance(lost, Conflict) and "异议" in lost.detail
    with sessions() as s:
        assert s.scalars(select(Objection.status)).all() == ["filed"]
        assert s.get_one(CreditRecord, record_id).status == "under_objection"
        assert [h[:2] for h in history(s, record_id)] == [("active", "under_objection")]


def test_two_decisions_at_once_decide_exactly_once(sessions: sessionmaker[Session],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with sessions() as s, s.begin():
        record_id = serious_penalty(s, add_company(s).subject_id).id
        objection_id = file(s, record_id)["objection_id"]
    both_checked = threading.Barrier(2, timeout=20)
    checked = service._check_under_objection

    def check_then_wait(record: CreditRecord) -> None:
        checked(record)
        if record.status == "under_objection" and not getattr(record, "_seen", False):
            record._seen = True  # type: ignore[attr-defined]
            both_checked.wait()

    monkeypatch.setattr(service, "_check_under_objection", check_then_wait)
    outcomes: dict[str, Any] = {}

    def decider(name: str, uphold: bool) -> None:
        try:
            with sessions() as own, own.begin():
                outcomes[name] = decide(own, objection_id, uphold=uphold, actor=name)["status"]
        except JzError as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=decider, args=a) for a in (("甲", True), ("乙", False))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    won = [o for o in outcomes.values() if isinstance(o, str)]
    assert len(won) == 1, outcomes
    (lost,) = [o for o in outcomes.values() if not isinstance(o, str)]
    assert isinstance(lost, Conflict), lost
    with sessions() as s:
        objection = s.get_one(Objection, objection_id)
        assert objection.status == won[0] and objection.version == 2
        assert s.get_one(CreditRecord, record_id).status == ("revoked" if won[0] == "upheld" else "active")
        assert len(history(s, record_id)) == 2
