"""Exports: the hit queue and the audit log as CSV, one case file as JSON. Each is written to
the audit log (action ``export``) with its filters, row count, fields and purpose; personal
fields leave only on request, with a purpose; nothing of another agency leaves at all."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any
from unittest import mock

import pytest
from admin_fixtures import agreement_between
from django.conf import settings
from django.utils import timezone
from flow_fixtures import FLAGGED_RECORD, flagged_traveller

from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.cases.models import CONSENT_CHECKLIST, Case
from palermo.web.cases.services import (
    case_note_add,
    case_service_record,
    case_share,
    case_task_add,
    case_transition,
    consent_record,
)
from palermo.web.exports.tables import BOM, csv_chunks, safe_cell
from palermo.web.lib.roles import Role
from palermo.web.screening.models import Hit
from palermo.web.screening.services import hit_dispose
from palermo.web.testsupport import BaseTestCase

ALL_TOLD = {key: True for key, _label in CONSENT_CHECKLIST}
HITS_URL = "/exports/hits/"
AUDIT_URL = "/exports/audit/"


def read_csv(response: Any) -> list[list[str]]:
    assert response.streaming, "a CSV export is streamed"
    raw = b"".join(response.streaming_content)
    assert raw.startswith(BOM.encode("utf-8")), "Excel needs the byte-order mark for Chinese"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def last_export() -> AuditEntry:
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).order_by("-seq").first()
    assert entry is not None
    return entry


class HitExportCase(BaseTestCase):
    def setUp(self) -> None:
        self.traveller = flagged_traveller(self)
        self.hits = list(Hit.objects.filter(traveller=self.traveller).order_by("id"))
        hit_dispose(
            actor=self.officer,
            hit=self.hits[0],
            kind="questions_asked",
            reason='=HYPERLINK("http://evil.example") asked about the companion',
        )
        self.analyst = self.user_with_role(Role.RISK_ANALYST)

    def export(self, user: Any, data: dict[str, str] | None = None, **kwargs: Any) -> Any:
        self.login(user)
        return self.client.post(HITS_URL, data or {}, **kwargs)


class TestHitQueueExport(HitExportCase):
    def test_the_export_page_offers_the_queue_filters_and_counts_the_hits(self) -> None:
        self.login(self.analyst)
        response = self.client.get(HITS_URL, {"port": "PEK"})
        assert response.status_code == 200
        assert response.context["matching"] == len(self.hits)
        assert response.context["form"]["port"].value() == "PEK"

    def test_one_row_per_hit_without_personal_fields_and_the_export_is_audited(self) -> None:
        rows = read_csv(self.export(self.analyst))
        header, body = rows[0], rows[1:]
        assert header[:3] == ["Hit", "Record id", "Source"]
        assert len(body) == len(self.hits)
        by_hit = {int(row[0]): dict(zip(header, row, strict=True)) for row in body}
        first = by_hit[self.hits[0].pk]
        assert first["Record id"] == FLAGGED_RECORD["record_id"]
        assert first["Profile or list"] == self.hits[0].rule_id
        assert first["Version"] == self.hits[0].rule_version
        assert float(first["Weight or score"]) == self.hits[0].weight
        assert first["Why it fired"] == "; ".join(json.loads(self.hits[0].reasons or "")["en"])
        assert first["Disposition"] == "First-line questions asked"
        assert first["Port or post"] == "PEK"
        assert first["Event date"] == FLAGGED_RECORD["event_date"].isoformat()
        text = "\n".join(",".join(row) for row in rows)
        assert "WANG" not in text
        assert "FANG" not in text
        assert "Surname" not in header
        entry = last_export()
        assert entry.actor_label == self.analyst.username
        assert entry.object_type == "screening.hit"
        assert entry.detail["rows"] == len(self.hits)
        assert entry.detail["personal_fields"] == []
        assert "surname" not in entry.fields
        assert "record_id" in entry.fields

    def test_a_reason_that_looks_like_a_formula_is_not_run_by_the_spreadsheet(self) -> None:
        rows = read_csv(self.export(self.analyst))
        header = rows[0]
        reason = header.index("Reason for the disposition")
        reasons = [row[reason] for row in rows[1:] if row[reason]]
        assert reasons == ['\'=HYPERLINK("http://evil.example") asked about the companion']

    def test_personal_fields_need_a_stated_purpose(self) -> None:
        before = AuditEntry.objects.filter(action=AuditAction.EXPORT).count()
        response = self.export(self.analyst, {"include_personal": "on", "purpose": "  "})
        assert response.status_code == 422
        assert not response.streaming
        assert response.context["form"].errors["purpose"]
        assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == before

    def test_personal_fields_with_a_purpose_are_included_and_the_purpose_is_audited(
        self,
    ) -> None:
        purpose = "Joint operation 2026-14 with the anti-trafficking office"
        response = self.export(self.analyst, {"include_personal": "on", "purpose": purpose})
        rows = read_csv(response)
        header = rows[0]
        assert {"Surname", "Given names", "Contact phone"} <= set(header)
        row = dict(zip(header, rows[1], strict=True))
        assert row["Surname"] == "WANG"
        assert row["Given names"] == "FANG"
        entry = last_export()
        assert entry.purpose == purpose
        assert {"surname", "given_names", "document_number_hash", "contact_email"} <= set(
            entry.fields
        )
        assert entry.detail["personal_fields"]
        assert "WANG" not in json.dumps(entry.detail)

    def test_the_export_follows_the_queue_filters_and_records_them(self) -> None:
        rows = read_csv(self.export(self.analyst, {"port": "XXX", "status": "pending"}))
        assert rows[1:] == []
        entry = last_export()
        assert entry.detail["filters"] == {"port": "XXX", "status": "pending", "sort": "newest"}
        assert entry.detail["rows"] == 0
        pending = read_csv(self.export(self.analyst, {"status": "pending"}))
        assert len(pending) - 1 == len(self.hits) - 1

    def test_another_agency_exports_none_of_these_hits(self) -> None:
        analyst_b = self.user_with_role(Role.RISK_ANALYST, agency=self.agency_b)
        rows = read_csv(self.export(analyst_b))
        assert rows[1:] == []

    def test_a_first_line_officer_may_review_the_queue_but_not_export_it(self) -> None:
        assert self.export(self.officer).status_code == 403
        self.login(self.officer)
        queue = self.client.get("/screening/hits/")
        assert HITS_URL.encode() not in queue.content
        self.login(self.analyst)
        queue = self.client.get("/screening/hits/", {"port": "PEK"})
        assert f'href="{HITS_URL}?port=PEK"'.encode() in queue.content

    def test_in_chinese_the_file_has_chinese_headers_and_reasons(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        rows = read_csv(self.export(self.analyst))
        header = rows[0]
        assert header[:2] == ["命中", "记录编号"]
        by_hit = {int(row[0]): dict(zip(header, row, strict=True)) for row in rows[1:]}
        first = by_hit[self.hits[0].pk]
        assert first["触发原因"] == "；".join(json.loads(self.hits[0].reasons or "")["zh"])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in first["触发原因"])
        assert first["处置"] == "已进行一线询问"
        assert last_export().detail["language"] == "zh-hans"


class TestAuditLogExport(BaseTestCase):
    def test_the_search_results_are_exported_and_the_export_is_itself_audited(self) -> None:
        auditor = self.user_with_role(Role.AUDITOR)
        self.open_case()
        self.login(auditor)
        rows = read_csv(self.client.get(AUDIT_URL, {"action": "create"}))
        header, body = rows[0], rows[1:]
        assert header[:3] == ["Entry", "When (UTC)", "Who"]
        creates = AuditEntry.objects.filter(action=AuditAction.CREATE)
        assert {int(row[0]) for row in body} == set(creates.values_list("seq", flat=True))
        assert all(row[header.index("Action")] == "Created" for row in body)
        entry = last_export()
        assert entry.actor_label == auditor.username
        assert entry.object_type == "audit.auditentry"
        assert entry.detail["filters"] == {"action": "create"}
        assert entry.detail["rows"] == len(body)
        assert str(entry.seq) not in {row[0] for row in body}

    def test_the_search_page_links_to_the_export_with_its_filters(self) -> None:
        self.login(self.user_with_role(Role.AUDITOR))
        page = self.client.get("/audit/", {"action": "export"})
        assert f'href="{AUDIT_URL}?action=export"'.encode() in page.content

    def test_invalid_filters_export_nothing(self) -> None:
        self.login(self.user_with_role(Role.AUDITOR))
        response = self.client.get(AUDIT_URL, {"since": "not-a-date"})
        assert response.status_code == 422
        assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()

    def test_only_auditors_export_the_log(self) -> None:
        assert self.get_as(self.supervisor, AUDIT_URL).status_code == 403


class TestCaseFileExport(BaseTestCase):
    def setUp(self) -> None:
        self.case: Case = self.open_case()
        consent_record(
            actor=self.caseworker, case=self.case, purpose="assistance", checklist=ALL_TOLD
        )
        case_transition(
            actor=self.caseworker,
            case=self.case,
            expected_version=self.case.version,
            to_status="referred",
            reason="Referred to the shelter",
        )
        self.url = f"/exports/cases/{self.case.pk}/"

    def export(self, user: Any, **data: str) -> Any:
        self.login(user)
        return self.client.post(self.url, data)

    def test_the_file_holds_the_case_without_the_identity_by_default(self) -> None:
        response = self.export(self.caseworker, purpose="Hand-over to the new case worker")
        assert response.status_code == 200
        assert response["Content-Disposition"] == (
            f'attachment; filename="case-{self.case.reference}.json"'
        )
        document = json.loads(response.content)
        assert document["case"]["pseudonymous_id"] == self.case.person.pseudonym
        assert [(s["from"], s["to"]) for s in document["status_history"]] == [
            (None, "identified"),
            ("identified", "referred"),
        ]
        assert document["status_history"][1]["reason"] == "Referred to the shelter"
        assert [e["kind"] for e in document["timeline"]] == [
            "opened",
            "note",
            "consent_given",
            "status",
        ]
        assert "passport kept by the employer" not in response.content.decode()  # the note
        assert [c["purpose"] for c in document["consents"]] == ["assistance"]
        assert "person" not in document
        assert "Li Wei" not in response.content.decode()
        assert "E12345678" not in response.content.decode()
        entry = last_export()
        assert entry.object_id == str(self.case.pk)
        assert entry.purpose == "Hand-over to the new case worker"
        assert "full_name" not in entry.fields
        assert "timeline" in entry.fields
        assert entry.detail["to_agency"] is None

    def test_personal_fields_come_only_when_asked_for_and_are_audited(self) -> None:
        response = self.export(self.caseworker, purpose="Court file", include_personal="on")
        document = json.loads(response.content)
        assert document["person"]["full_name"] == "Li Wei"
        assert document["person"]["document_number"] == "E12345678"
        assert document["export"]["personal_fields"] == [
            "full_name",
            "document_number",
            "contact",
            "notes",
            "tasks",
            "services",
        ]
        entry = last_export()
        assert {"full_name", "document_number", "contact", "notes", "tasks"} <= set(entry.fields)
        assert entry.purpose == "Court file"
        assert "Li Wei" not in json.dumps(entry.detail)

    def test_the_file_carries_the_dated_notes_tasks_and_services_only_with_personal_data(
        self,
    ) -> None:
        case_note_add(actor=self.caseworker, case=self.case, text="Met her lawyer.")
        due = timezone.localdate() + dt.timedelta(days=3)
        case_task_add(actor=self.caseworker, case=self.case, title="Call the shelter", due_on=due)
        case_service_record(
            actor=self.caseworker,
            case=self.case,
            service="shelter",
            provided_on=timezone.localdate(),
            provider="Harbour shelter",
            description="Two nights",
        )
        document = json.loads(
            self.export(self.caseworker, purpose="Court file", include_personal="on").content
        )
        assert [(n["by"], n["origin"], n["text"]) for n in document["notes"]] == [
            (
                "second_line_interviewer-northgate",
                "opening",
                "Recruited online for restaurant work; passport kept by the employer.",
            ),
            ("chen", "written", "Met her lawyer."),
        ]
        assert all(n["at"] for n in document["notes"])
        assert [(t["title"], t["due_on"], t["done_at"]) for t in document["tasks"]] == [
            ("Call the shelter", due.isoformat(), None)
        ]
        assert [(s["service"], s["provider"], s["description"]) for s in document["services"]] == [
            ("shelter", "Harbour shelter", "Two nights")
        ]
        without = json.loads(self.export(self.caseworker, purpose="Statistics").content)
        assert {"person", "notes", "tasks", "services"}.isdisjoint(without)

    def test_a_purpose_is_always_required(self) -> None:
        response = self.export(self.caseworker, purpose="")
        assert response.status_code == 422
        assert response.context["form"].errors["purpose"]
        assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()

    def test_a_file_for_another_agency_needs_the_persons_consent_and_an_agreement(self) -> None:
        to_shelter = {
            "purpose": "Shelter placement",
            "recipient": str(self.agency_b.pk),
            "transfer_purpose": "assistance",
        }
        refused = self.export(self.caseworker, **to_shelter)
        assert refused.status_code == 403
        assert "has not consented to sharing with Harbour shelter" in refused.content.decode()
        consent_record(
            actor=self.caseworker,
            case=self.case,
            purpose="sharing",
            recipient=self.agency_b,
            checklist=ALL_TOLD,
        )
        no_agreement = self.export(self.caseworker, **to_shelter)
        assert no_agreement.status_code == 403
        assert "data-sharing agreement" in no_agreement.content.decode()
        assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()
        agreement = agreement_between(self, self.agency_a, self.agency_b)
        allowed = self.export(self.caseworker, **to_shelter)
        assert allowed.status_code == 200
        document = json.loads(allowed.content)
        assert document["export"]["recipient"] == "Harbour shelter"
        assert document["export"]["agreement"] == agreement.reference
        assert last_export().detail["to_agency"] == self.agency_b.pk

    def test_the_export_appears_on_the_case_timeline_with_its_purpose(self) -> None:
        self.export(self.caseworker, purpose="Court file", include_personal="on")
        event = self.case.events.order_by("-id").first()
        assert event is not None
        assert event.kind == "exported"
        assert event.actor == self.caseworker
        assert event.reason == "Court file"
        assert event.detail["fields"] == [
            "full_name",
            "document_number",
            "contact",
            "notes",
            "tasks",
            "services",
        ]
        assert "Li Wei" not in json.dumps(event.detail)
        page = self.client.get(f"/cases/{self.case.pk}/").content.decode()
        assert "Case file exported" in page
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        assert "个案档案已导出" in self.client.get(f"/cases/{self.case.pk}/").content.decode()

    def test_a_refused_export_leaves_the_timeline_unchanged(self) -> None:
        before = self.case.events.count()
        self.export(self.caseworker, purpose="")
        self.export(
            self.caseworker,
            purpose="Shelter placement",
            recipient=str(self.agency_b.pk),
            transfer_purpose="assistance",
        )
        assert self.case.events.count() == before

    def test_the_timeline_event_and_the_audit_entry_are_written_together(self) -> None:
        before = self.case.events.count()
        self.login(self.caseworker)
        with (
            mock.patch(
                "palermo.web.exports.services.audit_record", side_effect=RuntimeError("log down")
            ),
            pytest.raises(RuntimeError),
        ):
            self.client.post(self.url, {"purpose": "Hand-over"})
        assert self.case.events.count() == before

    def test_another_agency_cannot_find_the_case_to_export(self) -> None:
        assert self.export(self.outsider, purpose="curious").status_code == 404
        self.login(self.outsider)
        assert self.client.get(self.url).status_code == 404

    def test_a_case_shared_with_another_agency_is_not_theirs_to_export(self) -> None:
        consent_record(
            actor=self.caseworker,
            case=self.case,
            purpose="sharing",
            recipient=self.agency_b,
            checklist=ALL_TOLD,
        )
        agreement_between(self, self.agency_a, self.agency_b)
        case_share(
            actor=self.caseworker,
            case=self.case,
            recipient=self.agency_b,
            purpose="shelter",
            transfer_purpose="assistance",
        )
        response = self.export(self.outsider, purpose="passing it on")
        assert response.status_code == 403
        assert "Only the agency that owns the case can export it." in response.content.decode()

    def test_only_the_case_worker_sees_the_export_button(self) -> None:
        self.login(self.caseworker)
        assert self.url.encode() in self.client.get(f"/cases/{self.case.pk}/").content
        self.login(self.supervisor)
        assert self.url.encode() not in self.client.get(f"/cases/{self.case.pk}/").content
        assert self.export(self.supervisor, purpose="oversight").status_code == 403


def test_the_csv_writer_defuses_formulas_and_keeps_numbers() -> None:
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("ordinary") == "ordinary"
    assert safe_cell(-3.5) == -3.5
    text = "".join(csv_chunks(["a"], ([i] for i in range(1200))))
    assert text.startswith(BOM)
    assert text.count("\r\n") == 1201
