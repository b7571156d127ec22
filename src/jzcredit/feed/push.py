"""Pushing the feed to an upper-level platform, chunk by chunk, resumable at any point.

Each chunk starts at the target's acknowledged position (``feed_push_targets``), goes out in one
``POST /changes``, and only the answer naming the chunk's last change id moves the position — in its own
transaction, right away. A push killed or cut off anywhere therefore resumes where the last acknowledgement
left it; a chunk the upper level kept but whose answer was lost is sent again and counted there as
duplicates (receiving is idempotent), so nothing is lost and nothing doubled.

This runner owns its transactions (one to read a chunk, one per acknowledgement), like a batch job: the
HTTP round trip must not hold a database transaction or the feed lock open.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.db import transaction
from jzcredit.errors import Invalid, JzError
from jzcredit.feed import service as feed

ENDPOINT = "/api/v1/changes"
DEFAULT_CHUNK = 200


class PushFailed(JzError):
    """The upper level did not take a chunk (unreachable, refused, or an answer that does not fit)."""

    status = 502
    title = "推送失败"


@dataclass
class PushResult:
    target: str
    chunks: int = 0
    sent: int = 0
    received: int = 0  # new to the upper level
    duplicates: int = 0  # it had them already (a resumed chunk)
    acked_up_to: int = 0


def endpoint_of(url: str) -> str:
    """The receiving endpoint: the URL as given when it ends in ``/changes``, else the platform's base URL plus
    ``/api/v1/changes``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("push.url", f"推送地址 {url!r} 无效：应为上级平台的 http:// 或 https:// 地址")
    if parts.query or parts.fragment:
        raise Invalid("push.url", f"推送地址 {url!r} 不应带查询参数或 # 片段")
    base = url.strip().rstrip("/")
    return base if parts.path.rstrip("/").endswith("/changes") else base + ENDPOINT


def _refusal(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    detail = body.get("detail") if isinstance(body, dict) else None
    return f"HTTP {response.status_code}：{detail}" if detail else f"HTTP {response.status_code}"


def push(sessions: sessionmaker[Session], client: httpx.Client, *, url: str, token: str, now: datetime,
         actor: str, chunk: int = DEFAULT_CHUNK,
         progress: Callable[[PushResult], None] | None = None) -> PushResult:
    """Send every change after the target's acknowledged position; returns what was sent and acknowledged."""
    if not 1 <= chunk <= feed.MAX_BATCH:
        raise Invalid("push.chunk", f"每批条数应在 1 到 {feed.MAX_BATCH} 之间")
    target = endpoint_of(url)
    result = PushResult(target=target)
    while True:
        with transaction(sessions) as session:
            at = feed.push_target(session, target=target, now=now)
            since = feed.encode_cursor(feed.feed_identity(session, now=now), at.acked_seq)
            result.acked_up_to = at.acked_seq
        with transaction(sessions) as session:
            page = feed.read_changes(session, since=since, now=now, limit=chunk)
        if not page["items"]:
            return result
        answer = _send(client, target, token, page)
        last = page["items"][-1]["change_id"]
        if answer.get("acked_change_id") != last:
            raise PushFailed("push.bad_ack", f"上级平台的应答没有确认到变更 {last}（应答：{answer}），"
                                             f"已确认的位置仍是 {result.acked_up_to}")
        with transaction(sessions) as session:
            feed.acknowledge(session, target=target, up_to=last, count=len(page["items"]), now=now, actor=actor)
        result.chunks += 1
        result.sent += len(page["items"])
        result.received += int(answer.get("received", 0))
        result.duplicates += int(answer.get("duplicates", 0))
        result.acked_up_to = last
        if progress is not None:
            progress(result)


def _send(client: httpx.Client, target: str, token: str, page: dict[str, Any]) -> dict[str, Any]:
    try:
        response = client.post(target, json={"origin": page["origin"], "changes": page["items"]},
                               headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        raise PushFailed("push.unreachable", f"无法把变更送到 {target}（{type(exc).__name__}：{exc}）：已确认的"
                                             "部分不会重发，再次运行 push 将从中断处继续") from exc
    if response.status_code != 200:
        raise PushFailed("push.refused", f"上级平台拒绝了这批变更（{_refusal(response)}）：已确认的部分不会重发，"
                                         "处理后再次运行 push 将从中断处继续")
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise PushFailed("push.bad_ack", f"上级平台 {target} 的应答格式不对：请确认地址指向的是本系统的平台")
    return answer
