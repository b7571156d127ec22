"""Factories for test data: valid identifiers and real-format rows, reproducible by seed."""

from __future__ import annotations

import random
from datetime import date, timedelta

from jzcredit.common.ids import make_id_number, make_uscc
from jzcredit.demo.penalties import PENALTY_HEADER, write_penalty_csv

__all__ = ["PENALTY_HEADER", "id_number", "uscc", "write_penalty_csv"]

REGIONS = ["370102", "370103", "370104", "370105", "370112", "110105", "310104"]


def uscc(rng: random.Random) -> str:
    return make_uscc(rng, region_code=rng.choice(REGIONS))


def id_number(rng: random.Random) -> str:
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(365 * 35))
    return make_id_number(rng, region_code=rng.choice(REGIONS), birth_date=born, sex=rng.choice(["male", "female"]))
