"""Registry logic: subjects, companies, workers, codes, consents, and resolving a KEY."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from jzcredit.common import ids
from jzcredit.common.crypto import Vault
from jzcredit.db import allocate_ids, table_of
from jzcredit.errors import NotFound
from jzcredit.records.models import CreditRecord
from jzcredit.registry import name_index
from jzcredit.registry.models import Company, Consent, Subject, Worker, WorkerCode

STUB_PREFIX = "link:"  # companies created from another department's record, not onboarded


def new_subjects(session: Session, *, kind: str, count: int, now: datetime) -> list[int]:
    if count == 0:
        return []
    ids_ = allocate_ids(session, table_of(Subject), count)
    session.execute(insert(table_of(Subject)), [{"id": i, "kind": kind, "created_at": now} for i in ids_])
    return ids_


def company_ids(session: Session, usccs: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(usccs))
    if not wanted:
        return {}
    rows = session.execute(select(Company.uscc, Company.subject_id).where(Company.uscc.in_(wanted)))
    return {u: sid for u, sid in rows}


def ensure_companies(session: Session, *, names: dict[str, str | None], source: str,
                     now: datetime) -> tuple[dict[str, int], int]:
    """§3.1 linking: a valid USCC not yet known creates that company (not onboarded)."""
    known = company_ids(session, names)
    missing = [u for u in sorted(names) if u not in known]
    subject_ids = new_subjects(session, kind="company", count=len(missing), now=now)
    if missing:
        session.execute(insert(table_of(Company)), [
            {"subject_id": sid, "uscc": u, "name": names[u] or u, "categories": [], "status": "active",
             "created_by": STUB_PREFIX + source, "updated_at": now}
            for u, sid in zip(missing, subject_ids, strict=True)
        ])
        name_index.write_names(session.connection(), {sid: names[u] or u
                                                      for u, sid in zip(missing, subject_ids, strict=True)})
        known.update(zip(missing, subject_ids, strict=True))
    return known, len(missing)


def worker_ids_by_hash(session: Session, hashes: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    rows = session.execute(select(Worker.id_hash, Worker.subject_id).where(Worker.id_hash.in_(wanted)))
    return {h: sid for h, sid in rows}


def issue_worker_codes(session: Session, *, worker_ids: list[int], now: datetime) -> dict[int, str]:
    """一人一码: a fresh random code per worker (50 random bits; a clash is drawn again)."""
    codes: dict[int, str] = {}
    for wid in worker_ids:
        code = ids.new_worker_code()
        while code in codes.values():
            code = ids.new_worker_code()
        codes[wid] = code
    taken = set(session.scalars(select(WorkerCode.code).where(WorkerCode.code.in_(list(codes.values())))))
    for wid, code in codes.items():
        while code in taken:
            code = ids.new_worker_code()
        codes[wid] = code
    if codes:
        session.execute(insert(table_of(WorkerCode)), [
            {"worker_id": wid, "code": code, "status": "active", "issued_at": now} for wid, code in codes.items()
        ])
    return codes


def reissue_worker_code(session: Session, *, worker_id: int, now: datetime) -> str:
    """Re-issue: the old code stays resolvable and shows as revoked."""
    session.execute(update(WorkerCode).where(WorkerCode.worker_id == worker_id, WorkerCode.status == "active")
                    .values(status="revoked", revoked_at=now))
    return issue_worker_codes(session, worker_ids=[worker_id], now=now)[worker_id]


def active_codes(session: Session, worker_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(worker_ids))
    rows = session.execute(select(WorkerCode.worker_id, WorkerCode.code)
                           .where(WorkerCode.worker_id.in_(wanted), WorkerCode.status == "active"))
    return {w: c for w, c in rows}


def current_consents(session: Session, worker_ids: Iterable[int]) -> dict[int, set[str]]:
    wanted = sorted(set(worker_ids))
    out: dict[int, set[str]] = {w: set() for w in wanted}
    rows = session.execute(select(Consent.worker_id, Consent.scope)
                           .where(Consent.worker_id.in_(wanted), Consent.revoked_at.is_(None)))
    for wid, scope in rows:
        out[wid].add(scope)
    return out


def set_consent(session: Session, *, worker_id: int, scope: str, granted: bool, now: datetime,
                source: str, current: set[str]) -> bool:
    """Grant or revoke; the rows are the history. Returns whether anything changed."""
    if granted == (scope in current):
        return False
    if granted:
        session.add(Consent(worker_id=worker_id, scope=scope, granted_at=now, source=source))
    else:
        session.execute(update(Consent).where(Consent.worker_id == worker_id, Consent.scope == scope,
                                              Consent.revoked_at.is_(None)).values(revoked_at=now))
    return True


def link_unmatched_records(session: Session, *, id_hashes: Iterable[str]) -> int:
    """Records that arrived before their worker registered are linked as soon as the worker exists."""
    wanted = sorted(set(id_hashes))
    if not wanted:
        return 0
    sub = select(Worker.subject_id).where(Worker.id_hash == CreditRecord.subject_id_hash).scalar_subquery()
    result = session.execute(update(CreditRecord)
                             .where(CreditRecord.subject_id.is_(None), CreditRecord.subject_id_hash.in_(wanted))
                             .values(subject_id=sub).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def resolve_subject_key(session: Session, *, vault: Vault, key: str) -> int:
    """KEY = a USCC, a worker code (active or revoked) or an ID number; never echoed back in full."""
    code = key.strip().upper()
    if code.startswith("JZ") and ids.is_worker_code(ids.normalise_worker_code(code)):
        worker_code = ids.normalise_worker_code(code)
        found = session.scalar(select(WorkerCode.worker_id).where(WorkerCode.code == worker_code))
        if found is not None:
            return found
        raise NotFound("subject.not_found", f"没有服务员编码为 {worker_code} 的家政服务员")
    try:
        number = ids.validate_id_number(code)
    except ids.InvalidIdentifier:
        number = None
    if number is not None:
        wid = session.scalar(select(Worker.subject_id).where(Worker.id_hash == vault.lookup_hash(number)))
        if wid is not None:
            return wid
        raise NotFound("subject.not_found", f"没有身份证号为 {ids.mask_id_number(number)} 的家政服务员")
    try:
        uscc = ids.validate_uscc(code)
    except ids.InvalidIdentifier:
        raise NotFound("subject.bad_key", "无法识别的主体标识：请给出统一社会信用代码、服务员编码或身份证号") from None
    cid = session.scalar(select(Company.subject_id).where(Company.uscc == uscc))
    if cid is None:
        raise NotFound("subject.not_found", f"没有统一社会信用代码为 {uscc} 的企业")
    return cid


def subject_keys(session: Session, subject_ids: Iterable[int]) -> dict[int, str]:
    """The public key of each subject: USCC for companies, the active worker code for workers."""
    wanted = sorted(set(subject_ids))
    out = {sid: u for u, sid in session.execute(
        select(Company.uscc, Company.subject_id).where(Company.subject_id.in_(wanted)))}
    out.update(active_codes(session, [w for w in wanted if w not in out]))
    return out
