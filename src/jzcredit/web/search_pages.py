"""What the words typed into the search box ask for (pure: no database).

A worker code (``JZ…``, typed any way the card can be read) goes to the card at ``/w/{code}``; a valid USCC
to the company's report at ``/c/{uscc}``; an empty, too long or personal query gets a sentence next to the
field; anything else is a part of a company name. The query is shown back with every long number masked,
so a page never repeats an ID or mobile number, even one the visitor typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jzcredit.common import ids
from jzcredit.common.text import normalise_code
from jzcredit.public.privacy import redact

MAX_QUERY_LENGTH = 100  # as the public search API (``GET /public/companies?q=``)

EMPTY = "请输入服务员码、企业名称或统一社会信用代码后再查询。"
TOO_LONG = "查询内容过长（{n} 个字），请不超过 {limit} 个字：企业名称输入其中几个字即可。"
PERSONAL = ("为保护个人信息，平台不能按身份证号或手机号查询。查家政服务员，请输入其上门服务证上的服务员码"
            "（JZ 开头，共 12 位），或扫描证上的二维码。")
BAD_USCC = "“{q}”像是统一社会信用代码，但校验不通过，请逐位核对营业执照上的 18 位代码；也可以输入企业名称查询。"
BAD_WORKER_CODE = "“{q}”像是服务员码，但格式不对：服务员码以 JZ 开头，共 12 位字母和数字，请核对上门服务证。"

_PERSONAL = re.compile(r"(?:\+?86)?1[3-9]\d{9}|\d{17}[\dXx]|\d{15}")
_USCC_LIKE = re.compile(r"[0-9A-Z]{18}")
_CODE_LIKE = re.compile(r"JZ[0-9A-Z]{3,16}")


@dataclass(frozen=True)
class SearchOutcome:
    query: str  # what to search company names for ("" when nothing is searched)
    shown: str  # what the box shows again (long numbers masked)
    redirect: str | None = None
    error: str | None = None  # the sentence next to the field
    hint: str | None = None  # a sentence shown with an empty result
    status: int = 200


def understand(q: str) -> SearchOutcome:
    """Decide what ``q`` (as typed) asks for."""
    query = " ".join(q.split())
    shown = redact(query[:MAX_QUERY_LENGTH]) or ""
    if not query:
        return SearchOutcome("", "", error=EMPTY)
    if len(query) > MAX_QUERY_LENGTH:
        return SearchOutcome("", shown, error=TOO_LONG.format(n=len(query), limit=MAX_QUERY_LENGTH), status=422)
    code = normalise_code(query)
    worker_code = ids.normalise_worker_code(code)
    if ids.is_worker_code(worker_code):
        return SearchOutcome(query, shown, redirect=f"/w/{worker_code}")
    try:
        return SearchOutcome(query, shown, redirect=f"/c/{ids.validate_uscc(code)}")
    except ids.InvalidIdentifier:
        pass
    if _PERSONAL.fullmatch(code):  # shown back without its spaces, so masked whole
        return SearchOutcome("", redact(code) or "", error=PERSONAL)
    hint = None
    if _USCC_LIKE.fullmatch(code):
        hint = BAD_USCC.format(q=shown)
    elif _CODE_LIKE.fullmatch(worker_code):
        hint = BAD_WORKER_CODE.format(q=shown)
    return SearchOutcome(query, shown, hint=hint)
