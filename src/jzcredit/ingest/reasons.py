"""Quarantine reasons in words (隔离原因): what the batch report and the correction form show next to a code.

The codes and their meaning are documented in docs/ingest.md ("Quarantine reasons"); a test keeps this
table and that one in step.
"""

from __future__ import annotations

REASON_LABELS: dict[str, str] = {
    "malformed_json": "这一行不是有效的 JSON 对象",
    "unexpected_fields": "JSON 值里嵌套了对象或列表",
    "unreadable_row": "这一行无法读取",
    "wrong_column_count": "列数与表头不一致",
    "nul_byte": "含有空字符（NUL）",
    "field_too_long": "单元格内容过长",
    "value_too_long": "内容超过该列允许的长度",
    "not_a_quarantined_row": "不是该批次待更正的隔离行",
    "missing_value": "必填项为空",
    "invalid_uscc": "统一社会信用代码无效",
    "invalid_id_number": "身份证号码无效",
    "invalid_phone": "手机号码无效",
    "ambiguous_date": "日期有歧义，无法确定日与月的顺序",
    "invalid_date": "日期不存在",
    "unparseable_date": "无法识别的日期格式",
    "invalid_month": "月份格式不对",
    "invalid_year": "年份不对",
    "invalid_amount": "金额不对",
    "invalid_number": "数字不对",
    "invalid_stars": "星级应为 1 到 5 的整数",
    "invalid_flag": "应填“是”或“否”",
    "invalid_category": "服务类别不认识",
    "invalid_region_code": "行政区划代码应为 6 位数字",
    "invalid_employment_model": "用工模式应为员工制或中介制",
    "invalid_severity": "严重程度应为一般或严重",
    "invalid_result": "检查结果不认识",
    "invalid_offence": "犯罪记录类型不对",
    "invalid_tax_rating": "纳税信用等级应为 A、B、M、C 或 D",
    "invalid_poverty_level": "贫困等级应为无、省级或国家级",
    "conflicts_with_existing": "同一来源、同一编号的记录已存在且内容不同",
    "unknown_worker": "该身份证号的家政服务员尚未登记",
}

# what to do, where the words above do not already say it
REASON_HINTS: dict[str, str] = {
    "ambiguous_date": "请写成 yyyy-mm-dd，如 2025-06-05",
    "invalid_date": "请改为存在的日期（结束日期不能早于开始日期）",
    "unparseable_date": "请写成 yyyy-mm-dd",
    "invalid_amount": "请填写以元为单位的数字",
    "wrong_column_count": "请把每个值填到对应的列里",
    "conflicts_with_existing": "更正已有记录请走异议或撤销程序，不能改一行重报",
    "unknown_worker": "请先登记该家政服务员，再原样提交此行",
}


def reason_label(code: str) -> str:
    """The reason in words; an unknown code is shown as it is (never hidden)."""
    return REASON_LABELS.get(code, code)
