"""The change feed (变更推送): changes after an opaque cursor; receiving another platform's changes.

A cursor is base64url of ``instance:seq`` — the feed identity of the database that issued it and the
position after which to read. It is checked, not trusted: garbage, another platform's cursor or a position
this feed never reached answer with a 422 that says which.

Receiving is idempotent per sender, origin and change id: the same change again adds nothing; the same id
with different content is a conflict (409) and nothing of the batch is kept. Received records are kept apart
from this platform's own records (``feed_received_records``, by origin), the latest change winning.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.db import is_sqlite
from jzcredit.errors import Conflict, Invalid
from jzcredit.feed import sequencing
from jzcredit.feed.models import FeedChange, PushTarget, ReceivedChange, ReceivedRecord
from jzcredit.feed.payload import ENVELOPE, digest_of

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_BATCH = 500  # changes in one received batch
SCAN_PAGES = 20  # a filtered read looks at most this many pages' worth of changes before answering
ORIGIN = re.compile(r"[0-9A-Za-z_-]{1,32}")
MAX_ID = 2**63 - 1

# which changes a reader may see: given a page of changes, the ones to keep (the router applies the policy)
Keep = Callable[[Sequence[dict[str, Any]]], list[dict[str, Any]]]


def encode_cursor(instance: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"{instance}:{seq}".encode("ascii")).decode("ascii").rstrip("=")


def _bad_cursor(cursor: str) -> Invalid:
    shown = cursor if len(cursor) <= 40 else cursor[:40] + "…"
    return Invalid("cursor.invalid", f"游标 {shown!r} 无效：请使用上一次读取变更时返回的 next_cursor，"
                                     "或不带 since 从头读取")


def decode_cursor(cursor: str | None, *, instance: str, head: int) -> int:
    """The position a cursor stands for, after checking it was issued by this feed (0 = from the start)."""
    if cursor is None or cursor.strip() == "":
        return 0
    text = cursor.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _bad_cursor(cursor) from None
    origin, sep, position = raw.rpartition(":")
    if not sep or not ORIGIN.fullmatch(origin) or not position.isdigit() or len(position) > 18:
        raise _bad_cursor(cursor)
    if origin != instance:
        raise Invalid("cursor.other_feed", f"游标来自另一个平台的变更流（{origin}），不是本平台（{instance}）的："
                                           "请使用本平台返回的 next_cursor，或不带 since 从头读取")
    seq = int(position)
    if seq > head:
        raise Invalid("cursor.ahead", f"游标位置 {seq} 超出了本平台变更流的末尾（{head}）：本平台从未给出过这个游标")
    return seq


def _item(instance: str, change: FeedChange) -> dict[str, Any]:
    return {"change_id": change.seq, "origin": instance, **change.change, "digest": change.digest}


def _head(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(FeedChange.seq), 0))) or 0)


def read_changes(session: Session, *, since: str | None, now: datetime, limit: int = DEFAULT_LIMIT,
                 keep: Keep | None = None) -> dict[str, Any]:
    """Up to ``limit`` changes after the cursor ``since``, oldest first, and the cursor to read on from.

    Changes not yet positioned are positioned first (see :mod:`jzcredit.feed.sequencing`), so the caller's
    transaction writes. ``keep`` filters what this reader may see; ``next_cursor`` then moves past what was
    looked at, kept or not, so a reader with a narrow scope does not read the same changes again.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid("changes.limit", f"每页条数 limit 应在 1 到 {MAX_LIMIT} 之间")
    state = sequencing.sequence_pending(session, now=now, at_most=max(limit, sequencing.SEQUENCE_CHUNK))
    position = decode_cursor(since, instance=state.instance, head=_head(session))
    items: list[dict[str, Any]] = []
    for _ in range(SCAN_PAGES):
        rows = list(session.scalars(select(FeedChange).where(FeedChange.seq > position)
                                    .order_by(FeedChange.seq).limit(limit)))
        if not rows:
            break
        page = [_item(state.instance, r) for r in rows]
        kept = {c["change_id"] for c in (keep(page) if keep else page)}
        for change in page:
            position = change["change_id"]
            if change["change_id"] in kept:
                items.append(change)
                if len(items) == limit:
                    break
        if len(items) == limit or len(rows) < limit:
            break
    more = session.scalar(select(FeedChange.seq).where(FeedChange.seq > position).limit(1)) is not None
    return {"origin": state.instance, "items": items, "next_cursor": encode_cursor(state.instance, position),
            "has_more": more or sequencing.pending_exists(session, low_water=state.low_water)}


