"""Problems found in a person's input are shown in the language of the page, and the API gives
both languages."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from flow_fixtures import activate_example

from palermo.errors import Problem
from palermo.web.accounts.services import api_token_create
from palermo.web.jobs.worker import run_ready_tasks
from palermo.web.lib.problems import problem, stored_in_language, stored_text
from palermo.web.lib.roles import Role
from palermo.web.screening.models import BatchJob
from palermo.web.testsupport import BaseTestCase

BROKEN = """id: broken-profile
version: 1
title: {en: Broken, zh: 错误}
rationale: {en: Testing., zh: 测试。}
owner: analyst
valid_from: 2026-01-01
review_by: 2099-01-01
criteria:
  all:
    - {field: no_such_field, eq: 1}
    - {field: nationality, eq: TH}
"""

BAD_MANIFEST = "record_id,event_kind,port,event_date\nr1,exit,PEK,2026-13-40\n"


class TestProblemsInThePagesLanguage(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.user_with_role(Role.RISK_ANALYST))

    def upload_profile(self) -> str:
        response = self.client.post(reverse("profiles:upload"), {"text": BROKEN, "save": "1"})
        assert response.status_code == 422
        return str(response.content.decode())

    def test_a_profile_with_errors_shows_the_chinese_rule_on_a_chinese_page(self) -> None:
        self.client.cookies["django_language"] = "zh-hans"
        page = self.upload_profile()
        assert "未知字段（见 &#x27;palermo records fields&#x27;）" in page
        assert "unknown field (see" not in page
        assert "第 10 行" in page
        assert "line 10" not in page

    def test_a_profile_with_errors_shows_the_english_rule_on_an_english_page(self) -> None:
        page = self.upload_profile()
        assert "unknown field (see" in page
        assert "未知字段" not in page
        assert "line 10" in page

    def test_a_rejected_manifest_names_the_bad_row_in_chinese_on_a_chinese_page(self) -> None:
        activate_example(self, "visible-injuries")
        self.client.post(
            reverse("screening:batches"),
            {"manifest": SimpleUploadedFile("manifest.csv", BAD_MANIFEST.encode("utf-8"))},
        )
        run_ready_tasks()
        job = BatchJob.objects.latest("id")
        assert job.status == "rejected"
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(reverse("screening:batch", kwargs={"pk": job.pk})).content.decode()
        assert "manifest.csv 第 1 行：字段 &#x27;event_date&#x27;" in page
        assert "row 1" not in page
        assert "必须是 YYYY-MM-DD 格式的日期" in page
        assert "must be a date" not in page


class TestProblemsMadeByTheWebApplication(BaseTestCase):
    def test_a_translatable_rule_is_kept_in_english_and_chinese_whatever_the_request(self) -> None:
        with translation.override("zh-hans"):
            made = problem(
                where=translation.gettext_lazy("case"),
                field="full_name",
                rule=translation.gettext_lazy("must be at most %(n)d characters"),
                params={"n": 200},
            )
        assert made.where == "case"
        assert made.where_zh == "个案"
        assert made.rule == "must be at most 200 characters"
        assert "200" in made.rule_zh
        assert made.rule_zh != made.rule

    def test_a_problem_kept_on_a_job_is_shown_in_either_language_later(self) -> None:
        kept = stored_text(
            Problem(where="/tmp/x.csv row 2", rule="bad", rule_zh="有误"),
            replace=("/tmp/x.csv", "manifest.csv"),
        )
        assert stored_in_language(kept, "zh-hans") == "manifest.csv row 2：有误"
        assert stored_in_language(kept, "en") == "manifest.csv row 2: bad"
        assert stored_in_language("older plain text", "zh-hans") == "older plain text"


class TestApiErrorsCarryBothLanguages(BaseTestCase):
    def headers(self, role: str) -> dict[str, str]:
        _row, token = api_token_create(
            name="system", agency=self.agency_a, role=role, created_by=None
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def test_a_bad_query_gives_each_problem_in_english_and_chinese(self) -> None:
        response = self.client.get("/api/cases?limit=0", **self.headers(Role.CASE_WORKER.value))
        assert response.status_code == 422
        body: dict[str, Any] = response.json()
        assert body["problems"] == [
            {
                "where": "query",
                "where_zh": "查询参数",
                "field": "limit",
                "value": 0,
                "rule": "1 to 500; offset >= 0",
                "rule_zh": "须在 1 到 500 之间；offset 须 >= 0",
            }
        ]

    def test_a_bad_traveller_gets_the_validators_rules_in_both_languages(self) -> None:
        response = self.client.post(
            "/api/screenings",
            {"record_id": "api-1", "event_kind": "entry", "port": "N", "event_date": "1 March"},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
            **self.headers("first_line_officer"),
        )
        assert response.status_code == 422
        (found,) = [p for p in response.json()["problems"] if p["field"] == "event_date"]
        assert found["rule"] == "must be a date written YYYY-MM-DD"
        assert found["rule_zh"] == "必须是 YYYY-MM-DD 格式的日期"
        assert found["value"] == "1 March"
        assert any("必须是 YYYY-MM-DD" in line for line in response.json()["reasons"])
