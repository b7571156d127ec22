"""Large penalty files for tests and the P1 benchmark: valid codes, with a share of dirty rows."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from jzcredit.common.ids import make_uscc

PENALTY_HEADER = ["subject_code", "subject_name", "doc_number", "decided_on", "penalty_types", "content", "amount",
                  "authority", "publish_until"]
REGIONS = ["370102", "370103", "370104", "370105", "370112", "110105", "310104"]


def penalty_row(rng: random.Random, i: int, codes: list[str]) -> list[str]:
    day = date(2024, 1, 1) + timedelta(days=rng.randrange(600))
    return [rng.choice(codes), f"测试家政服务有限公司{i % 997}", f"测商务罚〔2025〕{i}号", day.isoformat(), "罚款",
            "未按规定签订家政服务合同", str(rng.choice([500, 2000, 8000, 150000])), "测试市商务局", ""]


def write_penalty_csv(path: Path, rows: int, *, seed: int = 7, dirty_every: int = 20, companies: int = 500) -> Path:
    """``rows`` penalties over ``companies`` companies; every ``dirty_every``-th row is dirty (bad USCC or date)."""
    rng = random.Random(seed)
    codes = [make_uscc(rng, region_code=rng.choice(REGIONS)) for _ in range(companies)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(PENALTY_HEADER)
        for i in range(rows):
            row = penalty_row(rng, i, codes)
            if dirty_every and i % dirty_every == 0:
                if (i // dirty_every) % 2:
                    row[0] = row[0][:-1] + ("0" if row[0][-1] != "0" else "1")
                else:
                    row[3] = "05/06/2025"
            out.writerow(row)
    return path
