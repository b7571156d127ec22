"""Page-by-page lists on the web pages: which page, how many, and the links to the pages around it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query

from jzcredit.api.pagination import PageParams

WEB_PAGE_SIZE = 20
MAX_PAGE = 100_000

# ``?page=`` of every paginated page (a bad one is a 422 page from the one error handler)
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="页码，从 1 开始")]


@dataclass(frozen=True)
class Pager:
    path: str
    params: tuple[tuple[str, str], ...]  # the other query parameters each link keeps (the search words)
    page: int
    total: int
    size: int = WEB_PAGE_SIZE

    @property
    def params_for_query(self) -> PageParams:
        return PageParams(page=self.page, size=self.size)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def first(self) -> int:
        """The number of the first item on this page (1-based)."""
        return (self.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.size)

    @property
    def beyond(self) -> bool:
        """A page past the last one (an old link, or a typed number)."""
        return self.total > 0 and self.page > self.pages

    def url(self, page: int) -> str:
        params = [*self.params, *([("page", str(page))] if page > 1 else [])]
        return self.path + ("?" + urlencode(params) if params else "")

    @property
    def prev_url(self) -> str | None:
        return self.url(min(self.page - 1, self.pages)) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.page + 1) if self.page < self.pages else None
