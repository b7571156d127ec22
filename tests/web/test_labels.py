"""The plain-Chinese filters the public templates (and the PDF report) use: codes to words, signed points,
amounts, dates and regions; an unknown code shows as itself."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

from jzcredit.web import labels, templates


def test_codes_become_words_and_unknown_codes_stay_themselves() -> None:
    assert labels.label("penalty", "record_type") == "行政处罚"
    assert labels.label("B", "grade") == "信用良好"
    assert labels.label("new_kind", "record_type") == "new_kind"
    assert labels.label(None, "grade") == labels.EMPTY
    assert labels.labels(["cleaning", "cooking"], "service_category") == "家庭保洁、家庭烹饪"
    assert labels.labels([], "service_category") == labels.EMPTY
    assert labels.dimension("D3.penalty_general") == "合规经营" and labels.dimension("cap.negative") == "等级上限"


def test_points_carry_their_sign_and_amounts_their_unit() -> None:
    assert [labels.points(v) for v in (45, -75, 0, Fraction(25, 2), "7.50", None)] == [
        "+45", "−75", "0", "+12.5", "+7.5", labels.EMPTY]
    assert labels.yuan("5000") == "5,000 元" and labels.yuan("12.5") == "12.50 元"
    assert labels.yuan(None) == labels.EMPTY and labels.yuan("n/a") == "n/a"


def test_dates_and_regions() -> None:
    assert labels.day(date(2026, 6, 30)) == "2026-06-30"
    assert labels.day(datetime(2026, 6, 30, 23, 0, tzinfo=UTC)) == "2026-06-30"
    assert labels.day("2026-06-30T10:00:00") == "2026-06-30" and labels.day(None) == labels.EMPTY
    assert labels.region("370102") == "山东省 370102" and labels.region("990000") == "990000"
    assert labels.region(None) == labels.EMPTY


def test_the_site_environment_has_the_filters_and_escapes_what_they_return() -> None:
    rendered = templates.env.from_string("{{ x | label('record_type') }}|{{ p | points }}").render(
        x="<script>", p=-3)
    assert rendered == "&lt;script&gt;|−3"
