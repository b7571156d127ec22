"""Every web page router (简体中文 pages, spec §4.5), mounted at the root by ``create_app()``.

Add a group of pages by importing its router here and appending it to ``ROUTERS``.
"""

from __future__ import annotations

from fastapi import APIRouter

from jzcredit.cards.pages import router as card_router
from jzcredit.web.admin import router as admin_router
from jzcredit.web.admin_ingest import router as admin_ingest_router
from jzcredit.web.admin_workflows import router as admin_workflows_router
from jzcredit.web.auth import router as login_router
from jzcredit.web.complaint_pages import router as complaint_pages_router
from jzcredit.web.documents import router as documents_router
from jzcredit.web.pages import router as start_router
from jzcredit.web.portal import router as portal_router
from jzcredit.web.public_pages import router as public_pages_router
from jzcredit.web.stats_pages import router as stats_pages_router

ROUTERS: list[APIRouter] = [start_router, login_router, admin_router, public_pages_router]
ROUTERS.append(stats_pages_router)  # /stats charts by region, /stats/models grades per model version
ROUTERS.append(complaint_pages_router)  # /complaints, /complaints/new, /complaints/{tracking_code}
ROUTERS.append(documents_router)  # /c/{uscc}/report.pdf, the company's credit report as a PDF download
ROUTERS.append(admin_ingest_router)  # /admin/ingest upload with progress, batch reports, quarantine correction
ROUTERS.append(portal_router)  # /portal: a company answers complaints, issues service codes, manages banks
ROUTERS.append(card_router)  # the worker's card /w/{code} and the printable /card/{code}.png
ROUTERS.append(admin_workflows_router)  # /admin/notices, /admin/objections, /admin/repairs
