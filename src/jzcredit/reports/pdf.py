"""HTML → PDF for every printed document (信用报告, 信用修复证书), with WeasyPrint.

The PDF is laid out from the same Jinja templates as the pages, by Pango with the system's fonts
(Debian: ``fonts-noto-cjk``); WeasyPrint embeds a subset of each font it used, so the file reads the
same on a machine without CJK fonts and its text can be extracted (``pdftotext``).

A document never fetches anything: its stylesheet is inlined, images are ``data:`` URIs, and every
other URL (a photo's ``https://…``, ``file:///etc/…`` in hostile text) is refused by the fetcher, so
rendering cannot be used to reach the network or the disk.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from jzcredit.errors import Misconfigured

PDF_MEDIA_TYPE = "application/pdf"
PDF_ENGINE_MISSING = ("本机缺少 PDF 组件 WeasyPrint 或它需要的 Pango 库，请安装 libpango-1.0-0 和 libpangoft2-1.0-0"
                      "（Debian/Ubuntu）后重试；HTML 格式不受影响")
ALLOWED_PROTOCOLS = frozenset({"data"})
FETCH_TIMEOUT_SECONDS = 5
CONCURRENT_RENDERS = 2
_renders = threading.BoundedSemaphore(CONCURRENT_RENDERS)

# WeasyPrint warns about every refused URL and unsupported CSS property; one line per document is enough
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    return URLFetcher(timeout=FETCH_TIMEOUT_SECONDS, allowed_protocols=ALLOWED_PROTOCOLS, allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document (its ``<title>`` and ``lang`` become the PDF's metadata).

    At most ``CONCURRENT_RENDERS`` layouts run at once in a process: each takes a core for a few hundred
    milliseconds, and a burst of downloads must not starve the pages and the API of CPU (the rest wait)."""
    try:
        from weasyprint import HTML  # imported on first use: it loads Pango, which the rest never needs
    except (ImportError, OSError) as exc:  # OSError: cffi could not load the Pango library
        raise Misconfigured("documents.pdf_engine_missing", f"无法生成 PDF：{PDF_ENGINE_MISSING}（{exc}）") from exc

    with _renders:
        pdf: bytes = HTML(string=html, url_fetcher=_fetcher(), media_type="print").write_pdf()
    return pdf
