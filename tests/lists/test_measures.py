"""The measures catalogue and the check 凡办必查: which measures apply now, why, and that it is audited."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_record, set_grade
from tests.lists.helpers import NOW, at, config

from jzcredit.common.audit import AuditEntry
from jzcredit.errors import Invalid, Misconfigured
from jzcredit.lists import measures, service

SPEC_MINIMUM = {("black", "government_procurement", "restrict"), ("black", "financial_subsidy", "restrict"),
                ("black", "financing", "restrict"), ("black", "honours", "prohibit"),
                ("black", "inspection", "increase_frequency"), ("red", "inspection", "reduce_frequency"),
                ("red", "financing", "facilitate")}


def test_the_shipped_catalogue_has_the_spec_minimum_each_with_department_and_legal_basis() -> None:
    catalogue = measures.load_catalogue()
    assert SPEC_MINIMUM <= {(m.list, m.action, m.effect) for m in catalogue}
    assert ("black", "public_exposure") in {(m.list, m.action) for m in catalogue}
    assert all(m.department and m.text and ("〔" in m.legal_basis or "济南" in m.legal_basis) for m in catalogue)
    assert any("发改办社会〔2019〕878号" in m.legal_basis for m in catalogue)
    assert any(m.list == "watch" for m in catalogue)


def listed_company(s: Session) -> tuple[int, int]:
    """A company published on the black list today (and so watched no more)."""
    company = add_company(s)
    add_record(s, company.subject_id, "penalty", severity="serious", decided_on=date(2026, 2, 1))
    (entry,) = service.propose(s, now=NOW, actor="t", rules=config(), rule_ids=["B1"])
    service.review(s, entry_id=entry["entry_id"], approve=True, by="王审核", note=None, now=NOW, rules=config())
    return company.subject_id, entry["entry_id"]


def test_check_names_the_measures_with_entry_rule_and_publication_date_and_is_audited(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        subject, entry_id = listed_company(s)
        (row,) = measures.check(s, subject_id=subject, action="government_procurement", now=NOW, actor="窗口")
        assert {k: row[k] for k in ("measure_code", "list", "action", "effect")} == {
            "measure_code": "black.government_procurement.restrict", "list": "black",
            "action": "government_procurement", "effect": "restrict"}
        assert all(part in row["reason"] for part in (f"名单条目 {entry_id}", "B1", "2026-06-30", "黑名单"))
        json.dumps(row)
        audited = s.scalars(select(AuditEntry).where(AuditEntry.action == "check")).one()
        assert (audited.actor, audited.object) == ("窗口", f"subject:{subject}")
        assert json.loads(audited.detail) == {"action": "government_procurement", "entries": [entry_id],
                                              "measures": ["black.government_procurement.restrict"]}
        subsidies = measures.check(s, subject_id=subject, action="financial_subsidy", now=NOW, actor="窗口")
        assert {r["effect"] for r in subsidies} == {"restrict", "prohibit"}


def test_a_red_listed_company_gets_facilitation_and_fewer_inspections(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s, onboarded_on=date(2024, 1, 1))
        set_grade(s, company.subject_id, "A", score=900)
        (entry,) = service.propose(s, now=NOW, actor="t", rules=config(), rule_ids=["R1"])
        service.review(s, entry_id=entry["entry_id"], approve=True, by="王审核", note=None, now=NOW, rules=config())
        rows = measures.check(s, subject_id=company.subject_id, action="inspection", now=NOW, actor="t")
        assert [(r["list"], r["effect"]) for r in rows] == [("red", "reduce_frequency")]
        assert [r["effect"] for r in measures.check(s, subject_id=company.subject_id, action="financing", now=NOW,
                                                    actor="t")] == ["facilitate"]


def test_a_watched_company_gets_more_inspections(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        set_grade(s, company.subject_id, "C")
        service.propose(s, now=NOW, actor="t", rules=config())
        (row,) = measures.check(s, subject_id=company.subject_id, action="inspection", now=NOW, actor="t")
        assert (row["list"], row["effect"]) == ("watch", "increase_frequency") and "W1" in row["reason"]


def test_a_subject_on_no_list_or_past_expiry_gets_an_empty_answer(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        clean = add_company(s)
        assert measures.check(s, subject_id=clean.subject_id, action="financing", now=NOW, actor="t") == []
        subject, _ = listed_company(s)
        # expired on 2029-06-30 even before tick has marked it so
        assert measures.check(s, subject_id=subject, action="financing", now=at(date(2029, 7, 1)), actor="t") == []
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.action == "check")).all()) == 2


def test_an_unknown_action_is_invalid_and_lists_the_known_ones(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        with pytest.raises(Invalid, match=r"government_procurement.*inspection"):
            measures.check(s, subject_id=company.subject_id, action="parking", now=NOW, actor="t")


def test_a_deployment_can_replace_the_catalogue(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "measures.yml"
    path.write_text("measures:\n  - {measure_code: jn.rent, list: black, department: 济南市商务局, action: rent,"
                    " effect: prohibit, legal_basis: 济南市某文件, text: 不予减免租金}\n", encoding="utf-8")
    cfg = replace(config(), measures_catalogue=path)
    with sessions() as s, s.begin():
        subject, _ = listed_company(s)
        (row,) = measures.check(s, subject_id=subject, action="rent", now=NOW, actor="t", rules=cfg)
        assert row["measure_code"] == "jn.rent"
    path.write_text("measures:\n  - {measure_code: x, list: grey}\n", encoding="utf-8")
    with pytest.raises(Misconfigured):
        measures.catalogue_for(cfg)
