"""Writing registry drafts: companies, workers (with codes, consents, employment), and company facts.

An unchanged row is a ``duplicate``; a row that adds or changes something is
``accepted`` (an update), so the same file twice changes nothing.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.db import bulk_insert, table_of
from jzcredit.ingest.drafts import (
    CompanyDraft,
    EmploymentDraft,
    FigureDraft,
    RatingDraft,
    RegionDraft,
    RowRejected,
    StoreDraft,
)
from jzcredit.ingest.writing import WriteContext
from jzcredit.registry import service as registry
from jzcredit.registry.models import Company, CompanyFigure, Employment, Rating, Region, Store

Outcome = Literal["accepted", "duplicate"] | RowRejected
CREATED_BY_PREFIX = "ingest:"  # + source: a company whose own registry row was loaded
COMPANY_FIELDS = ("name", "legal_representative", "address", "region_code", "established_on", "categories",
                  "employment_model", "onboarded_on")


def apply_values(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def write_companies(ctx: WriteContext, items: list[tuple[int, CompanyDraft]]) -> dict[int, Outcome]:
    s = ctx.session
    found = {c.uscc: c for c in s.scalars(select(Company).where(Company.uscc.in_({d.uscc for _, d in items})))}
    out: dict[int, Outcome] = {}
    for row, d in items:
        values = {f: v for f in COMPANY_FIELDS if (v := getattr(d, f)) is not None}  # None: no change
        company = found.get(d.uscc)
        if company is None:
            sid = registry.new_subjects(s, kind="company", count=1, now=ctx.now)[0]
            company = Company(subject_id=sid, uscc=d.uscc, status="active", created_by=CREATED_BY_PREFIX + ctx.source,
                              updated_at=ctx.now, **values)
            s.add(company)
            found[d.uscc] = company
            out[row] = "accepted"
            continue
        stub = company.created_by.startswith(registry.STUB_PREFIX)
        if stub:
            company.created_by = CREATED_BY_PREFIX + ctx.source
        if apply_values(company, values) or stub:
            company.updated_at = ctx.now
            out[row] = "accepted"
        else:
            out[row] = "duplicate"
    s.flush()
    return out


def sync_consents(ctx: WriteContext, worker_id: int, consents: dict[str, bool]) -> bool:
    current = registry.current_consents(ctx.session, [worker_id])[worker_id]
    changed = False
    for scope, granted in consents.items():
        changed |= registry.set_consent(ctx.session, worker_id=worker_id, scope=scope, granted=granted,
                                        now=ctx.now, source=ctx.source, current=current)
    return changed


def ensure_employment(s: Session, worker_id: int, company_id: int, start_on: Any, end_on: Any, source: str,
                      role: str | None = None) -> bool:
    existing = s.scalar(select(Employment).where(Employment.worker_id == worker_id,
                                                 Employment.company_id == company_id,
                                                 Employment.start_on.is_(None) if start_on is None
                                                 else Employment.start_on == start_on))
    if existing is None:
        s.add(Employment(worker_id=worker_id, company_id=company_id, start_on=start_on, end_on=end_on,
                         role=role, source=source))
        s.flush()
        return True
    changes = {k: v for k, v in (("end_on", end_on), ("role", role)) if v is not None}
    return apply_values(existing, changes)


def write_employments(ctx: WriteContext, items: list[tuple[int, EmploymentDraft]]) -> dict[int, Outcome]:
    s = ctx.session
    hashes = {row: ctx.vault.lookup_hash(d.id_number) for row, d in items}
    workers = registry.worker_ids_by_hash(s, hashes.values())
    companies, created = registry.ensure_companies(s, names={d.uscc: None for _, d in items}, source=ctx.source,
                                                   now=ctx.now)
    ctx.counts["companies_created"] += created
    out: dict[int, Outcome] = {}
    for row, d in items:
        wid = workers.get(hashes[row])
        if wid is None:
            out[row] = RowRejected("unknown_worker", "该身份证号的家政服务员尚未登记；登记后请重新提交此行")
            continue
        changed = ensure_employment(s, wid, companies[d.uscc], d.start_on, d.end_on, ctx.source, d.role)
        out[row] = "accepted" if changed else "duplicate"
    return out


def write_regions(ctx: WriteContext, items: list[tuple[int, RegionDraft]]) -> dict[int, Outcome]:
    out: dict[int, Outcome] = {}
    for row, d in items:
        region = ctx.session.get(Region, d.region_code)
        if region is None:
            ctx.session.add(Region(region_code=d.region_code, name=d.name, poverty_level=d.poverty_level or "none"))
            ctx.session.flush()
            out[row] = "accepted"
        else:
            values = {"name": d.name} if d.poverty_level is None else {"name": d.name, "poverty_level": d.poverty_level}
            changed = apply_values(region, values)
            out[row] = "accepted" if changed else "duplicate"
    return out


def write_figures(ctx: WriteContext, items: list[tuple[int, FigureDraft]]) -> dict[int, Outcome]:
    """Yearly and monthly figures: one look-up for the chunk, new ones in one insert."""
    companies, created = registry.ensure_companies(ctx.session, names={d.uscc: None for _, d in items},
                                                   source=ctx.source, now=ctx.now)
    ctx.counts["companies_created"] += created
    found = {(f.company_id, f.figure, f.period): f for f in ctx.session.scalars(select(CompanyFigure).where(
        CompanyFigure.company_id.in_(set(companies.values())),
        CompanyFigure.figure.in_({d.figure for _, d in items})))}
    out: dict[int, Outcome] = {}
    new: dict[tuple[int, str, str], dict[str, Any]] = {}
    for row, d in items:
        key = (companies[d.uscc], d.figure, d.period)
        if key in found:
            out[row] = "accepted" if apply_values(found[key], {"value": str(d.value)}) else "duplicate"
        elif key in new:
            out[row] = "duplicate" if new[key]["value"] == str(d.value) else "accepted"
            new[key]["value"] = str(d.value)
        else:
            new[key] = {"company_id": key[0], "figure": d.figure, "period": d.period, "value": str(d.value),
                        "source": ctx.source, "batch_id": ctx.batch_id}
            out[row] = "accepted"
    bulk_insert(ctx.session, table_of(CompanyFigure), list(new.values()))
    return out


def write_stores(ctx: WriteContext, items: list[tuple[int, StoreDraft]]) -> dict[int, Outcome]:
    companies, created = registry.ensure_companies(ctx.session, names={d.uscc: None for _, d in items},
                                                   source=ctx.source, now=ctx.now)
    ctx.counts["companies_created"] += created
    out: dict[int, Outcome] = {}
    for row, d in items:
        cid = companies[d.uscc]
        store = ctx.session.scalar(select(Store).where(Store.company_id == cid, Store.address == d.address,
                                                       Store.opened_on == d.opened_on))
        if store is None:
            ctx.session.add(Store(company_id=cid, address=d.address, area_m2=str(d.area_m2), opened_on=d.opened_on,
                                  source=ctx.source, batch_id=ctx.batch_id))
            ctx.session.flush()
            out[row] = "accepted"
        else:
            out[row] = "accepted" if apply_values(store, {"area_m2": str(d.area_m2)}) else "duplicate"
    return out


def write_ratings(ctx: WriteContext, items: list[tuple[int, RatingDraft]]) -> dict[int, Outcome]:
    """Historical ratings from a company's own system: marked imported; the same order twice is a duplicate."""
    companies, created = registry.ensure_companies(ctx.session, names={d.uscc: None for _, d in items},
                                                   source=ctx.source, now=ctx.now)
    ctx.counts["companies_created"] += created
    hashes = {row: ctx.vault.lookup_hash(d.id_number) for row, d in items if d.id_number}
    workers = registry.worker_ids_by_hash(ctx.session, hashes.values())
    taken: set[tuple[int, str]] = {(cid, code) for cid, code in ctx.session.execute(
        select(Rating.company_id, Rating.service_code).where(
            Rating.company_id.in_(set(companies.values())),
            Rating.service_code.in_({d.service_code for _, d in items})))}
    out: dict[int, Outcome] = {}
    new = []
    for row, d in items:
        key = (companies[d.uscc], d.service_code)
        if key in taken:
            out[row] = "duplicate"
            continue
        taken.add(key)
        worker_hash = hashes.get(row)
        new.append({"company_id": key[0], "worker_id": workers.get(worker_hash or ""), "stars": d.stars,
                    "rated_on": d.rated_on, "service_code": d.service_code, "comment": d.comment, "imported": True,
                    "source": ctx.source, "batch_id": ctx.batch_id,
                    "extra": {"worker_id_hash": worker_hash} if worker_hash and worker_hash not in workers else None})
        out[row] = "accepted"
    bulk_insert(ctx.session, table_of(Rating), new)
    return out
