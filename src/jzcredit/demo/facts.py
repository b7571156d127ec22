"""Company-level facts for the demo: licences, penalties, honours, tax, ratings, figures, stores, court."""

from __future__ import annotations

import random
from datetime import date, timedelta

from jzcredit.demo import names
from jzcredit.demo.generator import Company, Writers, _day, court_row


def _penalties(w: Writers, rng: random.Random, c: Company, i: int, as_of: date) -> None:
    if rng.random() < 0.08:
        decided = _day(rng, as_of - timedelta(days=900), as_of)
        fine = rng.choice([2000, 5000, 8000, 20000, 150000])
        w["penalties.csv"].writerow([c.uscc, c.name, f"济市监罚〔{decided.year}〕{i}号", decided, "罚款",
                                     f"未按规定签订家政服务合同，罚款人民币{fine}元", fine,
                                     rng.choice(names.AUTHORITIES), ""])
    if rng.random() < 0.03 or i == 0:  # the first company shows every kind, whatever the size
        decided = _day(rng, as_of - timedelta(days=600), as_of)
        kind, amount = rng.choice([("警告", ""), ("罚款", "0.8"), ("罚款", "12"), ("吊销许可证", "")])
        w["penalties-shuanggongshi.csv"].writerow([c.name, c.uscc, f"济商务罚〔{decided.year}〕{i}号", kind, kind,
                                                   amount, decided.strftime("%Y/%-m/%-d"), "", "济南市商务局"])


def _ratings(w: Writers, rng: random.Random, c: Company, as_of: date) -> None:
    for n in range(rng.randrange(0, 7)):
        stars = rng.choices([5, 4, 3, 2, 1], [50, 30, 10, 6, 4])[0]
        w["ratings.csv"].writerow([c.uscc, "", stars, _day(rng, as_of - timedelta(days=500), as_of),
                                   f"SO{c.uscc[-6:]}{n:04d}"])


def _figures(w: Writers, rng: random.Random, c: Company, as_of: date, first: bool) -> None:
    year = as_of.year - 1
    scale = rng.choice([1, 1, 2, 5, 20, 120, 400])
    w["revenue.csv"].writerow([c.uscc, year, scale * rng.randrange(200_000, 900_000)])
    for month in range(1, 13):
        w["payroll_monthly.csv"].writerow([c.uscc, f"{year}-{month:02d}", max(0, scale * 4 + rng.randrange(-3, 4))])
    if rng.random() < 0.2 or first:
        w["stores.csv"].writerow([c.uscc, f"{names.COMPANY_REGIONS[c.region]}{rng.choice(names.STREETS)}"
                                  f"{rng.randrange(1, 400)}号", rng.choice([8, 15, 30, 60, 120]),
                                  _day(rng, as_of - timedelta(days=400), as_of)])
    if c.model == "employee" or first:
        w["service_insurance.csv"].writerow([c.uscc, year, scale * rng.randrange(20_000, 90_000)])


def write_company_facts(w: Writers, rng: random.Random, companies: list[Company], as_of: date) -> None:
    for i, c in enumerate(companies):
        issued = _day(rng, c.established, as_of)
        w["licenses.csv"].writerow([c.uscc, c.name, f"济商许〔{issued.year}〕{i}号", issued, "家政服务经营备案",
                                    "家政服务经营", "济南市商务局", issued + timedelta(days=365 * 5)])
        _penalties(w, rng, c, i, as_of)
        if rng.random() < 0.1 or i == 0:
            w["commendations.csv"].writerow([c.uscc, c.name, _day(rng, as_of - timedelta(days=1000), as_of),
                                             "家政服务领跑企业", "济南市商务局"])
        w["tax_ratings.csv"].writerow([c.uscc, as_of.year - 1, rng.choices("ABMCD", [30, 40, 15, 10, 5])[0]])
        _ratings(w, rng, c, as_of)
        _figures(w, rng, c, as_of, i == 0)
    for i, c in enumerate(companies[: max(1, len(companies) // 50)]):
        w["court-dishonest.csv"].writerow(court_row(rng, c.uscc, c.name, 900 + i, as_of))
    # two rows a regulator will find in quarantine: an invalid code and an ambiguous date
    authority = "济南市市场监督管理局"
    w["penalties.csv"].writerow(["91370102MA3C000000", "无效代码家政公司", "济市监罚〔2025〕9001号", "2025-03-01",
                                 "罚款", "罚款", "1000", authority, ""])
    w["penalties.csv"].writerow([companies[0].uscc, companies[0].name, "济市监罚〔2025〕9002号", "05/06/2025",
                                 "警告", "警告", "", authority, ""])
