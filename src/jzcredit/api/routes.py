"""Every domain's ``router.py``, mounted under ``/api/v1`` by ``create_app()``.

Add a domain by importing its router here and adding it to ``ROUTERS``.
"""

from __future__ import annotations

from fastapi import APIRouter

from jzcredit.rectification.router import router as notices_router

ROUTERS: list[APIRouter] = []
# the workflow routers (issue 5): notices, objections, repairs, commitments, complaints and service codes
ROUTERS += [notices_router]
