"""Records the platform makes itself, and recomputing what derives from changed records."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_company, add_record, add_worker
from tests.lists.helpers import NOW

from jzcredit.common.crypto import Vault
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists.models import ListEntry
from jzcredit.records import derived
from jzcredit.records import service as records_service
from jzcredit.records.models import CreditRecord, RecordHistory


def test_platform_record_is_made_once_with_its_first_history_row(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        company = add_company(session)
        made = [records_service.create_record(
            session, subject_id=company.subject_id, type_="rectification_overdue", decided_on=date(2026, 6, 30),
            source_key="rectification:JZ-ZG-2026-000001", actor="tick", reason="逾期未整改", now=NOW)
            for _ in range(2)]
        assert made[0].id == made[1].id
        assert made[0].category == "negative" and made[0].severity == "general" and made[0].status == "active"
        assert session.scalar(select(func.count()).select_from(CreditRecord)) == 1
        history = session.scalars(select(RecordHistory).where(RecordHistory.record_id == made[0].id)).all()
        assert [(h.from_status, h.to_status, h.actor) for h in history] == [(None, "active", "tick")]


def test_recompute_removes_black_entry_and_regrades(sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as session, session.begin():
        company = add_company(session)
        add_worker(session, vault, employer=company)
        record = add_record(session, company.subject_id, "penalty", decided_on=date(2025, 1, 10), severity="serious")
        models = load_models()
        evaluation.evaluate_subjects(session, models=models, subject_ids=[company.subject_id], now=NOW)
        assert evaluation.current(session, company.subject_id).grade == "D"  # type: ignore[union-attr]
        session.add(ListEntry(list_name="black", subject_id=company.subject_id, rule="B1", basis=[record.id],
                              status="published", proposed_at=NOW, proposed_by="t", published_on=date(2025, 2, 1),
                              expires_on=date(2028, 2, 1), version=1, details={}))
        records_service.change_status(session, record=record, to="repaired", actor="t", reason="修复", now=NOW)
        out = derived.recompute(session, record_ids=[record.id], now=NOW, actor="t", models=models)
        assert len(out["list_entries_removed"]) == 1
        assert session.scalar(select(ListEntry.status)) == "removed"
        assert evaluation.current(session, company.subject_id).grade != "D"  # type: ignore[union-attr]
        assert out["evaluated"] == [company.subject_id]
