"""A batch run: row accounting, quarantine, chunked commits and resume.

Each chunk of rows is parsed, written, quarantined and counted in one
transaction that also moves ``rows_done`` forward, so a process killed at any
point leaves the database at a chunk boundary; running the same file again
finds the unfinished batch (same source, kind, profile and file hash) and
continues after ``rows_done``. Every row ends in exactly one bucket.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.common.crypto import Vault
from jzcredit.ingest.declared import HeaderMap, ParseOptions, Parser
from jzcredit.ingest.drafts import Draft, RowRejected
from jzcredit.ingest.fields import Row
from jzcredit.ingest.formats import RawRow, cell_text
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.ingest.quarantine import mask_numbers, protect_row
from jzcredit.ingest.writers import write_chunk
from jzcredit.ingest.writing import WriteContext

RowHook = Callable[[Session, int, dict[str, Any]], RowRejected | None]


@dataclass
class RunSpec:
    batch_id: int
    source: str
    actor: str
    now: datetime
    header_map: HeaderMap
    parser: Parser
    options: ParseOptions
    chunk_size: int
    row_hook: RowHook | None = None  # resubmission: checks and marks the corrected quarantined row


def _verbatim(header_map: HeaderMap, raw: RawRow) -> dict[str, str]:
    if raw.cells is None:
        return {"_line": raw.raw or ""}
    data = {name or f"column_{i + 1}": cell_text(raw.cells[i]) if i < len(raw.cells) else ""
            for i, name in enumerate(header_map.header)}
    for i in range(len(header_map.header), len(raw.cells)):
        data[f"column_{i + 1}"] = cell_text(raw.cells[i])
    return data


def _screen(raw: RawRow, header_map: HeaderMap, max_chars: int) -> RowRejected | None:
    if raw.cells is None:
        return RowRejected(raw.problem or "unreadable_row", raw.detail or "")
    if len(raw.cells) != len(header_map.header):
        return RowRejected("wrong_column_count", f"{len(raw.cells)} / {len(header_map.header)}")
    for cell in raw.cells:
        if isinstance(cell, str):
            if "\x00" in cell:
                return RowRejected("nul_byte")
            if len(cell) > max_chars:
                return RowRejected("field_too_long", f"> {max_chars}")
    return None


def _parse(raw: RawRow, spec: RunSpec) -> Draft:
    assert raw.cells is not None
    values: dict[str, Any] = {}
    for pos, column in spec.header_map.columns.items():
        cell = raw.cells[pos]
        if values.get(column) in (None, ""):
            values[column] = cell
    # details are shown with the record: any ID or mobile number in them is masked, never stored in clear
    details: dict[str, Any] = {key: mask_numbers(cell_text(raw.cells[pos]))
                               for pos, key in spec.header_map.details.items() if cell_text(raw.cells[pos]).strip()}
    extra = {name: mask_numbers(cell_text(raw.cells[pos])) for pos, name in spec.header_map.unmapped.items()
             if cell_text(raw.cells[pos]).strip()}
    if extra:
        details["extra"] = extra
    return spec.parser(Row(values, details), spec.options)


def _process_chunk(session: Session, vault: Vault, spec: RunSpec, chunk: list[RawRow]) -> Counter[str]:
    counts: Counter[str] = Counter()
    rejected: dict[int, RowRejected] = {}
    drafts: list[tuple[int, Draft]] = []
    by_number = {raw.number: raw for raw in chunk}
    for raw in chunk:
        problem = _screen(raw, spec.header_map, spec.options.rules.max_field_chars)
        if problem is None and spec.row_hook is not None:
            problem = spec.row_hook(session, raw.number, _verbatim(spec.header_map, raw))
        if problem is None:
            try:
                drafts.append((raw.number, _parse(raw, spec)))
            except RowRejected as exc:
                problem = exc
        if problem is not None:
            rejected[raw.number] = problem
    ctx = WriteContext(session=session, vault=vault, batch_id=spec.batch_id, source=spec.source, now=spec.now,
                       actor=spec.actor)
    for number, outcome in write_chunk(ctx, drafts).items():
        if isinstance(outcome, RowRejected):
            rejected[number] = outcome
        else:
            counts[outcome] += 1
    private = {spec.header_map.header[p] for p in spec.header_map.private_positions}
    _quarantine(session, vault, spec, [(by_number[n], r) for n, r in sorted(rejected.items())], private)
    counts["quarantined"] = len(rejected)
    counts.update(ctx.counts)
    return counts


def _quarantine(session: Session, vault: Vault, spec: RunSpec, rows: list[tuple[RawRow, RowRejected]],
                private: set[str]) -> None:
    for raw, reason in rows:
        shown, cipher = protect_row(_verbatim(spec.header_map, raw), private, vault)
        session.add(QuarantinedRow(batch_id=spec.batch_id, row_number=raw.number, reason=reason.reason,
                                   detail=reason.detail or None, data_masked=shown, private_cipher=cipher))


def run_rows(factory: sessionmaker[Session], vault: Vault, spec: RunSpec, rows: Iterator[RawRow],
             skip: int, on_chunk: Callable[[int], None] | None = None) -> None:
    """Stream the rows after ``skip`` in committed chunks; the batch row moves with each chunk."""
    it = islice(rows, skip, None)
    while chunk := list(islice(it, spec.chunk_size)):
        with factory() as session, session.begin():
            # take the write lock first (SQLite): the chunk may reserve primary keys (db.allocate_ids)
            session.execute(update(Batch).where(Batch.id == spec.batch_id).values(rows_done=Batch.rows_done))
            counts = _process_chunk(session, vault, spec, chunk)
            session.execute(update(Batch).where(Batch.id == spec.batch_id).values(
                rows_done=Batch.rows_done + len(chunk), total=Batch.total + len(chunk),
                accepted=Batch.accepted + counts["accepted"], duplicates=Batch.duplicates + counts["duplicate"],
                quarantined=Batch.quarantined + counts["quarantined"],
                unmatched=Batch.unmatched + counts["unmatched"],
                match_candidates=Batch.match_candidates + counts["match_candidates"],
                companies_created=Batch.companies_created + counts["companies_created"]))
        if on_chunk:
            on_chunk(len(chunk))
