"""financing on both engines: figures counting only consented workers, the recommended list, the year's loans."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_worker, set_grade
from tests.programs.helpers import (
    NOW,
    RULES,
    TODAY,
    add_complaint,
    add_entry,
    add_loan,
    add_region,
    by_key,
    rules_with,
    scope,
    stub,
)

from jzcredit.common.crypto import Vault
from jzcredit.evaluation.models import EvaluationHead
from jzcredit.programs import financing
from jzcredit.programs.common import ListMark
from jzcredit.programs.financing import ComplaintFigures, WorkerFigures, recommend
from jzcredit.registry.models import Company, Consent, Employment, Worker

BANK = ("collect", "bank_aggregate")
POOR_COUNTY, PROVINCIAL_COUNTY = "410225", "372926"


def run(s: Session, region: str | None = None, year: int = 2026) -> dict[str, financing.Outcome]:
    return by_key(financing.run(s, year=year, scope=scope(region), rules=RULES.financing))


def revoke(s: Session, worker: Worker, scope_name: str, at: datetime) -> None:
    s.execute(update(Consent).where(Consent.worker_id == worker.subject_id, Consent.scope == scope_name)
              .values(revoked_at=at))


def good_company(s: Session, vault: Vault, *, region_code: str = "370102", workers: int = 5) -> Company:
    """Grade A, employee model, ``workers`` identified-and-authorised consented workers, one from a poor county."""
    company = add_company(s, region_code=region_code, employment_model="employee")
    set_grade(s, company.subject_id, "A")
    for i in range(workers):
        add_worker(s, vault, employer=company, consents=BANK, region_code=POOR_COUNTY if i == 0 else "370102")
    return company


def test_figures_count_only_current_workers_with_the_bank_consent_in_force(sessions: sessionmaker[Session],
                                                                           vault: Vault) -> None:
    with sessions() as s, s.begin():
        add_region(s, POOR_COUNTY, "national")
        add_region(s, PROVINCIAL_COUNTY, "provincial")
        c = add_company(s)
        national = add_worker(s, vault, employer=c, consents=BANK, region_code=POOR_COUNTY)
        add_worker(s, vault, employer=c, consents=BANK, region_code=PROVINCIAL_COUNTY, registered_poor=True)
        add_worker(s, vault, employer=c, consents=("bank_aggregate",), verified=False, registered_poor=True)
        add_worker(s, vault, employer=c, consents=("collect",), region_code=POOR_COUNTY)  # no bank consent
        revoked = add_worker(s, vault, employer=c, consents=BANK, region_code=POOR_COUNTY)
        revoke(s, revoked, "bank_aggregate", NOW - timedelta(days=1))
        later = add_worker(s, vault, employer=c, consents=BANK, region_code=POOR_COUNTY)
        s.execute(update(Consent).where(Consent.worker_id == later.subject_id).values(
            granted_at=NOW + timedelta(hours=1)))  # granted after the run: not in force yet
        no_collect = add_worker(s, vault, employer=c, consents=BANK)
        revoke(s, no_collect, "collect", NOW - timedelta(days=1))
        left = add_worker(s, vault, employer=c, consents=BANK, region_code=POOR_COUNTY)
        s.execute(update(Employment).where(Employment.worker_id == left.subject_id)
                  .values(end_on=TODAY - timedelta(days=1)))
        last_day = add_worker(s, vault, employer=c, consents=BANK)  # ends today: still current (as the statistics)
        s.execute(update(Employment).where(Employment.worker_id == last_day.subject_id).values(end_on=TODAY))
        s.add(Employment(worker_id=national.subject_id, company_id=c.subject_id, start_on=date(2025, 1, 1),
                         source="test"))  # a second current employment at the same company: counted once
        out = run(s)[c.uscc]
    assert out.extra["figures"] == {"workers": 5, "identified_authorised": 3, "national_poor_county": 1,
                                    "provincial_poor_county": 1, "registered_poor": 2, "poor_workers": 3,
                                    "not_counted": 3}
    assert any("只计同意向银行提供汇总信息的 5 名在职人员，另有 3 人未同意、不计入" in r for r in out.reasons)


def test_a_company_meeting_every_criterion_is_recommended(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        add_region(s, POOR_COUNTY, "national")
        c = good_company(s, vault)
        add_complaint(s, c, filed_on=TODAY, status="resolved")  # answered, not substantiated: no obstacle
        out = run(s)[c.uscc]
    assert (out.tier, out.extra["recommended"]) == ("recommended", True)
    assert out.reasons[0] == "推荐：6 项条件均符合"
    assert all(r.startswith("符合：") for r in out.reasons[1:7])
    assert "贫困劳动力 1 人" in out.reasons[5] and "占计入人数的 20.0%，不低于 10%" in out.reasons[5]
    assert out.extra["complaints"] == {"total": 1, "resolved": 1, "unanswered": 0, "substantiated": 0,
                                       "window_days": 365}
    assert out.reasons[-1] == "2026 年未录入贷款" and out.amount == 0


@pytest.mark.parametrize(("spoil", "criterion", "text"), [
    ("grade_c", "信用等级", "信用等级 C，不在推荐等级（A、B）之内"),
    ("no_grade", "信用等级", "尚无信用评价，不在推荐等级（A、B）之内"),
    ("black", "名单", "列入黑名单（名单条目"),
    ("watch", "名单", "列入重点关注名单（名单条目"),
    ("intermediary", "经营模式", "经营模式中介制，不属于推荐的经营模式（员工制）"),
    ("few_workers", "识别授权", "完成识别授权的家政服务员 4 人，少于 5 人"),
    ("no_poor", "贫困劳动力", "贫困劳动力 0 人"),
    ("unanswered", "投诉", "逾期未答复 1 件（上限 0）"),
    ("substantiated", "投诉", "查实 1 件（上限 0）"),
])
def test_each_failed_criterion_is_named(sessions: sessionmaker[Session], vault: Vault, spoil: str, criterion: str,
                                        text: str) -> None:
    with sessions() as s, s.begin():
        add_region(s, POOR_COUNTY, "national")
        c = good_company(s, vault, workers=4 if spoil == "few_workers" else 5)
        if spoil == "grade_c":
            set_grade(s, c.subject_id, "C")
        elif spoil == "no_grade":
            s.delete(s.get_one(EvaluationHead, c.subject_id))
        elif spoil in ("black", "watch"):
            add_entry(s, c, spoil, status="published" if spoil == "black" else "active")
        elif spoil == "intermediary":
            c.employment_model = "intermediary"
        elif spoil == "no_poor":
            s.execute(update(Worker).where(Worker.native_region == POOR_COUNTY).values(native_region="370102"))
        elif spoil == "unanswered":
            add_complaint(s, c, filed_on=TODAY - timedelta(days=364), unanswered=True)
        elif spoil == "substantiated":
            add_complaint(s, c, filed_on=TODAY, status="closed", finding="substantiated")
        out = run(s)[c.uscc]
    assert out.tier == "not_recommended" and out.extra["recommended"] is False
    assert out.reasons[0] == f"不推荐：1 项条件不符合（{criterion}）"
    (failed,) = [r for r in out.reasons if r.startswith("不符合：")]
    assert text in failed


def test_complaints_count_in_the_365_days_ending_today(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        add_region(s, POOR_COUNTY, "national")
        c = good_company(s, vault)
        add_complaint(s, c, filed_on=TODAY - timedelta(days=365), unanswered=True, finding="substantiated")
        add_complaint(s, c, filed_on=TODAY - timedelta(days=364))
        out = run(s)[c.uscc]
    assert out.extra["complaints"]["total"] == 1 and out.tier == "recommended"


def test_amount_is_the_loans_granted_in_the_year(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        c = good_company(s, vault)
        add_loan(s, c, amount="1000000", granted_on=date(2026, 1, 1))
        add_loan(s, c, amount="500000.50", granted_on=date(2026, 6, 30))
        add_loan(s, c, amount="9", granted_on=date(2025, 12, 31))
        this_year, last_year = run(s)[c.uscc], run(s, year=2025)[c.uscc]
    assert (this_year.amount, this_year.extra["loans"]) == (Decimal("1500000.50"), 2)
    assert this_year.reasons[-1] == "2026 年已录入贷款 2 笔，合计 1,500,000.50 元"
    assert last_year.amount == Decimal("9")


def test_only_active_companies_on_the_platform_inside_the_scope(sessions: sessionmaker[Session],
                                                                 vault: Vault) -> None:
    with sessions() as s, s.begin():
        jinan, qingdao = good_company(s, vault), good_company(s, vault, region_code="370202")
        linked = stub(s, add_company(s))
        gone = add_company(s)
        gone.status = "deregistered"
        national, city = run(s), run(s, region="370100")
    assert set(national) == {jinan.uscc, qingdao.uscc}
    assert linked.uscc not in national and gone.uscc not in national
    assert set(city) == {jinan.uscc}


def test_recommend_is_pure_and_every_number_is_a_setting() -> None:
    rules = rules_with(financing={"recommend": {
        "grades": ["A"], "employment_models": ["employee", "intermediary"], "excluded_lists": [],
        "min_identified_authorised": 0, "min_poor_workers": 0, "min_poor_share_percent": 0,
        "max_unanswered_complaints": 2, "max_substantiated_complaints": 1}}).financing
    ok, reasons = recommend(grade="A", marks=[ListMark("black", 1, "B1", None)], model="intermediary",
                            workers=WorkerFigures(), complaints=ComplaintFigures(3, 0, 2, 1), rules=rules)
    assert ok, reasons
    ok, reasons = recommend(grade="B", marks=[], model=None, workers=WorkerFigures(),
                            complaints=ComplaintFigures(), rules=rules)
    assert not ok and reasons[0] == "不推荐：2 项条件不符合（信用等级、经营模式）"
    assert "不符合：经营模式未登记，推荐的经营模式为员工制、中介制" in reasons


def test_the_window_is_a_setting(sessions: sessionmaker[Session], vault: Vault) -> None:
    rules = rules_with(financing={"complaint_window_days": 30}).financing
    with sessions() as s, s.begin():
        c = good_company(s, vault)
        add_complaint(s, c, filed_on=TODAY - timedelta(days=30), unanswered=True)
        add_complaint(s, c, filed_on=TODAY - timedelta(days=29))
        (out,) = financing.run(s, year=2026, scope=scope(), rules=rules)
    assert out.extra["complaints"]["total"] == 1 and out.extra["complaints"]["window_days"] == 30
    assert any("近 30 天投诉 1 件" in r for r in out.reasons)

