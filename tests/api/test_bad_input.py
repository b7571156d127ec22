"""What bad input gets from the API (issue 5): malformed JSON, wrong types, unknown fields, bad tokens, wrong
methods — each a 4xx problem+json whose ``detail`` a person understands, never a 500 or a trace, nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from tests.api.workflow_helpers import (  # noqa: F401  (fixtures)
    NOW,
    World,
    api_fixture,
    problem,
    world_fixture,
)
from tests.rectification.helpers import counts

from jzcredit.common.crypto import Vault
from jzcredit.users import service as users

NOTICES = "/api/v1/notices"
JSON = {"Content-Type": "application/json"}


def _counts(sessions: sessionmaker[Session]) -> dict[str, object]:
    with sessions() as s:
        return counts(s)


def _subject_read(api: TestClient, world: World, headers: dict[str, str]) -> object:
    return api.get(f"/api/v1/subjects/{world.uscc}", headers=headers)


@pytest.mark.parametrize("body", ['{"subject_key": ', "not json at all", "[1, 2", '{"a": 1}}'])
def test_malformed_json_is_a_422_that_says_so_and_writes_nothing(
        api: TestClient, world: World, sessions: sessionmaker[Session], body: str) -> None:
    before = _counts(sessions)
    answer = problem(api.post(NOTICES, headers={**world.regulator.headers, **JSON}, content=body), 422,
                     code="invalid_request")
    assert "JSON" in answer["detail"]
    assert _counts(sessions) == before


def test_wrong_types_and_unknown_fields_name_the_field(api: TestClient, world: World,
                                                       sessions: sessionmaker[Session]) -> None:
    before = _counts(sessions)
    wrong_type = problem(api.post(NOTICES, headers=world.regulator.headers,
                                  json={"subject_key": world.uscc, "requirements": "补签合同", "basis": "七"}),
                         422, code="invalid_request")
    assert "basis" in wrong_type["detail"] and wrong_type["errors"][0]["field"].startswith("basis")
    unknown = problem(api.post(NOTICES, headers=world.regulator.headers,
                               json={"subject_key": world.uscc, "requirements": "补签合同", "colour": "red"}),
                      422, code="invalid_request")
    assert "colour" in unknown["detail"]
    not_an_object = problem(api.post(NOTICES, headers=world.regulator.headers, json=["subject_key"]), 422,
                            code="invalid_request")
    assert not_an_object["detail"]
    assert _counts(sessions) == before


def test_missing_unknown_malformed_revoked_and_expired_tokens_are_401(
        api: TestClient, world: World, sessions: sessionmaker[Session], vault: Vault) -> None:
    with sessions() as s, s.begin():
        _expired_user, expired = users.add_user(s, vault=vault, role="admin", name="临时管理员",
                                                now=NOW - timedelta(days=2), expires_at=NOW - timedelta(days=1))
        revoked_user, revoked = users.add_user(s, vault=vault, role="admin", name="离职管理员", now=NOW)
        users.revoke_user(s, user_id=revoked_user.id, now=NOW - timedelta(minutes=1))
    cases = {
        "auth.required": {},
        "auth.invalid_token": {"Authorization": "Bearer jz_" + "x" * 43},
        "auth.expired_token": {"Authorization": f"Bearer {expired}"},
        "auth.revoked_token": {"Authorization": f"Bearer {revoked}"},
    }
    for code, headers in cases.items():
        answer = problem(_subject_read(api, world, headers), 401, code=code)  # type: ignore[arg-type]
        assert "令牌" in answer["detail"] or "登录" in answer["detail"]
    for header in ("Basic YWRtaW46YWRtaW4=", "Bearer", "jz_token-without-scheme"):
        problem(_subject_read(api, world, {"Authorization": header}), 401)  # type: ignore[arg-type]
    assert _subject_read(api, world, world.admin.headers).status_code == 200  # type: ignore[attr-defined]


def test_a_token_of_the_wrong_role_is_403_and_of_the_wrong_region_404(api: TestClient, world: World) -> None:
    problem(_subject_read(api, world, world.bank.headers), 403, code="auth.role")  # type: ignore[arg-type]
    problem(_subject_read(api, world, world.other_company.headers), 404)  # type: ignore[arg-type]
    problem(api.post(NOTICES, headers=world.bank.headers, json={"subject_key": world.uscc, "requirements": "x"}),
            403, code="auth.role")
    problem(_subject_read(api, world, world.far_regulator.headers), 404)  # type: ignore[arg-type]


def test_a_method_the_route_does_not_have_is_405_problem(api: TestClient, world: World) -> None:
    answer = problem(api.delete(NOTICES, headers=world.admin.headers), 405)
    assert "DELETE" in answer["detail"]


@pytest.mark.parametrize("field", ["requirements", "authority"])
def test_a_nul_character_in_any_text_is_a_422_not_a_database_error(
        api: TestClient, world: World, sessions: sessionmaker[Session], field: str) -> None:
    before = _counts(sessions)
    body = {"subject_key": world.uscc, "requirements": "补签合同", field: "补签\x00合同"}
    answer = problem(api.post(NOTICES, headers=world.regulator.headers, json=body), 422, code="invalid_request")
    assert "NUL" in answer["detail"]
    review = api.post("/api/v1/lists/entries/1/review", headers=world.regulator.headers,
                      json={"decision": "approve", "version": 1, "note": "\x00"})
    problem(review, 422, code="invalid_request")
    assert _counts(sessions) == before


def test_a_long_number_typed_into_a_url_never_comes_back_whole(api: TestClient, world: World) -> None:
    for number in ("110101199003077777", "11010119900307777X", "13912345678"):
        for path in (f"/api/v1/public/workers/{number}", f"/api/v1/public/companies/{number}",
                     f"/api/v1/no-such-route/{number}", f"/api/v1/subjects/{number}"):
            response = api.get(path, headers=world.admin.headers)
            assert 400 <= response.status_code < 500, response.text
            assert number not in response.text and number[3:-4] not in response.text
            assert response.json()["instance"].endswith(number[-4:])


def test_a_write_whose_commit_fails_is_never_answered_as_done(
        api: TestClient, world: World, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    """The request's transaction ends before the answer is sent: a commit that fails is a 500 problem, not a
    201 already on its way to the client (the change feed's acknowledgements rely on it)."""
    before = _counts(sessions)

    original = SessionTransaction.commit

    def failing_commit(self: SessionTransaction, *args: Any, **kwargs: Any) -> Any:
        if self.parent is None and not self.nested:  # the request's own transaction, at its very end
            raise RuntimeError("the database went away at commit")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SessionTransaction, "commit", failing_commit)
    response = api.post(NOTICES, headers=world.regulator.headers,
                        json={"subject_key": world.uscc, "requirements": "补签合同"})
    monkeypatch.undo()
    body = problem(response, 500)
    assert "incident" in body and "RuntimeError" not in response.text
    assert _counts(sessions) == before


def test_a_nul_in_the_url_is_a_400_before_any_route(api: TestClient, world: World) -> None:
    for url in ("/api/v1/public/companies?q=%00", "/api/v1/public/companies?q=a%00b",
                "/api/v1/public/workers/JZ%00", f"/api/v1/finance/inquiries?uscc={world.uscc}%00"):
        answer = problem(api.get(url, headers=world.admin.headers), 400, code="bad_request")
        assert "NUL" in answer["detail"]
    assert api.get("/api/v1/public/companies?q=%E5%AE%B6%E6%94%BF").status_code == 200
