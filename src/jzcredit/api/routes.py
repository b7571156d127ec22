"""Every domain's ``router.py``, mounted under ``/api/v1`` by ``create_app()``.

Add a domain by importing its router here and adding it to ``ROUTERS``.
"""

from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
