"""Every domain's ``router.py``, mounted under ``/api/v1`` by ``create_app()``.

Add a domain by importing its router here and adding it to ``ROUTERS``.
"""

from __future__ import annotations

from fastapi import APIRouter

from jzcredit.api.system import router as system_router
from jzcredit.cards.router import router as card_scans_router
from jzcredit.commitments.router import router as commitments_router
from jzcredit.complaints.codes_router import router as service_codes_router
from jzcredit.complaints.router import router as complaints_router
from jzcredit.feed.router import router as feed_router
from jzcredit.finance.router import router as finance_router
from jzcredit.ingest.router import router as ingest_router
from jzcredit.lists.router import router as lists_router
from jzcredit.objections.router import router as objections_router
from jzcredit.public.router import router as public_router
from jzcredit.rectification.router import router as notices_router
from jzcredit.registry.router import router as registry_router
from jzcredit.repair.router import router as repairs_router
from jzcredit.reports.router import router as reports_router

# the public look-ups first: they are most of the traffic, and a request is matched against the routes in order
ROUTERS: list[APIRouter] = [public_router]
ROUTERS += [registry_router, ingest_router, lists_router, reports_router, system_router]
# the workflow routers (issue 5): notices, objections, repairs, commitments, complaints and service codes
ROUTERS += [notices_router, objections_router]
ROUTERS.append(finance_router)  # the bank view with its inquiry log, and companies' authorisations (issue 5)
ROUTERS.append(repairs_router)  # credit repair: apply, list, read, decide by the §3.6 conditions (issue 5)
ROUTERS.append(commitments_router)  # commitments: sign, list, read, fulfilment, breach (issue 5)
ROUTERS.append(feed_router)  # the change feed for an upper-level platform, GET/POST /changes (issue 5)
ROUTERS += [complaints_router, service_codes_router]  # complaints inbox and steps; service codes (issue 5)
ROUTERS.append(card_scans_router)  # when a worker's card was scanned: GET /workers/{code}/scans
