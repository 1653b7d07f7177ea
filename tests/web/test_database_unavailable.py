"""The database going away mid-request (PostgreSQL restarting) or its disk filling up: the
page or API answers 503 / 507 with the reason in the reader's language, never a 500."""

from __future__ import annotations

import json
from unittest import mock

from django.db import InterfaceError, OperationalError
from django.urls import reverse

from palermo.web.accounts.services import api_token_create
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

RECORD = {"record_id": "t-1", "event_kind": "exit", "port": "PEK", "event_date": "2026-03-01"}


class TestDatabaseUnavailable(BaseTestCase):
    def api_screen(self, error: Exception) -> tuple[int, dict[str, object], str]:
        _record, token = api_token_create(
            name="border", agency=self.agency_a, role=Role.FIRST_LINE_OFFICER, created_by=None
        )
        with mock.patch("palermo.web.screening.services.desk_screen", side_effect=error):
            response = self.client.post(
                "/api/screenings",
                json.dumps(RECORD),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
        return response.status_code, response.json(), response.get("Retry-After", "")

    def test_the_api_answers_503_with_the_reason_when_the_connection_is_lost(self) -> None:
        status, body, retry = self.api_screen(
            OperationalError("server closed the connection unexpectedly")
        )
        assert status == 503
        assert retry == "5"
        assert "nothing was saved" in str(body["reasons"])
        assert "未保存任何内容" in str(body["reasons"])

    def test_the_api_answers_503_when_the_connection_is_already_closed(self) -> None:
        status, _body, _retry = self.api_screen(InterfaceError("connection already closed"))
        assert status == 503

    def test_the_api_answers_507_when_the_database_disk_is_full(self) -> None:
        status, body, _retry = self.api_screen(OperationalError("database or disk is full"))
        assert status == 507
        assert "disk is full" in str(body["reasons"])

    def test_a_page_answers_503_in_the_readers_language(self) -> None:
        self.login(self.user_with_role(Role.RISK_ANALYST))
        lost = OperationalError("terminating connection due to administrator command")
        with mock.patch("palermo.web.screening.views.selectors.batch_job_list", side_effect=lost):
            page = self.client.get(reverse("screening:batches"))
            assert page.status_code == 503
            assert "nothing was saved" in page.content.decode()
            self.client.cookies["django_language"] = "zh-hans"
            page = self.client.get(reverse("screening:batches"))
        assert page.status_code == 503
        assert "未保存任何内容" in page.content.decode()
