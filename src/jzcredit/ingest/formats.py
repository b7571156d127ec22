"""Reading input files as a header plus a stream of rows: CSV (UTF-8, UTF-8 BOM, GB18030), XLSX, JSONL.

Before anything is written the whole file is checked once: its SHA-256 (the
batch identity for resume) and, for text files, that it decodes completely in
the detected encoding. Rows are then streamed; nothing holds the file in memory.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from jzcredit.errors import Invalid

CHUNK = 1 << 20
csv.field_size_limit(1 << 30)  # the csv module reads NUL itself (Python 3.11+): no stand-in character needed


@dataclass(frozen=True)
class RawRow:
    number: int  # 1-based data row number (the header is row 0)
    cells: list[Any] | None  # by header position; None when the row could not be read
    problem: str | None = None  # machine-readable reason when cells is None
    raw: str | None = None  # the unreadable line, verbatim
    detail: str | None = None  # with ``problem``: what was wrong, e.g. the key of a nested JSON value


RowSource = Callable[[Callable[[int], None] | None], Iterator[RawRow]]


@dataclass(frozen=True)
class TableFile:
    path: Path
    format: str  # csv | xlsx | jsonl
    encoding: str | None
    sha256: str
    size: int
    header: list[str]
    open_rows: RowSource


def _sniff_format(path: Path, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        if not zipfile.is_zipfile(path):
            raise Invalid("ingest.bad_xlsx", f"{path.name} 不是有效的 XLSX 文件")
        return "xlsx"
    if path.suffix.lower() in (".jsonl", ".ndjson") or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "csv"


def _hash_and_encoding(path: Path, text_file: bool) -> tuple[str, str | None]:
    digest = hashlib.sha256()
    candidates = ["utf-8", "gb18030"] if text_file else []
    decoders = {name: codecs.getincrementaldecoder(name)() for name in candidates}
    bom = False
    with path.open("rb") as fh:
        first = True
        while block := fh.read(CHUNK):
            digest.update(block)
            if first:
                bom = block.startswith(codecs.BOM_UTF8)
                if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    decoders.clear()
                first = False
            for name in list(decoders):
                try:
                    decoders[name].decode(block)
                except UnicodeDecodeError:
                    del decoders[name]
    for name in list(decoders):
        try:
            decoders[name].decode(b"", final=True)
        except UnicodeDecodeError:
            del decoders[name]
    if not text_file:
        return digest.hexdigest(), None
    if "utf-8" in decoders:
        return digest.hexdigest(), "utf-8-sig" if bom else "utf-8"
    if "gb18030" in decoders:
        return digest.hexdigest(), "gb18030"
    raise Invalid("ingest.unknown_encoding",
                  f"{path.name} 的编码无法识别：支持 UTF-8、带 BOM 的 UTF-8 和 GB18030，请另存为其中一种后重试")


class _CountingReader(io.RawIOBase):
    """Reports bytes read so that long files get a progress bar."""

    def __init__(self, inner: BinaryIO, report: Callable[[int], None] | None) -> None:
        self._inner = inner
        self._report = report

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if self._report and n:
            self._report(n)
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


def _text_stream(path: Path, encoding: str, report: Callable[[int], None] | None) -> io.TextIOWrapper:
    raw = _CountingReader(path.open("rb"), report)
    return io.TextIOWrapper(io.BufferedReader(raw, CHUNK), encoding=encoding, newline="")


def _csv_rows(path: Path, encoding: str) -> tuple[list[str], RowSource]:
    with _text_stream(path, encoding, None) as fh:
        reader = csv.reader(fh)
        header = next((r for r in reader if any(c.strip() for c in r)), None)
    if header is None:
        raise Invalid("ingest.empty_file", f"{path.name} 是空文件：没有表头，也没有数据行")
    header = [h.lstrip("\ufeff") for h in header]

    def rows(report: Callable[[int], None] | None) -> Iterator[RawRow]:
        with _text_stream(path, encoding, report) as fh:
            reader = csv.reader(fh)
            seen_header = False
            number = 0
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue  # blank lines are not rows
                if not seen_header:
                    seen_header = True
                    continue
                number += 1
                yield RawRow(number, list(cells))

    return header, rows


def _xlsx_rows(path: Path) -> tuple[list[str], RowSource]:
    from openpyxl import load_workbook  # only needed for spreadsheets

    def sheet_rows() -> Iterator[tuple[Any, ...]]:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            for values in wb.worksheets[0].iter_rows(values_only=True):
                if any(v is not None and str(v).strip() for v in values):
                    yield values
        finally:
            wb.close()

    first = next(sheet_rows(), None)
    if first is None:
        raise Invalid("ingest.empty_file", f"{path.name} 是空表：没有表头，也没有数据行")
    header = ["" if v is None else str(v) for v in first]

    def rows(report: Callable[[int], None] | None) -> Iterator[RawRow]:
        it = sheet_rows()
        next(it, None)
        for number, values in enumerate(it, start=1):
            if report:
                report(1)
            yield RawRow(number, list(values))

    return header, rows


def _json_object(line: str) -> dict[str, Any] | None:
    """The line's JSON object, or ``None`` when it is not one — or holds a lone surrogate (``"\\ud800"``),
    which JSON allows as an escape but no UTF-8 text (and so no database) can hold."""
    try:
        obj = json.loads(line)
        if "\\u" in line:  # a surrogate can only come from an escape: the file itself decoded strictly
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except ValueError:  # UnicodeEncodeError included
        return None
    return obj if isinstance(obj, dict) else None


def _jsonl_rows(path: Path, encoding: str) -> tuple[list[str], RowSource]:
    header: list[str] = []
    with _text_stream(path, encoding, None) as fh:
        for line in fh:
            obj = _json_object(line) if line.strip() else None
            if obj is not None:
                header.extend(k for k in obj if k not in header)
    if not header:
        raise Invalid("ingest.empty_file", f"{path.name} 没有任何 JSON 对象行")

    def rows(report: Callable[[int], None] | None) -> Iterator[RawRow]:
        with _text_stream(path, encoding, report) as fh:
            number = 0
            for line in fh:
                if not line.strip():
                    continue
                number += 1
                obj = _json_object(line)
                if obj is None:
                    yield RawRow(number, None, "malformed_json", line.rstrip("\r\n"))
                    continue
                # every key is a column (the header is the union of keys), but a nested object or list is
                # not a cell: its inner fields are not among the file's columns
                nested = [k for k, v in obj.items() if isinstance(v, dict | list)]
                if nested:
                    yield RawRow(number, None, "unexpected_fields", line.rstrip("\r\n"), "、".join(nested))
                    continue
                yield RawRow(number, [obj.get(k) for k in header])

    return header, rows


def open_table(path: Path) -> TableFile:
    """Check the whole file, then return its header and a way to stream its rows."""
    if not path.is_file():
        raise Invalid("ingest.no_file", f"找不到文件 {path.name}")
    with path.open("rb") as fh:
        head = fh.read(4096)
    size = path.stat().st_size
    if size == 0:
        raise Invalid("ingest.empty_file", f"{path.name} 是空文件：没有表头，也没有数据行")
    fmt = _sniff_format(path, head)
    sha, encoding = _hash_and_encoding(path, text_file=fmt != "xlsx")
    if fmt == "xlsx":
        header, rows = _xlsx_rows(path)
    elif fmt == "jsonl":
        assert encoding is not None
        header, rows = _jsonl_rows(path, encoding)
    else:
        assert encoding is not None
        header, rows = _csv_rows(path, encoding)
    return TableFile(path, fmt, encoding, sha, size, header, rows)


def cell_text(value: Any) -> str:
    """A cell as text, for keeping rows verbatim."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
