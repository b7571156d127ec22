"""``tick``: run every time-based transition for the current (or ``--as-of``) date."""

from __future__ import annotations

from typing import Any

import typer

from jzcredit.cli.context import get_ctx
from jzcredit.cli.evaluate import run_all
from jzcredit.common.clock import today
from jzcredit.evaluation.rulesets import load_models
from jzcredit.lists.rules import lists_config
from jzcredit.tick import service as tick_service


def tick(ctx: typer.Context) -> None:
    """Expire records and list entries, remove and close entries, re-evaluate; --json lists what changed."""
    c = get_ctx(ctx)
    models = load_models(c.settings.config)  # both checked before anything changes
    lists_cfg = lists_config(c.settings.config)
    with c.sessions() as session, session.begin():
        report = tick_service.expire_and_remove(session, now=c.now, actor=c.actor, lists_cfg=lists_cfg)
    report["evaluation"] = run_all(c, models).as_dict()
    with c.sessions() as session, session.begin():
        report["watch_closed"] = tick_service.close_watch(session, now=c.now, actor=c.actor, lists_cfg=lists_cfg)
        if tick_service.changed_anything(report):
            tick_service.record_run(session, now=c.now, actor=c.actor, report=report)
    report["as_of"] = today(c.now)
    report["changed"] = tick_service.changed_anything(report)

    def render(_out: Any) -> None:
        pass

    c.emit(report, render)
    c.human.print(
        f"{report['as_of']}：整改逾期 {len(report['notices_overdue'])} 件，投诉逾期未答复 "
        f"{len(report['complaints_unanswered'])} 件，记录到期 {len(report['records_expired'])} 条，名单到期 "
        f"{len(report['list_entries_expired'])} 条，移出 {len(report['list_entries_removed'])} 条，"
        f"关注名单关闭 {len(report['watch_closed'])} 条，评价变化 {report['evaluation']['changed']} 个"
        + ("" if report["changed"] else "（无变化）"))


def register(app: typer.Typer) -> None:
    app.command("tick")(tick)
