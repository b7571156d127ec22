"""统计页面 (spec §4.5 ``/stats`` "charts by region", §5.4 "charts where people would rather look than read").

``/stats`` — for a region chosen in a selector: grades of companies and workers, identity verification and
consent by region, complaints by month, list entries by month. ``/stats/models`` — grades per evaluation
model version month by month, and what a model switch did. Each chart is server-rendered SVG
(:mod:`jzcredit.web.charts`) with the same figures in a table under it. The figures come from the statistics
services (:mod:`jzcredit.reports.stats`, ``trends``, ``model_history``) unchanged; they are aggregate
counts only, never a subject. A computed page is kept for ``CACHE_SECONDS`` (the models page
``MODELS_CACHE_SECONDS``) per region and day, since the aggregates read whole tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.common.clock import current_time, today
from jzcredit.common.regions import NATIONAL, validate_scope
from jzcredit.evaluation.models import GRADES
from jzcredit.registry.models import Company
from jzcredit.reports import model_history, trends
from jzcredit.reports import stats as stats_report
from jzcredit.web import charts, templates
from jzcredit.web.charts import Series

router = APIRouter(include_in_schema=False)

CACHE_SECONDS = 60.0
MODELS_CACHE_SECONDS = 600.0  # grades per model change only when subjects are evaluated (a batch job)
CACHE_ENTRIES = 256
GRADE_LABELS = {"A": "A 级", "B": "B 级", "C": "C 级", "D": "D 级", "N": "N 暂不定级", "not_evaluated": "未评价"}
GRADE_COLORS = {"A": "#2f9e44", "B": "#1c7ed6", "C": "#f08c00", "D": "#c92a2a", "N": "#868e96",
                "not_evaluated": "#ced4da"}
LIST_LABELS = {"red": "红名单", "black": "黑名单", "watch": "重点关注"}
LIST_COLORS = {"red": "#e03131", "black": "#212529", "watch": "#f08c00"}
LEVEL_LABELS = {"province": "省份", "city": "城市", "district": "区县"}
KIND_LABELS = {"company": "家政企业", "worker": "家政服务员"}

Region = Annotated[str | None, Query(max_length=6, description="行政区划代码：000000 全国，370000 省，370100 市")]


# --- the region selector -----------------------------------------------------------------------------------


def region_options(session: Session) -> list[dict[str, Any]]:
    """全国, then every province, city and district where an active company is, in code order, named when the
    region table (or the province list) knows the name."""
    codes = [c for c in session.scalars(select(Company.region_code).where(
        Company.status == "active", Company.region_code.is_not(None)).group_by(Company.region_code)) if c]
    scopes = {c[:2] + "0000" for c in codes} | {c[:4] + "00" for c in codes} | set(codes)
    names = trends.region_names(session, sorted(scopes))
    options = [{"code": NATIONAL, "label": "全国", "depth": 0}]
    for code in sorted(scopes):
        depth = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
        name = names.get(code)
        options.append({"code": code, "label": f"{name}（{code}）" if name else code, "depth": depth})
    return options


def _scope_label(options: list[dict[str, Any]], region: str | None) -> str:
    wanted = region or NATIONAL
    return next((o["label"] for o in options if o["code"] == wanted), wanted)


# --- caching -------------------------------------------------------------------------------------------


def _cached(request: Request, key: tuple[Any, ...], compute: Callable[[Session], dict[str, Any]],
            seconds: float = CACHE_SECONDS) -> dict[str, Any]:
    state = request.app.state
    cache: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = getattr(state, "stats_page_cache", None) or {}
    state.stats_page_cache = cache
    hit = cache.get(key)
    if hit is not None and time.monotonic() < hit[0]:
        return hit[1]
    with state.read_sessions() as session:
        data = compute(session)
    if len(cache) >= CACHE_ENTRIES:
        cache.pop(next(iter(cache)))
    cache[key] = (time.monotonic() + seconds, data)
    return data


def _now(request: Request) -> datetime:
    return current_time(request.app.state.settings.now)


def _rate(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


# --- /stats --------------------------------------------------------------------------------------------


def stats_figures(session: Session, *, region: str | None, now: datetime) -> dict[str, Any]:
    """Everything ``/stats`` shows for a region scope, straight from the statistics services."""
    return {"stats": stats_report.stats(session, region=region, now=now),
            "regions": trends.verification_by_region(session, region=region, now=now),
            "complaints": trends.complaints_by_month(session, region=region, now=now),
            "lists": trends.list_entries_by_month(session, region=region, now=now),
            "options": region_options(session)}


def _grade_chart(by_grade: dict[str, dict[str, int]]) -> Any:
    keys = [*GRADES, "not_evaluated"]
    series = [Series(GRADE_LABELS[g], [by_grade["companies"][g], by_grade["workers"][g]], GRADE_COLORS[g])
              for g in keys]
    return charts.stacked_bars(["家政企业", "家政服务员"], series, ident="grades", title="信用等级分布")


def _region_label(row: dict[str, Any]) -> str:
    if row["region_code"] is None:
        return "无受雇企业或企业无地区"
    return f"{row['name']}（{row['region_code']}）" if row["name"] else str(row["region_code"])


def _verification_charts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A bar chart per rate (verified, identified and authorised, public card), each with its title."""
    labels = [_region_label(r) for r in rows]
    out = []
    for ident, key, title, color in (
            ("verified", "verified", "人证核验率（%）", "#1c7ed6"),
            ("authorised", "identified_authorised", "完成识别授权率（%）", "#2f9e44"),
            ("public-card", "public_card", "同意公开展示率（%）", "#862e9c")):
        values = [_rate(r[key], r["workers"]) for r in rows]
        chart = (charts.bar_chart(labels, values, ident=ident, title=title, color=color, max_value=100.0,
                                  fmt=charts.percent) if any(r["workers"] for r in rows)
                 else charts.bar_chart([], [], ident=ident, title=title))
        out.append({"title": title, "chart": chart})
    return out


