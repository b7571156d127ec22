"""The application factory and the one error handler for API and pages.

Every error — a :class:`~jzcredit.errors.JzError` from a service, an unknown
route, a request that fails validation, or a bug — becomes an RFC 9457 problem
(``application/problem+json``: ``type``, ``title``, ``status``, ``detail`` plus
our stable ``code``), or the same problem as a zh-CN HTML page when the client
prefers ``text/html``. A 500 never carries a stack trace, only an incident
reference that is also written to the server log.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from jzcredit import __version__, migrate
from jzcredit.api import limits, routes, validation
from jzcredit.config import Settings, get_settings
from jzcredit.db import for_serving, make_engine, make_sessionmaker
from jzcredit.errors import JzError
from jzcredit.rules import load_rules_dict
from jzcredit.web import STATIC_DIR, templates
from jzcredit.web import routes as web_routes

log = logging.getLogger("jzcredit.api")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "/problems/"

# what the person should do next, by status (shown on the HTML error page)
NEXT_STEPS: Mapping[int, str] = {
    400: "请检查填写的内容后重试。",
    401: "请先登录，或在 Authorization 头中提供有效的令牌；令牌可向平台管理员申请。",
    403: "您的账号无权查看此内容。如确需查看，请联系本辖区的平台管理员开通权限。",
    404: "请检查网址是否输入正确，或回到首页按服务员码、企业名称或统一社会信用代码查询。",
    405: "请回到首页，从页面上的链接和按钮进入。",
    409: "数据刚被他人修改过，请刷新页面，查看最新状态后再操作。",
    413: "提交的内容过大，请拆分后分批提交。",
    422: "请按上面的提示修改后重新提交。",
    429: "请求过于频繁，请稍候一分钟再试。",
    500: "请稍后重试；如果问题持续，请联系平台管理员并提供下面的事件编号。",
}
DEFAULT_NEXT_STEP = "请回到首页重新开始；如果问题持续，请联系平台管理员。"

# routing errors raised by Starlette itself (our own code raises JzError)
HTTP_PROBLEMS: Mapping[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求有误", "请求格式不正确"),
    404: ("not_found", "未找到", "没有这个地址：{path}"),
    405: ("method_not_allowed", "不支持的请求方法", "地址 {path} 不支持 {method} 请求"),
    413: ("payload_too_large", "请求过大", "提交的内容超过了允许的大小"),
    429: ("rate_limited", "请求过于频繁", "请求过于频繁"),
}


@dataclass(frozen=True)
class Problem:
    """One RFC 9457 problem; ``extra`` holds extension members (``errors``, ``incident``)."""

    status: int
    code: str
    title: str
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self, instance: str) -> dict[str, Any]:
        return {"type": PROBLEM_BASE + self.code, "title": self.title, "status": self.status,
                "detail": self.detail, "instance": instance, "code": self.code, **self.extra}


def _accept_weights(accept: str) -> tuple[float, float]:
    """The best quality the client gives to HTML and to JSON (``*/*`` counts for neither)."""
    html = json_q = 0.0
    for part in accept.split(","):
        media, _, params = part.partition(";")
        media = media.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media in ("text/html", "application/xhtml+xml"):
            html = max(html, quality)
        elif media == "application/json" or media.endswith("+json"):
            json_q = max(json_q, quality)
    return html, json_q


def wants_html(request: Request) -> bool:
    html, json_q = _accept_weights(request.headers.get("accept", ""))
    return html > 0 and html >= json_q


# an ID number (18) or a mobile number (11) typed into a URL: the problem's instance never repeats it whole
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{10,17}[0-9Xx](?![0-9A-Za-z])")


def _instance(path: str) -> str:
    """The problem's ``instance``: the path asked, with any long number masked as the product masks it."""
    return _LONG_NUMBER.sub(lambda m: m.group()[:3] + "*" * (len(m.group()) - 7) + m.group()[-4:], path)


def problem_response(request: Request, problem: Problem, headers: Mapping[str, str] | None = None) -> Response:
    if wants_html(request):
        context = {"problem": problem, "next_step": NEXT_STEPS.get(problem.status, DEFAULT_NEXT_STEP)}
        return templates.TemplateResponse(request, "error.html", context, status_code=problem.status,
                                          headers=dict(headers or {}))
    return JSONResponse(problem.as_json(_instance(request.url.path)), status_code=problem.status,
                        media_type=PROBLEM_JSON, headers=dict(headers or {}))


async def _on_jz_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, JzError)
    return problem_response(request, Problem(exc.status, exc.code, exc.title, exc.detail))


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, title, detail = HTTP_PROBLEMS.get(exc.status_code, ("http_error", "请求未能完成", "请求未能完成"))
    detail = detail.format(path=_instance(request.url.path), method=request.method)
    if isinstance(exc, limits.BodyTooLarge):  # our own sentence, naming the limit
        detail = exc.detail
    problem = Problem(exc.status_code, code, title, detail)
    return problem_response(request, problem, exc.headers)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = validation.describe(exc.errors())
    detail = "；".join(validation.one_line(e) for e in errors) or "请求内容不符合要求"
    return problem_response(request, Problem(422, "invalid_request", "输入不符合要求", detail, {"errors": errors}))


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    incident = secrets.token_hex(6)
    log.error("incident %s: unhandled error on %s %s", incident, request.method, request.url.path, exc_info=exc)
    problem = Problem(500, "internal_error", "系统内部错误", "服务器处理请求时出错，错误已记录。",
                      {"incident": incident})
    return problem_response(request, problem)


def limit_problem(request: Request, status: int, detail: str, headers: Mapping[str, str]) -> Response:
    """A 413 or 429 from the limits middleware, written like every other problem."""
    code, title, _ = HTTP_PROBLEMS[status]
    return problem_response(request, Problem(status, code, title, detail), headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(JzError, _on_jz_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"status": "ok", "schema": "5c0f1e2d7a91", "schema_head": "5c0f1e2d7a91", "version": "0.1.0"}]})

    status: str = Field(description="`ok` when the database answers")
    schema_revision: str | None = Field(serialization_alias="schema", description="Alembic revision of the database")
    schema_head: str | None = Field(description="Alembic revision this version of jzcredit expects")
    version: str


api_router = APIRouter(prefix="/api/v1")


@api_router.get("/health", response_model=Health, tags=["system"])
def health(request: Request) -> Health:
    """Liveness and schema revision (no token needed)."""
    revision = migrate.current_revision(request.app.state.engine)
    return Health(status="ok", schema_revision=revision, schema_head=request.app.state.schema_head,
                  version=__version__)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `detail` says in a sentence what is wrong and what to do.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "examples": ["/problems/not_found"]},
        "title": {"type": "string", "examples": ["未找到"]},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
        "incident": {"type": "string"},
    },
    "additionalProperties": True,
}


def _allows_null(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "null" or any(option.get("type") == "null" for option in prop.get("anyOf", ()))


def _restore_nulls(example: Any, schema: dict[str, Any], schemas: dict[str, Any]) -> None:
    """FastAPI writes the document without any ``null`` (``exclude_none``), examples included; put back the
    nulls an example's required, nullable fields had, so that every example stays valid against its schema."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    for option in schema.get("anyOf", ()):
        if option.get("type") != "null":
            _restore_nulls(example, option, schemas)
    if isinstance(example, dict) and "properties" in schema:
        for name in schema.get("required", ()):
            prop = schema["properties"].get(name, {})
            if name not in example and _allows_null(prop):
                example[name] = None
        for name, value in example.items():
            if name in schema["properties"]:
                _restore_nulls(value, schema["properties"][name], schemas)
    elif isinstance(example, list) and isinstance(schema.get("items"), dict):
        for item in example:
            _restore_nulls(item, schema["items"], schemas)


def _document_problems(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """OpenAPI where every error answer is ``application/problem+json`` (what the one error handler sends)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, routes=app.routes, description=app.description)
        doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path_item in doc.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, response in responses.items():
                    if status[:1] in ("4", "5"):
                        response["content"] = problem
                responses.setdefault("default", {"description": "An error, as problem details", "content": problem})
        schemas = doc["components"]["schemas"]
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        for schema in schemas.values():
            for example in schema.get("examples", ()):
                _restore_nulls(example, schema, schemas)
        app.openapi_schema = doc
        return doc

    return openapi


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; engines come from ``settings`` here, never at import."""
    settings = settings or get_settings()
    engine = for_serving(make_engine(settings.database_url))
    read_engine = for_serving(make_engine(settings.read_database_url)) if settings.read_database_url else engine

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()
        if read_engine is not engine:
            read_engine.dispose()

    app = FastAPI(title="jzcredit 家政服务信用信息平台", version=__version__, lifespan=lifespan,
                  openapi_url="/openapi.json", docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.schema_head = migrate.head_revision()
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    app.state.read_sessions = make_sessionmaker(read_engine)
    install_error_handlers(app)
    limits.install(app, load_rules_dict(settings.config), respond=limit_problem)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api_router)
    for router in routes.ROUTERS:
        app.include_router(router, prefix="/api/v1")
    for router in web_routes.ROUTERS:
        app.include_router(router)
    app.openapi = _document_problems(app)  # type: ignore[method-assign]
    return app
