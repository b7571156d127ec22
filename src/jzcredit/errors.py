"""One error hierarchy. Each error carries its HTTP status and a stable code.

Services raise these; the CLI prints ``detail`` and exits 1, the API renders
problem+json (RFC 9457) from the one handler in ``api/app.py``.
"""

from __future__ import annotations


class JzError(Exception):
    status: int = 400
    title: str = "请求有误"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class Invalid(JzError):
    status = 422
    title = "输入不符合要求"


class NotFound(JzError):
    status = 404
    title = "未找到"


class Conflict(JzError):
    status = 409
    title = "状态冲突"


class Forbidden(JzError):
    status = 403
    title = "无权访问"


class Unauthorized(JzError):
    status = 401
    title = "需要登录"


class Misconfigured(JzError):
    status = 500
    title = "系统配置错误"
