"""``python -m benchmarks`` (``make bench``): run every ``benchmarks/p*.py`` in turn."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def main() -> int:
    wanted = set(sys.argv[1:])
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        if info.name.startswith("p") and (not wanted or info.name in wanted):
            importlib.import_module(f"benchmarks.{info.name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
