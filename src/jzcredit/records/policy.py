"""Record rules of spec §3.1: penalty severity and default publication windows (公示期)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from jzcredit.rules import IngestRules


def infer_penalty_severity(amount_cny: Decimal | None, texts: list[str | None], rules: IngestRules) -> str:
    """§3.1 severity when the source does not say: a fine ≥ the bar or a severe sanction → serious."""
    if amount_cny is not None and amount_cny >= rules.serious_fine_cny:
        return "serious"
    joined = " ".join(t for t in texts if t)
    if any(word in joined for word in rules.serious_penalty_keywords):
        return "serious"
    return "general"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def default_publish_until(record_type: str, severity: str | None, decided_on: date | None,
                          rules: IngestRules) -> date | None:
    """§3.1 default window from ``decided_on`` when the source gives no 公示截止期; licences have none."""
    if decided_on is None:
        return None
    years = rules.publication_years
    if record_type == "penalty":
        key = "penalty_serious" if severity == "serious" else "penalty_general"
        return add_years(decided_on, years[key])
    if record_type == "commendation":
        return add_years(decided_on, years["commendation"])
    return None