def feed_identity(session: Session, *, now: datetime) -> str:
    """This database's feed identity (created on first use)."""
    return sequencing.lock_state(session, now=now).instance


def _dialect_insert(session: Session) -> Callable[..., Any]:
    """The engine's ``INSERT … ON CONFLICT`` (both engines have it, under their own names)."""
    if is_sqlite(session.get_bind()):  # type: ignore[arg-type]
        return sqlite_insert
    return pg_insert


# --- receiving -------------------------------------------------------------------------------------------


def _text(value: Any, *, what: str, change_id: int, size: int, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > size:
        raise Invalid("change.invalid", f"变更 {change_id} 的 {what} 应为不超过 {size} 个字符的文本")
    return value


def _checked(change: dict[str, Any], origin: str) -> dict[str, Any]:
    """One incoming change: its shape, its origin and its digest."""
    cid = change.get("change_id")
    if isinstance(cid, bool) or not isinstance(cid, int) or not 1 <= cid <= MAX_ID:
        raise Invalid("change.invalid", "每条变更都要有正整数 change_id")
    if change.get("origin") not in (None, origin):
        raise Invalid("change.origin", f"变更 {cid} 的来源 {change.get('origin')!r} 与本批的来源 {origin!r} 不同")
    rid = change.get("record_id")
    if isinstance(rid, bool) or not isinstance(rid, int) or not 1 <= rid <= MAX_ID:
        raise Invalid("change.invalid", f"变更 {cid} 缺少正整数 record_id")
    record, subject = change.get("record"), change.get("subject")
    if not isinstance(record, dict) or not isinstance(subject, dict):
        raise Invalid("change.invalid", f"变更 {cid} 缺少 record 或 subject 对象")
    _text(record.get("type"), what="record.type", change_id=cid, size=32)
    _text(change.get("to_status"), what="to_status", change_id=cid, size=16)
    _text(subject.get("kind"), what="subject.kind", change_id=cid, size=16, required=False)
    _text(subject.get("key"), what="subject.key", change_id=cid, size=32, required=False)
    digest = digest_of(change)
    if change.get("digest") not in (None, digest):
        raise Invalid("change.digest", f"变更 {cid} 的摘要与内容不符：内容在传输中被改动，或不是由变更流生成的")
    return {k: v for k, v in change.items() if k not in ENVELOPE} | {"change_id": cid, "digest": digest}


def _conflict(origin: str, change_id: int) -> Conflict:
    return Conflict("change.conflict", f"来源 {origin} 的变更 {change_id} 已接收过，但这次的内容不同："
                                       "同一变更编号不能有两种内容，本批变更均未接收")


def receive_changes(session: Session, *, sender_id: int, origin: str, changes: Sequence[dict[str, Any]],
                    now: datetime, actor: str, own_instance: str | None = None) -> dict[str, Any]:
    """Keep a batch of another platform's changes; what was already received is skipped, a clash refused."""
    if not ORIGIN.fullmatch(origin or ""):
        raise Invalid("change.origin", "origin 应为发送方变更流的标识（1 到 32 个字母、数字、- 或 _）")
    if own_instance is not None and origin == own_instance:
        raise Invalid("change.own_origin", "这些变更来自本平台自己的变更流，不能再接收回本平台")
    if len(changes) > MAX_BATCH:
        raise Invalid("change.batch_size", f"一批最多 {MAX_BATCH} 条变更，本批有 {len(changes)} 条：请分批发送")
    batch: dict[int, dict[str, Any]] = {}
    for raw in changes:
        change = _checked(raw, origin)
        seen = batch.get(change["change_id"])
        if seen is not None and seen["digest"] != change["digest"]:
            raise _conflict(origin, change["change_id"])
        batch[change["change_id"]] = change
    new = _insert_new(session, sender_id=sender_id, origin=origin, batch=batch, now=now)
    _upsert_records(session, sender_id=sender_id, origin=origin, changes=[batch[c] for c in sorted(new)], now=now)
    if new:
        audit.append(session, actor=actor, action="feed.receive", obj=f"feed:{origin}", now=now,
                     detail={"received": len(new), "duplicates": len(batch) - len(new),
                             "first": min(new), "last": max(new)})
    return {"origin": origin, "received": len(new), "duplicates": len(batch) - len(new),
            "acked_change_id": max(batch, default=None)}


def _insert_new(session: Session, *, sender_id: int, origin: str, batch: dict[int, dict[str, Any]],
                now: datetime) -> set[int]:
    """Insert the changes not received before (a concurrent copy of the same batch is fine); check the rest."""
    if not batch:
        return set()
    dialect_insert = _dialect_insert(session)
    rows = [{"sender_id": sender_id, "origin": origin, "change_id": cid, "record_id": c["record_id"],
             "digest": c["digest"], "change": c, "received_at": now} for cid, c in batch.items()]
    new: set[int] = set()
    for start in range(0, len(rows), 100):
        stmt = (dialect_insert(ReceivedChange).values(rows[start:start + 100])
                .on_conflict_do_nothing(index_elements=["sender_id", "origin", "change_id"])
                .returning(ReceivedChange.change_id))
        new.update(int(cid) for cid in session.scalars(stmt))
    old = sorted(set(batch) - new)
    for start in range(0, len(old), 500):
        for cid, digest in session.execute(select(ReceivedChange.change_id, ReceivedChange.digest).where(
                ReceivedChange.sender_id == sender_id, ReceivedChange.origin == origin,
                ReceivedChange.change_id.in_(old[start:start + 500]))):
            if digest != batch[cid]["digest"]:
                raise _conflict(origin, cid)
    return new


def _upsert_records(session: Session, *, sender_id: int, origin: str, changes: Sequence[dict[str, Any]],
                    now: datetime) -> None:
    """Each record as its latest received change shows it (a late, older change does not undo a newer one)."""
    latest: dict[int, dict[str, Any]] = {}
    for change in changes:  # ascending change ids: the last one per record wins
        latest[change["record_id"]] = change
    insert_ = _dialect_insert(session)
    for record_id, change in latest.items():
        values = {"last_change_id": change["change_id"], "type": change["record"]["type"],
                  "status": change["to_status"], "subject_kind": change["subject"].get("kind"),
                  "subject_key": change["subject"].get("key"), "record": change["record"],
                  "subject": change["subject"], "updated_at": now}
        stmt = insert_(ReceivedRecord).values(sender_id=sender_id, origin=origin, record_id=record_id, **values)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["sender_id", "origin", "record_id"], set_={k: stmt.excluded[k] for k in values},
            where=ReceivedRecord.last_change_id < stmt.excluded.last_change_id))


