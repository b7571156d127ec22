"""``jzcredit demo``: generate the files, load them in order, create the demo users."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jzcredit.common.clock import today
from jzcredit.common.crypto import Vault
from jzcredit.demo import generator
from jzcredit.demo.facts import write_company_facts
from jzcredit.ingest import service as ingest_service
from jzcredit.registry.models import Company
from jzcredit.rules import IngestRules
from jzcredit.users import service as users_service


@dataclass(frozen=True)
class DemoSize:
    companies: int
    workers: int
    seed: int


def has_data(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Company)))


def write_demo_files(folder: Path, size: DemoSize, now: datetime,
                     progress: Callable[[int], None] | None = None) -> None:
    rng = random.Random(size.seed)
    as_of = today(now)
    with generator.open_writers(folder) as w:
        companies = generator.write_companies(w, rng, size.companies, as_of)
        people = generator.write_workers(w, rng, size.workers, companies, as_of, progress)
        write_company_facts(w, rng, companies, as_of)
        for i, (number, name) in enumerate(people):
            w["court-dishonest.csv"].writerow(generator.court_row(rng, generator.masked(number), name, i, as_of))


def create_demo_users(session: Session, *, vault: Vault, now: datetime) -> list[dict[str, Any]]:
    """One user per kind a visitor would try; tokens are returned once and never stored in clear."""
    company = session.scalars(select(Company).where(Company.onboarded_on.is_not(None)).order_by(Company.uscc)).first()
    wanted: list[tuple[str, str, str | None, int | None]] = [
        ("admin", "演示管理员", None, None),
        ("regulator", "演示：商务部（全国）", "000000", None),
        ("regulator", "演示：济南市商务局", "370100", None),
        ("bank", "演示：合作银行", None, None),
    ]
    if company is not None:
        wanted.append(("company", f"演示：{company.name}", None, company.subject_id))
    out = []
    for role, name, region, subject_id in wanted:
        user, token = users_service.add_user(session, vault=vault, role=role, name=name, now=now,
                                             region_code=region, subject_id=subject_id, actor="demo")
        out.append({"role": role, "name": user.name, "region_code": region, "token": token})
    return out


def load_demo(factory: sessionmaker[Session], vault: Vault, *, size: DemoSize, now: datetime, rules: IngestRules,
              actor: str, progress_for: Callable[[str], ingest_service.Progress | None]) -> dict[str, Any]:
    """Generate, load and report: every batch summary and the demo users' tokens."""
    with tempfile.TemporaryDirectory(prefix="jzcredit-demo-") as tmp:
        folder = Path(tmp)
        gen = progress_for("生成演示数据")
        if gen is not None:
            gen.start(size.workers, "生成演示数据")
        write_demo_files(folder, size, now, gen.advance if gen else None)
        batches = []
        for f in generator.ORDER:
            batch = ingest_service.ingest_file(factory, vault, path=folder / f.name, kind=f.kind, source=f.source,
                                               profile=f.profile, actor=actor, now=now, rules=rules,
                                               progress=progress_for(f.name))
            batches.append(ingest_service.summary(batch))
    with factory() as session, session.begin():
        users = create_demo_users(session, vault=vault, now=now)
    return {"companies": size.companies, "workers": size.workers,
            "records": sum(b["accepted"] for b in batches if b["kind"] not in _REGISTRY_KINDS),
            "batches": batches, "users": users}


_REGISTRY_KINDS = {"regions", "companies", "workers", "employments", "revenue", "payroll_monthly", "stores",
                   "service_insurance", "ratings"}
