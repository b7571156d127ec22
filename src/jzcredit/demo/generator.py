"""Write realistic files in the real formats, then load them through ``ingest_file``.

Files are written row by row (a million workers never sit in memory) and
loaded in the order of the sample data's README: regions, companies, workers,
then everything that refers to them. The seed makes the data reproducible;
worker codes are drawn from the CSPRNG by design and differ between runs.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jzcredit.common.ids import make_id_number, make_uscc, mask_id_number
from jzcredit.demo import names


@dataclass(frozen=True)
class DemoFile:
    name: str
    kind: str
    source: str
    profile: str | None = None


@dataclass(frozen=True)
class Company:
    uscc: str
    name: str
    region: str
    established: date
    model: str


ORDER = [
    DemoFile("regions.csv", "regions", "演示:国家乡村振兴局"),
    DemoFile("companies.csv", "companies", "演示:商务主管部门"),
    DemoFile("workers.csv", "workers", "演示:家政企业"),
    DemoFile("licenses.csv", "licenses", "演示:市场监管"),
    DemoFile("penalties.csv", "penalties", "演示:市场监管"),
    DemoFile("penalties-shuanggongshi.csv", "penalties", "演示:信用中国", "penalty-shuanggongshi"),
    DemoFile("commendations.csv", "commendations", "演示:商务主管部门"),
    DemoFile("tax_ratings.csv", "tax_ratings", "演示:税务"),
    DemoFile("health_checks.csv", "health_checks", "演示:卫生健康"),
    DemoFile("trainings.csv", "trainings", "演示:人力资源社会保障"),
    DemoFile("background_checks.csv", "background_checks", "演示:公安"),
    DemoFile("skill_certificates.csv", "skill_certificates", "演示:人力资源社会保障"),
    DemoFile("ratings.csv", "ratings", "演示:家政企业"),
    DemoFile("revenue.csv", "revenue", "演示:家政企业"),
    DemoFile("payroll_monthly.csv", "payroll_monthly", "演示:代发工资银行"),
    DemoFile("stores.csv", "stores", "演示:家政企业"),
    DemoFile("service_insurance.csv", "service_insurance", "演示:社会保险"),
    DemoFile("court-dishonest.csv", "dishonest_debtors", "演示:法院", "court-dishonest"),
]
HEADERS = {
    "regions.csv": ["region_code", "name", "poverty_level"],
    "companies.csv": ["uscc", "name", "legal_representative", "address", "region_code", "established_on",
                      "categories", "employment_model", "onboarded_on"],
    "workers.csv": ["id_number", "name", "phone", "categories", "identity_verified_on", "consent_collect",
                    "consent_public_card", "consent_employer", "consent_bank_aggregate", "registered_poor",
                    "employer_uscc", "employment_start_on"],
    "licenses.csv": ["subject_code", "subject_name", "doc_number", "decided_on", "license_name", "content",
                     "authority", "valid_until"],
    "penalties.csv": ["subject_code", "subject_name", "doc_number", "decided_on", "penalty_types", "content",
                      "amount", "authority", "publish_until"],
    "penalties-shuanggongshi.csv": ["行政相对人名称", "统一社会信用代码", "行政处罚决定书文号", "处罚类别", "处罚内容",
                                    "罚款金额（万元）", "处罚决定日期", "公示截止期", "处罚机关"],
    "commendations.csv": ["subject_code", "subject_name", "decided_on", "title", "authority"],
    "tax_ratings.csv": ["uscc", "year", "rating"],
    "health_checks.csv": ["id_number", "checked_on", "result", "valid_until", "institution"],
    "trainings.csv": ["id_number", "course", "hours", "completed_on", "institution", "certificate_number"],
    "background_checks.csv": ["id_number", "checked_on", "result", "offence", "authority"],
    "skill_certificates.csv": ["id_number", "certificate_number", "title", "level", "issued_on", "valid_until"],
    "ratings.csv": ["uscc", "id_number", "stars", "rated_on", "service_code"],
    "revenue.csv": ["uscc", "year", "revenue"],
    "payroll_monthly.csv": ["uscc", "month", "headcount"],
    "stores.csv": ["uscc", "address", "area_m2", "opened_on"],
    "service_insurance.csv": ["uscc", "year", "paid_cny"],
    "court-dishonest.csv": ["被执行人姓名/名称", "身份证号码/组织机构代码", "执行法院", "省份", "立案时间", "案号",
                            "生效法律文书确定的义务", "被执行人的履行情况", "失信被执行人行为具体情形", "发布时间"],
}
ENCODINGS = {"penalties-shuanggongshi.csv": "gb18030", "court-dishonest.csv": "utf-8-sig"}
Writers = dict[str, Any]


@contextmanager
def open_writers(folder: Path) -> Iterator[Writers]:
    with ExitStack() as stack:
        writers: Writers = {}
        for name, header in HEADERS.items():
            fh = stack.enter_context((folder / name).open("w", encoding=ENCODINGS.get(name, "utf-8"), newline=""))
            writers[name] = csv.writer(fh)
            writers[name].writerow(header)
        yield writers


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days)))


def person_name(rng: random.Random) -> str:
    return rng.choice(names.SURNAMES) + rng.choice(names.GIVEN)


def _company(rng: random.Random, i: int, as_of: date) -> Company:
    region = rng.choices(list(names.COMPANY_REGIONS), names.COMPANY_REGION_WEIGHTS)[0]
    city = names.COMPANY_REGIONS[region][3:6] if region.startswith("37") else names.COMPANY_REGIONS[region][:2]
    name = f"{city.rstrip('市')}{rng.choice(names.COMPANY_WORDS)}{rng.choice(names.COMPANY_KINDS)}"
    if i >= len(names.COMPANY_WORDS) * len(names.COMPANY_KINDS):
        name = name.replace("有限公司", f"第{i}分公司") if "有限公司" in name else f"{name}{i}号"
    return Company(make_uscc(rng, region_code=region), name, region,
                   _day(rng, as_of - timedelta(days=365 * 15), as_of - timedelta(days=200)),
                   rng.choice(["employee", "intermediary", "intermediary"]))


def write_companies(w: Writers, rng: random.Random, count: int, as_of: date) -> list[Company]:
    for code, name, level in names.POVERTY_REGIONS:
        w["regions.csv"].writerow([code, name, level])
    companies = [_company(rng, i, as_of) for i in range(count)]
    for c in companies:
        onboarded = _day(rng, max(c.established, as_of - timedelta(days=1500)), as_of) if rng.random() < 0.85 else ""
        w["companies.csv"].writerow([
            c.uscc, c.name, person_name(rng), f"{names.COMPANY_REGIONS[c.region]}{rng.choice(names.STREETS)}"
            f"{rng.randrange(1, 400)}号", c.region, c.established,
            ";".join(rng.sample(names.CATEGORIES, rng.randrange(1, 4))), c.model, onboarded])
    return companies


Progress = Callable[[int], None]


def _yes(rng: random.Random, share: float) -> str:
    return rng.choices(["yes", "是", "no", "否"], [share, share / 3, 1 - share, (1 - share) / 3])[0]


def _worker_facts(w: Writers, rng: random.Random, id_number: str, number: int, as_of: date) -> None:
    """Health checks, trainings, background checks and certificates for one worker."""
    if rng.random() < 0.75:
        checked = _day(rng, as_of - timedelta(days=500), as_of)
        w["health_checks.csv"].writerow([id_number, checked, rng.choices(["合格", "pass", "不合格"], [6, 3, 1])[0],
                                         checked + timedelta(days=365), rng.choice(names.HOSPITALS)])
    if rng.random() < 0.6:
        course, hours = rng.choice(names.TRAININGS)
        w["trainings.csv"].writerow([id_number, course, hours, _day(rng, as_of - timedelta(days=900), as_of),
                                     "济南市家政职业培训学校", f"PX{number:09d}"])
    if rng.random() < 0.5:
        found = rng.random() < 0.01
        w["background_checks.csv"].writerow([id_number, _day(rng, as_of - timedelta(days=700), as_of),
                                             "record_found" if found else "clear",
                                             rng.choice(names.OFFENCES) if found else "", "济南市公安局"])
    if rng.random() < 0.3:
        issued = _day(rng, as_of - timedelta(days=1500), as_of)
        w["skill_certificates.csv"].writerow([id_number, f"ZS{number:010d}", rng.choice(["育婴员", "养老护理员",
                                              "家政服务员"]), rng.choice(["初级", "中级", "高级"]), issued,
                                              issued + timedelta(days=365 * 5)])


def write_workers(w: Writers, rng: random.Random, count: int, companies: list[Company], as_of: date,
                  progress: Progress | None = None) -> list[tuple[str, str]]:
    """Stream the workers; returns a few (ID number, name) pairs for the court file's masked people."""
    court_people: list[tuple[str, str]] = []
    for i in range(count):
        born = _day(rng, date(1966, 1, 1), date(2002, 12, 31))
        native = rng.choices(names.NATIVE_REGIONS, names.NATIVE_REGION_WEIGHTS)[0]
        id_number = make_id_number(rng, region_code=native, birth_date=born,
                                   sex="female" if rng.random() < 0.9 else "male")
        name = person_name(rng)
        employer = rng.choice(companies) if companies and rng.random() < 0.9 else None
        verified = _day(rng, as_of - timedelta(days=900), as_of) if rng.random() < 0.8 else ""
        w["workers.csv"].writerow([
            id_number, name, f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            ";".join(rng.sample(names.CATEGORIES, rng.randrange(1, 3))), verified, _yes(rng, 0.85),
            _yes(rng, 0.6), _yes(rng, 0.8), _yes(rng, 0.5), "是" if rng.random() < 0.05 else "否",
            employer.uscc if employer else "", _day(rng, as_of - timedelta(days=1200), as_of) if employer else ""])
        _worker_facts(w, rng, id_number, i, as_of)
        if len(court_people) < max(2, count // 20000) and rng.random() < 0.02:
            court_people.append((id_number, name))
        if progress and i % 1000 == 999:
            progress(1000)
    return court_people


def court_row(rng: random.Random, number: str, name: str, i: int, as_of: date) -> list[str]:
    filed = _day(rng, as_of - timedelta(days=700), as_of - timedelta(days=60))
    return [name, number, "济南市历下区人民法院", "山东", filed.strftime("%Y年%-m月%-d日"),
            f"({filed.year})鲁0102执{1000 + i}号", "偿还借款本金及利息", "全部未履行",
            "有履行能力而拒不履行生效法律文书确定义务", (filed + timedelta(days=20)).isoformat()]


def masked(id_number: str) -> str:
    return mask_id_number(id_number)