def _month_ticks(months: list[str]) -> list[str]:
    """``2026-07`` → ``7月``, with the year on January and on the first month."""
    out = []
    for i, m in enumerate(months):
        year, month = m.split("-")
        out.append(f"{year[2:]}年{int(month)}月" if i == 0 or month == "01" else f"{int(month)}月")
    return out


def stats_view(figures: dict[str, Any]) -> dict[str, Any]:
    """The page's charts and tables from the figures."""
    s, complaints, lists = figures["stats"], figures["complaints"], figures["lists"]
    rows = figures["regions"]["rows"]
    verification = s["verification"]
    ticks = _month_ticks(complaints["months"])
    return {
        "grade_chart": _grade_chart(s["by_grade"]),
        "grade_rows": [{"label": GRADE_LABELS[g], "companies": s["by_grade"]["companies"][g],
                        "workers": s["by_grade"]["workers"][g]} for g in [*GRADES, "not_evaluated"]],
        "verification_charts": _verification_charts(rows),
        "region_rows": [r | {"label": _region_label(r), "verified_rate": _rate(r["verified"], r["workers"]),
                             "authorised_rate": _rate(r["identified_authorised"], r["workers"]),
                             "public_rate": _rate(r["public_card"], r["workers"])} for r in rows],
        "verification_total": verification | {
            "verified_rate": _rate(verification["verified"], verification["workers"]),
            "authorised_rate": _rate(verification["identified_authorised"], verification["workers"])},
        "level_label": LEVEL_LABELS[figures["regions"]["level"]],
        "complaint_chart": charts.line_chart(complaints["months"], [
            Series("受理投诉", complaints["filed"], "#1c7ed6"),
            Series("逾期未答复", complaints["unanswered"], "#e8590c"),
            Series("查证属实", complaints["substantiated"], "#c92a2a")],
            ident="complaints", title="每月投诉", tick_labels=ticks),
        "complaint_rows": [{"month": m, "filed": complaints["filed"][i], "unanswered": complaints["unanswered"][i],
                            "substantiated": complaints["substantiated"][i]}
                           for i, m in enumerate(complaints["months"])],
        "list_chart": charts.line_chart(lists["months"], [
            Series(LIST_LABELS[n], lists[n], LIST_COLORS[n]) for n in ("red", "black", "watch")],
            ident="lists", title="每月新增名单", tick_labels=ticks),
        "list_rows": [{"month": m, "red": lists["red"][i], "black": lists["black"][i], "watch": lists["watch"][i]}
                      for i, m in enumerate(lists["months"])],
    }


@router.get("/stats", response_class=HTMLResponse)
def stats_page(request: Request, region: Region = None) -> Response:
    """统计: the charts and tables for a region (national when none is chosen)."""
    scope = validate_scope(region or None)
    scope = None if scope == NATIONAL else scope
    now = _now(request)
    figures = _cached(request, ("stats", scope, today(now)), lambda s: stats_figures(s, region=scope, now=now))
    context = {"figures": figures, "view": stats_view(figures), "region": scope or NATIONAL,
               "scope_label": _scope_label(figures["options"], scope), "options": figures["options"]}
    return templates.TemplateResponse(request, "stats.html", context)


# --- /stats/models -------------------------------------------------------------------------------------


def models_view(history: dict[str, Any]) -> dict[str, Any]:
    """One percentage chart per model (a bar per month it had subjects) and the tables."""
    months = history["months"]
    models = []
    for m in history["models"]:
        shown = [i for i, n in enumerate(m["subjects"]) if n]
        series = [Series(GRADE_LABELS[g], [m["grades"][g][i] for i in shown], GRADE_COLORS[g]) for g in GRADES]
        ident = "model-" + "".join(ch if ch.isalnum() else "-" for ch in m["model"])
        models.append(m | {"kind_label": KIND_LABELS.get(m["kind"], m["kind"]),
                           "chart": charts.stacked_bars([months[i] for i in shown], series, ident=ident,
                                                        title=f"{m['model']} 各月末等级分布"),
                           "rows": [{"month": months[i], "subjects": m["subjects"][i],
                                     "grades": {g: m["grades"][g][i] for g in GRADES}} for i in range(len(months))]})
    kinds = {m["kind"] for m in history["models"]}
    return {"models": models, "grade_labels": [GRADE_LABELS[g] for g in GRADES], "grades": GRADES,
            "single_version": all(sum(1 for m in history["models"] if m["kind"] == k) == 1 for k in kinds),
            "switches": [s | {"kind_label": KIND_LABELS.get(s["kind"], s["kind"])} for s in history["switches"]]}


@router.get("/stats/models", response_class=HTMLResponse)
def models_page(request: Request, region: Region = None) -> Response:
    """评价模型: grades per model version over time, and the movement at each switch of model."""
    scope = validate_scope(region or None)
    scope = None if scope == NATIONAL else scope
    now = _now(request)

    def compute(session: Session) -> dict[str, Any]:
        return {"history": model_history.grades_by_model(session, region=scope, now=now),
                "options": region_options(session)}

    data = _cached(request, ("models", scope, today(now)), compute, MODELS_CACHE_SECONDS)
    context = {"history": data["history"], "view": models_view(data["history"]), "region": scope or NATIONAL,
               "scope_label": _scope_label(data["options"], scope), "options": data["options"]}
    return templates.TemplateResponse(request, "stats_models.html", context)
