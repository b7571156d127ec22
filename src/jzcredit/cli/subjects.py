"""``show KEY``: a subject's credit file."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from jzcredit.cli.context import get_ctx
from jzcredit.evaluation.rulesets import load_models
from jzcredit.registry import service as registry
from jzcredit.registry.file import private_identifiers, subject_file


def _render(doc: dict[str, Any], out: Any) -> None:
    title = doc.get("name") or doc.get("subject_key")
    kind = {"company": "企业", "worker": "家政服务员"}.get(doc["kind"], doc["kind"])
    out.print(f"[bold]{title}[/bold]（{kind}）")
    for label, value in doc.get("identifiers", {}).items():
        out.print(f"  {label}: {value}")
    if doc.get("worker_code"):
        out.print(f"  服务员编码: {doc['worker_code']}")
    table = Table("记录", "类型", "严重程度", "状态", "决定日期", "文号", "公示至")
    for r in doc["records"]:
        table.add_row(str(r["record_id"]), r["type"], r["severity"] or "", r["status"], str(r["decided_on"] or ""),
                      r["doc_number"] or "", str(r["publish_until"] or ""))
    out.print(table)
    ev = doc["evaluation"]
    if ev["grade"] is not None:
        out.print(f"  信用评价：{ev['grade']}（{ev['score']} 分，模型 {ev['model']}，{ev['as_of']}）")
        for f in ev["factors"]:
            out.print(f"    {f['points']:+5d}  {f['label']}", markup=False)
        for imp in ev["improvements"]:
            steps = "；".join(a["label"] for a in imp["actions"])
            out.print(f"    提升建议：{steps} → {imp['grade']}（{imp['score']} 分）", markup=False)
    else:
        out.print("  信用评价：尚未评价（jzcredit evaluate KEY）")
    for entry in doc["lists"]:
        out.print(f"  名单：{entry['list']} {entry['rule']} {entry['status']} "
                  f"{entry.get('published_on') or ''}—{entry.get('expires_on') or ''}", markup=False)
    for n in doc["prior_notices"]:
        out.print(f"  事前告知 {n.get('notice_number')}：异议截止 {n.get('object_by')}", markup=False)
    for e in doc["employments"]:
        out.print(f"  从业：{e['company_name']} / {e['worker_name']} {e['start_on'] or ''}—{e['end_on'] or '至今'}")
    for c in doc.get("consents", []):
        revoked = f"，撤回于 {c['revoked_at']}" if c["revoked_at"] else ""
        out.print(f"  授权 {c['scope']}：{c['granted_at']}{revoked}")


def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="USCC, worker code or ID number.")],
    private: Annotated[bool, typer.Option("--private", help="Show full ID and phone numbers (audited).")] = False,
    purpose: Annotated[str | None, typer.Option("--purpose", help="Why the private view is needed.")] = None,
) -> None:
    """A subject's full file: identifiers masked, records, employments, consents."""
    c = get_ctx(ctx)
    if private and not purpose:
        from jzcredit.cli.context import fail

        fail("查看完整身份证号和手机号需要用 --purpose 说明用途（将记入审计）")
    with c.sessions() as session, session.begin():
        subject_id = registry.resolve_subject_key(session, vault=c.vault, key=key)
        doc = subject_file(session, subject_id=subject_id, now=c.now, models=load_models(c.settings.config))
        if private:
            doc["private_identifiers"] = private_identifiers(session, vault=c.vault, subject_id=subject_id,
                                                             actor=c.actor, now=c.now, purpose=purpose or "")
    c.emit(doc, lambda out: _render(doc, out))


def register(app: typer.Typer) -> None:
    app.command("show")(show)
