"""The audit page an auditor can use: object types picked by name, every entry about one case
found by its reference, status and assignment changes shown before and after, field names in
words, and the hash chain checked on request."""

from __future__ import annotations

from unittest import mock

from django.utils import timezone

from palermo.web.audit.chain import ChainReport
from palermo.web.audit.models import AuditEntry
from palermo.web.cases.services import case_assign, case_note_add, case_task_add, case_transition
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase


class TestAuditPage(BaseTestCase):
    def setUp(self) -> None:
        self.case = self.open_case()
        self.other = self.open_case(full_name="Wang Fang")
        case_note_add(actor=self.caseworker, case=self.case, text="Called the shelter.")
        case_task_add(
            actor=self.caseworker, case=self.case, title="Visit", due_on=timezone.localdate()
        )
        case_transition(
            actor=self.caseworker,
            case=self.case,
            expected_version=self.case.version,
            to_status="referred",
            reason="to the shelter",
        )
        case_assign(actor=self.supervisor, case=self.case, assignee=self.caseworker)
        self.auditor = self.user_with_role(Role.AUDITOR)
        self.login(self.auditor)

    def search(self, **params: str) -> str:
        response = self.client.get("/audit/", params)
        assert response.status_code == 200
        return response.content.decode()

    def test_the_object_type_is_picked_from_names_not_codes(self) -> None:
        page = self.search()
        assert '<option value="cases.casenote">Case note</option>' in page
        assert ">cases.case<" not in page
        only_notes = self.search(object_type="cases.casenote")
        assert "Case note" in only_notes
        # each case's opening text is its first dated note, then the one added
        notes = AuditEntry.objects.filter(object_type="cases.casenote").count()
        assert notes == 3
        assert only_notes.count("<tr><td>") == notes

    def test_a_case_reference_finds_every_entry_about_that_case_and_no_other(self) -> None:
        page = self.search(case_reference=self.case.reference.lower())
        for kind in ("Case note", "Case task", "Case"):
            assert kind in page
        mine = AuditEntry.objects.filter(object_type="cases.case", object_id=str(self.case.pk))
        others = AuditEntry.objects.filter(object_type="cases.case", object_id=str(self.other.pk))
        assert mine.exists()
        assert others.exists()
        for entry in others:
            assert f"<td>{entry.seq}</td>" not in page
        for entry in mine:
            assert f"<td>{entry.seq}</td>" in page

    def test_a_status_change_shows_before_and_after_in_words(self) -> None:
        page = self.search(case_reference=self.case.reference)
        assert "Identified → Referred" in page
        assert "→ chen" in page  # the assignment: nobody before, the case worker after

    def test_field_names_read_as_words(self) -> None:
        page = self.search(case_reference=self.case.reference)
        assert "<td>assigned to</td>" in page
        assert "assigned_to" not in page
        assert "due_on" not in page

    def test_the_chain_is_checked_on_request_and_said_intact(self) -> None:
        page = self.client.get("/audit/chain/").content.decode()
        assert "The chain is intact." in page
        assert AuditEntry.objects.filter(purpose="audit chain verified").exists()

    def test_a_broken_chain_is_said_broken_with_what_to_do_in_chinese_too(self) -> None:
        broken = ChainReport(41, 42, "entry #42 was changed after it was written", 3)
        with mock.patch("palermo.web.audit.views.audit_verify", return_value=broken):
            page = self.client.get("/audit/chain/").content.decode()
            self.client.cookies["django_language"] = "zh-hans"
            page_zh = self.client.get(
                "/audit/chain/", HTTP_ACCEPT_LANGUAGE="zh-hans"
            ).content.decode()
        assert "The chain is broken at entry #42." in page
        assert "entry #42 was changed" in page
        assert "#42" in page_zh
        assert "审计日志" in page_zh

    def test_a_period_ending_before_it_starts_is_refused_at_the_field(self) -> None:
        response = self.client.get("/audit/", {"since": "2026-12-05", "until": "2026-12-01"})
        assert response.status_code == 422
        assert "must not be before its start" in response.content.decode()
