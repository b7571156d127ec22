"""Helpers for the TestClient tests of the stats and complaint pages: an app over the test database with the
clock fixed, and a small reader for the pages' tables."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from jzcredit.api.app import create_app
from jzcredit.config import Settings

NOW_TEXT = "2026-06-30T10:00"
HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


def page_client(settings: Settings, tmp_path: Path, *, limits: bool = False) -> TestClient:
    """The app as served, on the test database, at 2026-06-30 10:00 (Shanghai), rate limits off unless asked."""
    config = tmp_path / "pages.yml"
    config.write_text(yaml.safe_dump({} if limits else {"api": {"rate_limits": {"enabled": False}}}),
                      encoding="utf-8")
    settings.config, settings.now = config, NOW_TEXT
    return TestClient(create_app(settings), raise_server_exceptions=False, headers=HTML)


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._current = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows, self._current = [], ""
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self._current = "".join(self._caption).strip()
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._current] = self._rows
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    """Every ``<table>`` of the page by its caption: rows of cell texts (header rows included)."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def number(cell: str) -> int:
    """``1,234（56.7%）`` → 1234."""
    return int(cell.split("（")[0].replace(",", ""))


def body_rows(table: list[list[str]]) -> dict[str, list[str]]:
    """Data rows by their first cell (the header row dropped)."""
    return {row[0]: row[1:] for row in table[1:]}


def svg_values(html: str, ident: str) -> list[float]:
    """The ``data-value`` of every mark of the chart whose title id is ``{ident}-title``."""
    start = html.index(f'aria-labelledby="{ident}-title')
    chunk = html[start:html.index("</svg>", start)]
    parts = chunk.split('data-value="')[1:]
    return [float(p.split('"', 1)[0]) for p in parts]


def form_fields(**values: Any) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in values.items()}
