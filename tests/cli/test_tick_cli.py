"""``tick`` over several simulated years: the black and red list lifecycles, record expiry, idempotency."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.cli.conftest import Invoke
from tests.cli.conftest import json_ok as run
from tests.factories import add_company, add_rating, add_record, add_worker

from jzcredit.cli import evaluate as evaluate_cmd
from jzcredit.cli import lists as lists_cmd
from jzcredit.cli import tick as tick_cmd
from jzcredit.common.clock import parse_now
from jzcredit.common.crypto import Vault
from jzcredit.evaluation import service as evaluation
from jzcredit.lists.models import ListEntry
from jzcredit.records.models import CreditRecord, RecordHistory
from jzcredit.records.service import change_status

APP = [evaluate_cmd.register, lists_cmd.register, tick_cmd.register]


def staffed_company(s: Session, vault: Vault, **fields: object) -> int:
    company = add_company(s, **fields)  # type: ignore[arg-type]
    for _ in range(3):
        worker = add_worker(s, vault, employer=company)
        add_record(s, worker.subject_id, "health_check", decided_on=date(2026, 1, 5), valid_until=date(2030, 1, 4),
                   details={"result": "pass"})
        add_record(s, worker.subject_id, "training", decided_on=date(2026, 1, 5), details={"hours": "60"})
    for on in (date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)):
        add_rating(s, company, 5, rated_on=on)
    add_record(s, company.subject_id, "tax_rating", decided_on=date(2025, 12, 31), details={"rating": "A"})
    return company.subject_id


def entry_of(sessions: sessionmaker[Session], subject_id: int, list_name: str) -> ListEntry:
    with sessions() as s:
        return s.scalars(select(ListEntry).where(ListEntry.subject_id == subject_id,
                                                 ListEntry.list_name == list_name)).one()


def test_black_list_lifecycle_through_tick(invoke: Invoke, cli_app: object, sessions: sessionmaker[Session],
                                           vault: Vault) -> None:
    app = cli_app(*APP)  # type: ignore[operator]
    with sessions() as s, s.begin():
        company = staffed_company(s, vault)
        penalty = add_record(s, company, "penalty", severity="serious", decided_on=date(2026, 1, 10),
                             publish_until=date(2029, 1, 10)).id
    run(invoke, app, "2026-02-01", "evaluate", "--all")
    proposed = run(invoke, app, "2026-02-01", "lists", "propose")
    black = next(e for e in proposed if e["list"] == "black")  # type: ignore[union-attr]
    assert black["rule"] == "B1"
    run(invoke, app, "2026-02-02", "lists", "review", str(black["entry_id"]), "--approve", "--by", "王审核")
    assert entry_of(sessions, company, "black").expires_on == date(2029, 2, 2)
    first = run(invoke, app, "2026-03-01", "tick")
    assert run(invoke, app, "2026-03-01", "tick")["changed"] is False  # type: ignore[index]
    assert first["evaluation"]["evaluated"] >= 1  # type: ignore[index]
    with sessions() as s:
        current = evaluation.current(s, company)
        assert current is not None and current.grade == "D"
        assert any(f["code"].startswith("cap.") for f in current.factors)

    # a year later the record is repaired: the entry goes at the next tick, and the grade recovers
    with sessions() as s, s.begin():
        change_status(s, record=s.get_one(CreditRecord, penalty), to="repaired", actor="test",
                      reason="信用修复", now=parse_now("2027-02-01"))
    report = run(invoke, app, "2027-02-01", "tick")
    removed = report["list_entries_removed"]  # type: ignore[index]
    assert [(r["entry_id"], r["to_status"]) for r in removed] == [(black["entry_id"], "removed")]
    assert entry_of(sessions, company, "black").removed_on == date(2027, 2, 1)
    with sessions() as s:
        current = evaluation.current(s, company)
        assert current is not None and current.grade != "D"
    assert run(invoke, app, "2027-02-01", "tick")["changed"] is False  # type: ignore[index]


def test_black_entry_and_record_expire_and_red_entry_goes_on_a_new_negative(
        invoke: Invoke, cli_app: object, sessions: sessionmaker[Session], vault: Vault) -> None:
    app = cli_app(*APP)  # type: ignore[operator]
    with sessions() as s, s.begin():
        bad = staffed_company(s, vault, name="甲家政")
        add_record(s, bad, "dishonest_debtor", severity="serious", decided_on=date(2026, 1, 10),
                   publish_until=date(2028, 6, 30))
        good = staffed_company(s, vault, name="乙家政", onboarded_on=date(2024, 1, 1))
    run(invoke, app, "2026-02-01", "evaluate", "--all")
    proposed = run(invoke, app, "2026-02-01", "lists", "propose")
    by_rule = {(e["list"], e["rule"]): e for e in proposed}  # type: ignore[union-attr]
    for key in (("black", "B2"), ("red", "R1")):
        run(invoke, app, "2026-02-01", "lists", "review", str(by_rule[key]["entry_id"]), "--approve", "--by", "审核员")
    # a new general penalty for the red-listed company: removed at once at the next tick
    with sessions() as s, s.begin():
        add_record(s, good, "penalty", decided_on=date(2026, 5, 1), publish_until=date(2027, 5, 1))
    report = run(invoke, app, "2026-05-02", "tick")
    assert [(r["list"], r["reason"]) for r in report["list_entries_removed"]] == [("red", "negative_record")]  # type: ignore[index]
    # three years on: the court record's window ends, then the black entry expires
    report = run(invoke, app, "2028-07-01", "tick")
    with sessions() as s:
        statuses = dict(s.execute(select(CreditRecord.id, CreditRecord.status)
                                  .where(CreditRecord.subject_id.in_([bad, good]),
                                         CreditRecord.type.in_(("dishonest_debtor", "penalty")))).all())
        assert set(statuses.values()) == {"expired"}
        assert s.scalar(select(RecordHistory.reason).where(RecordHistory.to_status == "expired")).startswith("公示期")
    report = run(invoke, app, "2029-02-02", "tick")
    assert [(r["list"], r["to_status"]) for r in report["list_entries_expired"]] == [("black", "expired")]  # type: ignore[index]
    assert run(invoke, app, "2029-02-02", "tick")["changed"] is False  # type: ignore[index]
