"""The signed-in pages' navigation: each section names the policy action it needs, and a user sees only the
sections its role may use (``policy.allowed``). Add a section by appending it to ``SECTIONS``."""

from __future__ import annotations

from dataclasses import dataclass

from jzcredit.api.policy import Principal, allowed


@dataclass(frozen=True)
class Section:
    path: str
    label: str
    about: str
    action: str


SECTIONS: list[Section] = [
    Section("/admin/review", "名单审核", "红黑名单候选：查看依据记录，批准公布或驳回", "lists.review"),
    Section("/admin/notices", "限期整改", "下达整改通知，查看整改状态和逾期情况，核验整改材料", "notices.issue"),
    Section("/admin/objections", "异议处理", "对信用记录的异议：支持或驳回", "objections.decide"),
    Section("/admin/repairs", "信用修复", "修复申请：按修复条件批准或驳回", "repairs.decide"),
    Section("/admin/ingest", "数据上传", "上传数据文件，查看进度和批次报告，更正隔离行", "ingest.submit"),
    Section("/admin/matches", "法院数据匹配", "失信被执行人记录与家政服务员的匹配候选：确认或驳回", "matches.decide"),
]


def sections_for(principal: Principal) -> list[Section]:
    return [s for s in SECTIONS if allowed(principal, s.action)]
