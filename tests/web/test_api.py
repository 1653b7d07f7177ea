"""The API: every operation declares its roles (checked for every role), tokens, errors."""

from __future__ import annotations

from typing import Any

from palermo.web.accounts.services import api_token_create
from palermo.web.api.api import api
from palermo.web.api.auth import TokenAuth
from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase


def operations() -> list[tuple[str, str, Any]]:
    """(method, path, operation) for every API route."""
    found = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    found.append((method, (prefix + path).replace("//", "/"), operation))
    return found


EXAMPLE_PATH_VALUES = {
    "case_id": lambda t: t.case.pk,
    "hit_id": lambda t: 999_999,
    "referral_id": lambda t: 999_999,
    "identification_id": lambda t: 999_999,
    "code": lambda t: "NOT-A-CODE",
}


class TestEveryApiOperation(BaseTestCase):
    def setUp(self) -> None:
        self.case = self.open_case()
        self.tokens = {
            role: api_token_create(
                name=role.value, agency=self.agency_a, role=role, created_by=None
            )[1]
            for role in Role
        }

    def _url(self, path: str) -> str:
        for name, value in EXAMPLE_PATH_VALUES.items():
            path = path.replace("{" + name + "}", str(value(self)))
        assert "{" not in path, f"add an example for {path} to EXAMPLE_PATH_VALUES"
        return "/api" + path

    def _call(self, method: str, path: str, token: str | None) -> int:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        call = getattr(self.client, method.lower())
        kwargs: dict[str, Any] = {"content_type": "application/json", "data": "{}"}
        if method == "GET":
            kwargs = {}
        return int(call(self._url(path), **kwargs, **headers).status_code)

    def test_every_operation_declares_its_roles(self) -> None:
        undeclared = [
            f"{method} {path}"
            for method, path, op in operations()
            if not op.auth_callbacks or not all(isinstance(a, TokenAuth) for a in op.auth_callbacks)
        ]
        assert undeclared == []

    def test_each_role_gets_exactly_the_operations_declared_for_it(self) -> None:
        wrong = []
        for method, path, op in operations():
            roles = frozenset().union(*(a.roles for a in op.auth_callbacks))
            if self._call(method, path, None) != 401:
                wrong.append(f"{method} {path}: no token was not 401")
            if self._call(method, path, "plm_forged") != 401:
                wrong.append(f"{method} {path}: a forged token was not 401")
            for role in Role:
                status = self._call(method, path, self.tokens[role])
                if role in roles and status in {401, 403}:
                    wrong.append(f"{method} {path}: {role.value} declared but got {status}")
                if role not in roles and status != 403:
                    wrong.append(f"{method} {path}: {role.value} not declared but got {status}")
        assert wrong == []


class TestCasesOverTheApi(BaseTestCase):
    def setUp(self) -> None:
        self.case = self.open_case()

    def token(self, role: Role, agency: Any = None) -> dict[str, str]:
        _record, token = api_token_create(
            name="system", agency=agency or self.agency_a, role=role, created_by=None
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def test_a_case_worker_system_reads_the_case_and_the_read_is_audited(self) -> None:
        response = self.client.get(f"/api/cases/{self.case.pk}", **self.token(Role.CASE_WORKER))
        assert response.status_code == 200
        assert response.json()["full_name"] == "Li Wei"
        assert AuditEntry.objects.filter(
            action=AuditAction.READ, object_id=str(self.case.pk), purpose="api case read"
        ).exists()

    def test_an_offset_past_64_bits_is_refused_naming_it_not_a_server_error(self) -> None:
        response = self.client.get(
            "/api/cases",
            {"offset": "22214535554123237754459101542798589952"},
            **self.token(Role.CASE_WORKER),
        )
        assert response.status_code == 422
        assert response.json()["problems"][0]["field"] == "offset"

    def test_a_case_opened_over_the_api_keeps_its_opening_note_as_a_dated_signed_note(
        self,
    ) -> None:
        headers = self.token(Role.CASE_WORKER)
        body = {"full_name": "Mya Mya", "outcome": "possible", "note": "Came to the shelter."}
        opened = self.client.post("/api/cases", body, content_type="application/json", **headers)
        assert opened.status_code == 200
        case = opened.json()
        assert case["full_name"] == "Mya Mya"
        (note,) = case["notes"]
        assert (note["origin"], note["text"]) == ("opening", "Came to the shelter.")
        assert note["author"].startswith("api-")  # the token's own account signs it
        assert note["at"]
        url = f"/api/cases/{case['id']}/notes"
        added = self.client.post(
            url, {"text": "Called her sister."}, content_type="application/json", **headers
        )
        assert added.status_code == 200
        assert added.json()["origin"] == "written"
        again = self.client.get(f"/api/cases/{case['id']}", **headers).json()
        assert [n["text"] for n in again["notes"]] == ["Came to the shelter.", "Called her sister."]
        empty = self.client.post(url, {"text": " "}, content_type="application/json", **headers)
        assert empty.status_code == 422
        assert empty.json()["problems"][0]["field"] == "text"

    def test_a_childs_case_is_not_opened_over_the_api_without_its_protection_referral(
        self,
    ) -> None:
        body = {"full_name": "Ma Lin", "outcome": "child_at_risk"}
        refused = self.client.post(
            "/api/cases", body, content_type="application/json", **self.token(Role.CASE_WORKER)
        )
        assert refused.status_code == 422
        assert refused.json()["problems"][0]["field"] == "outcome"

    def test_a_role_without_the_persons_data_gets_no_notes(self) -> None:
        response = self.client.get(f"/api/cases/{self.case.pk}", **self.token(Role.SUPERVISOR))
        assert response.status_code == 200
        assert response.json()["notes"] is None

    def test_another_agencys_token_gets_not_found(self) -> None:
        headers = self.token(Role.CASE_WORKER, agency=self.agency_b)
        assert self.client.get(f"/api/cases/{self.case.pk}", **headers).status_code == 404
        assert self.client.get("/api/cases", **headers).json() == []

    def test_a_refused_transition_comes_back_as_409_with_the_reason(self) -> None:
        response = self.client.post(
            f"/api/cases/{self.case.pk}/transition",
            {"expected_version": 1, "to_status": "assisted", "reason": "x"},
            content_type="application/json",
            **self.token(Role.CASE_WORKER),
        )
        assert response.status_code == 409
        assert "identified to assisted" in response.json()["reasons"][0]

    def test_a_stale_version_is_a_conflict(self) -> None:
        headers = self.token(Role.CASE_WORKER)
        body = {"expected_version": 1, "to_status": "referred", "reason": "shelter"}
        url = f"/api/cases/{self.case.pk}/transition"
        assert (
            self.client.post(url, body, content_type="application/json", **headers).status_code
            == 200
        )
        again = self.client.post(url, body, content_type="application/json", **headers)
        assert again.status_code == 409

    def test_tokens_are_stored_only_as_hashes(self) -> None:
        from palermo.web.accounts.models import ApiToken

        record, token = api_token_create(
            name="x", agency=self.agency_a, role=Role.CASE_WORKER, created_by=None
        )
        assert token not in ApiToken.objects.get(pk=record.pk).digest

    def test_the_openapi_docs_need_a_login(self) -> None:
        assert self.client.get("/api/docs").status_code == 302
        self.login(self.caseworker)
        assert self.client.get("/api/openapi.json").status_code == 200
