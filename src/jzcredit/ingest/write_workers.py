"""Writing worker rows: new workers in bulk, known ones through the per-row update path.

A new worker gets a subject, an encrypted ID, a worker code, its consents and
its employment in a handful of statements per chunk, so that a million demo
workers load in minutes; records that waited unmatched are linked and masked
court records get their match candidates in the same chunk.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import select

from jzcredit.common import ids
from jzcredit.common.clock import SHANGHAI
from jzcredit.db import bulk_insert, table_of
from jzcredit.ingest.drafts import WorkerDraft
from jzcredit.ingest.write_records import Outcome, propose_pending_matches
from jzcredit.ingest.write_registry import apply_values, ensure_employment, sync_consents
from jzcredit.ingest.writing import WriteContext
from jzcredit.registry import service as registry
from jzcredit.registry.models import Consent, Employment, Worker

IDENTITY_METHOD_PREFIX = "provider:"  # + source: who verified the worker's identity (人证核验)


def _values(ctx: WriteContext, d: WorkerDraft) -> dict[str, Any]:
    values: dict[str, Any] = {"name": d.name}  # the others only when the file says something about them
    if d.categories is not None:
        values["categories"] = d.categories
    if d.registered_poor is not None:
        values["registered_poor"] = d.registered_poor
    if d.identity_verified_on:
        values |= {"identity_verified_at": datetime.combine(d.identity_verified_on, time(0), SHANGHAI),
                   "identity_method": IDENTITY_METHOD_PREFIX + ctx.source}
    if d.phone:
        values |= {"phone_hash": ctx.vault.lookup_hash(d.phone), "phone_masked": ids.mask_phone(d.phone)}
    return values


def _new_row(ctx: WriteContext, d: WorkerDraft, subject_id: int, id_hash: str) -> dict[str, Any]:
    facts = ids.id_facts(d.id_number)
    row: dict[str, Any] = {
        "subject_id": subject_id, "id_hash": id_hash, "id_cipher": ctx.vault.encrypt(d.id_number),
        "id_masked": ids.mask_id_number(d.id_number), "birth_date": facts.birth_date, "sex": facts.sex,
        "native_region": facts.native_region, "photo_path": None, "identity_verified_at": None,
        "identity_method": None, "phone_hash": None, "phone_masked": None,
        "phone_cipher": ctx.vault.encrypt(d.phone) if d.phone else None, "categories": [],
        "registered_poor": False, "created_at": ctx.now, "updated_at": ctx.now,
    }
    return row | _values(ctx, d)


def _insert_new(ctx: WriteContext, new: list[tuple[WorkerDraft, str]], employers: dict[str, int]) -> None:
    subject_ids = registry.new_subjects(ctx.session, kind="worker", count=len(new), now=ctx.now)
    pairs = list(zip(new, subject_ids, strict=True))
    bulk_insert(ctx.session, table_of(Worker), [_new_row(ctx, d, sid, h) for (d, h), sid in pairs])
    bulk_insert(ctx.session, table_of(Consent), [
        {"worker_id": sid, "scope": scope, "granted_at": ctx.now, "revoked_at": None, "source": ctx.source}
        for (d, _h), sid in pairs for scope, granted in d.consents.items() if granted])
    bulk_insert(ctx.session, table_of(Employment), [
        {"worker_id": sid, "company_id": employers[d.employer_uscc], "start_on": d.employment_start_on,
         "end_on": None, "role": None, "source": ctx.source}
        for (d, _h), sid in pairs if d.employer_uscc])
    registry.issue_worker_codes(ctx.session, worker_ids=subject_ids, now=ctx.now)
    registry.link_unmatched_records(ctx.session, id_hashes=[h for _d, h in new])
    propose_pending_matches(ctx, workers=[(d.name, d.id_number) for d, _h in new])


def _update(ctx: WriteContext, worker: Worker, d: WorkerDraft, employers: dict[str, int]) -> Outcome:
    values = _values(ctx, d)
    changed = apply_values(worker, values)
    if d.phone and changed and "phone_hash" in values:
        worker.phone_cipher = ctx.vault.encrypt(d.phone)
    ctx.session.flush()
    changed |= sync_consents(ctx, worker.subject_id, d.consents)
    if d.employer_uscc:
        changed |= ensure_employment(ctx.session, worker.subject_id, employers[d.employer_uscc],
                                     d.employment_start_on, None, ctx.source)
    if changed:
        worker.updated_at = ctx.now
    return "accepted" if changed else "duplicate"


def write_workers(ctx: WriteContext, items: list[tuple[int, WorkerDraft]]) -> dict[int, Outcome]:
    s = ctx.session
    hashes = {row: ctx.vault.lookup_hash(d.id_number) for row, d in items}
    known = set(s.scalars(select(Worker.id_hash).where(Worker.id_hash.in_(set(hashes.values())))))
    employers, created = registry.ensure_companies(
        s, names={d.employer_uscc: None for _, d in items if d.employer_uscc}, source=ctx.source, now=ctx.now)
    ctx.counts["companies_created"] += created
    out: dict[int, Outcome] = {}
    new: list[tuple[WorkerDraft, str]] = []
    later: list[tuple[int, WorkerDraft]] = []  # known workers and repeats within the chunk
    for row, d in items:
        if hashes[row] in known:
            later.append((row, d))
        else:
            known.add(hashes[row])
            new.append((d, hashes[row]))
            out[row] = "accepted"
    if new:
        _insert_new(ctx, new, employers)
    if later:
        workers = {w.id_hash: w for w in s.scalars(select(Worker).where(
            Worker.id_hash.in_({hashes[r] for r, _ in later})))}
        for row, d in later:
            out[row] = _update(ctx, workers[hashes[row]], d, employers)
    return out
