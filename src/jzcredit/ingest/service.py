"""Ingest entry points: load a file, report a batch, export and resubmit quarantined rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.common import audit
from jzcredit.common.crypto import Vault
from jzcredit.errors import Invalid, NotFound
from jzcredit.ingest import bounds, declared
from jzcredit.ingest.context import RunSpec, run_rows
from jzcredit.ingest.drafts import RowRejected
from jzcredit.ingest.formats import TableFile, open_table
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.ingest.quarantine import reveal_row
from jzcredit.rules import IngestRules

ROW_COLUMN = "row"  # in a corrected file: which quarantined row this line corrects
# running: loading, or stopped by a kill; failed: stopped by an error. Both continue when the same file is run again.
UNFINISHED = ("running", "failed")


@dataclass(frozen=True)
class Progress:
    """Callbacks for a progress bar: the total (bytes or rows) and each advance."""

    start: Callable[[int, str], None]
    advance: Callable[[int], None]


def summary(batch: Batch) -> dict[str, Any]:
    return {
        "batch_id": batch.id, "kind": batch.kind, "source": batch.source, "profile": batch.profile,
        "status": batch.status, "total": batch.total, "accepted": batch.accepted,
        "duplicates": batch.duplicates, "quarantined": batch.quarantined, "unmatched": batch.unmatched,
        "match_candidates": batch.match_candidates, "companies_created": batch.companies_created,
        "unmapped_columns": batch.unmapped_columns, "resubmits_batch_id": batch.resubmits_batch_id,
    }


def _prepare(path: Path, kind: str, profile_name: str | None) -> tuple[TableFile, declared.HeaderMap,
                                                                       declared.Profile | None]:
    source_spec = declared.load_source(kind)
    profile = declared.load_profile(profile_name) if profile_name else None
    if profile is not None and profile.kind != kind:
        raise Invalid("ingest.profile_kind", f"模板 {profile.name} 用于 --kind {profile.kind}，不能用于 {kind}")
    table = open_table(path)
    header_map = declared.map_header(table.header, source_spec, profile)
    if next(table.open_rows(None), None) is None:
        raise Invalid("ingest.no_rows", f"{path.name} 只有表头，没有数据行：没有写入任何内容")
    return table, header_map, profile


def _find_or_start(session: Session, *, table: TableFile, kind: str, source: str, profile: str | None,
                   unmapped: list[str], actor: str, now: datetime, resubmits: int | None) -> Batch:
    unfinished = session.scalar(select(Batch).where(
        Batch.status.in_(UNFINISHED), Batch.file_sha256 == table.sha256, Batch.kind == kind, Batch.source == source,
        Batch.profile.is_(None) if profile is None else Batch.profile == profile,
        Batch.resubmits_batch_id.is_(None) if resubmits is None else Batch.resubmits_batch_id == resubmits,
    ).order_by(Batch.id))
    if unfinished is not None:
        unfinished.status, unfinished.finished_at = "running", None
        return unfinished
    batch = Batch(kind=kind, source=source, profile=profile, filename=table.path.name, file_sha256=table.sha256,
                  encoding=table.encoding, status="running", unmapped_columns=unmapped, actor=actor,
                  started_at=now, resubmits_batch_id=resubmits)
    session.add(batch)
    session.flush()
    return batch


def _run(factory: sessionmaker[Session], vault: Vault, *, table: TableFile, header_map: declared.HeaderMap,
         kind: str, source: str, profile: declared.Profile | None, actor: str, now: datetime, rules: IngestRules,
         progress: Progress | None, resubmits: int | None = None) -> Batch:
    unmapped = list(header_map.unmapped.values())
    with factory() as session, session.begin():
        batch = _find_or_start(session, table=table, kind=kind, source=source,
                               profile=profile.name if profile else None, unmapped=unmapped, actor=actor,
                               now=now, resubmits=resubmits)
        batch_id, skip = batch.id, batch.rows_done
    spec = RunSpec(batch_id=batch_id, source=source, actor=actor, now=now, header_map=header_map,
                   parser=declared.load_parser(kind), options=declared.parse_options(profile, rules),
                   chunk_size=rules.chunk_size,
                   row_hook=_resubmit_hook(resubmits, batch_id) if resubmits else None)
    try:
        advance = None
        if progress is not None:
            progress.start(table.size if table.format != "xlsx" else 0, table.path.name)
            advance = progress.advance
        run_rows(factory, vault, spec, table.open_rows(advance), skip)
        with factory() as session, session.begin():
            batch = session.get_one(Batch, batch_id)
            batch.status = "completed"
            batch.finished_at = now
            audit.append(session, actor=actor, action="ingest.batch", obj=f"batch:{batch_id}", now=now,
                         detail={k: v for k, v in summary(batch).items() if k != "unmapped_columns"}
                         | {"file_sha256": table.sha256})
    except Exception:
        _mark_failed(factory, batch_id, now)
        raise
    return batch


def _mark_failed(factory: sessionmaker[Session], batch_id: int, now: datetime) -> None:
    """An unexpected error ends the run as ``failed`` (its committed chunks stay; the same file continues it).

    A kill or Ctrl-C never gets here: that batch stays ``running`` and is continued the same way.
    """
    try:
        with factory() as session, session.begin():
            session.execute(update(Batch).where(Batch.id == batch_id, Batch.status == "running")
                            .values(status="failed", finished_at=now))
    except Exception:
        pass  # the database may be what failed: the original error is the one to report


def ingest_file(factory: sessionmaker[Session], vault: Vault, *, path: Path, kind: str, source: str,
                profile: str | None, actor: str, now: datetime, rules: IngestRules,
                progress: Progress | None = None) -> Batch:
    """Load one file; all checks that can refuse the whole file run before anything is written."""
    if not source.strip():
        raise Invalid("ingest.no_source", "请用 --source 说明数据来源（如 济南市商务局）")
    bounds.check_source(source.strip())
    table, header_map, prof = _prepare(path, kind, profile)
    return _run(factory, vault, table=table, header_map=header_map, kind=kind, source=source.strip(),
                profile=prof, actor=actor, now=now, rules=rules, progress=progress)


def keeps_unmapped(kind: str) -> bool:
    """Whether a kind keeps unmapped columns (records: in ``details.extra``); registry and figure kinds do not."""
    return declared.keeps_unmapped(kind)


def get_batch(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound("batch.not_found", f"没有编号为 {batch_id} 的导入批次")
    return batch


def batch_report(session: Session, batch_id: int) -> dict[str, Any]:
    """Counts plus every quarantined row (masked), for ``batches show``."""
    batch = get_batch(session, batch_id)
    rows = session.scalars(select(QuarantinedRow).where(QuarantinedRow.batch_id == batch_id)
                           .order_by(QuarantinedRow.row_number))
    return summary(batch) | {"quarantined_rows": [
        {"row": q.row_number, "reason": q.reason, "detail": q.detail, "status": q.status,
         "resubmitted_in": q.resubmitted_in, "data": q.data_masked} for q in rows]}


def export_quarantined(session: Session, vault: Vault, *, batch_id: int, actor: str,
                       now: datetime) -> tuple[list[str], list[dict[str, Any]]]:
    """The open quarantined rows verbatim (a private view: audited), with a leading ``row`` column.

    The header is every column of every row, in the order first seen. The audit entry is added to the
    caller's transaction: commit it only once the rows were written out.
    """
    get_batch(session, batch_id)
    rows = list(session.scalars(select(QuarantinedRow).where(
        QuarantinedRow.batch_id == batch_id, QuarantinedRow.status == "open").order_by(QuarantinedRow.row_number)))
    out = []
    header = [ROW_COLUMN]
    for q in rows:
        # a row quarantined again in a corrected file kept that file's own ``row``: the number here is this batch's
        data = {k: v for k, v in reveal_row(q.data_masked, q.private_cipher, vault).items()
                if declared.header_key(k) != ROW_COLUMN}
        header.extend(k for k in data if k not in header)  # rows may differ in columns (``_line``, ``column_N``)
        out.append({ROW_COLUMN: q.row_number, **data})
    audit.append(session, actor=actor, action="private.read", obj=f"batch:{batch_id}", now=now,
                 detail={"what": "quarantined rows verbatim", "rows": len(out)})
    return header, out


def _resubmit_hook(original_id: int | None, new_batch_id: int) -> Callable[[Session, int, dict[str, Any]],
                                                                           RowRejected | None]:
    def hook(session: Session, _number: int, data: dict[str, Any]) -> RowRejected | None:
        cell = next((v for k, v in data.items() if declared.header_key(k) == ROW_COLUMN), "")
        try:
            row = int(str(cell).strip())
        except ValueError:
            return RowRejected("not_a_quarantined_row", "缺少 row 列或不是数字")
        result = session.execute(update(QuarantinedRow).where(
            QuarantinedRow.batch_id == original_id, QuarantinedRow.row_number == row,
            QuarantinedRow.status == "open").values(status="resubmitted", resubmitted_in=new_batch_id))
        if not getattr(result, "rowcount", 0):
            return RowRejected("not_a_quarantined_row", f"批次 {original_id} 没有待更正的第 {row} 行")
        return None

    return hook


def resubmit(factory: sessionmaker[Session], vault: Vault, *, batch_id: int, path: Path, actor: str,
             now: datetime, rules: IngestRules, progress: Progress | None = None) -> Batch:
    """Corrected quarantined rows back in, as a new batch of the same kind, source and profile."""
    with factory() as session:
        original = get_batch(session, batch_id)
        kind, source, profile_name = original.kind, original.source, original.profile
    bounds.check_source(source)
    table, header_map, profile = _prepare(path, kind, profile_name)
    if ROW_COLUMN not in [declared.header_key(h) for h in table.header]:
        raise Invalid("ingest.no_row_column",
                      "更正文件需要 row 列，写明更正的是原批次的第几行（可用 batches export 导出）")
    header_map = replace(header_map, unmapped={p: n for p, n in header_map.unmapped.items()
                                               if declared.header_key(n) != ROW_COLUMN})
    return _run(factory, vault, table=table, header_map=header_map, kind=kind, source=source, profile=profile,
                actor=actor, now=now, rules=rules, progress=progress, resubmits=batch_id)
