"""What a model reads about one subject: plain values, no database, so features stay pure.

The loaders in ``evaluation/loading.py`` fill these from the tables in bulk; the
improvement search changes copies of them and runs the model again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from jzcredit.records.service import is_in_force

# record types that count as "negative" for caps, D3/C and list rules; complaints are
# counted only by the complaint features (they have their own weights)
COMPLAINT = "complaint"

# Exact numbers: whole ones stay ``int`` (cheap), the others are ``Fraction``.
Number = int | Fraction


@dataclass(frozen=True, slots=True)
class Fact:
    """A credit record as the models read it."""

    record_id: int
    type: str
    category: str
    severity: str | None
    status: str
    decided_on: date | None
    publish_until: date | None = None
    valid_until: date | None = None
    result: str | None = None  # health_check pass/fail, background_check clear/record_found
    finding: str | None = None  # complaint: substantiated / unanswered
    rating: str | None = None  # tax_rating A/B/M/C/D
    hours: Number | None = None  # training hours
    commitment_kind: str | None = None
    public: bool = False

    def in_force(self, as_of: date) -> bool:
        return is_in_force(self, as_of)

    @property
    def negative(self) -> bool:
        return self.category == "negative" and self.type != COMPLAINT

    @property
    def serious(self) -> bool:
        return self.negative and self.severity == "serious"

    def within(self, as_of: date, days: int) -> bool:
        """Decided in the ``days`` days up to and including ``as_of``."""
        return self.decided_on is not None and as_of - timedelta(days=days) < self.decided_on <= as_of


@dataclass(frozen=True, slots=True)
class StaffFact:
    """One current worker of a company, as D2 reads it."""

    worker_id: int
    authorised: bool
    health_until: date | None = None  # last day a passed health check that began by the date is valid
    trained_on: date | None = None  # latest in-force training completed by the date


@dataclass(frozen=True, slots=True)
class SubjectFacts:
    subject_id: int
    kind: str  # company | worker
    records: tuple[Fact, ...] = ()
    ratings: tuple[tuple[int, date], ...] = ()  # (stars, rated_on)
    black_listed: bool = False
    # company
    basic_fields: tuple[str, ...] = ()  # which of name, address, region_code, legal_representative are present
    established_on: date | None = None
    employee_model: bool = False
    onboarded_on: date | None = None
    staff: tuple[StaffFact, ...] = field(default=())
    # worker
    authorised: bool = False
    # records in force on a date, worked out once per date: derived from the fields above, never compared,
    # and rebuilt by dataclasses.replace (init=False), so a changed copy never sees a stale answer
    _in_force: dict[date, tuple[list[Fact], dict[str, list[Fact]]]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def _by_date(self, as_of: date) -> tuple[list[Fact], dict[str, list[Fact]]]:
        found = self._in_force.get(as_of)
        if found is None:
            every = [f for f in self.records if f.in_force(as_of)]
            by_type: dict[str, list[Fact]] = {}
            for f in every:
                by_type.setdefault(f.type, []).append(f)
            found = self._in_force[as_of] = (every, by_type)
        return found

    def in_force(self, as_of: date, *types: str) -> list[Fact]:
        """Records of these types in force on the date, in record order."""
        every, by_type = self._by_date(as_of)
        if len(types) == 1:
            return list(by_type.get(types[0], ()))
        return [f for f in every if f.type in types]

    def all_in_force(self, as_of: date) -> list[Fact]:
        """Every record in force on the date, in record order (do not change the list)."""
        return self._by_date(as_of)[0]


def health_valid(facts: list[Fact] | tuple[Fact, ...], as_of: date, default_days: int) -> list[Fact]:
    """Health checks valid on the date: ``pass`` and checked_on ≤ date ≤ valid_until (spec §4.3)."""
    out = []
    for f in facts:
        if f.type != "health_check" or f.result != "pass" or not f.in_force(as_of) or f.decided_on is None:
            continue
        if as_of <= (f.valid_until or f.decided_on + timedelta(days=default_days)):
            out.append(f)
    return out
