"""Labels and the one step writer: every complaint step is a ``ComplaintStep`` row and an audit entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from jzcredit.common import audit
from jzcredit.complaints.models import Complaint, ComplaintStep

STATUS_LABELS = {"filed": "已受理", "forwarded": "已转企业办理", "responded": "企业已答复",
                 "resolved": "已解决（投诉人满意）", "unresolved": "未解决（投诉人不满意）", "mediated": "已调解",
                 "closed": "已办结"}
CATEGORY_LABELS = {"quality": "服务质量", "price": "价格", "contract": "合同", "damage": "财物损坏", "theft": "盗窃",
                   "abuse": "虐待", "injury": "人身伤害", "other": "其他"}
FINDING_LABELS = {"substantiated": "属实", "unsubstantiated": "不属实", "unanswered": "逾期未答复"}


def log_step(session: Session, complaint: Complaint, *, action: str, from_status: str | None, actor: str,
             now: datetime, text: str | None = None, record_ids: tuple[int, ...] = (),
             detail: dict[str, Any] | None = None) -> ComplaintStep:
    """Write the step (from the complaint's previous status to its current one) and its audit entry.

    The audit entry names the complaint, the statuses and the records made, never the text or the phone:
    the audit log is read by people who need not see what the complainant wrote.
    """
    step = ComplaintStep(complaint_id=complaint.id, at=now, action=action, from_status=from_status,
                         to_status=complaint.status, actor=actor, text=text,
                         record_id=record_ids[0] if record_ids else None)
    session.add(step)
    audit.append(session, actor=actor, action=f"complaint.{action}", obj=f"complaint:{complaint.id}", now=now,
                 detail={"from": from_status, "to": complaint.status, "record_ids": list(record_ids),
                         **(detail or {})})
    return step
