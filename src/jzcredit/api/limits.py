"""Rate limits per client and request-size limits (the ``api:`` settings), as one ASGI middleware.

- **Rate** (429 with ``Retry-After``): a token bucket per client and kind of request — ``lookup`` (GET and
  HEAD on the public paths) and ``submit`` (every other method on the public paths). A client is the
  peer address, or the first untrusted address of ``X-Forwarded-For`` when the peer is a trusted proxy.
  The buckets live in the worker process: with N processes a client gets up to N times the rate.
  Authenticated routes are not under these paths: a token holder is identified and can be stopped by
  revoking the token.
- **NUL** (400): a path or query with a NUL character (``%00``) is refused before any route.
- **Size** (413): a body larger than ``max_bytes`` (``upload_max_bytes`` on the upload paths) is refused
  from its ``Content-Length`` before it is read, and a body without one (chunked) is counted as it
  arrives and refused at the first byte over the limit.

Refusals are problems (RFC 9457) written by the app's one error handler (``respond`` is handed in by
``create_app``), so they read like every other error.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jzcredit.errors import Misconfigured

READ_METHODS = frozenset({"GET", "HEAD"})
OPEN_METHODS = frozenset({"OPTIONS"})  # CORS pre-flight and capability probes cost nothing

# (request, status, detail, headers) → the problem response
Respond = Callable[[Request, int, str, Mapping[str, str]], Response]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _bad(key: str, what: str) -> Misconfigured:
    return Misconfigured("config.api", f"配置 api.{key} {what}")


def _count(d: Mapping[str, Any], key: str, where: str, *, minimum: int = 0) -> int:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _bad(f"{where}.{key}", f"必须是不小于 {minimum} 的整数")
    return value


def _patterns(d: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = d.get(key)
    if not isinstance(value, list) or not all(isinstance(p, str) and p.startswith("/") for p in value):
        raise _bad(f"{where}.{key}", "必须是以 / 开头的路径模式列表")
    return tuple(value)


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(path, p) for p in patterns)


@dataclass(frozen=True)
class RateRule:
    """One kind of request: ``per_minute`` tokens refill a bucket of ``burst``; 0 per minute = no limit."""

    name: str
    per_minute: int
    burst: int
    paths: tuple[str, ...]

    @classmethod
    def from_dict(cls, name: str, d: Any) -> RateRule:
        where = f"rate_limits.{name}"
        if not isinstance(d, dict):
            raise _bad(where, "缺失或不是映射")
        return cls(name=name, per_minute=_count(d, "per_minute", where), burst=_count(d, "burst", where, minimum=1),
                   paths=_patterns(d, "paths", where))


@dataclass(frozen=True)
class LimitsConfig:
    enabled: bool
    lookup: RateRule
    submit: RateRule
    max_clients: int
    trusted_proxies: tuple[Network, ...]
    max_bytes: int
    upload_max_bytes: int
    upload_paths: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LimitsConfig:
        api = data.get("api")
        if not isinstance(api, dict) or not isinstance(api.get("rate_limits"), dict) or not isinstance(
                api.get("body_limits"), dict):
            raise _bad("rate_limits / api.body_limits", "缺失")
        rate, body = api["rate_limits"], api["body_limits"]
        if not isinstance(rate.get("enabled"), bool):
            raise _bad("rate_limits.enabled", "必须是 true 或 false")
        try:
            proxies = tuple(ipaddress.ip_network(str(p), strict=False) for p in rate.get("trusted_proxies") or [])
        except ValueError:
            raise _bad("rate_limits.trusted_proxies", "必须是 IP 地址或网段（如 10.0.0.0/8）的列表") from None
        return cls(enabled=rate["enabled"], lookup=RateRule.from_dict("lookup", rate.get("lookup")),
                   submit=RateRule.from_dict("submit", rate.get("submit")),
                   max_clients=_count(rate, "max_clients", "rate_limits", minimum=1), trusted_proxies=proxies,
                   max_bytes=_count(body, "max_bytes", "body_limits", minimum=1),
                   upload_max_bytes=_count(body, "upload_max_bytes", "body_limits", minimum=1),
                   upload_paths=_patterns(body, "upload_paths", "body_limits"))

    def rule_for(self, method: str, path: str) -> RateRule | None:
        if not self.enabled or method in OPEN_METHODS:
            return None
        rule = self.lookup if method in READ_METHODS else self.submit
        return rule if rule.per_minute > 0 and _matches(path, rule.paths) else None

    def body_limit(self, path: str) -> int:
        return self.upload_max_bytes if _matches(path, self.upload_paths) else self.max_bytes


class TokenBuckets:
    """Token buckets for one rule, one per client, the least recently seen dropped past ``max_clients``
    (a dropped client starts again with a full bucket: the bound keeps memory fixed under many addresses)."""

    def __init__(self, rule: RateRule, max_clients: int, clock: Callable[[], float]) -> None:
        self.rate = rule.per_minute / 60.0
        self.capacity = float(rule.burst)
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> float:
        """Take one token: 0 when allowed, else the seconds until the next token."""
        now = self.clock()
        tokens, stamp = self._buckets.pop(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + max(0.0, now - stamp) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait


class BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` at the first byte over the limit; FastAPI passes HTTP exceptions through to the
    app's handler, which answers 413 like any other problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large(limit))


def too_large(limit: int) -> str:
    return f"提交的内容超过了 {_size(limit)} 的上限，请拆分后分批提交"


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_of(scope: Scope, proxies: tuple[Network, ...]) -> str:
    """The peer address; behind trusted proxies, the right-most address they did not add themselves."""
    peer = str((scope.get("client") or ("unknown", 0))[0])
    if not proxies or not _trusted(peer, proxies):
        return peer
    forwarded: list[str] = [h.decode("latin-1") for k, h in scope.get("headers", []) if k == b"x-forwarded-for"]
    hops = [h.strip() for line in forwarded for h in line.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop
    return peer


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0 else f"{limit} 字节"


class LimitsMiddleware:
    def __init__(self, app: ASGIApp, *, config: LimitsConfig, respond: Respond,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.config = config
        self.respond = respond
        self.buckets = {rule.name: TokenBuckets(rule, config.max_clients, clock)
                        for rule in (config.lookup, config.submit)}

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, detail: str,
                      headers: Mapping[str, str] | None = None) -> None:
        response = self.respond(Request(scope), status, detail, headers or {})
        await response(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            # no text of the platform holds a NUL (PostgreSQL cannot store one): refused before any route
            await self._refuse(scope, receive, send, 400, "网址中不能含有空字符（NUL, %00），请检查后重试")
            return
        rule = self.config.rule_for(scope["method"], scope["path"])
        if rule is not None:
            wait = self.buckets[rule.name].take(client_of(scope, self.config.trusted_proxies))
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                await self._refuse(scope, receive, send, 429, f"请求过于频繁，请 {seconds} 秒后再试",
                                   {"Retry-After": str(seconds)})
                return
        limit = self.config.body_limit(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, 413, too_large(limit))
            return
        await self._limited(scope, receive, send, limit)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        seen = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if started:  # a handler that streamed its answer while reading: nothing more can be said
                raise
            await self._refuse(scope, receive, send, 413, too_large(limit))


def install(app: Any, data: Mapping[str, Any], *, respond: Respond,
            clock: Callable[[], float] = time.monotonic) -> LimitsConfig:
    """Add the middleware with the ``api:`` settings from ``data`` (defaults merged with ``JZCREDIT_CONFIG``).

    The buckets read the time through ``app.state.limits_clock`` (seconds, monotonic), so a test can put
    its own clock there and watch a bucket refill without sleeping.
    """
    config = LimitsConfig.from_dict(data)
    app.state.limits_clock = clock
    app.add_middleware(LimitsMiddleware, config=config, respond=respond, clock=lambda: app.state.limits_clock())
    return config
