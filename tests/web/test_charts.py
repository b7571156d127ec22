"""The SVG charts: lengths and positions proportional to the figures, every text escaped, empty data drawn as
暂无数据, and an accessible name on every chart and every mark."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from jzcredit.web import charts
from jzcredit.web.charts import Series

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & 历下区'


def parse(markup: str) -> ET.Element:
    """The chart as XML: it must be well-formed (an unescaped ``<`` or ``&`` would fail here)."""
    return ET.fromstring(str(markup))


def marks(root: ET.Element, css: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("class") == css]


def titles(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{SVG}title")]


def test_bar_lengths_are_proportional_to_the_values() -> None:
    root = parse(charts.bar_chart(["甲", "乙", "丙", "丁"], [40, 10, 20, 0], ident="b", title="数量"))
    widths = [float(b.get("width", "nan")) for b in marks(root, "bar")]
    assert widths[0] == pytest.approx(charts.WIDTH - 64)  # the largest fills the plot
    assert [w / widths[0] for w in widths] == pytest.approx([1.0, 0.25, 0.5, 0.0])
    assert all(w <= charts.WIDTH for w in widths)
    assert titles(root)[1:] == ["甲：40", "乙：10", "丙：20", "丁：0"]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["甲", "40", "乙", "10", "丙", "20", "丁", "0"]  # label and figure for each bar


def test_a_fixed_maximum_scales_rates_to_it() -> None:
    root = parse(charts.bar_chart(["a", "b"], [50.0, 12.5], ident="r", title="率", max_value=100.0,
                                  fmt=charts.percent))
    widths = [float(b.get("width", "nan")) for b in marks(root, "bar")]
    plot = charts.WIDTH - 64
    assert widths == pytest.approx([plot * 0.5, plot * 0.125])
    assert "a：50.0%" in titles(root)


def test_labels_and_titles_are_escaped_everywhere() -> None:
    shown = [charts.bar_chart([HOSTILE], [3], ident="x\"><script>", title=HOSTILE),
             charts.stacked_bars([HOSTILE], [Series(HOSTILE, [1]), Series("b", [3])], ident="s", title=HOSTILE),
             charts.line_chart([HOSTILE, "m2"], [Series(HOSTILE, [1, 2])], ident="l", title=HOSTILE,
                               tick_labels=[HOSTILE, "m2"])]
    for markup in shown:
        assert "<script>" not in str(markup) and "&lt;script&gt;" in str(markup)
        root = parse(markup)  # well-formed
        assert root.get("role") == "img"
        assert any(HOSTILE in t for t in titles(root))
        assert all(ch.isalnum() or ch in "-_ " for ch in root.get("aria-labelledby", ""))


@pytest.mark.parametrize("draw", [
    lambda: charts.bar_chart([], [], ident="e", title="空"),
    lambda: charts.bar_chart(["a", "b"], [0, 0], ident="e", title="空"),
    lambda: charts.stacked_bars(["a"], [Series("x", [0]), Series("y", [0])], ident="e", title="空"),
    lambda: charts.stacked_bars([], [], ident="e", title="空"),
    lambda: charts.line_chart([], [], ident="e", title="空"),
    lambda: charts.line_chart(["1", "2"], [Series("x", [0, 0])], ident="e", title="空"),
])
def test_empty_data_draws_a_chart_that_says_so(draw: object) -> None:
    root = parse(draw())  # type: ignore[operator]
    assert charts.EMPTY_TEXT in [t.text for t in root.iter(f"{SVG}text")]
    assert "chart-empty" in (root.get("class") or "")
    assert not marks(root, "bar") and not marks(root, "segment") and not marks(root, "point")


def test_stacked_shares_fill_the_width_in_proportion() -> None:
    root = parse(charts.stacked_bars(["企业", "服务员"], [Series("A", [1, 0]), Series("B", [3, 5])],
                                     ident="g", title="等级"))
    segments = marks(root, "segment")
    assert len(segments) == 3  # a zero is not drawn
    first = [float(s.get("width", "nan")) for s in segments[:2]]
    assert first == pytest.approx([charts.WIDTH * 0.25, charts.WIDTH * 0.75])
    assert float(segments[2].get("width", "nan")) == pytest.approx(charts.WIDTH)
    assert float(segments[1].get("x", "nan")) == pytest.approx(first[0])  # the second starts where the first ends
    assert "企业 · A：1（25.0%）" in titles(root) and "服务员 · B：5（100.0%）" in titles(root)


def test_stacked_totals_to_scale_without_shares() -> None:
    root = parse(charts.stacked_bars(["x", "y"], [Series("A", [2, 1]), Series("B", [2, 0])], ident="t",
                                     title="t", shares=False))
    widths = [float(s.get("width", "nan")) for s in marks(root, "segment")]
    assert widths == pytest.approx([charts.WIDTH / 2, charts.WIDTH / 2, charts.WIDTH / 4])


def test_line_points_are_placed_by_value_and_in_order() -> None:
    root = parse(charts.line_chart(["2026-01", "2026-02", "2026-03"], [Series("受理", [0, 5, 10]),
                                                                      Series("属实", [2, 0, 1])],
                                   ident="c", title="投诉"))
    points = marks(root, "point")
    assert len(points) == 6 and len(marks(root, "line")) == 2
    ys = [float(p.get("cy", "nan")) for p in points[:3]]
    xs = [float(p.get("cx", "nan")) for p in points[:3]]
    assert xs[0] < xs[1] < xs[2] and xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])
    assert ys[0] > ys[1] > ys[2]  # higher values higher up
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2])  # linear: 0 → 5 → 10 evenly spaced
    assert "2026-02 · 受理：5" in titles(root) and "2026-01 · 属实：2" in titles(root)
    assert all(0 <= float(p.get("cx", "nan")) <= charts.WIDTH for p in points)


def test_tick_labels_are_thinned_to_fit_a_phone() -> None:
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    root = parse(charts.line_chart(months, [Series("x", list(range(12)))], ident="t", title="t"))
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("font-size") == str(charts.SMALL) and
             (t.text or "").startswith("2026")]
    assert 2 <= len(ticks) < 12 and ticks[0] == "2026-01"
    # every month is still named in its point's title
    assert all(any(t.startswith(m) for t in titles(root)) for m in months)


def test_axis_ceiling_is_a_round_number() -> None:
    assert [charts.nice_ceiling(v) for v in (0, 1, 3, 7, 11, 240, 999)] == [1, 1, 5, 10, 20, 250, 1000]


def test_mismatched_figures_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        charts.bar_chart(["a"], [1, 2], ident="m", title="m")
    with pytest.raises(ValueError):
        charts.line_chart(["a", "b"], [Series("x", [1])], ident="m", title="m")
