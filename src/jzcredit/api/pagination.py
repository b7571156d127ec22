"""Paginated lists (spec §4.4: ``?page=&size=`` → ``items``, ``total``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")
MAX_SIZE = 200


@dataclass(frozen=True)
class PageParams:
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def page_params(page: int = Query(1, ge=1, le=100_000, description="Page number, from 1"),
                size: int = Query(20, ge=1, le=MAX_SIZE, description="Items per page")) -> PageParams:
    return PageParams(page=page, size=size)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int
