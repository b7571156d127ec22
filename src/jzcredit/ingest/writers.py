"""Dispatch a chunk's drafts to the writer for their type, in row order per type."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from jzcredit.ingest import write_records, write_registry, write_workers
from jzcredit.ingest.drafts import (
    CompanyDraft,
    Draft,
    EmploymentDraft,
    FigureDraft,
    RatingDraft,
    RecordDraft,
    RegionDraft,
    StoreDraft,
    WorkerDraft,
)
from jzcredit.ingest.write_records import Outcome
from jzcredit.ingest.writing import WriteContext

WRITERS: dict[type, Callable[[WriteContext, Any], dict[int, Outcome]]] = {
    CompanyDraft: write_registry.write_companies,
    WorkerDraft: write_workers.write_workers,
    EmploymentDraft: write_registry.write_employments,
    RegionDraft: write_registry.write_regions,
    FigureDraft: write_registry.write_figures,
    StoreDraft: write_registry.write_stores,
    RatingDraft: write_registry.write_ratings,
    RecordDraft: write_records.write_records,
}


def write_chunk(ctx: WriteContext, drafts: list[tuple[int, Draft]]) -> dict[int, Outcome]:
    groups: dict[type, list[tuple[int, Draft]]] = defaultdict(list)
    for number, draft in drafts:
        groups[type(draft)].append((number, draft))
    out: dict[int, Outcome] = {}
    for kind, items in groups.items():
        out.update(WRITERS[kind](ctx, items))
    return out
