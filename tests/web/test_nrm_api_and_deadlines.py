"""Identification decisions over the API and their deadlines (issue 10, item 3): the referring
agency submits and reads, the competent authority decides, with the same rules as the pages;
an agency not party gets 404; a decision past its deadline, or a recovery period ended without
the conclusive decision, is announced once to both agencies by the daily task (controlled
clock)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.test import override_settings
from nrm_fixtures import authority, consent_to_authority, decision_maker, referred

from palermo.web.accounts.models import Agency
from palermo.web.accounts.services import api_token_create
from palermo.web.audit.models import AuditEntry
from palermo.web.jobs.schedule import daily_at, plan_scheduled
from palermo.web.lib.roles import Role
from palermo.web.notifications.selectors import notification_list, notification_text
from palermo.web.nrm.models import Decision, Identification
from palermo.web.nrm.services import identification_decide, identifications_overdue_notify
from palermo.web.nrm.tasks import identifications_overdue
from palermo.web.testsupport import BaseTestCase

pytestmark = pytest.mark.web

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _auth(role: Role, agency: Agency) -> dict[str, str]:
    _record, token = api_token_create(
        name=f"{role.value}-{agency.code}", agency=agency, role=role, created_by=None
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


class TestIdentificationsOverTheApi(BaseTestCase):
    def post(self, path: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
        return self.client.post(
            "/api" + path, data=json.dumps(body), content_type="application/json", **auth
        )

    def test_a_case_goes_from_submission_to_a_conclusive_decision_over_the_api(self) -> None:
        case = self.open_case()
        consent_to_authority(self, case)
        referrer = _auth(Role.CASE_WORKER, self.agency_a)
        office = _auth(Role.INVESTIGATOR, authority(self))
        sent = self.post(
            "/nrm/identifications",
            {
                "case_id": case.pk,
                "competent_authority_id": authority(self).pk,
                "summary": "Debt bondage; documents held.",
            },
            referrer,
        )
        assert sent.status_code == 200, sent.content
        body = sent.json()
        assert (body["state"], body["decision_due"]) == ("awaiting_first_stage", "first_stage")
        assert body["summary"] is None  # the grounds only on the single read
        path = f"/nrm/identifications/{body['id']}"
        first = self.post(
            path + "/decisions",
            {"stage": "first_stage", "positive": True, "reasons": "Reasonable grounds."},
            office,
        )
        assert first.status_code == 200, first.content
        assert first.json()["state"] == "recovery"
        assert first.json()["recovery_ends_on"] is not None
        wrong = self.post(
            path + "/decisions",
            {"stage": "first_stage", "positive": True, "reasons": "again"},
            office,
        )
        assert wrong.status_code == 409
        assert "conclusive decision" in " ".join(wrong.json()["reasons"])
        final = self.post(
            path + "/decisions",
            {"stage": "conclusive", "positive": True, "reasons": "Identified."},
            office,
        )
        got = self.client.get("/api" + path, **referrer).json()
        assert final.status_code == 200
        assert got["state"] == "concluded_positive"
        assert [d["reasons"] for d in got["decisions"]] == ["Reasonable grounds.", "Identified."]
        assert got["summary"] == "Debt bondage; documents held."
        reads = AuditEntry.objects.filter(purpose="identification file", action="read")
        assert reads.exists()
        listed = self.client.get("/api/nrm/identifications?state=concluded_positive", **office)
        assert [row["id"] for row in listed.json()] == [body["id"]]

    def test_the_referring_agency_cannot_decide_and_a_stranger_cannot_read(self) -> None:
        identification = referred(self)
        path = f"/nrm/identifications/{identification.pk}"
        supervisor = _auth(Role.SUPERVISOR, self.agency_a)  # a decision role, wrong agency kind
        refused = self.post(
            path + "/decisions",
            {"stage": "first_stage", "positive": True, "reasons": "We think so."},
            supervisor,
        )
        assert refused.status_code == 403
        assert "competent authority" in " ".join(refused.json()["reasons"])
        assert not Decision.objects.exists()
        stranger = _auth(Role.INVESTIGATOR, self.agency_b)
        assert self.client.get("/api" + path, **stranger).status_code == 404
        assert self.client.get("/api/nrm/identifications", **stranger).json() == []

    def test_a_submission_without_consent_or_reasons_is_refused_and_nothing_is_written(
        self,
    ) -> None:
        case = self.open_case()
        referrer = _auth(Role.CASE_WORKER, self.agency_a)
        no_consent = self.post(
            "/nrm/identifications",
            {"case_id": case.pk, "competent_authority_id": authority(self).pk, "summary": "x"},
            referrer,
        )
        assert no_consent.status_code == 403
        assert not Identification.objects.exists()
        identification = referred(self)
        empty = self.post(
            f"/nrm/identifications/{identification.pk}/decisions",
            {"stage": "first_stage", "positive": False, "reasons": "  "},
            _auth(Role.INVESTIGATOR, authority(self)),
        )
        assert empty.status_code == 422
        assert empty.json()["problems"][0]["field"] == "reasons"
        bad_state = self.client.get("/api/nrm/identifications?state=maybe", **referrer)
        assert bad_state.status_code == 422
        assert bad_state.json()["problems"][0]["field"] == "state"

    def test_a_negative_decision_is_reconsidered_on_request_over_the_api(self) -> None:
        identification = referred(self)
        identification_decide(
            actor=decision_maker(self),
            identification=identification,
            stage="first_stage",
            positive=False,
            reasons="No grounds.",
        )
        asked = self.post(
            f"/nrm/identifications/{identification.pk}/reconsideration",
            {"reason": "New evidence from the shelter."},
            _auth(Role.CASE_WORKER, self.agency_a),
        )
        assert asked.status_code == 200, asked.content
        assert asked.json()["state"] == "reconsideration"
        assert asked.json()["reconsiderations"][0]["answered"] is False


@override_settings(
    NRM_FIRST_STAGE_DAYS=5, NRM_RECOVERY_DAYS=30, NRM_RECONSIDERATION_DAYS=14, TIME_ZONE="UTC"
)
class TestOverdueDecisions(BaseTestCase):
    def setUp(self) -> None:
        with clock(MONDAY):
            self.identification = referred(self)  # first stage due 7 March

    def overdue_texts(self, user: Any) -> list[str]:
        return [
            notification_text(n) for n in notification_list(user=user) if n.kind == "nrm_overdue"
        ]

    def test_nothing_is_announced_on_the_day_the_decision_is_due(self) -> None:
        assert identifications_overdue_notify(now=MONDAY + dt.timedelta(days=5)) == []
        assert self.overdue_texts(decision_maker(self)) == []

    def test_a_missed_first_stage_deadline_is_told_to_both_agencies_once(self) -> None:
        later = MONDAY + dt.timedelta(days=6)
        assert identifications_overdue_notify(now=later) == [self.identification.pk]
        assert identifications_overdue_notify(now=later + dt.timedelta(days=1)) == []
        [office] = self.overdue_texts(decision_maker(self))
        assert "the first-stage decision was due by 2026-03-07" in office
        assert len(self.overdue_texts(self.caseworker)) == 1
        assert len(self.overdue_texts(self.supervisor)) == 1
        assert self.overdue_texts(self.outsider) == []
        assert AuditEntry.objects.filter(purpose="identification decision overdue").count() == 1

    def test_the_end_of_the_recovery_period_without_a_conclusive_decision_is_told(self) -> None:
        with clock(MONDAY + dt.timedelta(days=1)):
            identification_decide(
                actor=decision_maker(self),
                identification=self.identification,
                stage="first_stage",
                positive=True,
                reasons="Reasonable grounds.",
            )
        assert identifications_overdue_notify(now=MONDAY + dt.timedelta(days=31)) == []
        told = identifications_overdue_notify(now=MONDAY + dt.timedelta(days=32))
        assert told == [self.identification.pk]
        [office] = self.overdue_texts(decision_maker(self))
        assert "recovery and reflection period has ended" in office

    def test_a_decision_recorded_in_time_is_never_announced(self) -> None:
        with clock(MONDAY + dt.timedelta(days=2)):
            identification_decide(
                actor=decision_maker(self),
                identification=self.identification,
                stage="first_stage",
                positive=False,
                reasons="No grounds.",
            )
        assert identifications_overdue_notify(now=MONDAY + dt.timedelta(days=60)) == []

    def test_the_check_runs_daily_as_a_scheduled_task_and_reads_in_chinese(self) -> None:
        from django.utils import translation

        assert daily_at(6)(MONDAY) == dt.datetime(2026, 3, 3, 6, 0, tzinfo=dt.UTC)
        assert "nrm-overdue-daily" in plan_scheduled(now=MONDAY)
        with clock(MONDAY + dt.timedelta(days=8)):
            result = identifications_overdue.call()
        assert result == {"overdue": [self.identification.pk]}
        [note] = [
            n for n in notification_list(user=decision_maker(self)) if n.kind == "nrm_overdue"
        ]
        with translation.override("zh-hans"):
            chinese = notification_text(note)
        assert "第一阶段决定" in chinese
        assert "was due" not in chinese
