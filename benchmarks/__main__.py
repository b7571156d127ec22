"""``python -m benchmarks`` (``make bench``): run every ``benchmarks/p*.py`` in turn, then the load test.

``python -m benchmarks NAME…`` runs only those (``p3_lookup``, ``load``, …). ``p5_postgres`` comes
last: it summarises, SQLite beside PostgreSQL, the lines the others printed in this run.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import TextIO

import benchmarks

LAST = ("load", "p5_postgres")


class _Tee:
    """stdout that also keeps every line, for the P5 summary."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.text: list[str] = []

    def write(self, s: str) -> int:
        self.text.append(s)
        return self.out.write(s)

    def flush(self) -> None:
        self.out.flush()

    def lines(self) -> list[str]:
        return "".join(self.text).splitlines()


def order(wanted: set[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__)
                   if m.name.startswith("p") and m.name not in LAST)
    return [n for n in [*names, *LAST] if not wanted or n in wanted]


def main() -> int:
    tee = _Tee(sys.stdout)
    sys.stdout = tee  # type: ignore[assignment]
    try:
        for name in order(set(sys.argv[1:])):
            module = importlib.import_module(f"benchmarks.{name}")
            if name == "p5_postgres":
                module.main(tee.lines())
            else:
                module.main()
    finally:
        sys.stdout = tee.out
    return 0


if __name__ == "__main__":
    sys.exit(main())
