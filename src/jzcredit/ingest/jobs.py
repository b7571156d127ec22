"""Background ingest runs for the web upload (网页上传导入): one thread per uploaded file, its progress polled.

The page uploads the file (its own progress bar, in the browser), then asks ``/admin/ingest/jobs/{id}`` how
far the run is. The run is ``service.ingest_file`` — the same checks, row accounting, quarantine and resume
as ``jzcredit ingest`` — with its ``Progress`` hook (the CLI's bar) counting into the job, then the
re-evaluation the API and the CLI do after a batch. Jobs live in the app's memory only: the batch is the
lasting record (a restart loses the progress view, never a row; the same file again continues the batch).
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from jzcredit.common.crypto import Vault
from jzcredit.errors import JzError, NotFound
from jzcredit.evaluation import service as evaluation
from jzcredit.evaluation.due import mark_batches_due
from jzcredit.evaluation.rulesets import Models
from jzcredit.ingest import service as ingest_service
from jzcredit.ingest.formats import open_table
from jzcredit.rules import IngestRules

log = logging.getLogger("jzcredit.ingest.jobs")

KEPT_JOBS = 200  # finished jobs kept for their page; the oldest go first
DUE_CHUNK = 2000
# phases: checking → loading → evaluating → done; or refused (nothing written) / failed (stopped midway)
FINISHED = ("done", "refused", "failed")


@dataclass
class IngestJob:
    """One upload's run, as the page polls it."""

    id: str
    owner: str  # the actor who uploaded: only they see the job
    filename: str
    kind: str
    phase: str = "checking"
    done: int = 0  # bytes (CSV, JSONL) or rows (XLSX) read so far
    total: int = 0
    unit: str = "bytes"
    batch_id: int | None = None
    summary: dict[str, Any] | None = None
    message: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def percent(self) -> int:
        """How far the run is: 100 only once the batch is complete (reading ends before the last chunk commits)."""
        if self.phase == "done":
            return 100
        if self.phase in ("evaluating",):
            return 99
        if not self.total:
            return 0
        return min(99, self.done * 100 // self.total)

    def as_dict(self) -> dict[str, Any]:
        return {"job_id": self.id, "filename": self.filename, "kind": self.kind, "phase": self.phase,
                "percent": self.percent, "done": self.done, "total": self.total, "unit": self.unit,
                "batch_id": self.batch_id, "summary": self.summary, "message": self.message}


def reevaluate_batch(factory: sessionmaker[Session], *, batch_id: int, models: Models, now: datetime
                     ) -> dict[str, Any]:
    """Grade again what the batch changed (and whatever else is due), as ``jzcredit ingest`` does."""
    with factory() as session, session.begin():
        mark_batches_due(session, batch_ids=[batch_id], now=now)
    summary = evaluation.RunSummary()
    while True:
        with factory() as session, session.begin():
            ids = next(evaluation.due_chunks(session, size=DUE_CHUNK), [])
            if not ids:
                return summary.as_dict()
            summary.add(evaluation.evaluate_subjects(session, models=models, subject_ids=ids, now=now))


@dataclass(frozen=True)
class RunRequest:
    """What a background run needs: the uploaded file (in a folder the run deletes when it ends) and who sent it."""

    path: Path
    kind: str
    source: str
    profile: str | None
    actor: str
    now: datetime
    rules: IngestRules
    models: Models | None  # None: no re-evaluation afterwards


class IngestJobs:
    """The jobs of one app (``app.state``); thread-safe."""

    def __init__(self, factory: sessionmaker[Session], vault: Vault) -> None:
        self._factory = factory
        self._vault = vault
        self._jobs: OrderedDict[str, IngestJob] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, run: RunRequest, *, display_name: str) -> IngestJob:
        job = IngestJob(id=secrets.token_urlsafe(12), owner=run.actor, filename=display_name, kind=run.kind)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEPT_JOBS:
                oldest = next(iter(self._jobs))
                if not self._jobs[oldest].finished.is_set():
                    break  # never forget a running job
                self._jobs.popitem(last=False)
        threading.Thread(target=self._run, args=(job, run), name=f"ingest-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str, *, owner: str) -> IngestJob:
        """The job, for the one who started it; anyone else reads "not found", as for an unknown id."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise NotFound("upload.job_unknown", "没有这个导入任务（服务重启后进度不再保留：请到导入批次列表查看结果）")
        return job

    def wait(self, job_id: str, *, timeout: float = 60.0) -> IngestJob:
        """Block until the job ends (tests, and callers that want the report at once)."""
        with self._lock:
            job = self._jobs[job_id]
        if not job.finished.wait(timeout):
            raise TimeoutError(f"ingest job {job_id} still {job.phase} after {timeout} s")
        return job

    def _run(self, job: IngestJob, run: RunRequest) -> None:
        try:
            self._load(job, run)
        except JzError as exc:
            job.message = exc.detail
            job.phase = "refused" if job.batch_id is None and job.phase == "checking" else "failed"
        except Exception:
            log.exception("ingest job %s failed", job.id)
            if job.phase == "checking":  # before any batch: the file itself could not be read
                job.message = ("文件无法读取：请确认是完整有效的 CSV、Excel（.xlsx）或 JSON 文件后重新上传。"
                               "没有导入任何内容")
                job.phase = "refused"
            else:
                job.message = ("导入中途出错，已写入的部分已保存；请稍后重新上传同一文件，会从中断处继续。"
                               "如果问题持续，请联系平台管理员。")
                job.phase = "failed"
        finally:
            shutil.rmtree(run.path.parent, ignore_errors=True)
            job.finished.set()

    def _load(self, job: IngestJob, run: RunRequest) -> None:
        if open_table(run.path).format == "xlsx":  # rows are the unit there: count them for a true percentage
            job.unit = "rows"
            job.total = sum(1 for _ in open_table(run.path).open_rows(None))

        def begin(total: int, _name: str) -> None:
            job.phase = "loading"
            if total:
                job.total = total

        def advance(n: int) -> None:
            job.done += n

        batch = ingest_service.ingest_file(
            self._factory, self._vault, path=run.path, kind=run.kind, source=run.source, profile=run.profile,
            actor=run.actor, now=run.now, rules=run.rules, progress=ingest_service.Progress(begin, advance))
        job.batch_id = batch.id
        job.phase = "evaluating"
        evaluated = (reevaluate_batch(self._factory, batch_id=batch.id, models=run.models, now=run.now)
                     if run.models is not None else None)
        with self._factory() as session:
            job.summary = ingest_service.summary(ingest_service.get_batch(session, batch.id)) | {
                "evaluation": evaluated}
        job.done = job.total
        job.phase = "done"

