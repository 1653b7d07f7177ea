"""The random control sample and the screening tally (issue 11): travellers without a hit are
drawn at random for the same first-line look, at the desk, in the API and in batches; every
screening counts by day, port and group so that yields and selection rates have a denominator."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from flow_fixtures import FLAGGED_RECORD, TODAY, activate_example
from test_batch_screening import GOOD

from palermo.web.accounts.models import Agency
from palermo.web.accounts.services import api_token_create
from palermo.web.audit.models import AuditEntry
from palermo.web.jobs.worker import run_ready_tasks
from palermo.web.lib.roles import Role
from palermo.web.screening.models import BatchJob, Disposition, Hit, ScreeningTally
from palermo.web.screening.sampling import tally_add
from palermo.web.screening.services import desk_screen
from palermo.web.testsupport import BaseTestCase

QUIET: dict[str, Any] = {
    "record_id": "quiet-1",
    "event_kind": "entry",
    "port": "PVG",
    "event_date": TODAY,
    "nationality": "TH",
    "sex": "F",
    "date_of_birth": TODAY.replace(year=TODAY.year - 30),
}
EVERYONE = override_settings(CONTROL_SAMPLE_PER_100000=100_000)
NO_ONE = override_settings(CONTROL_SAMPLE_PER_100000=0)


class TestControlSample(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")

    @EVERYONE
    def test_a_traveller_drawn_at_the_desk_waits_for_a_first_line_look_like_a_hit(self) -> None:
        traveller, hits = desk_screen(actor=self.officer, record=QUIET)
        assert hits == []
        assert traveller is not None
        (control,) = traveller.hits.all()
        assert (control.source, control.rule_id, control.status) == (
            "control", "control-sample", "pending",
        )  # fmt: skip
        entry = AuditEntry.objects.filter(purpose="screening at the desk").latest("id")
        assert entry.detail["control_sample"] is True
        self.login(self.officer)
        page = self.client.get(reverse("screening:traveller", kwargs={"pk": traveller.pk}))
        text = page.content.decode()
        assert "Random control sample: not a sign of risk" in text
        assert "Why this traveller:" in text

    @NO_ONE
    def test_with_no_sample_a_traveller_without_a_hit_leaves_only_the_count(self) -> None:
        traveller, _ = desk_screen(actor=self.officer, record=QUIET)
        assert traveller is None
        row = ScreeningTally.objects.get()
        assert (row.port, row.nationality, row.sex, row.age_band) == ("PVG", "TH", "F", "25-34")
        assert (row.screened, row.control) == (1, 0)

    @EVERYONE
    def test_a_traveller_with_a_hit_is_never_drawn(self) -> None:
        traveller, hits = desk_screen(actor=self.officer, record=FLAGGED_RECORD)
        assert hits
        assert traveller is not None
        assert not traveller.hits.filter(source="control").exists()

    @EVERYONE
    def test_the_control_hit_gets_a_disposition_with_what_was_observed_and_the_minutes(
        self,
    ) -> None:
        traveller, _ = desk_screen(actor=self.officer, record=QUIET)
        assert traveller is not None
        control = traveller.hits.get()
        self.login(self.officer)
        response = self.client.post(
            reverse("screening:dispose", kwargs={"pk": control.pk}),
            {
                f"hit{control.pk}-kind": "referred",
                f"hit{control.pk}-observed": ["BRD-08"],
                f"hit{control.pk}-reason": "Fearful, looked at the companion before answering.",
                f"hit{control.pk}-minutes": "6",
            },
        )
        assert response.status_code == 302
        disposition = Disposition.objects.get(hit=control)
        assert (disposition.kind, disposition.observed, disposition.minutes) == (
            "referred", ["BRD-08"], 6,
        )  # fmt: skip

    def test_the_desk_counts_each_screening_in_its_group(self) -> None:
        desk_screen(actor=self.officer, record=QUIET)
        desk_screen(actor=self.officer, record={**QUIET, "record_id": "quiet-2"})
        desk_screen(actor=self.officer, record={**QUIET, "record_id": "q3", "sex": "M"})
        counts = {
            (r.sex, r.screened) for r in ScreeningTally.objects.filter(agency=self.officer.agency)
        }
        assert counts == {("F", 2), ("M", 1)}


class TestTallyRowLocks(TransactionTestCase):
    def test_a_screening_at_the_desk_waits_for_no_other_group_of_the_day(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("row locks: PostgreSQL (SQLite has one write lock)")
        agency = Agency.objects.create(name="Port", kind="border_post", code="port")
        day = TODAY.isoformat()
        women, men = (day, "PVG", "TH", "F", "30-39"), (day, "PVG", "TH", "M", "30-39")
        tally_add(agency_id=agency.pk, screened=Counter([women, men]))
        held, release = threading.Event(), threading.Event()

        def screening_of_a_woman_not_yet_committed() -> None:
            try:
                with transaction.atomic():
                    tally_add(agency_id=agency.pk, screened=Counter([women]))
                    held.set()
                    release.wait(30)
            finally:
                connection.close()

        other = threading.Thread(target=screening_of_a_woman_not_yet_committed)
        other.start()
        try:
            assert held.wait(30)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                tally_add(agency_id=agency.pk, screened=Counter([men]))  # no wait, no timeout
        finally:
            release.set()
            other.join(30)
        counts = {r.sex: r.screened for r in ScreeningTally.objects.filter(agency=agency)}
        assert counts == {"F": 2, "M": 2}


class TestControlSampleInTheApi(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        _record, self.token = api_token_create(
            name="desk system", agency=self.agency_a, role=Role.FIRST_LINE_OFFICER, created_by=None
        )

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {self.token}"
        )

    @EVERYONE
    def test_the_api_names_the_control_hit_and_takes_the_minutes_with_the_disposition(
        self,
    ) -> None:
        body = {**QUIET, "event_date": TODAY.isoformat(), "date_of_birth": "1990-01-01"}
        answer = self.post("/api/screenings", body).json()
        assert answer["hits"] == []
        hit_id = answer["control_hit_id"]
        assert Hit.objects.get(pk=hit_id).source == "control"
        refused = self.post(
            f"/api/hits/{hit_id}/disposition",
            {"kind": "no_action", "reason": "Nothing seen.", "minutes": 900},
        )
        assert refused.status_code in (400, 422)
        done = self.post(
            f"/api/hits/{hit_id}/disposition",
            {"kind": "no_action", "reason": "Nothing seen.", "minutes": 3},
        )
        assert done.status_code == 200, done.content
        assert Disposition.objects.get(hit_id=hit_id).minutes == 3


class TestControlSampleInBatches(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        self.login(self.analyst)

    def run_batch(self) -> BatchJob:
        self.client.post(
            reverse("screening:batches"),
            {"manifest": SimpleUploadedFile("m.csv", GOOD.encode("utf-8"))},
        )
        assert run_ready_tasks() == 1
        return BatchJob.objects.latest("id")

    @EVERYONE
    def test_every_record_without_a_hit_can_be_drawn_in_a_batch(self) -> None:
        job = self.run_batch()
        assert job.status == "done"
        controls = Hit.objects.filter(traveller__batch=job, source="control")
        assert sorted(h.traveller.record_id for h in controls) == ["r2", "r3"]

    @NO_ONE
    def test_a_batch_counts_every_record_in_the_tally(self) -> None:
        self.run_batch()
        rows = ScreeningTally.objects.filter(agency=self.analyst.agency)
        assert sum(r.screened for r in rows) == 3
        assert {(r.port, str(r.day)) for r in rows} == {
            ("PEK", "2026-03-01"), ("CAN", "2026-03-02"), ("CAN", "2026-03-05"),
        }  # fmt: skip
        assert {r.age_band for r in rows} == {"not recorded"}


class TestTallyCountsUp(BaseTestCase):
    def test_a_group_is_created_once_and_counted_up_by_every_screening_and_control(self) -> None:
        day = TODAY.isoformat()
        women = (day, "PVG", "TH", "F", "30-39")
        tally_add(agency_id=self.agency_a.pk, screened=Counter({women: 3}))
        tally_add(
            agency_id=self.agency_a.pk,
            screened=Counter({women: 2}),
            control=Counter({women: 1}),
        )
        rows = ScreeningTally.objects.filter(agency=self.agency_a)
        assert [(r.port, r.sex, r.screened, r.control) for r in rows] == [("PVG", "F", 5, 1)]
        assert rows[0].day == TODAY
