"""Turn FastAPI/Pydantic validation errors into short zh-CN sentences.

The submitted values are never echoed back: they may be ID or phone numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

LOCATIONS: Mapping[str, str] = {
    "query": "查询参数",
    "path": "路径参数",
    "body": "请求体",
    "header": "请求头",
    "cookie": "Cookie",
    "form": "表单",
}

MESSAGES: Mapping[str, str] = {
    "missing": "缺少必填项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_parsing": "应为日期，如 2026-06-30",
    "date_from_datetime_parsing": "应为日期，如 2026-06-30",
    "date_type": "应为日期，如 2026-06-30",
    "datetime_parsing": "应为日期时间，如 2026-06-30T10:00:00+08:00",
    "datetime_from_date_parsing": "应为日期时间，如 2026-06-30T10:00:00+08:00",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "json_invalid": "不是有效的 JSON",
    "json_type": "不是有效的 JSON",
    "dict_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "extra_forbidden": "不认识这个字段",
    "value_error": "取值不正确",
    "text_nul": "文本中不能含有空字符（NUL）",
}


def _message(error: Mapping[str, Any]) -> str:
    template = MESSAGES.get(str(error.get("type", "")))
    if template is None:
        return "取值不正确"
    try:
        return template.format(**dict(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip("：") or "取值不正确"


def describe(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """``[{location, field, type, message}]`` for the problem's ``errors`` member."""
    described = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        location = loc[0] if loc else ""
        described.append({"location": location, "field": ".".join(loc[1:]), "type": str(error.get("type", "")),
                          "message": _message(error)})
    return described


def one_line(error: Mapping[str, Any]) -> str:
    """``查询参数 page：应为整数``."""
    where = LOCATIONS.get(str(error["location"]), str(error["location"]))
    subject = f"{where} {error['field']}" if error["field"] else where
    return f"{subject}：{error['message']}"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class RequestBody(BaseModel):
    """The base of every JSON request body: unknown fields are refused, and so is a NUL character in any text
    (PostgreSQL cannot store one; refused here as a 422 instead of failing in the database)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise PydanticCustomError("text_nul", "文本中不能含有空字符（NUL）")
        return data
