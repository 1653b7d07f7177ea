"""Watchlists in the web application: upload with every problem shown in the page's language,
four-eyes approval by a supervisor of the holding agency, activation, expiry, threshold, and
the watchlist hits that desk, API and batch screening then give."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from watchlist_fixtures import LISTED, TODAY, active_watchlist, list_yaml, uploaded_watchlist

from palermo.errors import InputError
from palermo.web.accounts.services import api_token_create
from palermo.web.audit.models import AuditEntry
from palermo.web.jobs.worker import run_ready_tasks
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.roles import Role
from palermo.web.profiles.registry import current_screener, current_watchlists
from palermo.web.screening.models import BatchJob, Hit
from palermo.web.screening.services import desk_screen, hit_dispose
from palermo.web.testsupport import BaseTestCase
from palermo.web.watchlists.models import WatchlistVersion
from palermo.web.watchlists.services import (
    watchlist_activate,
    watchlist_approve,
    watchlist_retire,
    watchlist_threshold_set,
)

CSV = (
    "id,kind,surname,given_names,date_of_birth,nationality\nP9,person,SANTOS,Maria,1985-11-20,PH\n"
)
BROKEN_CSV = (
    "id,kind,surname,given_names,date_of_birth,nationality\n"
    "P1,person,SANTOS,Maria,1985-13-40,PH\n"
    "P2,alien,LOPEZ,Ana,1990-01-01,XX\n"
)

YEAR_OFF = {**LISTED, "date_of_birth": dt.date(1991, 3, 7)}


def desk_form(record: dict[str, Any]) -> dict[str, str]:
    return {
        k: (v.isoformat() if isinstance(v, dt.date) else str(v))
        for k, v in record.items()
        if k != "record_id"
    }


class TestUpload(BaseTestCase):
    def setUp(self) -> None:
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        self.login(self.analyst)

    def post(self, name: str, text: str, **info: str) -> Any:
        return self.client.post(
            reverse("watchlists:upload"),
            {"file": SimpleUploadedFile(name, text.encode("utf-8")), **info},
        )

    def test_a_yaml_list_is_stored_waiting_for_approval_with_its_description(self) -> None:
        response = self.post("recruiters.yaml", list_yaml())
        assert response.status_code == 302
        version = WatchlistVersion.objects.get()
        assert (version.status, version.owner, version.threshold) == (
            "submitted",
            "Anti-trafficking office",
            85,
        )
        assert (version.people, version.organisations, version.contacts) == (1, 1, 1)
        page = self.client.get(reverse("watchlists:index")).content.decode()
        assert "Anti-Trafficking Act s. 12 (test)" in page
        assert "1 people · 1 organisations · 1 contact points" in page

    def test_a_csv_list_takes_its_description_from_the_form(self) -> None:
        response = self.post(
            "missing.csv",
            CSV,
            id="missing-children",
            owner="Child protection office",
            purpose="find children reported missing",
            legal_basis="Child Protection Act s. 4",
            expires=(TODAY + dt.timedelta(days=30)).isoformat(),
            threshold="90",
        )
        assert response.status_code == 302
        version = WatchlistVersion.objects.get()
        assert (version.list_id, version.threshold, version.people) == ("missing-children", 90, 1)

    def test_every_problem_is_shown_with_its_row_and_nothing_is_stored(self) -> None:
        response = self.post("missing.csv", BROKEN_CSV, owner="Child protection office")
        assert response.status_code == 422
        page = response.content.decode()
        assert "nothing was saved" in page
        assert "missing.csv (list description)" in page  # the temporary path is not shown
        assert "legal_basis" in page
        assert "purpose" in page
        response = self.post(
            "missing.csv",
            BROKEN_CSV,
            id="missing",
            owner="Child protection office",
            purpose="find children reported missing",
            legal_basis="Child Protection Act s. 4",
            expires=(TODAY + dt.timedelta(days=30)).isoformat(),
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "missing.csv row 1" in page
        assert "date_of_birth" in page
        assert "missing.csv row 2" in page
        assert "alien" in page
        assert WatchlistVersion.objects.count() == 0

    def test_problems_are_shown_in_chinese_on_a_chinese_page(self) -> None:
        response = self.client.post(
            reverse("watchlists:upload"),
            {
                "file": SimpleUploadedFile("missing.csv", BROKEN_CSV.encode()),
                "id": "missing",
                "owner": "Child protection office",
                "purpose": "find children reported missing",
                "legal_basis": "Child Protection Act s. 4",
                "expires": (TODAY + dt.timedelta(days=30)).isoformat(),
            },
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        page = response.content.decode()
        assert response.status_code == 422
        assert "未保存任何内容" in page
        assert "字段 &#x27;date_of_birth&#x27;" in page  # the problem as Problem.text("zh")
        assert "missing.csv 第 1 行" in page  # the place in Chinese words too
        assert "row 1" not in page

    def test_the_entries_are_never_in_plain_text_in_the_database(self) -> None:
        uploaded_watchlist(self)
        table = WatchlistVersion._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT entries FROM {table}")
            (raw,) = cursor.fetchone()
        assert "ZHANG" not in raw
        assert "张伟" not in raw
        assert "Golden Star" not in raw
        assert "ZHANG Wei" in WatchlistVersion.objects.get().entries


class TestFourEyes(BaseTestCase):
    def setUp(self) -> None:
        self.analyst = self.user_with_role(Role.RISK_ANALYST)

    def test_the_uploader_cannot_approve_even_as_a_supervisor(self) -> None:
        version = uploaded_watchlist(self)
        with pytest.raises(NotPermittedError):
            watchlist_approve(actor=self.analyst, version=version)  # not a supervisor
        own = self.supervisor
        from palermo.web.watchlists.services import watchlist_upload

        mine = watchlist_upload(
            actor=own, file_name="own.yaml", content=list_yaml(list_id="own").encode()
        )
        with pytest.raises(NotPermittedError):
            watchlist_approve(actor=own, version=mine)
        assert WatchlistVersion.objects.get(pk=mine.pk).status == "submitted"

    def test_an_unapproved_list_is_not_used_and_an_approved_one_only_once_active(self) -> None:
        version = uploaded_watchlist(self)
        with pytest.raises(TransitionRefusedError):
            watchlist_activate(actor=self.supervisor, version=version)
        assert current_watchlists() is None
        watchlist_approve(actor=self.supervisor, version=version)
        assert current_watchlists() is None
        run_ready_tasks()  # the index build approval queued
        version.refresh_from_db()
        watchlist_activate(actor=self.supervisor, version=version)
        index = current_watchlists()
        assert index is not None
        assert len(index) == 3

    def test_approval_through_the_page_is_audited(self) -> None:
        version = uploaded_watchlist(self)
        self.login(self.supervisor)
        self.client.post(reverse("watchlists:approve", kwargs={"pk": version.pk}))
        assert WatchlistVersion.objects.get(pk=version.pk).status == "approved"
        assert AuditEntry.objects.filter(purpose="watchlist approved").count() == 1

    def test_retiring_takes_two_supervisors_and_then_stops_the_matching(self) -> None:
        version = active_watchlist(self)
        assert current_screener().screen(LISTED)
        watchlist_retire(actor=self.supervisor, version=version, reason="legal basis withdrawn")
        assert current_screener().screen(LISTED)  # asked, not yet confirmed
        second = self.user_with_role(Role.SUPERVISOR)
        watchlist_retire(actor=second, version=version, reason="legal basis withdrawn")
        assert current_screener().screen(LISTED) == []

    def test_a_supervisor_changes_the_threshold_and_it_is_audited(self) -> None:
        version = active_watchlist(self)
        assert [h.weight for h in current_screener().screen(YEAR_OFF)] == [95.0]
        self.login(self.supervisor)
        response = self.client.post(
            reverse("watchlists:threshold", kwargs={"pk": version.pk}),
            {"threshold": "100"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        assert b"<html" not in response.content
        assert b"Threshold changed to 100" in response.content
        entry = AuditEntry.objects.get(purpose="watchlist threshold changed")
        assert entry.detail["from"] == 85
        assert entry.detail["to"] == 100
        # the same name, a birth year one off: 95, a hit at 85, none at 100
        assert current_screener().screen(LISTED)
        assert current_screener().screen(YEAR_OFF) == []
        with pytest.raises(InputError):
            watchlist_threshold_set(actor=self.supervisor, version=version, threshold="101")
        with pytest.raises(NotPermittedError):
            watchlist_threshold_set(actor=self.analyst, version=version, threshold=50)


class TestScreening(BaseTestCase):
    def test_a_listed_traveller_at_the_desk_gets_a_watchlist_hit_with_its_reasons(self) -> None:
        active_watchlist(self)
        self.login(self.officer)
        response = self.client.post(reverse("screening:desk"), desk_form(LISTED), follow=True)
        page = response.content.decode()
        assert response.status_code == 200
        hit = Hit.objects.get()
        assert (hit.source, hit.rule_id, hit.status) == ("watchlist", "recruiters:P1", "pending")
        assert "Recruiters under investigation" in page
        assert "score" in page
        assert "Record disposition" in page
        assert any("match score" in line for line in json.loads(hit.reasons or "{}")["en"])
        # the disposition is needed like for any hit
        hit_dispose(actor=self.officer, hit=hit, kind="no_action", reason="namesake, other face")
        assert Hit.objects.get().status == "no_action"

    def test_the_reasons_are_in_chinese_on_a_chinese_page(self) -> None:
        active_watchlist(self)
        self.login(self.officer)
        response = self.client.post(
            reverse("screening:desk"),
            desk_form(LISTED),
            HTTP_ACCEPT_LANGUAGE="zh-hans",
            HTTP_HX_REQUEST="true",
        )
        page = response.content.decode()
        assert "匹配分数" in page
        assert "监控名单" in page

    def test_an_expired_list_is_not_used_and_is_flagged(self) -> None:
        version = active_watchlist(self)
        assert [h.source for h in current_screener().screen(LISTED)] == ["watchlist"]
        day_after = version.expires + dt.timedelta(days=1)
        with mock.patch("palermo.web.profiles.registry.local_today", return_value=day_after):
            assert current_screener().screen(LISTED) == []
            _traveller, hits = desk_screen(actor=self.officer, record=LISTED)
            assert hits == []
        WatchlistVersion.objects.filter(pk=version.pk).update(expires=TODAY - dt.timedelta(days=1))
        self.login(self.supervisor)
        page = self.client.get(reverse("watchlists:index")).content.decode()
        assert "expired: not used" in page

    def test_the_api_returns_the_watchlist_hit(self) -> None:
        active_watchlist(self)
        _record, token = api_token_create(
            name="border-system",
            agency=self.agency_a,
            role=Role.FIRST_LINE_OFFICER,
            created_by=None,
        )
        body = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in LISTED.items()}
        response = self.client.post(
            "/api/screenings",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200
        (hit,) = response.json()["hits"]
        assert (hit["source"], hit["rule_id"]) == ("watchlist", "recruiters:P1")
        assert hit["weight"] >= 85
        assert hit["hit_id"] is not None
        assert any("匹配分数" in r for r in hit["reasons_zh"])

    def test_the_batch_queue_contains_the_watchlist_hit(self) -> None:
        active_watchlist(self)
        analyst = self.user_with_role(Role.RISK_ANALYST)
        self.login(analyst)
        manifest = (
            "record_id,event_kind,port,event_date,surname,given_names,date_of_birth,nationality\n"
            f"b1,exit,PEK,{TODAY},ZHANG,WEI,1990-03-07,CN\n"
            f"b2,exit,PEK,{TODAY},LIU,YANG,1978-01-02,CN\n"
        )
        self.client.post(
            reverse("screening:batches"),
            {"manifest": SimpleUploadedFile("manifest.csv", manifest.encode())},
        )
        run_ready_tasks()
        job = BatchJob.objects.latest("id")
        assert (job.status, job.hit_count) == ("done", 1)
        hit = Hit.objects.get()
        assert (hit.source, hit.rule_id, hit.traveller.record_id) == (
            "watchlist",
            "recruiters:P1",
            "b1",
        )
        page = self.client.get(reverse("screening:queue")).content.decode()
        assert "Watchlist &#x27;Recruiters under investigation&#x27;: listed person P1" in page
        assert "<th>Watchlist score</th>" in page


class TestAgencies(BaseTestCase):
    def test_another_agency_neither_sees_nor_manages_the_list_but_its_travellers_are_matched(
        self,
    ) -> None:
        version = active_watchlist(self)
        analyst_b = self.user_with_role(Role.RISK_ANALYST, agency=self.agency_b)
        supervisor_b = self.user_with_role(Role.SUPERVISOR, agency=self.agency_b)
        page = self.get_as(analyst_b, reverse("watchlists:index")).content.decode()
        assert "recruiters" not in page
        detail = reverse("watchlists:detail", kwargs={"pk": version.pk})
        assert self.get_as(analyst_b, detail).status_code == 404
        self.login(supervisor_b)
        self.client.post(
            reverse("watchlists:retire", kwargs={"pk": version.pk}),
            {"reason": "not ours at all", "confirm": "yes"},
        )
        assert WatchlistVersion.objects.get(pk=version.pk).status == "active"
        with pytest.raises(NotPermittedError):
            watchlist_retire(actor=supervisor_b, version=version, reason="not ours at all")
        # national matching: agency B's officer gets the hit
        officer_b = self.user_with_role(Role.FIRST_LINE_OFFICER, agency=self.agency_b)
        _traveller, hits = desk_screen(actor=officer_b, record=LISTED)
        assert [h.rule_id for h in hits] == ["recruiters:P1"]

    def test_another_agency_cannot_take_over_a_list_id(self) -> None:
        uploaded_watchlist(self)
        from palermo.web.watchlists.services import watchlist_upload

        analyst_b = self.user_with_role(Role.RISK_ANALYST, agency=self.agency_b)
        with pytest.raises(InputError):
            watchlist_upload(actor=analyst_b, file_name="r.yaml", content=list_yaml().encode())

    def test_reading_the_entries_is_audited(self) -> None:
        version = uploaded_watchlist(self)
        self.get_as(self.supervisor, reverse("watchlists:detail", kwargs={"pk": version.pk}))
        entry = AuditEntry.objects.get(purpose="watchlist review")
        assert entry.fields == ["entries"]
