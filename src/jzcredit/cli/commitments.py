"""``commitments sign|fulfil|breach|list``: credit commitments (信用承诺)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from jzcredit.cli.context import fail_on, get_ctx
from jzcredit.commitments import service as commitments_service
from jzcredit.commitments.service import KIND_LABELS, STATUS_LABELS, commitment_rules
from jzcredit.errors import JzError
from jzcredit.evaluation.rulesets import load_models
from jzcredit.registry import service as registry

commitments_app = typer.Typer(help="Credit commitments (信用承诺): sign, fulfil, breach, list.",
                              no_args_is_help=True)


def _one(session: Session, commitment_id: int) -> dict[str, Any]:
    commitment = commitments_service.get(session, commitment_id)
    keys = registry.subject_keys(session, [commitment.subject_id])
    return commitments_service.commitment_dict(commitment) | {"subject_key": keys.get(commitment.subject_id)}


def _said(out: dict[str, Any], what: str) -> str:
    return f"{KIND_LABELS.get(out['kind'], out['kind'])} {out['commitment_id']} {what}"


@commitments_app.command("sign")
def sign(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="USCC, worker code or ID number.")],
    kind: Annotated[str, typer.Option("--kind", help="notification, voluntary, industry or repair.")],
    text: Annotated[str, typer.Option("--text", help="What is promised.")],
    public: Annotated[bool, typer.Option("--public", help="Publish it on the company's page.")] = False,
    in_place_of: Annotated[str | None, typer.Option("--in-place-of", help="Notification: the certificate it "
                                                                        "stands in for.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who signs.")] = None,
) -> None:
    """Sign a commitment; it becomes a `commitment` credit record and the subject is re-graded."""
    c = get_ctx(ctx)
    try:
        models = load_models(c.settings.config)
        with c.sessions() as session, session.begin():
            subject_id = registry.resolve_subject_key(session, vault=c.vault, key=key)
            signed = commitments_service.sign(session, subject_id=subject_id, kind=kind, text=text, public=public,
                                              in_place_of=in_place_of, by=by or c.actor, now=c.now, models=models)
            out = _one(session, signed.id)
    except JzError as exc:
        fail_on(exc)
    c.emit(out, lambda console: console.print(
        _said(out, f"已签署（{'公开' if out['public'] else '不公开'}），信用记录 {out['record_id']}"), markup=False))


@commitments_app.command("fulfil")
def fulfil(
    ctx: typer.Context,
    commitment_id: Annotated[int, typer.Argument(help="The commitment.")],
    note: Annotated[str | None, typer.Option("--note", help="How it was fulfilled.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who records it.")] = None,
) -> None:
    """An in-force commitment was kept: → fulfilled (its record is kept as history)."""
    c = get_ctx(ctx)
    try:
        models = load_models(c.settings.config)
        with c.sessions() as session, session.begin():
            commitments_service.fulfil(session, commitment_id=commitment_id, note=note, by=by or c.actor, now=c.now,
                                       models=models)
            out = _one(session, commitment_id)
    except JzError as exc:
        fail_on(exc)
    c.emit(out, lambda console: console.print(_said(out, "已登记为已履行"), markup=False))


@commitments_app.command("breach")
def breach(
    ctx: typer.Context,
    commitment_id: Annotated[int, typer.Argument(help="The commitment.")],
    reason: Annotated[str, typer.Option("--reason", help="What was broken.")],
    by: Annotated[str | None, typer.Option("--by", help="Who records it.")] = None,
) -> None:
    """An in-force commitment was broken: → breached, a `commitment_breach` record, re-graded."""
    c = get_ctx(ctx)
    try:
        rules, models = commitment_rules(c.settings.config), load_models(c.settings.config)
        with c.sessions() as session, session.begin():
            commitments_service.breach(session, commitment_id=commitment_id, reason=reason, by=by or c.actor,
                                       now=c.now, rules=rules, models=models)
            out = _one(session, commitment_id)
    except JzError as exc:
        fail_on(exc)
    c.emit(out, lambda console: console.print(
        _said(out, f"已登记为违背，失信记录 {out['breach_record_id']}"), markup=False))


@commitments_app.command("list")
def list_(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(help="Only this subject (USCC, worker code or ID number).")] = None,
    status: Annotated[str | None, typer.Option("--status", help="in_force, fulfilled or breached.")] = None,
) -> None:
    """Commitments, oldest first."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session:
            subject_id = None if key is None else registry.resolve_subject_key(session, vault=c.vault, key=key)
            rows = commitments_service.commitments(session, subject_id=subject_id, status=status)
    except JzError as exc:
        fail_on(exc)

    def render(out: Console) -> None:
        table = Table("承诺", "主体", "类型", "签署日期", "公开", "状态", "内容", title=f"信用承诺 {len(rows)} 件")
        for r in rows:
            table.add_row(str(r["commitment_id"]), r["subject_key"] or "", r["kind_label"], str(r["signed_on"]),
                          "是" if r["public"] else "否", STATUS_LABELS.get(r["status"], r["status"]), r["text"])
        out.print(table)

    c.emit(rows, render)


def register(app: typer.Typer) -> None:
    app.add_typer(commitments_app, name="commitments")