def received_records(session: Session, *, origin: str | None = None) -> list[ReceivedRecord]:
    query = select(ReceivedRecord).order_by(ReceivedRecord.origin, ReceivedRecord.record_id)
    if origin is not None:
        query = query.where(ReceivedRecord.origin == origin)
    return list(session.scalars(query))


# --- pushing ---------------------------------------------------------------------------------------------


def push_target(session: Session, *, target: str, now: datetime) -> PushTarget:
    """The push progress for ``target`` (created at position 0), locked until the transaction ends."""
    dialect_insert = _dialect_insert(session)
    session.execute(dialect_insert(PushTarget).values(target=target, acked_seq=0, pushed=0, created_at=now)
                    .on_conflict_do_nothing(index_elements=["target"]))
    return session.execute(select(PushTarget).where(PushTarget.target == target).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one()


def acknowledge(session: Session, *, target: str, up_to: int, count: int, now: datetime, actor: str) -> PushTarget:
    """The target has confirmed every change up to position ``up_to``: the next push starts after it."""
    found = push_target(session, target=target, now=now)
    if up_to > found.acked_seq:
        session.execute(update(PushTarget).where(PushTarget.id == found.id).values(
            acked_seq=up_to, pushed=PushTarget.pushed + count, acked_at=now))
        audit.append(session, actor=actor, action="feed.push", obj=f"push:{found.id}", now=now,
                     detail={"target": target, "acked_up_to": up_to, "changes": count})
    session.flush()
    session.refresh(found)
    return found
