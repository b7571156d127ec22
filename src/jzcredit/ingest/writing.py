"""What every writer gets: the open session, the batch, the clock, the vault, and side counters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from jzcredit.common.crypto import Vault


@dataclass
class WriteContext:
    session: Session
    vault: Vault
    batch_id: int
    source: str
    now: datetime
    actor: str
    counts: Counter[str] = field(default_factory=Counter)  # companies_created, unmatched, match_candidates
