"""Retention: screening records past the period without a referral or case are masked; a
record that led to a referral and a case is kept in full."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone
from flow_fixtures import FLAGGED_RECORD, activate_example
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.web.audit.models import AuditEntry
from palermo.web.retention.services import retention_run
from palermo.web.screening.models import Disposition, Hit, Traveller
from palermo.web.screening.services import desk_screen, hit_dispose
from palermo.web.testsupport import BaseTestCase

PERSONAL = {
    **FLAGGED_RECORD,
    "surname": "WANG",
    "given_names": "FANG",
    "date_of_birth": dt.date(2001, 4, 5),
    "contact_phone": "+86 139 1234 5678",
    "sponsor_name": "Golden Opportunity Jobs",
    "nationality": "CN",
    "sex": "F",
}
PERSONAL_VALUES = ("WANG", "FANG", "2001-04-05", "+86 139 1234 5678", "Golden Opportunity")


class TestRetention(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")

    def screen(self, record_id: str, *, days_ago: int) -> Traveller:
        traveller, hits = desk_screen(
            actor=self.officer, record={**PERSONAL, "record_id": record_id}
        )
        assert traveller is not None
        assert hits
        Traveller.objects.filter(pk=traveller.pk).update(
            screened_at=timezone.now() - dt.timedelta(days=days_ago)
        )
        return traveller

    def dispose(self, traveller: Traveller, kind: str) -> None:
        for hit in Hit.objects.filter(traveller=traveller):
            hit_dispose(
                actor=self.officer,
                hit=hit,
                kind=kind,
                reason="Companion held her passport and answered for WANG FANG",
                observed=["BRD-01", "BRD-02"] if kind == "referred" else [],
            )

    def test_old_records_without_referral_are_masked_and_linked_ones_kept(self) -> None:
        old = self.screen("old-1", days_ago=200)
        self.dispose(old, "no_action")
        linked = self.screen("linked-1", days_ago=200)
        self.dispose(linked, "referred")
        recent = self.screen("recent-1", days_ago=10)

        dry = retention_run(apply=False)
        assert (dry.due, dry.kept_linked, dry.masked) == (1, 1, 0)
        assert "WANG" in Traveller.objects.get(pk=old.pk).record  # a dry run changes nothing

        report = retention_run(apply=True)
        assert report.masked == 1

        masked = Traveller.objects.get(pk=old.pk)
        stored = masked.record + masked.record_id
        stored += json.dumps(
            list(Hit.objects.filter(traveller=old).values_list("reasons", flat=True))
        )
        stored += " ".join(
            Disposition.objects.filter(hit__traveller=old).values_list("reason", flat=True)
        )
        for value in PERSONAL_VALUES:
            assert value not in stored
        assert "old-1" not in stored
        kept = json.loads(masked.record)
        assert kept["event_kind"] == "exit"
        assert kept["nationality"] == "CN"
        assert set(Hit.objects.filter(traveller=old).values_list("status", flat=True)) == {
            "no_action"
        }

        for traveller in (linked, recent):
            assert "WANG" in Traveller.objects.get(pk=traveller.pk).record
        assert retention_run(apply=True).masked == 0  # nothing new to mask

    def test_a_masked_traveller_page_still_opens_without_the_personal_fields(self) -> None:
        old = self.screen("old-2", days_ago=365)
        retention_run(apply=True)
        response = self.get_as(self.officer, f"/screening/travellers/{old.pk}/")
        assert response.status_code == 200
        assert "WANG" not in response.content.decode()

    def test_the_command_counts_on_a_dry_run_and_masks_with_apply_audited(self) -> None:
        old = self.screen("old-3", days_ago=30)
        runner = CliRunner()
        dry = runner.invoke(app, ["web", "retention", "--dry-run", "--days", "20"])
        assert dry.exit_code == 0, dry.output
        assert "1 record(s) to mask" in dry.output
        assert "WANG" in Traveller.objects.get(pk=old.pk).record
        applied = runner.invoke(app, ["web", "retention", "--apply", "--days", "20"])
        assert applied.exit_code == 0, applied.output
        assert "1 record(s) masked" in applied.output
        assert "WANG" not in Traveller.objects.get(pk=old.pk).record
        entry = AuditEntry.objects.filter(purpose="retention: screening records masked").get()
        assert entry.detail["masked"] == 1
