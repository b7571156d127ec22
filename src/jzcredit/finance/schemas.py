"""Banks over HTTP: the bank view of a company (银行查询), the inquiry log, and a company's authorisations."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from jzcredit.api.validation import RequestBody

USCC_EXAMPLE = "91370102MA3C5EXL0X"


class AuthoriseIn(RequestBody):
    """A company authorises a bank (``bank_user_id`` from ``GET /finance/banks``)."""

    model_config = ConfigDict(extra="forbid")
    bank_user_id: int = Field(ge=1, le=2**62, description="The bank's user id", examples=[7])
    note: str | None = Field(None, max_length=500, description="Why, for the company's own records",
                             examples=["申请流动资金贷款"])


class BankOut(BaseModel):
    """A bank a company can authorise."""

    bank_user_id: int = Field(examples=[7])
    name: str = Field(examples=["建设银行济南分行"])


class AuthorisationOut(BaseModel):
    """One grant (授权): in force from ``granted_at`` until ``revoked_at``."""

    authorisation_id: int = Field(examples=[3])
    company_uscc: str = Field(examples=[USCC_EXAMPLE])
    bank_user_id: int = Field(examples=[7])
    bank_name: str = Field(examples=["建设银行济南分行"])
    granted_at: datetime
    granted_by: str = Field(description="Who granted it (user or command)")
    revoked_at: datetime | None
    revoked_by: str | None
    note: str | None
    in_force: bool = Field(description="The bank may see the company now")


class InquiryOut(BaseModel):
    """查询记录: which bank looked at which company, when and why (only answered looks: a refused one saw nothing)."""

    inquiry_id: int = Field(examples=[41])
    at: datetime
    company_uscc: str = Field(examples=[USCC_EXAMPLE])
    company_name: str = Field(examples=["济南家政服务有限公司"])
    bank_user_id: int = Field(examples=[7])
    bank_name: str = Field(examples=["建设银行济南分行"])
    purpose: str = Field(description="Why the bank looked, in its own words", examples=["贷款申请审查"])


class InquiryPage(BaseModel):
    items: list[InquiryOut]
    total: int
    page: int
    size: int


class BankWorkers(BaseModel):
    """Current workers who consented to ``bank_aggregate`` — nobody else is counted, or counted as missing."""

    current: int = Field(description="Current workers with the bank_aggregate consent in force", examples=[42])
    identified_authorised: int = Field(description="完成识别授权: identity verified and `collect` in force",
                                       examples=[40])
    national_poor_county: int = Field(description="Native to a national-level poor county", examples=[3])
    provincial_poor_county: int = Field(description="Native to a provincial-level poor county", examples=[5])
    registered_poor: int = Field(description="建档立卡贫困劳动力", examples=[2])
    poor_workers: int = Field(description="Any of the three above, each worker once", examples=[8])


class BankComplaints(BaseModel):
    total: int = Field(examples=[4])
    resolved: int = Field(examples=[3])
    unanswered: int = Field(description="The response deadline passed without a response", examples=[0])
    substantiated: int = Field(examples=[1])
    window_days: int = Field(description="Complaints filed in this many days up to today", examples=[365])


class BankListMark(BaseModel):
    list: str = Field(description="`red` or `black` (the internal watch list is never shown)", examples=["red"])
    rule: str = Field(examples=["R1"])
    expires_on: date | None


class BankView(BaseModel):
    """The financing figures of spec §3.8 for one company that authorised this bank; the inquiry is logged."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "uscc": USCC_EXAMPLE, "name": "济南家政服务有限公司", "region_code": "370102", "status": "active",
        "employment_model": "employee", "established_on": "2018-03-01", "as_of": "2026-06-30", "grade": "A",
        "lists": [], "workers": {"current": 42, "identified_authorised": 40, "national_poor_county": 3,
                                 "provincial_poor_county": 5, "registered_poor": 2, "poor_workers": 8},
        "complaints": {"total": 4, "resolved": 3, "unanswered": 0, "substantiated": 1, "window_days": 365},
        "inquiry_id": 41, "purpose": "贷款申请审查"}]})
    uscc: str
    name: str
    region_code: str | None
    status: str = Field(description="`active` or `deregistered`")
    employment_model: str | None
    established_on: date | None
    as_of: date = Field(description="The day the figures are counted on")
    grade: str | None = Field(description="Current credit grade; null when never evaluated")
    lists: list[BankListMark]
    workers: BankWorkers
    complaints: BankComplaints
    inquiry_id: int = Field(description="This inquiry in the log the company sees")
    purpose: str
