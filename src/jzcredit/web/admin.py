"""``/admin`` (监管工作台): the regulator's pages — the home with the sections the role may use.

Every page goes through :mod:`jzcredit.web.auth` (signed in, the policy's role gate) and the API's policy
functions for scope, exactly as the API routes do.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from jzcredit.errors import Forbidden
from jzcredit.web import templates
from jzcredit.web.admin_nav import sections_for
from jzcredit.web.auth import WebSession, page_requires

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def admin_home(request: Request, web: WebSession = Depends(page_requires(None))) -> Response:
    """工作台: a link to each section the role may use; a role with none is refused."""
    if not sections_for(web.principal):
        raise Forbidden("auth.role", f"您的角色（{web.principal.role}）没有监管工作台的页面")
    return templates.TemplateResponse(request, "admin/home.html", web.context() | {"active": "/admin"},
                                      headers={"Cache-Control": "no-store"})
