from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.web.audit.chain import audit_verify
from palermo.web.audit.models import AppendOnlyError, AuditAction, AuditEntry
from palermo.web.audit.services import audit_record
from palermo.web.audit.triggers import append_only_lifted
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase

runner = CliRunner()


def _raw_update(sql: str, params: list[object]) -> None:
    """What someone with direct database access could do (the triggers are lifted)."""
    with append_only_lifted(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


class TestTheAuditChain(BaseTestCase):
    def setUp(self) -> None:
        for n in range(5):
            audit_record(
                actor=self.caseworker,
                action=AuditAction.READ,
                object_type="cases.case",
                object_id=str(n),
                fields=["full_name"],
                purpose="case work",
            )

    def test_an_untouched_log_verifies(self) -> None:
        report = audit_verify()
        assert report.ok
        assert report.checked == 5

    def test_changing_an_entry_is_detected_at_that_entry(self) -> None:
        _raw_update("UPDATE audit_auditentry SET purpose = %s WHERE seq = 3", ["curiosity"])
        report = audit_verify()
        assert report.broken_seq == 3
        assert "changed after it was written" in report.reason

    def test_rewriting_an_entry_with_a_matching_hash_fails_its_keyed_signature(self) -> None:
        from palermo.web.audit.services import chain_hash, entry_content

        entry = AuditEntry.objects.get(seq=2)
        entry.purpose = "curiosity"
        forged = chain_hash(entry.prev_hash, entry_content(entry))
        _raw_update(
            "UPDATE audit_auditentry SET purpose = %s, hash = %s WHERE seq = 2",
            ["curiosity", forged],
        )
        report = audit_verify()
        assert report.broken_seq == 2
        assert "keyed signature does not match" in report.reason

    def test_deleting_an_entry_is_detected(self) -> None:
        _raw_update("DELETE FROM audit_auditentry WHERE seq = 4", [])
        report = audit_verify()
        assert report.broken_seq == 4
        assert "missing" in report.reason

    def test_deleting_the_newest_entries_is_detected(self) -> None:
        _raw_update("DELETE FROM audit_auditentry WHERE seq = 5", [])
        assert audit_verify().broken_seq == 5

    def test_the_model_refuses_to_update_or_delete_entries(self) -> None:
        entry = AuditEntry.objects.get(seq=1)
        entry.purpose = "other"
        with pytest.raises(AppendOnlyError):
            entry.save()
        with pytest.raises(AppendOnlyError):
            entry.delete()
        with pytest.raises(AppendOnlyError):
            AuditEntry.objects.filter(seq=1).update(purpose="x")
        with pytest.raises(AppendOnlyError):
            AuditEntry.objects.all().delete()

    def test_the_database_itself_refuses_updates_and_deletes(self) -> None:
        for statement in (
            "UPDATE audit_auditentry SET purpose = 'x'",
            "DELETE FROM audit_auditentry WHERE seq = 5",
        ):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                connection.cursor().execute(statement)
        assert AuditEntry.objects.count() == 5

    def test_the_cli_reports_tampering_with_exit_status_2(self) -> None:
        ok = runner.invoke(app, ["audit", "verify"])
        assert ok.exit_code == 0, ok.output
        assert "5 entries verified" in ok.output
        _raw_update("UPDATE audit_auditentry SET actor_label = %s WHERE seq = 2", ["nobody"])
        broken = runner.invoke(app, ["audit", "verify"])
        assert broken.exit_code == 2
        assert "entry #2" in broken.output


class TestAuditSearch(BaseTestCase):
    def test_an_auditor_finds_who_read_a_case(self) -> None:
        case = self.open_case()
        self.get_as(self.caseworker, f"/cases/{case.pk}/")
        auditor = self.user_with_role(Role.AUDITOR)
        response = self.get_as(
            auditor, f"/audit/?action=read&object_type=cases.case&object_id={case.pk}"
        )
        assert response.status_code == 200
        assert b"chen" in response.content
        # the fields read, in words (the case's name field is "name", never "full_name")
        assert b"contact details, document number, name" in response.content
        assert b"full_name" not in response.content

    def test_the_search_itself_is_audited(self) -> None:
        auditor = self.user_with_role(Role.AUDITOR)
        self.get_as(auditor, "/audit/?actor=chen")
        entry = AuditEntry.objects.filter(object_type="audit.search").get()
        assert entry.detail == {"actor": "chen"}

    def test_filters_narrow_the_results(self) -> None:
        self.open_case()
        auditor = self.user_with_role(Role.AUDITOR)
        response = self.get_as(auditor, "/audit/?action=login")
        assert b"No entries match." in response.content

    def test_a_bad_date_is_marked_next_to_its_filter_and_no_entries_are_shown(self) -> None:
        self.open_case()
        auditor = self.user_with_role(Role.AUDITOR)
        response = self.get_as(auditor, "/audit/?since=2026-13-45&action=read")
        assert response.status_code == 422
        form = response.context["form"]
        assert list(form.errors) == ["since"]
        assert b'id="id_since-error"' in response.content
        assert b"<tbody>" not in response.content
        assert not AuditEntry.objects.filter(object_type="audit.search").exists()

    def test_a_bad_filter_is_marked_in_chinese_on_the_chinese_page(self) -> None:
        auditor = self.user_with_role(Role.AUDITOR)
        self.login(auditor)
        response = self.client.get("/audit/?action=no-such-action", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 422
        error = response.context["form"].errors["action"][0]
        assert error.startswith("选择")
        assert "未显示任何条目".encode() in response.content

    def test_a_bad_filter_sent_by_htmx_loads_the_whole_page_with_its_error(self) -> None:
        auditor = self.user_with_role(Role.AUDITOR)
        self.login(auditor)
        response = self.client.get("/audit/?until=yesterday", headers={"HX-Request": "true"})
        assert response.status_code == 422
        assert response["HX-Redirect"] == "/audit/?until=yesterday"

    def test_the_page_and_the_csv_export_refuse_the_same_filters(self) -> None:
        auditor = self.user_with_role(Role.AUDITOR)
        self.login(auditor)
        for query in ("since=not-a-date", "until=2026-02-30", "action=nope", "actor=" + "x" * 201):
            assert self.client.get(f"/audit/?{query}").status_code == 422, query
            assert self.client.get(f"/exports/audit/?{query}").status_code == 422, query
        assert self.client.get("/audit/?since=2026-01-01").status_code == 200
        assert self.client.get("/exports/audit/?since=2026-01-01").status_code == 200
