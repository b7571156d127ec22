"""``tick`` and rectification: overdue notices, their record and B3 candidate, re-grading, idempotency."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.test_tick_cli import staffed_company
from tests.lists.helpers import at, config
from tests.rectification.helpers import counts, issue, notice

from jzcredit.common.crypto import Vault
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists import service as lists_service
from jzcredit.lists.models import ListEntry, PriorNotice
from jzcredit.records.models import CreditRecord, RecordHistory
from jzcredit.rectification import service
from jzcredit.rectification.models import RectificationStep
from jzcredit.tick import service as tick_service

ISSUED = date(2026, 1, 15)  # deadline 2026-02-14


def mark(s: Session, day: date) -> list[dict[str, object]]:
    return service.mark_overdue(s, now=at(day), actor="tick", lists_cfg=config())


def test_overdue_rectification_creates_record_and_black_candidate_and_regrades(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = staffed_company(s, vault)
        evaluation.evaluate_subjects(s, models=load_models(), subject_ids=[company], now=at(ISSUED))
        grade_before = evaluation.current(s, company).grade  # type: ignore[union-attr]
        made = issue(s, company, now=at(ISSUED))
        assert made["deadline"] == date(2026, 2, 14)
        assert mark(s, date(2026, 2, 14)) == []  # the deadline day itself is still in time

        (out,) = mark(s, date(2026, 2, 15))
        n = notice(s, made["notice_id"])
        assert (n.status, n.overdue_on, n.overdue_record_id) == ("overdue", date(2026, 2, 15), out["record_id"])
        record = s.get_one(CreditRecord, out["record_id"])
        assert (record.type, record.category, record.severity, record.status) == (
            "rectification_overdue", "negative", "general", "active")
        assert record.decided_on == date(2026, 2, 15) and record.publish_until == date(2029, 2, 15)
        assert record.source_key == f"rectification:{made['notice_number']}"
        assert record.doc_number == made["notice_number"] and made["requirements"] in (record.content or "")
        entry = s.get_one(ListEntry, out["list_entry_id"])
        assert (entry.list_name, entry.rule, entry.status, entry.basis) == ("black", "B3", "candidate", [record.id])
        assert n.list_entry_id == entry.id and out["list_entry_new"] is True
        assert s.scalars(select(PriorNotice).where(PriorNotice.entry_id == entry.id)).one()
        assert out["subject_key"] and out["from_status"] == "issued"
        step = s.scalars(select(RectificationStep).where(RectificationStep.action == "overdue")).one()
        assert (step.from_status, step.to_status, step.actor) == ("issued", "overdue", "tick")
        now_graded = evaluation.current(s, company)
        assert now_graded is not None and now_graded.as_of == date(2026, 2, 15)
        assert any(f["code"] == "D3.rectification_overdue" for f in now_graded.factors)
        assert "ABCDN".index(now_graded.grade) >= "ABCDN".index(grade_before or "A")

        before = counts(s)
        assert mark(s, date(2026, 2, 15)) == [] and mark(s, date(2026, 3, 1)) == []
        assert counts(s) == before
        # a later `lists propose` finds the open B3 entry and adds none
        assert [e for e in lists_service.propose(s, now=at(date(2026, 2, 16)), actor="t", rules=config())
                if e["rule"] == "B3"] == []


def test_a_late_tick_still_dates_the_record_the_day_after_the_deadline(sessions: sessionmaker[Session],
                                                                       vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = staffed_company(s, vault)
        made = issue(s, company, now=at(ISSUED))
        service.submit_evidence(s, notice_id=made["notice_id"], evidence="材料", now=at(date(2026, 2, 1)),
                                actor="企业")
        (out,) = mark(s, date(2026, 3, 20))  # tick did not run for five weeks; submitted but never verified
        assert out["from_status"] == "submitted" and out["overdue_on"] == date(2026, 2, 15)
        assert s.get_one(CreditRecord, out["record_id"]).decided_on == date(2026, 2, 15)
        history = s.scalars(select(RecordHistory).where(RecordHistory.record_id == out["record_id"])).all()
        assert [(h.from_status, h.to_status) for h in history] == [(None, "active")]


def test_a_second_overdue_notice_points_at_the_open_b3_entry(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = staffed_company(s, vault)
        first = issue(s, company, now=at(ISSUED))
        second = issue(s, company, now=at(ISSUED), deadline=date(2026, 3, 1))
        verified = issue(s, company, now=at(ISSUED))
        service.submit_evidence(s, notice_id=verified["notice_id"], evidence="材料", now=at(date(2026, 2, 1)),
                                actor="企业")
        service.verify_notice(s, notice_id=verified["notice_id"], accept=True, now=at(date(2026, 2, 2)),
                              actor="王监管")
        (one,) = mark(s, date(2026, 2, 20))
        (two,) = mark(s, date(2026, 3, 2))
        assert (one["notice_id"], two["notice_id"]) == (first["notice_id"], second["notice_id"])
        assert two["list_entry_id"] == one["list_entry_id"] and two["list_entry_new"] is False
        assert notice(s, verified["notice_id"]).status == "verified"  # a verified notice never goes overdue
        assert s.scalars(select(ListEntry)).one().rule == "B3"


def test_tick_reports_overdue_notices_and_changes_nothing_the_second_time(sessions: sessionmaker[Session],
                                                                          vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = staffed_company(s, vault)
        made = issue(s, company, now=at(ISSUED))
    for expected in ([made["notice_id"]], []):
        with sessions() as s, s.begin():
            report = tick_service.expire_and_remove(s, now=at(date(2026, 2, 15)), actor="tick", lists_cfg=config())
            assert [n["notice_id"] for n in report["notices_overdue"]] == expected


def test_with_grace_days_the_candidate_waits_for_lists_propose(sessions: sessionmaker[Session],
                                                               vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = staffed_company(s, vault)
        issue(s, company, now=at(ISSUED))
        cfg = config(B3={"grace_days": 10})
        (out,) = service.mark_overdue(s, now=at(date(2026, 2, 15)), actor="tick", lists_cfg=cfg)
        assert out["list_entry_id"] is None
        assert lists_service.propose(s, now=at(date(2026, 2, 24)), actor="t", rules=cfg, rule_ids=["B3"]) == []
        (entry,) = lists_service.propose(s, now=at(date(2026, 2, 25)), actor="t", rules=cfg, rule_ids=["B3"])
        assert entry["basis"] == [out["record_id"]]
