"""Feed positions (``seq``) for ``record_history`` rows, in the order the rows became visible.

Why not the history id as the cursor: ids are drawn when a row is inserted, but a PostgreSQL transaction
that drew id 100 may commit after another that drew 101. A reader who saw 101 and remembered "after 101"
would never see 100. So a change gets its feed position when a reader first *sees* it:

- :func:`sequence_pending` runs at read time (every ``GET /changes``, export and push) under one lock (the
  ``feed_state`` row: ``FOR UPDATE`` on PostgreSQL, the database write lock on SQLite), so sequencing runs
  one at a time and each run's positions are above every earlier run's. Every visible history row without
  a position gets the next ones, in id order. A row that commits late gets a position then — above every
  cursor already handed out, so no reader skips it; and no row gets two (``history_id`` is unique).
- ``low_water`` only saves work: every history id up to it has its position or can never appear, so the
  search for rows without a position starts above it. It may pass an id that is not visible (a rollback
  leaves a gap for ever) only when nothing can still commit that id:

  - SQLite has one writer at a time; holding the write lock, no other transaction is writing, so an id
    not visible now never will be.
  - PostgreSQL: when the ids above ``low_water`` are contiguous there is no gap to wait for. Otherwise the
    sequencer reads the last id drawn from the table's sequence, *then* asks ``pg_locks`` whether any other
    transaction holds ``RowExclusiveLock`` on ``record_history``. An INSERT takes that lock before it draws
    its id and keeps it until its transaction ends, so when nobody holds it, every id drawn so far is
    committed (visible) or rolled back (never will be), and ``low_water`` may pass the gaps up to it. While
    some transaction is writing history rows (a long ingest), ``low_water`` waits below the gap — only the
    search above it gets longer; nothing is skipped. Ids drawn apart from an INSERT (``nextval`` first, the
    row later) would defeat the check; no writer of ``record_history`` does that.

The change's content (the record as of that change, masked) is fixed with its position, so re-reading or
re-sending a change gives the same bytes and digest.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import exists, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from jzcredit.db import is_sqlite
from jzcredit.feed.models import FeedChange, FeedState
from jzcredit.feed.payload import change_payloads, digest_of
from jzcredit.records.models import CreditRecord, RecordHistory

STATE_ID = 1
SEQUENCE_CHUNK = 1000


def _sqlite(session: Session) -> bool:
    return is_sqlite(session.get_bind())  # type: ignore[arg-type]


def lock_state(session: Session, *, now: datetime) -> FeedState:
    """The feed's one state row, created on first use (with this database's feed identity), and locked."""
    dialect_insert = sqlite_insert if _sqlite(session) else pg_insert
    # a new feed identity only when the row is new; two first callers at once: one insert wins
    session.execute(dialect_insert(FeedState).values(id=STATE_ID, instance=secrets.token_hex(8), low_water=0,
                                                     updated_at=now).on_conflict_do_nothing(index_elements=["id"]))
    if _sqlite(session):
        # a write takes SQLite's database lock for the rest of the transaction
        session.execute(update(FeedState).where(FeedState.id == STATE_ID).values(updated_at=now))
    state = session.execute(select(FeedState).where(FeedState.id == STATE_ID).with_for_update()
                            .execution_options(populate_existing=True)).scalar_one()
    return state


def instance_of(session: Session) -> str | None:
    """This database's feed identity, or None before the feed was first read (no lock taken)."""
    return session.scalar(select(FeedState.instance).where(FeedState.id == STATE_ID))


def _unsequenced(low_water: int):  # type: ignore[no-untyped-def]
    return (RecordHistory.id > low_water) & ~exists().where(FeedChange.history_id == RecordHistory.id)


def pending_exists(session: Session, *, low_water: int) -> bool:
    """Whether a visible history row still waits for its position."""
    return session.scalar(select(RecordHistory.id).where(_unsequenced(low_water)).limit(1)) is not None


def sequence_pending(session: Session, *, now: datetime, at_most: int | None = None) -> FeedState:
    """Give positions to visible history rows without one (up to ``at_most``; all when None), then move
    ``low_water`` as far as is safe. The caller owns the transaction; the lock is held until it ends."""
    state = lock_state(session, now=now)
    done = 0
    while at_most is None or done < at_most:
        size = SEQUENCE_CHUNK if at_most is None else min(SEQUENCE_CHUNK, at_most - done)
        rows = session.execute(select(RecordHistory, CreditRecord).join(CreditRecord,
                                                                        CreditRecord.id == RecordHistory.record_id)
                               .where(_unsequenced(state.low_water)).order_by(RecordHistory.id).limit(size)).all()
        if not rows:
            break
        changes = change_payloads(session, [(h, r) for h, r in rows])
        # rows in id order; both engines draw the positions in the order the rows are given
        session.execute(insert(FeedChange), [
            {"history_id": h.id, "record_id": r.id, "change": change, "digest": digest_of(change),
             "sequenced_at": now} for (h, r), change in zip(rows, changes, strict=True)])
        done += len(rows)
        if len(rows) < size:
            break
    _advance_low_water(session, state, now=now)
    return state


def _first_pending(session: Session, low_water: int) -> int | None:
    return session.scalar(select(func.min(RecordHistory.id)).where(_unsequenced(low_water)))


def _contiguous_end(session: Session, low_water: int) -> int:
    """The highest id H such that every id in (low_water, H] is visible."""
    if session.get(RecordHistory, low_water + 1) is None:
        return low_water
    after = aliased(RecordHistory)
    end = session.scalar(select(func.min(RecordHistory.id)).where(
        RecordHistory.id > low_water, ~exists().where(after.id == RecordHistory.id + 1)))
    return int(end) if end is not None else low_water


def _advance_low_water(session: Session, state: FeedState, *, now: datetime) -> None:
    if _sqlite(session):
        safe = int(session.scalar(select(func.coalesce(func.max(RecordHistory.id), 0))) or 0)
    else:
        safe = max(_contiguous_end(session, state.low_water), _settled_pg(session))
    first_pending = _first_pending(session, state.low_water)  # after the checks: sees all they counted on
    if first_pending is not None:
        safe = min(safe, first_pending - 1)
    if safe > state.low_water:
        state.low_water = safe
    state.updated_at = now
    session.flush()


def _settled_pg(session: Session) -> int:
    """PostgreSQL: the last history id drawn, when no other transaction is writing history rows now (then each
    id up to it is visible or never will be); 0 while one is. An INSERT holds ``RowExclusiveLock`` on the
    table from before it draws the id until its transaction ends; the drawn value is read first."""
    last = session.scalar(text("SELECT pg_sequence_last_value(pg_get_serial_sequence('record_history', 'id'))"))
    writing = session.scalar(text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND relation = 'record_history'::regclass "
        "AND mode = 'RowExclusiveLock' AND pid IS DISTINCT FROM pg_backend_pid()"))
    return 0 if last is None or writing else int(last)
