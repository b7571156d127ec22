"""Credit commitments through the service, on both engines: sign, fulfil, breach and every refusal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_record
from tests.repair.helpers import RULES, at, good_company, grade, penalty, snapshot, stored_grade

from jzcredit.commitments import service as commitments_service
from jzcredit.commitments.models import Commitment
from jzcredit.common.audit import AuditEntry
from jzcredit.common.crypto import Vault
from jzcredit.errors import Conflict, Invalid, JzError, NotFound
from jzcredit.evaluation import service as evaluation
from jzcredit.records.models import CreditRecord, RecordHistory
from jzcredit.registry.file import subject_file
from jzcredit.repair import service as repair_service

TODAY = date(2026, 6, 30)
BREACH_RULES = commitments_service.commitment_rules()


def sign(s: Session, subject_id: int, kind: str = "voluntary", *, public: bool = True, on: date = TODAY,
         in_place_of: str | None = None) -> Commitment:
    return commitments_service.sign(s, subject_id=subject_id, kind=kind, text="诚信经营，明码标价", public=public,
                                    in_place_of=in_place_of, by="法定代表人", now=at(on))


def factor_codes(s: Session, subject_id: int) -> set[str]:
    head = evaluation.current(s, subject_id)
    assert head is not None
    return {f["code"].split(".")[-1] for f in head.factors}


def last_action(s: Session) -> str:
    return s.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first() or ""


@pytest.mark.parametrize("kind", ["notification", "voluntary", "industry", "repair"])
def test_each_kind_signs_into_a_commitment_record(sessions: sessionmaker[Session], kind: str) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        commitment = sign(s, company.subject_id, kind, public=kind != "repair",
                          in_place_of="家政服务机构备案证明" if kind == "notification" else None)
        assert (commitment.status, commitment.signed_on, commitment.signed_by) == ("in_force", TODAY, "法定代表人")
        record = s.get_one(CreditRecord, commitment.record_id)
        assert (record.type, record.category, record.status, record.decided_on) == (
            "commitment", "positive", "active", TODAY)
        assert record.details == {"kind": kind, "public": kind != "repair", "commitment_id": commitment.id}
        assert last_action(s) == "commitment.sign"
        assert stored_grade(s, company.subject_id) is not None  # re-graded


def test_a_public_voluntary_commitment_counts_in_d5_until_it_is_fulfilled(sessions: sessionmaker[Session],
                                                                           vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = good_company(s, vault)
        grade(s, company.subject_id, TODAY)
        assert "public_commitment" not in factor_codes(s, company.subject_id)
        commitment = sign(s, company.subject_id)
        assert "public_commitment" in factor_codes(s, company.subject_id)
        shown = subject_file(s, subject_id=company.subject_id, now=at(TODAY))["commitments"]
        assert [(c["commitment_id"], c["public"], c["status"]) for c in shown] == [(commitment.id, True, "in_force")]

        commitments_service.fulfil(s, commitment_id=commitment.id, note="年度承诺履行完毕", by="李监管", now=at(TODAY))
        assert (commitment.status, commitment.ended_on, commitment.ended_by, commitment.end_note) == (
            "fulfilled", TODAY, "李监管", "年度承诺履行完毕")
        record = s.get_one(CreditRecord, commitment.record_id)
        assert record.status == "expired"  # kept as history
        moves = s.scalars(select(RecordHistory.to_status).where(RecordHistory.record_id == record.id)
                          .order_by(RecordHistory.id)).all()
        assert moves == ["active", "expired"]
        assert "public_commitment" not in factor_codes(s, company.subject_id)
        assert last_action(s) == "commitment.fulfil"


def test_a_breach_writes_a_negative_record_naming_the_commitment_and_lowers_the_grade(
        sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        company = good_company(s, vault)
        commitment = sign(s, company.subject_id, "industry")
        assert stored_grade(s, company.subject_id) == "A"
        commitments_service.breach(s, commitment_id=commitment.id, reason="承诺明码标价却加价收费", by="李监管",
                                   now=at(TODAY), rules=BREACH_RULES)
        assert commitment.status == "breached" and commitment.breach_record_id is not None
        breach = s.get_one(CreditRecord, commitment.breach_record_id)
        assert (breach.type, breach.category, breach.severity, breach.status) == (
            "commitment_breach", "negative", "general", "active")
        assert breach.details == {"commitment_id": commitment.id, "kind": "industry",
                                  "reason": "承诺明码标价却加价收费"}
        assert f"承诺 {commitment.id}" in (breach.content or "")
        assert breach.publish_until == date(2027, 6, 30)
        assert s.get_one(CreditRecord, commitment.record_id).status == "expired"
        assert "commitment_breach" in factor_codes(s, company.subject_id)
        assert stored_grade(s, company.subject_id) == "B"  # any general negative caps at B
        assert last_action(s) == "commitment.breach"


def refused(s: Session, error: type[JzError], words: str, call: object, **kwargs: object) -> None:
    before = snapshot(s)
    with pytest.raises(error) as caught, s.begin_nested():
        call(s, **kwargs)  # type: ignore[operator]
    assert words in caught.value.detail, caught.value.detail
    assert snapshot(s) == before


def test_ending_a_commitment_that_is_not_in_force_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        kept, broken = sign(s, company.subject_id), sign(s, company.subject_id)
        commitments_service.fulfil(s, commitment_id=kept.id, by="甲", now=at(TODAY))
        commitments_service.breach(s, commitment_id=broken.id, reason="违约", by="甲", now=at(TODAY),
                                   rules=BREACH_RULES)
        fulfil, breach = commitments_service.fulfil, commitments_service.breach
        for done, label in ((kept, "已履行"), (broken, "已违背")):
            refused(s, Conflict, label, fulfil, commitment_id=done.id, by="乙", now=at(TODAY))
            refused(s, Conflict, label, breach, commitment_id=done.id, reason="再犯", by="乙", now=at(TODAY),
                    rules=BREACH_RULES)
        refused(s, NotFound, "999", fulfil, commitment_id=999, by="乙", now=at(TODAY))
        refused(s, NotFound, "999", breach, commitment_id=999, reason="x", by="乙", now=at(TODAY), rules=BREACH_RULES)
        live = sign(s, company.subject_id)
        refused(s, Invalid, "--reason", breach, commitment_id=live.id, reason=" ", by="乙", now=at(TODAY),
                rules=BREACH_RULES)
        refused(s, Invalid, "--by", fulfil, commitment_id=live.id, by="", now=at(TODAY))


def test_bad_sign_input_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        base = {"subject_id": company.subject_id, "kind": "voluntary", "text": "承诺", "by": "甲", "now": at(TODAY)}
        sign_ = commitments_service.sign
        refused(s, Invalid, "未知的承诺类型", sign_, **base | {"kind": "promise"})
        refused(s, Invalid, "--text", sign_, **base | {"text": "  "})
        refused(s, Invalid, "--by", sign_, **base | {"by": ""})
        refused(s, Invalid, "只有告知承诺", sign_, **base | {"in_place_of": "证明"})
        refused(s, Invalid, "--in-place-of", sign_, **base | {"kind": "notification", "in_place_of": " "})
        refused(s, NotFound, "主体", sign_, **base | {"subject_id": 999999})


def test_a_serious_record_blocks_a_notification_commitment_until_repaired(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        company = add_company(s)
        serious = penalty(s, company.subject_id, date(2025, 1, 10), "serious")
        penalty(s, company.subject_id, date(2026, 1, 10))  # a general one does not block
        add_record(s, company.subject_id, "penalty", severity="serious", decided_on=date(2024, 1, 1),
                   status="repaired")
        refused(s, Conflict, f"记录 {serious.id}（行政处罚，文号 {serious.doc_number}）", commitments_service.sign,
                subject_id=company.subject_id, kind="notification", text="承诺符合条件", by="甲", now=at(TODAY))
        other = sign(s, company.subject_id, "voluntary")  # the other kinds are not blocked
        assert other.status == "in_force"

        application = repair_service.apply(s, subject_id=company.subject_id, record_id=serious.id, commitment=True,
                                           evidence="罚款已缴清", training=True, by="甲", now=at(TODAY), rules=RULES)
        assert repair_service.decide(s, repair_id=application.id, by="乙", now=at(TODAY), rules=RULES)["status"] == (
            "approved")
        assert sign(s, company.subject_id, "notification", in_place_of="备案证明").status == "in_force"


def test_list_filters_by_subject_and_status(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        one, two = add_company(s), add_company(s)
        a, b = sign(s, one.subject_id), sign(s, two.subject_id, public=False)
        commitments_service.fulfil(s, commitment_id=b.id, by="甲", now=at(TODAY))
        everything = commitments_service.commitments(s)
        assert [(c["commitment_id"], c["subject_key"]) for c in everything] == [(a.id, one.uscc), (b.id, two.uscc)]
        assert [c["commitment_id"] for c in commitments_service.commitments(s, status="fulfilled")] == [b.id]
        assert [c["commitment_id"] for c in commitments_service.commitments(s, subject_id=one.subject_id)] == [a.id]
        with pytest.raises(Invalid, match="in_force"):
            commitments_service.commitments(s, status="broken")
