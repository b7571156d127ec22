"""Writing credit-record drafts, one chunk at a time, with source-key and fingerprint dedupe.

- same (source, source_key) already present → ``duplicate`` (or quarantined as
  ``conflicts_with_existing`` when the same key now says something else);
- same fingerprint from another source → ``duplicate``, linked to the record;
- otherwise a new record, its origin link and its first history row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.common import ids
from jzcredit.common.crypto import Vault
from jzcredit.db import allocate_ids, bulk_insert, table_of
from jzcredit.ingest.drafts import RecordDraft, RowRejected
from jzcredit.ingest.writing import WriteContext
from jzcredit.records.models import CreditRecord, MatchCandidate, RecordHistory, RecordSource
from jzcredit.registry import service as registry
from jzcredit.registry.models import Worker

Outcome = Literal["accepted", "duplicate"] | RowRejected


@dataclass
class _Prepared:
    row: int
    draft: RecordDraft
    identity: str
    subject_id: int | None
    id_hash: str | None
    masked_code: str | None
    key: str
    fingerprint: str


def _fingerprint(d: RecordDraft, identity: str) -> str:
    """The same fact from any source: type, subject, date and document number (or content)."""
    what = (d.doc_number or "").replace(" ", "") or (d.content or "")
    text = "\x1f".join([d.type, identity, d.decided_on.isoformat() if d.decided_on else "", what])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _prepare(ctx: WriteContext, items: list[tuple[int, RecordDraft]]) -> list[_Prepared]:
    names = {d.subject.uscc: d.subject.name for _, d in items if d.subject.uscc}
    companies, created = registry.ensure_companies(ctx.session, names=names, source=ctx.source, now=ctx.now)
    ctx.counts["companies_created"] += created
    hashes = {row: ctx.vault.lookup_hash(d.subject.id_number) for row, d in items if d.subject.id_number}
    workers = registry.worker_ids_by_hash(ctx.session, hashes.values())
    out = []
    for row, d in items:
        s = d.subject
        subject_id: int | None = None
        masked_code = None
        if s.uscc:
            identity, subject_id, masked_code = s.uscc, companies[s.uscc], s.uscc
        elif s.id_number:
            identity = "id:" + hashes[row]
            subject_id = workers.get(hashes[row])
            masked_code = ids.mask_id_number(s.id_number)
        else:
            assert s.masked is not None
            identity = f"masked:{s.masked.pattern}:{s.name or ''}"
            masked_code = s.masked.pattern
        key = "|".join([d.type, identity, *d.key_parts])
        out.append(_Prepared(row, d, identity, subject_id, hashes.get(row), masked_code, key,
                             _fingerprint(d, identity)))
    return out


def _existing(ctx: WriteContext, prepared: list[_Prepared]) -> tuple[dict[str, str], dict[str, int]]:
    keys = sorted({p.key for p in prepared})
    by_key = {key: fp for key, fp in ctx.session.execute(
        select(RecordSource.source_key, CreditRecord.fingerprint)
        .join(CreditRecord, CreditRecord.id == RecordSource.record_id)
        .where(RecordSource.source == ctx.source, RecordSource.source_key.in_(keys)))}
    fps = sorted({p.fingerprint for p in prepared})
    by_fp = {fp: rid for fp, rid in ctx.session.execute(
        select(CreditRecord.fingerprint, CreditRecord.id).where(CreditRecord.fingerprint.in_(fps))
        .order_by(CreditRecord.id.desc()))}
    return by_key, by_fp


def write_records(ctx: WriteContext, items: list[tuple[int, RecordDraft]]) -> dict[int, Outcome]:
    prepared = _prepare(ctx, items)
    by_key, by_fp = _existing(ctx, prepared)
    outcomes: dict[int, Outcome] = {}
    new: list[_Prepared] = []
    links: list[tuple[_Prepared, int | None]] = []  # (row, record id or None = a record new in this chunk)
    new_fps: set[str] = set()
    for p in prepared:
        if p.key in by_key:
            same = by_key[p.key] == p.fingerprint
            outcomes[p.row] = "duplicate" if same else RowRejected(
                "conflicts_with_existing", "同一来源、同一编号的记录内容不同：请通过异议或撤销更正")
        elif p.fingerprint in by_fp or p.fingerprint in new_fps:
            outcomes[p.row] = "duplicate"
            links.append((p, by_fp.get(p.fingerprint)))
            by_key[p.key] = p.fingerprint
        else:
            outcomes[p.row] = "accepted"
            new.append(p)
            new_fps.add(p.fingerprint)
            by_key[p.key] = p.fingerprint
    ids_by_fp = _insert_new(ctx, new)
    _insert_links(ctx, links, ids_by_fp)
    return outcomes


def _record_row(ctx: WriteContext, p: _Prepared) -> dict[str, object]:
    d = p.draft
    return {
        "subject_id": p.subject_id, "category": d.category, "type": d.type, "severity": d.severity,
        "decided_on": d.decided_on, "decided_precision": d.precision, "doc_number": d.doc_number,
        "authority": d.authority, "authority_uscc": d.authority_uscc, "content": d.content, "amount": d.amount,
        "publish_from": d.decided_on if d.publish_until else None, "publish_until": d.publish_until,
        "valid_until": d.valid_until, "status": "active", "source": ctx.source, "batch_id": ctx.batch_id,
        "source_key": p.key, "fingerprint": p.fingerprint, "subject_name": d.subject.name,
        "subject_code_masked": p.masked_code, "subject_id_hash": p.id_hash, "details": d.details,
        "created_at": ctx.now, "updated_at": ctx.now,
    }


def _insert_new(ctx: WriteContext, new: list[_Prepared]) -> dict[str, int]:
    if not new:
        return {}
    record_ids = allocate_ids(ctx.session, table_of(CreditRecord), len(new))
    bulk_insert(ctx.session, table_of(CreditRecord),
                [_record_row(ctx, p) | {"id": rid} for p, rid in zip(new, record_ids, strict=True)])
    bulk_insert(ctx.session, table_of(RecordSource), [
        {"record_id": rid, "source": ctx.source, "source_key": p.key, "batch_id": ctx.batch_id,
         "relation": "origin", "linked_at": ctx.now} for p, rid in zip(new, record_ids, strict=True)])
    bulk_insert(ctx.session, table_of(RecordHistory), [
        {"record_id": rid, "at": ctx.now, "from_status": None, "to_status": "active", "actor": ctx.actor,
         "reason": f"导入批次 {ctx.batch_id}"} for rid in record_ids])
    for p in new:
        if p.subject_id is None:
            ctx.counts["unmatched"] += 1
    masked = [(p, rid) for p, rid in zip(new, record_ids, strict=True) if p.draft.subject.masked]
    for p, rid in masked:
        _propose_match(ctx, p, rid)
    return {p.fingerprint: rid for p, rid in zip(new, record_ids, strict=True)}


def _insert_links(ctx: WriteContext, links: list[tuple[_Prepared, int | None]], ids_by_fp: dict[str, int]) -> None:
    rows = [{"record_id": rid if rid is not None else ids_by_fp[p.fingerprint], "source": ctx.source,
             "source_key": p.key, "batch_id": ctx.batch_id, "relation": "same_fact", "linked_at": ctx.now}
            for p, rid in links]
    if rows:
        bulk_insert(ctx.session, table_of(RecordSource), rows)


def masked_matches(session: Session, *, vault: Vault, masked: ids.MaskedId, name: str | None) -> list[int]:
    """Workers whose name is ``name`` and whose ID number shows the same visible characters."""
    if not name:
        return []
    rows = session.execute(select(Worker.subject_id, Worker.id_cipher).where(Worker.name == name))
    return [wid for wid, cipher in rows if masked.matches(vault.decrypt(cipher))]


def _propose_match(ctx: WriteContext, p: _Prepared, record_id: int) -> None:
    """§3.1: exactly one worker fits → a candidate a regulator confirms; never auto-linked."""
    assert p.draft.subject.masked is not None
    fits = masked_matches(ctx.session, vault=ctx.vault, masked=p.draft.subject.masked, name=p.draft.subject.name)
    if len(fits) == 1:
        ctx.session.add(MatchCandidate(record_id=record_id, worker_id=fits[0], status="pending", created_at=ctx.now))
        ctx.counts["match_candidates"] += 1


def propose_pending_matches(ctx: WriteContext, *, workers: list[tuple[str, str]]) -> None:
    """Masked court records still without a subject or candidate, whose name and visible digits fit a new worker."""
    by_name: dict[str, list[str]] = {}
    for name, id_number in workers:
        by_name.setdefault(name, []).append(id_number)
    if not by_name:
        return
    pending = ctx.session.execute(
        select(CreditRecord.id, CreditRecord.subject_code_masked, CreditRecord.subject_name)
        .where(CreditRecord.subject_id.is_(None), CreditRecord.subject_id_hash.is_(None),
               CreditRecord.subject_name.in_(sorted(by_name)), CreditRecord.subject_code_masked.like("%*%"))
    ).all()
    for record_id, pattern, court_name in pending:
        masked = ids.parse_masked_id(pattern or "")
        if masked is None or court_name is None or not any(masked.matches(n) for n in by_name[court_name]):
            continue
        if ctx.session.scalar(select(MatchCandidate.id).where(MatchCandidate.record_id == record_id)) is not None:
            continue
        fits = masked_matches(ctx.session, vault=ctx.vault, masked=masked, name=court_name)
        if len(fits) == 1:
            ctx.session.add(MatchCandidate(record_id=record_id, worker_id=fits[0], status="pending",
                                           created_at=ctx.now))
            ctx.counts["match_candidates"] += 1
