"""What the ``/admin`` pages share: one step in its own transaction, form fields checked with a message per
field, subject names for the queue, the page render and the "done" message after a redirect.

A step's transaction commits when the service returns and rolls back when it raises, so a refused step
(409 stale version, 422 bad input) leaves nothing behind and its sentence is shown on the page. A
``NotFound`` is not shown inline: it becomes the same 404 page an unknown id gets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.errors import JzError, NotFound
from jzcredit.registry.models import Company, Worker
from jzcredit.web import templates
from jzcredit.web.auth import PRIVATE_PAGE_HEADERS, WebSession

T = TypeVar("T")
MAX_NOTE = 2000
SHOWN = 50  # items a list page shows at once (the oldest waiting first); the page says how many there are
MAX_ID = 2**63 - 1

# after a step, the page it redirects to says what was done (a fixed sentence: nothing from the URL is echoed)
DONE: Mapping[str, str] = {
    "approved": "名单条目 {id} 已批准并公布。",
    "rejected": "名单条目 {id} 已驳回。",
    "issued": "整改通知已下达（编号 {id}）。",
    "verified": "整改通知 {id} 的整改材料已核验通过，通知已办结。",
    "returned": "整改通知 {id} 的整改材料未通过核验，已退回整改（期限不变）。",
    "upheld": "异议 {id} 成立，相关记录已更正或撤销。",
    "dismissed": "异议 {id} 不成立，记录恢复原状态。",
    "repaired": "信用修复申请 {id} 已批准。",
    "repair_rejected": "信用修复申请 {id} 已驳回。",
    "confirmed": "匹配候选 {id} 已确认，记录已关联到家政服务员。",
    "match_rejected": "匹配候选 {id} 已驳回，记录保持未关联。",
}


@dataclass
class FormState:
    """One form's submitted values and its messages, by field (``""``: about the whole form)."""

    target: int | None = None
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    conflict: str | None = None

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    @property
    def ok(self) -> bool:
        return not self.errors


async def form_values(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    form = await request.form()
    out: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        out[name] = value.strip() if isinstance(value, str) else ""
    return out


def choice(state: FormState, name: str, allowed: Mapping[str, str]) -> str | None:
    value = state.values.get(name, "")
    if value not in allowed:
        state.error(name, "请选择：" + "、".join(allowed.values()))
        return None
    return value


def whole_number(state: FormState, name: str, what: str) -> int | None:
    value = state.values.get(name, "")
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        state.error(name, f"{what}应为正整数")
        return None
    return int(value)


def text(state: FormState, name: str, what: str, *, required: bool, limit: int = MAX_NOTE) -> str | None:
    value = state.values.get(name, "")
    if "\x00" in value:
        state.error(name, f"{what}含有不允许的控制字符")
        return None
    if required and not value:
        state.error(name, f"请填写{what}")
        return None
    if len(value) > limit:
        state.error(name, f"{what}最多 {limit} 个字")
        return None
    return value or None


def run_step(request: Request, step: Callable[[Session], T]) -> T | JzError:
    """``step`` in a transaction of its own: its result, or the refusal (rolled back) to show on the page."""
    try:
        with request.app.state.sessions() as session, session.begin():
            return step(session)
    except NotFound:
        raise
    except JzError as exc:
        return exc


def subject_names(session: Session, subject_ids: set[int]) -> dict[int, str]:
    """The registered name of each company and worker (the regulator sees subjects in its region by name)."""
    if not subject_ids:
        return {}
    names: dict[int, str] = {}
    for table in (Company, Worker):  # a Result has keys(): dict() would read it as a mapping
        rows = session.execute(select(table.subject_id, table.name).where(table.subject_id.in_(subject_ids)))
        names |= {subject_id: name for subject_id, name in rows}
    return names


def audit_worker_view(request: Request, web: WebSession, now: datetime, page: str, subject_ids: set[int]) -> None:
    """A page that shows workers by name with their records is a read of personal data: one audit entry names
    the page and the workers on it (none when no worker is shown)."""
    if not subject_ids:
        return
    with request.app.state.sessions() as session, session.begin():
        workers = sorted(session.scalars(select(Worker.subject_id).where(Worker.subject_id.in_(subject_ids))))
        if workers:
            audit.append(session, actor=web.principal.actor, action="private.read", obj=f"page:{page}", now=now,
                         detail={"workers": workers, "via": "web"})


def render(request: Request, web: WebSession, template: str, context: dict[str, Any], *,
           status: int = 200) -> Response:
    done = request.query_params.get("done", "")
    done_id = request.query_params.get("id", "")
    flash = None
    if done in DONE and done_id.isdigit():
        flash = DONE[done].format(id=int(done_id))
    return templates.TemplateResponse(request, template, web.context() | {"flash": flash} | context,
                                      status_code=status, headers=PRIVATE_PAGE_HEADERS)


def done(path: str, what: str, item_id: int) -> Response:
    """Post/redirect/get: back to the list, which says what was done."""
    return RedirectResponse(f"{path}?done={what}&id={item_id}", status_code=303)


def status_of(state: FormState) -> int:
    return 409 if state.conflict else 422
