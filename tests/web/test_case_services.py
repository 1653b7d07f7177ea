"""Services provided to the person on a case (issue 9, item 8): recorded in words by a case
worker of the agency, dated, audited, what was provided kept encrypted; shown on the case page
and the printable summary in English and Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from palermo.errors import InputError
from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.cases import selectors
from palermo.web.cases.models import CaseEvent, CaseService
from palermo.web.cases.services import case_service_record, case_transition
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.testsupport import BaseTestCase


def _descriptions() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM cases_caseservice")
        return " ".join(str(row[0]) for row in cursor.fetchall())


class TestServicesProvided(BaseTestCase):
    def setUp(self) -> None:
        self.case = self.open_case()
        self.today = timezone.localdate()

    def record(self, **values: object) -> CaseService:
        data: dict[str, object] = {
            "actor": self.caseworker,
            "case": self.case,
            "service": "medical",
            "provided_on": self.today,
            "provider": "Harbour clinic",
            "description": "Li Wei saw a doctor about the injured hand.",
        }
        data.update(values)
        return case_service_record(**data)  # type: ignore[arg-type]

    def test_a_service_is_recorded_in_words_on_the_timeline_audited_and_kept_encrypted(
        self,
    ) -> None:
        record = self.record()
        assert record.get_service_display() == "Medical care"
        assert "injured hand" not in _descriptions()
        event = CaseEvent.objects.get(case=self.case, kind="service")
        assert event.detail["service"] == "medical"
        entry = AuditEntry.objects.get(purpose="case service")
        assert entry.action == AuditAction.CREATE
        assert "injured" not in str(entry.detail)
        assert selectors.case_services(user=self.caseworker, case=self.case) == [record]

    def test_a_service_in_the_future_or_of_no_known_kind_is_refused_and_nothing_is_kept(
        self,
    ) -> None:
        with pytest.raises(InputError) as caught:
            self.record(service="massage", provided_on=self.today + dt.timedelta(days=1))
        assert sorted(p.field for p in caught.value.problems) == ["provided_on", "service"]
        assert not CaseService.objects.exists()

    def test_an_officer_or_another_agency_records_nothing_and_a_supervisor_reads_nothing(
        self,
    ) -> None:
        with pytest.raises(NotPermittedError):
            self.record(actor=self.officer)
        with pytest.raises(NotPermittedError):
            self.record(actor=self.outsider)
        self.record()
        assert selectors.case_services(user=self.supervisor, case=self.case) == []

    def test_a_closed_case_takes_no_new_service(self) -> None:
        case_transition(
            actor=self.supervisor,
            case=self.case,
            to_status="closed",
            reason="Returned home safely.",
            expected_version=self.case.version,
        )
        with pytest.raises(TransitionRefusedError):
            self.record()

    def test_the_case_page_records_a_service_and_refuses_a_future_day_beside_its_box(
        self,
    ) -> None:
        self.login(self.caseworker)
        url = f"/cases/{self.case.pk}/services/"
        tomorrow = (self.today + dt.timedelta(days=1)).isoformat()
        refused = self.client.post(url, {"service": "shelter", "provided_on": tomorrow})
        assert refused.status_code == 422
        assert "must be today or earlier" in refused.content.decode()
        done = self.client.post(
            url,
            {"service": "shelter", "provided_on": self.today.isoformat(), "provider": "Harbour"},
        )
        assert done.status_code == 302
        page = self.client.get(f"/cases/{self.case.pk}/").content.decode()
        assert "Shelter and safe accommodation" in page
        summary = self.client.get(f"/cases/{self.case.pk}/summary/").content.decode()
        assert "Shelter and safe accommodation" in summary

    def test_in_chinese_the_service_reads_in_chinese_and_the_day_box_is_filled(self) -> None:
        self.record(service="legal_aid")
        self.login(self.caseworker)
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(f"/cases/{self.case.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        text = page.content.decode()
        assert "已提供的服务" in text
        assert "法律援助" in text
        assert f'value="{self.today.isoformat()}"' in text
