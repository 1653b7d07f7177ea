"""No plaintext names in watchlist hits (issue 14, weakness 7): a hit's reasons ("name
'ZHANG WEI' compared with listed name ...") are stored encrypted, shown only to the roles that
may read the traveller's record, each showing audited as a read; the hit export without
personal fields carries no name; the data migration encrypts rows written before."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.urls import reverse
from django.utils import timezone
from watchlist_fixtures import LISTED, active_watchlist

from palermo.web.accounts.models import Agency, User
from palermo.web.audit.models import AuditAction, AuditEntry
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.roles import Role
from palermo.web.screening.models import Hit
from palermo.web.screening.selectors import hit_reasons
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase

NAMES = ("ZHANG", "张伟")


def _raw_hit_rows() -> str:
    """Everything the database holds for hits, as stored (no field decrypts it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM screening_hit")
        return json.dumps(cursor.fetchall(), default=str, ensure_ascii=False)


def _csv(response: object) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]


class TestWatchlistHitReasons(BaseTestCase):
    def setUp(self) -> None:
        active_watchlist(self)
        traveller, _hits = desk_screen(actor=self.officer, record=LISTED)
        assert traveller is not None
        self.hit = Hit.objects.get(source="watchlist")
        self.analyst = self.user_with_role(Role.RISK_ANALYST)

    def test_the_database_row_holds_no_name_in_plain_text(self) -> None:
        raw = _raw_hit_rows()
        assert "compared" not in raw
        for name in NAMES:
            assert name not in raw
        lines = hit_reasons(user=self.officer, hits=[self.hit], language="en", purpose="test")
        assert any("ZHANG" in line for line in lines[self.hit.pk])

    def test_the_hit_page_shows_the_reasons_and_audits_the_read(self) -> None:
        page = self.get_as(
            self.officer, reverse("screening:traveller", kwargs={"pk": self.hit.traveller_id})
        )
        assert "ZHANG" in page.content.decode()
        entry = AuditEntry.objects.filter(
            action=AuditAction.READ, object_type="screening.hit"
        ).get()
        assert entry.fields == ["reasons"]
        assert self.hit.pk in entry.detail["hits"]
        assert entry.actor_id == self.officer.pk

    def test_the_queue_lists_the_hit_without_its_reasons(self) -> None:
        page = self.get_as(self.officer, reverse("screening:queue"))
        assert "compared" not in page.content.decode()
        assert not AuditEntry.objects.filter(
            action=AuditAction.READ, object_type="screening.hit"
        ).exists()

    def test_roles_not_allowed_and_other_agencies_get_nothing(self) -> None:
        for role in (Role.CASE_WORKER, Role.TRAINER, Role.AUDITOR, Role.ADMINISTRATOR):
            with pytest.raises(NotPermittedError):
                hit_reasons(
                    user=self.user_with_role(role), hits=[self.hit], language="en", purpose="x"
                )
        other = self.user_with_role(Role.FIRST_LINE_OFFICER, agency=self.agency_b)
        assert hit_reasons(user=other, hits=[self.hit], language="en", purpose="x") == {}

    def test_the_export_without_personal_fields_holds_no_name(self) -> None:
        self.login(self.analyst)
        text = _csv(self.client.post("/exports/hits/", {}))
        for name in NAMES:
            assert name not in text
        assert "Watchlist match, score" in text
        row = next(r for r in csv.DictReader(io.StringIO(text)) if r["Source"] == "Watchlist")
        assert "names only with personal fields" in row["Why it fired"]

    def test_the_export_with_personal_fields_and_a_purpose_holds_the_reasons(self) -> None:
        self.login(self.analyst)
        form = {"include_personal": "on", "purpose": "referral to the investigators"}
        text = _csv(self.client.post("/exports/hits/", form))
        assert "compared" in text


class TestTheDataMigrationEncryptsExistingReasons(TransactionTestCase):
    def test_plain_reasons_written_before_are_encrypted_and_the_plain_columns_go(self) -> None:
        agency = Agency.objects.create(name="Northgate", kind="border_post", code="northgate")
        officer = User.objects.create_user(
            username="alice", password=None, agency=agency, role="first_line_officer"
        )
        executor = MigrationExecutor(connection)
        before = [("screening", "0006_hit_reasons_encrypted")]
        latest = executor.loader.graph.leaf_nodes("screening")
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        traveller_model = old_apps.get_model("screening", "Traveller")
        hit_model = old_apps.get_model("screening", "Hit")
        now = timezone.now()
        traveller = traveller_model.objects.create(
            agency_id=agency.pk,
            screened_by_id=officer.pk,
            screened_at=now,
            record_id="r-1",
            record="{}",
            set_version="v",
        )
        hit_model.objects.create(
            traveller_id=traveller.pk,
            agency_id=agency.pk,
            source="watchlist",
            rule_id="recruiters:P1",
            rule_version="1",
            weight=93.0,
            title_en="t",
            title_zh="t",
            matched_en=["name 'ZHANG WEI' compared with listed name 'ZHANG Wei'"],
            matched_zh=["姓名“ZHANG WEI”与名单姓名“张伟”比对"],
            set_version="v",
            status="pending",
            created_at=now,
        )
        assert "ZHANG WEI" in _raw_hit_rows()
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
        raw = _raw_hit_rows()
        assert "ZHANG" not in raw
        assert "张伟" not in raw
        stored = json.loads(Hit.objects.get().reasons or "")
        assert stored["en"] == ["name 'ZHANG WEI' compared with listed name 'ZHANG Wei'"]
        assert stored["zh"] == ["姓名“ZHANG WEI”与名单姓名“张伟”比对"]
