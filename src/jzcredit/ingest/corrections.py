"""Correcting one quarantined row (隔离行更正) by hand, as the admin page does it.

A corrected row goes back in exactly as ``batches resubmit`` takes a corrected file: as a new batch of the
same kind, source and profile that names the original row (``resubmits_batch_id``), through every ingest
check — so it ends accepted, a duplicate, or quarantined again (in the new batch, with the new reason).
The original batch keeps its counts (accepted + duplicates + quarantined = rows read, still) and its row,
verbatim, now marked ``resubmitted`` with the batch that took the correction: the history stays auditable.

The form shows the row verbatim, ID and phone numbers included: that is a private read, audited like
``batches export``.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.common import audit
from jzcredit.common.crypto import Vault
from jzcredit.errors import Conflict, Invalid, NotFound
from jzcredit.ingest import declared
from jzcredit.ingest import service as ingest_service
from jzcredit.ingest.models import Batch, QuarantinedRow
from jzcredit.ingest.quarantine import reveal_row
from jzcredit.ingest.reasons import REASON_HINTS, reason_label
from jzcredit.rules import IngestRules

RAW_LINE = "_line"  # an unreadable line, kept whole
_EXTRA_CELL = re.compile(r"^column_\d+$")  # a cell beyond the header (wrong_column_count)
_DETAIL_COLUMN = re.compile(r"^([a-z][a-z0-9_]*)")
MAX_VALUE_CHARS = 10_000


@dataclass(frozen=True)
class CorrectionField:
    name: str  # the header cell as the file had it (the form's field name)
    value: str
    column: str | None  # the canonical column it maps to, if any
    required: bool
    problem: str | None  # the quarantine reason, when it names this field


@dataclass(frozen=True)
class CorrectionForm:
    batch_id: int
    row: int
    kind: str
    reason: str
    reason_label: str
    hint: str | None
    detail: str | None
    status: str
    resubmitted_in: int | None
    raw_line: str | None
    fields: list[CorrectionField]

    @property
    def general_problem(self) -> bool:
        """The reason names no single field (shown above the form)."""
        return not any(f.problem for f in self.fields)


def quarantined_row(session: Session, *, batch_id: int, row: int) -> QuarantinedRow:
    ingest_service.get_batch(session, batch_id)
    found = session.scalar(select(QuarantinedRow).where(QuarantinedRow.batch_id == batch_id,
                                                        QuarantinedRow.row_number == row))
    if found is None:
        raise NotFound("quarantine.row_unknown", f"批次 {batch_id} 没有被隔离的第 {row} 行")
    return found


def _columns(names: list[str], kind: str, profile: str | None) -> dict[str, str]:
    """Which canonical column each field feeds, as ``declared.map_header`` maps a header (without its
    required-column check: a row is corrected field by field)."""
    source = declared.load_source(kind)
    prof = declared.load_profile(profile) if profile else None
    lookup: dict[str, str] = {}
    for spec in source.columns.values():
        for alias in (spec.name, *spec.aliases):
            lookup.setdefault(declared.header_key(alias), spec.name)
    out: dict[str, str] = {}
    for name in names:
        key = declared.header_key(name)
        if prof and key in prof.columns:
            out[name] = prof.columns[key]
        elif key in lookup and not (prof and key in prof.details):
            out[name] = lookup[key]
    return out


def _values(q: QuarantinedRow, vault: Vault, kind: str) -> tuple[dict[str, str], str | None]:
    """The row verbatim as field → value (an unreadable line: the kind's columns, empty, and the line)."""
    data = {k: "" if v is None else str(v) for k, v in reveal_row(q.data_masked, q.private_cipher, vault).items()
            if declared.header_key(k) != ingest_service.ROW_COLUMN}
    raw = data.pop(RAW_LINE, None)
    if raw is not None and not data:
        data = dict.fromkeys(declared.load_source(kind).columns, "")
    return data, raw


def _form(batch: Batch, q: QuarantinedRow, values: dict[str, str], raw: str | None) -> CorrectionForm:
    columns = _columns(list(values), batch.kind, batch.profile)
    source = declared.load_source(batch.kind)
    named = _DETAIL_COLUMN.match(q.detail or "")
    problem_column = named.group(1) if named else None
    words = reason_label(q.reason)
    fields = [CorrectionField(name=name, value=value, column=columns.get(name),
                              required=bool(columns.get(name) and source.columns[columns[name]].required),
                              problem=words if problem_column and columns.get(name) == problem_column else None)
              for name, value in values.items()]
    return CorrectionForm(batch_id=batch.id, row=q.row_number, kind=batch.kind, reason=q.reason, reason_label=words,
                          hint=REASON_HINTS.get(q.reason), detail=q.detail, status=q.status,
                          resubmitted_in=q.resubmitted_in, raw_line=raw, fields=fields)


def correction_form(session: Session, vault: Vault, *, batch_id: int, row: int, actor: str,
                    now: datetime) -> CorrectionForm:
    """The quarantined row verbatim, field by field, with its reason next to the field it names.

    A private read (the row's ID and phone numbers in clear): audited in the caller's transaction.
    """
    batch = ingest_service.get_batch(session, batch_id)
    q = quarantined_row(session, batch_id=batch_id, row=row)
    values, raw = _values(q, vault, batch.kind)
    audit.append(session, actor=actor, action="private.read", obj=f"batch:{batch_id}", now=now,
                 detail={"what": "quarantined row verbatim, for correction", "row": row})
    return _form(batch, q, values, raw)


def _clean(values: Mapping[str, str], allowed: list[str]) -> dict[str, str]:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise Invalid("quarantine.unknown_field", f"这一行没有这些列：{'、'.join(unknown)[:200]}")
    out: dict[str, str] = {}
    for name in allowed:
        value = str(values.get(name, ""))
        if len(value) > MAX_VALUE_CHARS:
            raise Invalid("quarantine.value_too_long", f"{name} 的内容过长（最多 {MAX_VALUE_CHARS} 字）")
        if _EXTRA_CELL.match(name) and not value.strip():
            continue  # a cell beyond the header, emptied: the corrected row has no such cell
        out[name] = value
    return out


def correct_row(factory: sessionmaker[Session], vault: Vault, *, batch_id: int, row: int, values: Mapping[str, str],
                actor: str, now: datetime, rules: IngestRules) -> Batch:
    """Resubmit one quarantined row with the values given (every field of the form; one missing is empty).

    Returns the new batch (one row: accepted, a duplicate, or quarantined with its new reason). A row
    already corrected is refused (409) with nothing written.
    """
    with factory() as session:
        batch = ingest_service.get_batch(session, batch_id)
        q = quarantined_row(session, batch_id=batch_id, row=row)
        if q.status != "open":
            raise Conflict("quarantine.already_resubmitted",
                           f"批次 {batch_id} 的第 {row} 行已经更正提交过（见批次 {q.resubmitted_in}），不能重复提交")
        current, _raw = _values(q, vault, batch.kind)
    clean = _clean(values, list(current))
    if not any(v.strip() for v in clean.values()):
        raise Invalid("quarantine.empty_row", "更正后的这一行是空的：请填写各列的内容")
    with tempfile.TemporaryDirectory(prefix="jz-correct-") as folder:
        path = Path(folder) / f"batch{batch_id}-row{row}-correction.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([ingest_service.ROW_COLUMN, *clean])
            writer.writerow([str(row), *clean.values()])
        return ingest_service.resubmit(factory, vault, batch_id=batch_id, path=path, actor=actor, now=now,
                                       rules=rules)


def outcome(session: Session, batch: Batch) -> dict[str, Any]:
    """What became of a one-row correction batch: ``accepted``, ``duplicate`` or ``quarantined`` (with the reason)."""
    fresh = ingest_service.get_batch(session, batch.id)
    if fresh.quarantined:
        q = session.scalars(select(QuarantinedRow).where(QuarantinedRow.batch_id == fresh.id)
                            .order_by(QuarantinedRow.row_number)).first()
        assert q is not None
        return {"result": "quarantined", "batch_id": fresh.id, "row": q.row_number, "reason": q.reason,
                "reason_label": reason_label(q.reason)}
    return {"result": "duplicate" if fresh.duplicates else "accepted", "batch_id": fresh.id, "row": None,
            "reason": None, "reason_label": None}
