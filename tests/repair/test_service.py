"""Credit repair through the service, on both engines: every transition and every refusal."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_record, add_worker
from tests.repair.helpers import RULES, at, black_list, good_company, grade, penalty, snapshot, stored_grade

from jzcredit.commitments import service as commitments_service
from jzcredit.commitments.models import Commitment
from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.errors import Conflict, Invalid, JzError, NotFound
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord, RecordHistory
from jzcredit.registry import service as registry
from jzcredit.registry.file import subject_file
from jzcredit.repair import service as repair_service
from jzcredit.repair.models import RepairApplication

APPLIED = date(2026, 6, 30)  # a Tuesday


def apply(s: Session, subject_id: int, record_id: int | None = None, *, on: date = APPLIED,
          papers: bool = True, training: bool = True, entry_id: int | None = None) -> RepairApplication:
    return repair_service.apply(s, subject_id=subject_id, record_id=record_id, entry_id=entry_id, commitment=papers,
                                evidence="罚款已缴清，整改到位" if papers else None, training=training, by="申请人",
                                now=at(on), rules=RULES)


def decide(s: Session, repair_id: int, on: date = APPLIED) -> dict[str, object]:
    return repair_service.decide(s, repair_id=repair_id, by="李监管", now=at(on), rules=RULES)


def actions(s: Session) -> list[str]:
    return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- apply --------------------------------------------------------------------------------------


def test_apply_submits_with_a_signed_commitment_and_a_five_working_day_deadline(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = penalty(s, company.subject_id, date(2026, 1, 10))
        application = apply(s, company.subject_id, record.id)
        assert (application.status, application.applied_on, application.decide_by) == (
            "submitted", APPLIED, date(2026, 7, 7))
        commitment = s.get_one(Commitment, application.commitment_id)
        assert (commitment.kind, commitment.status, commitment.public) == ("repair", "in_force", False)
        assert f"记录 {record.id}" in commitment.text
        signed = s.get_one(CreditRecord, commitment.record_id)
        assert signed.type == "commitment" and signed.details["kind"] == "repair"
        assert actions(s) == ["commitment.sign", "repair.apply"]
        shown = subject_file(s, subject_id=company.subject_id, now=at(APPLIED))
        (repair,) = shown["repairs"]
        assert repair["repair_id"] == application.id and repair["status"] == "submitted"
        assert repair["record_ids"] == [record.id] and repair["late"] is False
        assert [c["commitment_id"] for c in shown["commitments"]] == [commitment.id]


def test_apply_without_commitment_signs_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = penalty(s, company.subject_id, date(2026, 1, 10))
        application = apply(s, company.subject_id, record.id, papers=False)
        assert application.commitment_id is None and not application.commitment_signed
        assert application.evidence is None
        assert s.scalars(select(Commitment)).all() == []


def refused(s: Session, error: type[JzError], words: str, **kwargs: object) -> None:
    before = snapshot(s)
    with pytest.raises(error) as caught, s.begin_nested():
        repair_service.apply(s, **{"by": "申请人", "now": at(APPLIED), "rules": RULES, "commitment": True,
                                   "evidence": "证明"} | kwargs)  # type: ignore[arg-type]
    assert words in caught.value.detail, caught.value.detail
    assert snapshot(s) == before


def test_apply_refusals_change_nothing(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company, other = add_company(s), add_company(s)
        mine = penalty(s, company.subject_id, date(2026, 1, 10))
        theirs = penalty(s, other.subject_id, date(2026, 1, 10))
        licence = add_record(s, company.subject_id, "license", decided_on=date(2025, 1, 1))
        repaired = penalty(s, company.subject_id, date(2025, 1, 1))
        repaired.status = "repaired"
        revoked = add_record(s, company.subject_id, "penalty", decided_on=date(2025, 1, 1), status="revoked")
        expired = add_record(s, company.subject_id, "penalty", decided_on=date(2025, 1, 1), status="expired")
        lapsed = add_record(s, company.subject_id, "penalty", decided_on=date(2025, 1, 1),
                            publish_until=date(2026, 1, 1))  # past its window, tick not yet run
        objected = add_record(s, company.subject_id, "penalty", decided_on=date(2025, 1, 1),
                              status="under_objection")
        future = add_record(s, company.subject_id, "penalty", decided_on=date(2026, 8, 1))
        sid = company.subject_id
        refused(s, NotFound, "999999", subject_id=sid, record_id=999999)
        refused(s, NotFound, "主体", subject_id=999999, record_id=mine.id)
        refused(s, Invalid, "不是该主体", subject_id=sid, record_id=theirs.id)
        refused(s, Invalid, "不是失信记录", subject_id=sid, record_id=licence.id)
        refused(s, Conflict, "已信用修复", subject_id=sid, record_id=repaired.id)
        refused(s, Conflict, "已撤销", subject_id=sid, record_id=revoked.id)
        refused(s, Conflict, "已过公示期", subject_id=sid, record_id=expired.id)
        refused(s, Conflict, "不在公示期内", subject_id=sid, record_id=lapsed.id)
        refused(s, Conflict, "异议处理中", subject_id=sid, record_id=objected.id)
        refused(s, Conflict, "还未到", subject_id=sid, record_id=future.id)
        refused(s, Invalid, "--evidence", subject_id=sid, record_id=mine.id, evidence="  ")
        refused(s, Invalid, "--by", subject_id=sid, record_id=mine.id, by=" ")
        refused(s, Invalid, "--record 或 --entry", subject_id=sid)
        refused(s, Invalid, "--record 或 --entry", subject_id=sid, record_id=mine.id, entry_id=1)


def test_a_second_open_application_for_the_same_record_is_refused_until_decided(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = penalty(s, company.subject_id, date(2026, 1, 10))
        first = apply(s, company.subject_id, record.id, papers=False)
        refused(s, Conflict, f"修复申请 {first.id}", subject_id=company.subject_id, record_id=record.id)
        assert decide(s, first.id)["status"] == "rejected"
        again = apply(s, company.subject_id, record.id)  # a rejected subject may apply again
        assert again.status == "submitted" and again.id != first.id


def test_entry_refusals_change_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company, other = add_company(s), add_company(s)
        penalty(s, company.subject_id, date(2025, 1, 10), "serious")
        penalty(s, other.subject_id, date(2025, 1, 10), "serious")
        entry = black_list(s, company.subject_id, date(2026, 1, 20))
        theirs = black_list(s, other.subject_id, date(2026, 1, 20))
        refused(s, NotFound, "999 的名单条目", subject_id=company.subject_id, entry_id=999)
        refused(s, Invalid, "不是该主体", subject_id=company.subject_id, entry_id=theirs.id)
        entry.status = "removed"
        refused(s, Conflict, "已公布的失信名单", subject_id=company.subject_id, entry_id=entry.id)


# --- decide -------------------------------------------------------------------------------------


def test_approval_repairs_the_record_removes_the_black_entry_and_restores_the_grade(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = good_company(s, vault)
        before = grade(s, company.subject_id, date(2026, 6, 29))
        record = penalty(s, company.subject_id, date(2025, 1, 10), "serious")
        assert grade(s, company.subject_id, date(2026, 6, 29)) == "D" != before
        entry = black_list(s, company.subject_id, date(2026, 6, 29))
        application = apply(s, company.subject_id, record.id)
        out = decide(s, application.id, date(2026, 7, 2))
        assert (out["status"], out["failed"], out["reasons"]) == ("approved", [], [])
        assert out["certificate_number"] == f"XYXF-2026-{application.id:06d}"
        assert out["grade"] == stored_grade(s, company.subject_id) == before
        assert [e["entry_id"] for e in out["list_entries_removed"]] == [entry.id]  # type: ignore[union-attr]
        s.refresh(entry)
        assert (entry.status, entry.removal_reason) == ("removed", "repaired")
        assert s.get_one(CreditRecord, record.id).status == "repaired"
        history = s.scalars(select(RecordHistory).where(RecordHistory.record_id == record.id)).all()
        assert [(h.from_status, h.to_status, h.actor) for h in history] == [("active", "repaired", "李监管")]
        assert out["certificate_number"] in history[0].reason
        assert actions(s)[-3:] == ["repair.apply", "list.removed", "repair.approve"]


def test_the_certificate_holds_what_a_printed_one_shows(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = add_company(s, name="济南好家政服务有限公司")
        record = penalty(s, company.subject_id, date(2025, 1, 10), "serious")
        application = apply(s, company.subject_id, record.id)
        decide(s, application.id, date(2026, 7, 1))
        certificate = s.get_one(RepairApplication, application.id).certificate
        assert certificate is not None
        assert certificate["subject"] == {"kind": "company", "name": "济南好家政服务有限公司",
                                          "subject_key": company.uscc}
        assert certificate["records"] == [{
            "record_id": record.id, "type": "penalty", "type_label": "行政处罚", "severity": "serious",
            "severity_label": "严重失信", "doc_number": record.doc_number, "authority": "测试机关",
            "decided_on": "2025-01-10"}]
        assert (certificate["decided_on"], certificate["decided_by"], certificate["applied_on"]) == (
            "2026-07-01", "李监管", "2026-06-30")
        assert [c["code"] for c in certificate["conditions_met"]] == [
            "not_repairable", "min_period_not_served", "no_commitment", "no_evidence", "training_required"]
        assert certificate["certificate_number"] == application.certificate_number
        assert certificate["commitment_id"] == application.commitment_id
        assert record.doc_number in certificate["text"]


def test_a_worker_certificate_names_the_card_code_not_the_id_number(sessions: sessionmaker[Session],
                                                                    vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        worker = add_worker(s, vault, employer=company, name="王阿姨")
        record = penalty(s, worker.subject_id, date(2026, 1, 10))
        application = apply(s, worker.subject_id, record.id)
        assert decide(s, application.id)["status"] == "approved"
        code = registry.subject_keys(s, [worker.subject_id])[worker.subject_id]
        certificate = s.get_one(RepairApplication, application.id).certificate
        assert certificate is not None
        assert certificate["subject"] == {"kind": "worker", "name": "王阿姨", "subject_key": code}
        assert vault.decrypt(worker.id_cipher) not in json.dumps(certificate, ensure_ascii=False)


@pytest.mark.parametrize(("record_type", "severity", "decided_on", "papers", "training", "code"), [
    ("dishonest_debtor", "serious", date(2024, 1, 1), True, True, "not_repairable"),
    ("penalty", "general", date(2026, 4, 2), True, True, "min_period_not_served"),
    ("penalty", "serious", date(2025, 7, 1), True, True, "min_period_not_served"),
    ("penalty", "serious", date(2025, 1, 1), True, False, "training_required"),
])
def test_each_condition_alone_rejects_with_its_code(sessions: sessionmaker[Session], record_type: str,
                                                    severity: str, decided_on: date, papers: bool, training: bool,
                                                    code: str) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = add_record(s, company.subject_id, record_type, severity=severity, decided_on=decided_on)
        out = decide(s, apply(s, company.subject_id, record.id, papers=papers, training=training).id)
        assert (out["status"], out["failed"], out["certificate_number"]) == ("rejected", [code], None)
        assert s.get_one(CreditRecord, record.id).status == "active"


@pytest.mark.parametrize(("commitment", "evidence", "code"), [(False, "证明", "no_commitment"),
                                                            (True, None, "no_evidence")])
def test_missing_papers_alone_reject_with_their_code(sessions: sessionmaker[Session], commitment: bool,
                                                     evidence: str | None, code: str) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = penalty(s, company.subject_id, date(2026, 1, 10))
        application = repair_service.apply(s, subject_id=company.subject_id, record_id=record.id,
                                           commitment=commitment, evidence=evidence, by="申请人", now=at(APPLIED),
                                           rules=RULES)
        out = decide(s, application.id)
        assert (out["status"], out["failed"]) == ("rejected", [code])
        assert [r["code"] for r in out["reasons"]] == [code]  # type: ignore[union-attr]
        assert actions(s)[-1] == "repair.reject"


def test_every_failed_condition_is_named_together(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        debtor = add_record(s, company.subject_id, "dishonest_debtor", severity="serious", decided_on=date(2026, 6, 1))
        out = decide(s, apply(s, company.subject_id, debtor.id, papers=False, training=False).id)
        assert out["failed"] == ["not_repairable", "min_period_not_served", "no_commitment", "no_evidence",
                                 "training_required"]
        assert [r["code"] for r in out["reasons"]] == out["failed"]  # type: ignore[union-attr]
        assert s.get_one(CreditRecord, debtor.id).status == "active"


def test_deciding_twice_or_an_unknown_application_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = penalty(s, company.subject_id, date(2026, 1, 10))
        application = apply(s, company.subject_id, record.id)
        decide(s, application.id)
        before = snapshot(s)
        for repair_id, error in ((application.id, Conflict), (999, NotFound)):
            with pytest.raises(error), s.begin_nested():
                decide(s, repair_id)
        assert snapshot(s) == before


def test_an_objection_filed_meanwhile_holds_the_decision_back(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = penalty(s, company.subject_id, date(2026, 1, 10))
        application = apply(s, company.subject_id, record.id)
        records_service.change_status(s, record=record, to="under_objection", actor="t", reason="异议", now=at(APPLIED))
        before = snapshot(s)
        with pytest.raises(Conflict, match="异议"), s.begin_nested():
            decide(s, application.id)
        assert snapshot(s) == before
        records_service.change_status(s, record=record, to="active", actor="t", reason="驳回异议", now=at(APPLIED))
        assert decide(s, application.id)["status"] == "approved"


def test_a_record_revoked_meanwhile_is_rejected_as_not_in_force(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = penalty(s, company.subject_id, date(2026, 1, 10))
        application = apply(s, company.subject_id, record.id)
        records_service.change_status(s, record=record, to="revoked", actor="t", reason="撤销", now=at(APPLIED))
        out = decide(s, application.id)
        assert (out["status"], out["failed"]) == ("rejected", ["not_in_force"])
        assert s.get_one(CreditRecord, record.id).status == "revoked"


def test_a_repair_commitment_breached_before_the_decision_no_longer_counts(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        record = penalty(s, company.subject_id, date(2026, 1, 10))
        application = apply(s, company.subject_id, record.id)
        assert application.commitment_id is not None
        commitments_service.breach(s, commitment_id=application.commitment_id, reason="再次违规", by="t",
                                   now=at(APPLIED), rules=commitments_service.commitment_rules())
        assert decide(s, application.id)["failed"] == ["no_commitment"]


# --- list-entry targets ---------------------------------------------------------------------------


def test_an_entry_target_repairs_every_basis_record_together(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = good_company(s, vault)
        first = penalty(s, company.subject_id, date(2025, 1, 10), "serious")
        second = penalty(s, company.subject_id, date(2025, 3, 10), "serious")
        entry = black_list(s, company.subject_id, date(2025, 4, 1))
        assert sorted(entry.basis) == [first.id, second.id]
        application = apply(s, company.subject_id, entry_id=entry.id, on=date(2026, 3, 2))
        refused(s, Conflict, f"已有待决定的修复申请 {application.id}", subject_id=company.subject_id,
                record_id=second.id)
        early = decide(s, application.id, date(2026, 3, 2))  # the second is 365 days old only on 2026-03-10
        assert early["failed"] == ["min_period_not_served"] and f"记录 {second.id}" in str(early["reasons"])
        application = apply(s, company.subject_id, entry_id=entry.id, on=date(2026, 3, 10))
        out = decide(s, application.id, date(2026, 3, 10))
        assert out["status"] == "approved" and sorted(out["record_ids"]) == [first.id, second.id]  # type: ignore[arg-type]
        assert {s.get_one(CreditRecord, r).status for r in (first.id, second.id)} == {"repaired"}
        s.refresh(entry)
        assert entry.status == "removed" and stored_grade(s, company.subject_id) == "A"


# --- deadline, listing and show KEY -----------------------------------------------------------------


def test_late_past_five_working_days_over_a_weekend(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        friday = apply(s, company.subject_id, penalty(s, company.subject_id, date(2026, 1, 10)).id,
                       on=date(2026, 7, 3))
        saturday = apply(s, company.subject_id, penalty(s, company.subject_id, date(2026, 1, 11)).id,
                         on=date(2026, 7, 4))
        assert friday.decide_by == saturday.decide_by == date(2026, 7, 10)
        on_time = repair_service.applications(s, as_of=date(2026, 7, 10), late=True)
        assert on_time == []
        late = repair_service.applications(s, as_of=date(2026, 7, 11), late=True, status="submitted")
        assert [r["repair_id"] for r in late] == [friday.id, saturday.id]
        decide(s, friday.id, date(2026, 7, 13))  # decided late: stays late
        assert [r["repair_id"] for r in repair_service.applications(s, as_of=date(2026, 7, 14), late=True)] == [
            friday.id, saturday.id]
        assert repair_service.get(s, repair_id=friday.id, as_of=date(2026, 7, 14))["late"] is True
        shown = subject_file(s, subject_id=company.subject_id, now=at(date(2026, 7, 14)))
        assert [(r["repair_id"], r["late"]) for r in shown["repairs"]] == [(saturday.id, True), (friday.id, True)]


def test_decided_in_time_is_never_late_and_filters_are_checked(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        application = apply(s, company.subject_id, penalty(s, company.subject_id, date(2026, 1, 10)).id)
        decide(s, application.id, date(2026, 7, 7))
        assert repair_service.applications(s, as_of=date(2026, 12, 1), late=True) == []
        (row,) = repair_service.applications(s, as_of=date(2026, 12, 1), status="approved")
        assert row["subject_key"] == company.uscc and row["decided_by"] == "李监管"
        with pytest.raises(Invalid, match="submitted"):
            repair_service.applications(s, as_of=APPLIED, status="open")
        with pytest.raises(NotFound):
            repair_service.get(s, repair_id=999, as_of=APPLIED)
