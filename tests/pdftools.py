"""PDF checks with poppler-utils (Debian's ``poppler-utils``, installed by ``.ci/run``): the text a reader
would extract, the fonts and whether each is embedded, the images."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest


def _run(tool: str, pdf: bytes, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: install Debian's poppler-utils (apt install poppler-utils)")
    with tempfile.TemporaryDirectory() as folder:  # poppler seeks in its input: a file, not a pipe
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        out = [path.with_suffix(".txt")] if tool == "pdftotext" else []
        done = subprocess.run([tool, *args, str(path), *map(str, out)], capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, f"{tool} failed: {done.stderr.decode(errors='replace')}"
        return out[0].read_text(encoding="utf-8") if out else done.stdout.decode("utf-8")


def pdf_text(pdf: bytes) -> str:
    """What ``pdftotext`` extracts (reading order, no layout)."""
    return _run("pdftotext", pdf, "-enc", "UTF-8")


def flat(text: str) -> str:
    """The text without white space: a long word wrapped over lines reads as one again."""
    return "".join(text.split())


@dataclass(frozen=True)
class Font:
    name: str
    embedded: bool


def pdf_fonts(pdf: bytes) -> list[Font]:
    """Every font ``pdffonts`` lists (name, and ``emb`` — the columns counted from the right)."""
    lines = _run("pdffonts", pdf).splitlines()[2:]
    return [Font(name=line.split()[0], embedded=line.split()[-5] == "yes") for line in lines if line.strip()]


def pdf_image_count(pdf: bytes) -> int:
    return len(_run("pdfimages", pdf, "-list").splitlines()[2:])


def pdf_pages(pdf: bytes) -> int:
    for line in _run("pdfinfo", pdf).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("pdfinfo gave no page count")
