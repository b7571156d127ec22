"""Rectification notices through the service: issue, submit, verify, every refusal, numbering under load."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_record
from tests.lists.helpers import NOW, at
from tests.rectification.helpers import counts, issue, notice

from jzcredit.common.audit import AuditEntry
from jzcredit.errors import Conflict, Invalid, JzError, NotFound
from jzcredit.rectification import numbering, service
from jzcredit.rectification.models import RectificationStep
from jzcredit.registry.models import Company


def steps(s: Session, notice_id: int) -> list[tuple[str, str | None, str, str | None]]:
    rows = s.scalars(select(RectificationStep).where(RectificationStep.notice_id == notice_id)
                     .order_by(RectificationStep.id))
    return [(r.action, r.from_status, r.to_status, r.text) for r in rows]


def audit_actions(s: Session) -> list[str]:
    return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_numbers_count_per_authority_and_year_and_the_deadline_defaults_to_30_days(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        first = issue(s, company)
        second = issue(s, company, authority="历下区市场监管局")
        third = issue(s, company, deadline=date(2026, 7, 10))
        next_year = issue(s, company, now=at(date(2027, 1, 4)))
        assert [first["notice_number"], second["notice_number"], third["notice_number"],
                next_year["notice_number"]] == ["JZ-ZG-2026-000001", "历下区市场监管局-ZG-2026-000001",
                                                "JZ-ZG-2026-000002", "JZ-ZG-2027-000001"]
        assert first["status"] == "issued" and first["issued_on"] == date(2026, 6, 30)
        assert first["deadline"] == date(2026, 7, 30) and third["deadline"] == date(2026, 7, 10)
        assert first["issued_by"] == "王监管" and first["subject_key"] == s.get_one(Company, company).uscc
        assert steps(s, first["notice_id"]) == [("issue", None, "issued", "三十日内补签全部家政服务合同")]
        assert audit_actions(s) == ["rectification.issue"] * 4


def test_the_deadline_may_be_the_issue_day_and_basis_records_are_kept(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        records = [add_record(s, company, "penalty", decided_on=date(2026, 6, 1)).id for _ in range(2)]
        made = issue(s, company, deadline=date(2026, 6, 30), basis=[records[1], records[0], records[1]])
        assert made["deadline"] == date(2026, 6, 30) and made["basis"] == sorted(records)


def test_refused_issues_change_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company, other = add_company(s).subject_id, add_company(s).subject_id
        foreign = add_record(s, other, "penalty", decided_on=date(2026, 6, 1)).id
        revoked = add_record(s, company, "penalty", decided_on=date(2026, 6, 1), status="revoked").id
        before = counts(s)
        cases: list[tuple[type[JzError], str, dict[str, Any]]] = [
            (Invalid, "早于下达日期", {"deadline": date(2026, 6, 29)}),
            (Invalid, "整改要求", {"requirements": "  "}),
            (Invalid, "不是该主体的记录", {"basis": [foreign]}),
            (NotFound, "没有编号为 999999 的信用记录", {"basis": [999999]}),
            (Invalid, "已撤销", {"basis": [revoked]}),
            (Invalid, "下达机关", {"authority": " "}),
            (Invalid, "过长", {"authority": "局" * 65}),
        ]
        for error, words, kw in cases:
            with pytest.raises(error, match=words):
                issue(s, company, **kw)
        with pytest.raises(NotFound, match="信用主体"):
            issue(s, 999999)
        assert counts(s) == before


def test_submit_reject_resubmit_accept_walks_every_step_with_the_deadline_unchanged(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        made = issue(s, add_company(s).subject_id)
        nid = made["notice_id"]
        submitted = service.submit_evidence(s, notice_id=nid, evidence="已补签 12 份合同", now=at(date(2026, 7, 5)),
                                            actor="企业经办人")
        assert (submitted["status"], submitted["evidence"]) == ("submitted", "已补签 12 份合同")
        rejected = service.verify_notice(s, notice_id=nid, accept=False, note="缺 3 份", now=at(date(2026, 7, 8)),
                                         actor="王监管")
        assert rejected["status"] == "issued" and rejected["deadline"] == made["deadline"]
        service.submit_evidence(s, notice_id=nid, evidence="已补齐 15 份", now=at(date(2026, 7, 20)), actor="企业")
        accepted = service.verify_notice(s, notice_id=nid, accept=True, now=at(date(2026, 7, 30)), actor="王监管")
        assert (accepted["status"], accepted["verified_on"]) == ("verified", date(2026, 7, 30))
        assert [(a, f, t) for a, f, t, _ in steps(s, nid)] == [
            ("issue", None, "issued"), ("submit", "issued", "submitted"), ("reject", "submitted", "issued"),
            ("submit", "issued", "submitted"), ("accept", "submitted", "verified")]
        assert steps(s, nid)[2][3] == "缺 3 份"
        assert [x["action"] for x in accepted["steps"]] == ["issue", "submit", "reject", "submit", "accept"]
        assert audit_actions(s) == ["rectification.issue", "rectification.submit", "rectification.reject",
                                    "rectification.submit", "rectification.accept"]
        assert notice(s, nid).version == 5


def test_refused_submissions_change_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        verified = issue(s, company)["notice_id"]
        service.submit_evidence(s, notice_id=verified, evidence="材料", now=NOW, actor="企业")
        service.verify_notice(s, notice_id=verified, accept=True, now=NOW, actor="王监管")
        waiting = issue(s, company)["notice_id"]
        service.submit_evidence(s, notice_id=waiting, evidence="材料", now=NOW, actor="企业")
        late = issue(s, company, deadline=date(2026, 7, 1))["notice_id"]
        before = counts(s)
        cases: list[tuple[type[JzError], str, int, Any]] = [
            (Conflict, "已核验通过", verified, NOW),
            (Conflict, "已提交整改材料，等待核验", waiting, NOW),
            (Conflict, "整改期限 2026-07-01 已过", late, at(date(2026, 7, 2))),  # overdue before tick marks it
            (NotFound, "没有编号为 999999 的整改通知", 999999, NOW),
        ]
        for error, words, nid, when in cases:
            with pytest.raises(error, match=words):
                service.submit_evidence(s, notice_id=nid, evidence="材料", now=when, actor="企业")
        with pytest.raises(Invalid, match="整改材料"):
            service.submit_evidence(s, notice_id=late, evidence=" ", now=NOW, actor="企业")
        assert counts(s) == before


def test_refused_verifications_change_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        issued = issue(s, company)["notice_id"]
        done = issue(s, company)["notice_id"]
        service.submit_evidence(s, notice_id=done, evidence="材料", now=NOW, actor="企业")
        service.verify_notice(s, notice_id=done, accept=True, now=NOW, actor="王监管")
        slow = issue(s, company, deadline=date(2026, 7, 1))["notice_id"]
        service.submit_evidence(s, notice_id=slow, evidence="材料", now=NOW, actor="企业")
        before = counts(s)
        for nid, accept, words, when in [(issued, True, "只有已提交整改材料", NOW), (done, False, "verified", NOW),
                                         (slow, True, "已过", at(date(2026, 7, 2)))]:
            with pytest.raises(Conflict, match=words):
                service.verify_notice(s, notice_id=nid, accept=accept, now=when, actor="王监管")
        with pytest.raises(NotFound):
            service.verify_notice(s, notice_id=999999, accept=True, now=NOW, actor="王监管")
        assert counts(s) == before


def test_list_and_show_for_regulators(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
        a = issue(s, company, deadline=date(2026, 7, 1))["notice_id"]
        b = issue(s, company)["notice_id"]
        service.submit_evidence(s, notice_id=b, evidence="材料", now=NOW, actor="企业")
        later = date(2026, 7, 2)
        assert [n["notice_id"] for n in service.list_notices(s, as_of=later)] == [a, b]
        assert [n["notice_id"] for n in service.list_notices(s, as_of=later, status="submitted")] == [b]
        (overdue,) = service.list_notices(s, as_of=later, overdue=True)
        assert overdue["notice_id"] == a and overdue["past_deadline"] is True
        assert service.list_notices(s, as_of=date(2026, 7, 1), overdue=True) == []
        with pytest.raises(Invalid, match="未知的整改通知状态"):
            service.list_notices(s, as_of=later, status="closed")
        shown = service.show_notice(s, notice_id=b, as_of=later)
        assert [x["action"] for x in shown["steps"]] == ["issue", "submit"]
        mine = service.for_subject(s, subject_id=company, as_of=later)
        assert [n["notice_id"] for n in mine] == [b, a]  # newest first
        assert {"notice_id", "notice_number", "issued_on", "deadline", "status", "steps"} <= mine[0].keys()


def _issue_in_own_session(sessions: sessionmaker[Session], subject_id: int, out: list[Any]) -> None:
    try:
        with sessions() as own, own.begin():
            out.append(issue(own, subject_id)["notice_number"])
    except JzError as exc:
        out.append(exc)


def _slow_next_seq(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold each reader between reading the highest number and writing its own, so that they overlap."""
    read = numbering.next_seq

    def slow(session: Session, **kw: Any) -> int:
        seq = read(session, **kw)
        time.sleep(0.3)
        return seq

    monkeypatch.setattr(numbering, "next_seq", slow)


def test_notices_issued_at_once_get_distinct_consecutive_numbers(sessions: sessionmaker[Session],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
    _slow_next_seq(monkeypatch)
    out: list[Any] = []
    threads = [threading.Thread(target=_issue_in_own_session, args=(sessions, company, out)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(out) == [f"JZ-ZG-2026-{n:06d}" for n in range(1, 5)], out


def test_without_the_lock_a_clash_is_a_clear_conflict_never_a_duplicate(sessions: sessionmaker[Session],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The unique constraint is the last guard: what the lock prevents would surface as Conflict."""
    with sessions() as s, s.begin():
        company = add_company(s).subject_id
    _slow_next_seq(monkeypatch)
    monkeypatch.setattr(numbering, "lock_numbering", lambda session, **kw: None)
    out: list[Any] = []
    threads = [threading.Thread(target=_issue_in_own_session, args=(sessions, company, out)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert "JZ-ZG-2026-000001" in out
    (lost,) = [o for o in out if o != "JZ-ZG-2026-000001"]
    assert isinstance(lost, Conflict) and "编号" in lost.detail
    with sessions() as s:
        assert len(service.list_notices(s, as_of=NOW.date() + timedelta(days=1))) == 1
