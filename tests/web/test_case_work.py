"""Case work as a case worker does it: dated notes, assignment, tasks with due dates,
attachments kept encrypted, finding a case by reference or by name, a summary on paper."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from palermo.errors import InputError
from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.cases import selectors
from palermo.web.cases.models import CaseAttachment, CaseNameToken, CaseNote, CaseTask
from palermo.web.cases.selectors import CaseSearch
from palermo.web.cases.services import (
    case_assign,
    case_attachment_add,
    case_note_add,
    case_task_add,
    case_task_done,
    case_transition,
)
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def raw_column(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")
        return [str(row[0]) for row in cursor.fetchall()]


class TestNotes(BaseTestCase):
    def test_a_note_is_dated_signed_kept_encrypted_and_a_second_note_keeps_the_first(
        self,
    ) -> None:
        case = self.open_case(note="")
        case_note_add(actor=self.caseworker, case=case, text="Called the shelter in Yangon.")
        case_note_add(actor=self.caseworker, case=case, text="Shelter confirmed a bed.")
        notes = selectors.case_notes(user=self.caseworker, case=case)
        assert [n.text for n in notes] == [
            "Called the shelter in Yangon.",
            "Shelter confirmed a bed.",
        ]
        assert all(n.author == self.caseworker and n.at and n.origin == "" for n in notes)
        assert not any("Yangon" in value for value in raw_column("cases_casenote", "text"))
        entry = AuditEntry.objects.filter(object_type="cases.casenote").first()
        assert entry is not None
        assert entry.fields == ["text"]
        assert "Yangon" not in str(entry.detail)

    def test_the_case_page_shows_notes_with_author_and_adds_one_by_the_form(self) -> None:
        case = self.open_case()
        self.login(self.caseworker)
        response = self.client.post(f"/cases/{case.pk}/notes/", {"text": "Met her lawyer."})
        assert response.status_code == 302
        page = self.client.get(f"/cases/{case.pk}/").content.decode()
        assert "Met her lawyer." in page
        assert "chen" in page
        assert "Note added" in page

    def test_the_text_written_at_opening_is_the_first_note_signed_by_the_opener(self) -> None:
        opener = self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        case = self.open_case(by=opener, note="Met at gate 4.")
        case_note_add(actor=self.caseworker, case=case, text="Called the shelter.")
        notes = selectors.case_notes(user=self.caseworker, case=case)
        assert [(n.text, n.author, n.origin) for n in notes] == [
            ("Met at gate 4.", opener, "opening"),
            ("Called the shelter.", self.caseworker, ""),
        ]
        assert notes[0].at == case.opened_at
        assert AuditEntry.objects.filter(
            object_type="cases.casenote", object_id=str(notes[0].pk), actor=opener
        ).exists()
        self.login(self.caseworker)
        page = self.client.get(f"/cases/{case.pk}/").content.decode()
        assert "Written when the case was opened" in page

    def test_no_page_offers_a_notes_box_that_can_be_overwritten(self) -> None:
        case = self.open_case()
        self.login(self.caseworker)
        page = self.client.get(f"/cases/{case.pk}/").content.decode()
        assert 'name="notes"' not in page
        assert "Narrative notes" not in page
        # the case's details form no longer takes notes: posting them changes nothing
        form = {"version": 1, "full_name": "Li Wei", "document_number": "E1", "contact": ""}
        response = self.client.post(f"/cases/{case.pk}/edit/", {**form, "notes": "overwritten"})
        assert response.status_code == 302
        texts = [n.text for n in selectors.case_notes(user=self.caseworker, case=case)]
        assert texts == ["Recruited online for restaurant work; passport kept by the employer."]

    def test_an_empty_note_is_refused_next_to_its_box(self) -> None:
        case = self.open_case(note="")
        self.login(self.caseworker)
        response = self.client.post(f"/cases/{case.pk}/notes/", {"text": "  "})
        assert response.status_code == 422
        assert CaseNote.objects.count() == 0

    def test_a_supervisor_neither_reads_nor_writes_notes(self) -> None:
        case = self.open_case()
        case_note_add(actor=self.caseworker, case=case, text="private")
        assert selectors.case_notes(user=self.supervisor, case=case) == []
        with pytest.raises(NotPermittedError):
            case_note_add(actor=self.supervisor, case=case, text="x")


class TestAssignment(BaseTestCase):
    def test_a_supervisor_assigns_a_case_worker_of_the_agency_and_the_timeline_says_so(
        self,
    ) -> None:
        case = self.open_case()
        case_assign(actor=self.supervisor, case=case, assignee=self.caseworker)
        case.refresh_from_db()
        assert case.assigned_to == self.caseworker
        event = case.events.filter(kind="assigned").get()
        assert event.detail == {"assignee": "chen"}
        entry = AuditEntry.objects.filter(fields=["assigned_to"]).get()
        assert entry.detail == {"before": "", "after": "chen"}

    def test_a_case_worker_of_another_agency_or_an_officer_cannot_be_assigned(self) -> None:
        case = self.open_case()
        for someone in (self.outsider, self.officer):
            with pytest.raises(InputError):
                case_assign(actor=self.supervisor, case=case, assignee=someone)
        case.refresh_from_db()
        assert case.assigned_to is None

    def test_the_list_finds_only_my_cases_when_asked(self) -> None:
        mine, other = self.open_case(), self.open_case(full_name="Wang Fang")
        case_assign(actor=self.caseworker, case=mine, assignee=self.caseworker)
        found = selectors.case_list(user=self.caseworker, search=CaseSearch(mine=True))
        assert list(found) == [mine]
        assert other not in found
        page = self.get_as(self.caseworker, "/cases/?mine=on").content.decode()
        assert mine.reference in page
        assert other.reference not in page


class TestTasks(BaseTestCase):
    def test_a_task_due_in_the_past_is_refused(self) -> None:
        case = self.open_case()
        with pytest.raises(InputError) as caught:
            case_task_add(
                actor=self.caseworker,
                case=case,
                title="Call the embassy",
                due_on=timezone.localdate() - dt.timedelta(days=1),
            )
        assert caught.value.problems[0].field == "due_on"

    def test_a_task_goes_to_whoever_carries_the_case_and_shows_overdue_after_its_day(
        self,
    ) -> None:
        case = self.open_case()
        case_assign(actor=self.supervisor, case=case, assignee=self.caseworker)
        today = timezone.localdate()
        task = case_task_add(
            actor=self.caseworker, case=case, title="Ask for the medical report", due_on=today
        )
        assert task.assigned_to == self.caseworker
        assert "medical" not in " ".join(raw_column("cases_casetask", "title"))
        self.login(self.caseworker)
        assert "overdue" not in self.client.get(f"/cases/{case.pk}/").content.decode()
        later = today + dt.timedelta(days=2)
        with mock.patch("django.utils.timezone.localdate", return_value=later):
            page = self.client.get(f"/cases/{case.pk}/").content.decode()
        assert "Ask for the medical report" in page
        assert "overdue" in page

    def test_a_task_is_done_once(self) -> None:
        case = self.open_case()
        task = case_task_add(
            actor=self.caseworker,
            case=case,
            title="Book the interpreter",
            due_on=timezone.localdate(),
        )
        case_task_done(actor=self.caseworker, task=task)
        task.refresh_from_db()
        assert task.done_by == self.caseworker
        assert task.done_at is not None
        with pytest.raises(TransitionRefusedError):
            case_task_done(actor=self.caseworker, task=task)

    def test_a_closed_case_takes_no_new_task(self) -> None:
        case = self.open_case()
        case_transition(
            actor=self.caseworker,
            case=case,
            expected_version=case.version,
            to_status="closed",
            reason="returned home safely",
        )
        with pytest.raises(TransitionRefusedError):
            case_task_add(actor=self.caseworker, case=case, title="x", due_on=timezone.localdate())
        assert CaseTask.objects.count() == 0


class TestAttachments(BaseTestCase):
    def setUp(self) -> None:
        self.case = self.open_case()

    def test_a_pdf_is_kept_sealed_and_sent_back_only_as_a_download(self) -> None:
        self.login(self.caseworker)
        upload = SimpleUploadedFile("medical report.pdf", PDF, content_type="application/pdf")
        response = self.client.post(f"/cases/{self.case.pk}/attachments/", {"file": upload})
        assert response.status_code == 302
        attachment = CaseAttachment.objects.get()
        stored = Path(settings.DATA_DIR) / "attachments" / attachment.stored_name
        assert b"Catalog" not in stored.read_bytes()
        assert "medical" not in " ".join(raw_column("cases_caseattachment", "file_name"))
        response = self.client.get(f"/cases/{self.case.pk}/attachments/{attachment.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Type"] == "application/octet-stream"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert AuditEntry.objects.filter(
            object_type="cases.caseattachment", action=AuditAction.READ
        ).exists()

    def test_a_program_named_like_a_pdf_is_refused_with_the_reason_next_to_the_field(
        self,
    ) -> None:
        self.login(self.caseworker)
        folder = Path(settings.DATA_DIR) / "attachments"
        before = set(folder.glob("*"))
        upload = SimpleUploadedFile("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100)
        response = self.client.post(f"/cases/{self.case.pk}/attachments/", {"file": upload})
        assert response.status_code == 422
        assert "the content is not what the name says" in response.content.decode()
        assert CaseAttachment.objects.count() == 0
        assert set(folder.glob("*")) == before

    def test_an_unknown_type_is_refused(self) -> None:
        with pytest.raises(InputError):
            case_attachment_add(
                actor=self.caseworker, case=self.case, file_name="page.html", chunks=[b"<p>"]
            )

    @override_settings(ATTACHMENT_MAX_BYTES=1000)
    def test_a_file_over_the_limit_is_refused_while_it_streams_in(self) -> None:
        with pytest.raises(InputError):
            case_attachment_add(
                actor=self.caseworker,
                case=self.case,
                file_name="long.txt",
                chunks=[b"a" * 600, b"b" * 600],
            )
        assert CaseAttachment.objects.count() == 0

    def test_another_agency_cannot_download_it(self) -> None:
        attachment = case_attachment_add(
            actor=self.caseworker, case=self.case, file_name="n.txt", chunks=["名字".encode()]
        )
        response = self.get_as(self.outsider, f"/cases/{self.case.pk}/attachments/{attachment.pk}/")
        assert response.status_code == 404


class TestFindingACase(BaseTestCase):
    def setUp(self) -> None:
        self.zhang = self.open_case(full_name="张晓明")
        self.wong = self.open_case(full_name="WONG Ka Ming")
        self.smith = self.open_case(full_name="Mary Smith")

    def find(self, query: str, user: object = None) -> list[object]:
        return list(
            selectors.case_list(user=user or self.caseworker, search=CaseSearch(query=query))
        )

    def test_a_name_in_chinese_characters_is_found_by_its_pinyin_and_the_other_way_round(
        self,
    ) -> None:
        assert self.find("Zhang Xiaoming") == [self.zhang]
        assert self.find("xiao ming zhang") == [self.zhang]
        assert self.find("ZHANG Xiao-Ming") == [self.zhang]
        assert self.find("张晓明") == [self.zhang]
        assert self.find("Huang Ka Ming") == [self.wong]  # Wong is also read as Huang
        assert self.find("smith") == [self.smith]
        assert self.find("Li Lei") == []

    def test_a_name_is_found_only_when_every_word_of_it_is_the_persons(self) -> None:
        assert self.find("Mary Zhang") == []  # Mary Smith's first name, 张晓明's surname
        assert self.find("Xiaoming Smith") == []
        assert self.find("Mary") == [self.smith]
        middle = self.open_case(full_name="Mary Ann Smith")
        assert self.find("Ann Smith") == [middle]  # both words, though not the whole name
        assert self.find("Mary Smith") == [self.smith, middle][::-1]  # newest first
        li = self.open_case(full_name="Li Li")
        assert self.find("Li Li") == [li]  # a word said twice is still one word of the name

    def test_a_search_pages_through_every_case_it_finds_newest_first(self) -> None:
        namesakes = [self.open_case(full_name=f"Smith Mary {n}") for n in ("A", "B")]
        expected = [*reversed(namesakes), self.smith]  # the newest first
        first = selectors.case_page(
            user=self.caseworker, search=CaseSearch(query="Mary Smith"), number=1, per_page=2
        )
        second = selectors.case_page(
            user=self.caseworker, search=CaseSearch(query="Mary Smith"), number=2, per_page=2
        )
        assert first.paginator.count == 3
        assert [*first, *second] == expected
        by_reference = selectors.case_page(
            user=self.caseworker, search=CaseSearch(query="c-"), number=1, per_page=50
        )
        assert by_reference.paginator.count == 5  # every case of the agency: C-...

    def test_names_are_stored_only_as_keyed_digests(self) -> None:
        digests = raw_column("cases_casenametoken", "digest")
        assert digests
        assert all(len(d) == 64 for d in digests)
        assert not any(name in " ".join(digests) for name in ("zhang", "smith", "ming"))

    def test_a_changed_name_is_found_under_the_new_name_only(self) -> None:
        from palermo.web.cases.services import case_update_details

        case_update_details(
            actor=self.caseworker,
            case=self.smith,
            expected_version=self.smith.version,
            changes={"full_name": "Mary Jones"},
        )
        assert self.find("Mary Jones") == [self.smith]
        assert self.find("Smith") == []
        assert CaseNameToken.objects.filter(case=self.smith).count() > 0

    def test_a_reference_or_its_beginning_finds_the_case_for_every_case_role(self) -> None:
        reference = self.smith.reference
        assert self.find(reference.lower()) == [self.smith]
        assert self.smith in self.find(reference[:6], self.supervisor)
        assert self.find(self.smith.person.pseudonym) == [self.smith]

    def test_a_supervisor_cannot_search_by_name_and_is_told_so(self) -> None:
        assert self.find("Smith", self.supervisor) == []
        page = self.get_as(self.supervisor, "/cases/?q=Smith").content.decode()
        assert "by reference or pseudonymous id only" in page

    def test_another_agency_finds_nothing_of_ours_by_name(self) -> None:
        assert self.find("Smith", self.outsider) == []

    def test_a_name_search_is_audited_without_the_name(self) -> None:
        self.get_as(self.caseworker, "/cases/?q=Mary+Smith")
        entry = AuditEntry.objects.filter(purpose="case search by name").get()
        assert "Smith" not in str(entry.detail)
        assert entry.detail["by_name"] is True


class TestSummary(BaseTestCase):
    def test_the_summary_prints_the_case_with_its_notes_and_tasks_in_both_languages(
        self,
    ) -> None:
        case = self.open_case()
        case_note_add(actor=self.caseworker, case=case, text="Family traced in Mandalay.")
        case_task_add(
            actor=self.caseworker, case=case, title="Return flight", due_on=timezone.localdate()
        )
        self.login(self.caseworker)
        page = self.client.get(f"/cases/{case.pk}/summary/").content.decode()
        for text in ("Case summary", case.reference, "Li Wei", "Family traced", "Return flight"):
            assert text in page
        assert "Confidential" in page
        self.client.cookies["django_language"] = "zh-hans"
        page_zh = self.client.get(
            f"/cases/{case.pk}/summary/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
        assert "个案摘要" in page_zh
        assert "Family traced" in page_zh

    def test_a_supervisor_prints_the_summary_without_the_identity(self) -> None:
        case = self.open_case()
        page = self.get_as(self.supervisor, f"/cases/{case.pk}/summary/").content.decode()
        assert case.reference in page
        assert "Li Wei" not in page


class TestNameIndexAcrossKeys(BaseTestCase):
    def test_a_name_is_found_while_the_old_key_is_listed_and_after_reindexing_without_it(
        self,
    ) -> None:
        from palermo.web.cases.services import case_name_reindex
        from palermo.web.lib.crypto import new_key

        old, new = new_key(), new_key()
        with override_settings(FIELD_KEYS=old):
            case = self.open_case(full_name="Nguyễn Thị Lan")
        with override_settings(FIELD_KEYS=f"{new},{old}"):
            found = selectors.case_list(user=self.caseworker, search=CaseSearch(query="nguyen lan"))
            assert list(found) == [case]
            from palermo.web.lib.rotation import keys_rotate

            keys_rotate()
            assert case_name_reindex() == 1
        with override_settings(FIELD_KEYS=new):
            found = selectors.case_list(user=self.caseworker, search=CaseSearch(query="Nguyen Lan"))
            assert list(found) == [case]
