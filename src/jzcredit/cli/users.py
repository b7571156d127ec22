"""``users add`` (create a user and print its bearer token once, spec §4.3) and ``users revoke``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

import typer
from rich.console import Console

from jzcredit.cli.context import fail_on, get_ctx
from jzcredit.common.clock import SHANGHAI
from jzcredit.errors import Invalid, JzError
from jzcredit.registry import service as registry_service
from jzcredit.users import service as users_service
from jzcredit.users.schemas import NewUserOut, UserOut


def _split_types(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [part.strip() for part in value.replace("，", ",").split(",") if part.strip()]


def add(
    ctx: typer.Context,
    role: Annotated[str, typer.Option("--role", help="admin, regulator, company, worker, bank or provider.")],
    name: Annotated[str, typer.Option("--name", help="Who the user is (a person or an office).")],
    region: Annotated[str | None, typer.Option("--region", help="Regulator scope: 000000, 370000, 370100 …")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="USCC, worker code or ID number.")] = None,
    record_types: Annotated[
        str | None, typer.Option("--record-types", help="Provider: comma-separated record types it may submit.")
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="Last day the token works (YYYY-MM-DD); none: until revoked.")
    ] = None,
) -> None:
    """Create a user and print its token once (only a keyed hash is stored)."""
    c = get_ctx(ctx)
    try:
        expires_at = _end_of_day(expires) if expires else None
        with c.sessions() as session, session.begin():
            subject_id = registry_service.resolve_subject_key(session, vault=c.vault, key=subject) if subject else None
            user, token = users_service.add_user(
                session, vault=c.vault, role=role, name=name, region_code=region, subject_id=subject_id,
                record_types=_split_types(record_types), expires_at=expires_at, now=c.now, actor=c.actor)
            out = NewUserOut(**UserOut.of(user).model_dump(), token=token)
    except JzError as exc:
        fail_on(exc)
    c.emit(out.model_dump(), lambda console: _render(console, out))


def _end_of_day(text: str) -> datetime:
    """``--expires 2027-06-30``: the token works through that day (Beijing time) and stops at midnight."""
    try:
        last = date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid("user.expiry_invalid", f"--expires {text!r} 不是日期：请写成 YYYY-MM-DD，如 2027-06-30") from None
    return datetime.combine(last + timedelta(days=1), time(0, 0), SHANGHAI)


def revoke(ctx: typer.Context, user_id: Annotated[int, typer.Argument(help="The user's number.")]) -> None:
    """Revoke a user's token at once (every later request with it is refused)."""
    c = get_ctx(ctx)
    try:
        with c.sessions() as session, session.begin():
            out = UserOut.of(users_service.revoke_user(session, user_id=user_id, now=c.now, actor=c.actor))
    except JzError as exc:
        fail_on(exc)
    c.emit(out.model_dump(), lambda console: console.print(
        f"已吊销用户 #{out.user_id}（{out.name}）的令牌：此后用它的请求一律被拒绝", markup=False))


def _render(console: Console, out: NewUserOut) -> None:
    label = users_service.ROLE_LABELS.get(out.role, out.role)
    scope = f"，辖区 {out.region_code}" if out.region_code else ""
    console.print(f"已创建用户 #{out.user_id}：{out.name}（{label}{scope}）", markup=False)
    console.print(f"令牌：{out.token}", markup=False, soft_wrap=True)
    if out.expires_at is not None:
        last = (out.expires_at.astimezone(SHANGHAI) - timedelta(seconds=1)).date()
        console.print(f"有效期至 {last.isoformat()}（含当日）", markup=False)
    console.print("请立即妥善保存：令牌只显示这一次，系统只保存它的摘要，无法找回。", markup=False)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Users and tokens (用户与令牌).", no_args_is_help=True)
    group.command("add")(add)
    group.command("revoke")(revoke)
    app.add_typer(group, name="users")
