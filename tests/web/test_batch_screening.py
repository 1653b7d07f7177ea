"""Batch screening: an analyst uploads a manifest, it is screened in the background, and the
hits wait in the queue; a file with any bad row is rejected whole."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from flow_fixtures import activate_example

from palermo.web.jobs.worker import run_ready_tasks
from palermo.web.lib.roles import Role
from palermo.web.screening.models import BatchJob, Hit, Traveller
from palermo.web.screening.services import batch_job_create
from palermo.web.screening.tasks import screen_batch
from palermo.web.testsupport import BaseTestCase

HEADER = (
    "record_id,event_kind,port,event_date,obs_document_held_by_other,obs_companion_answers,"
    "obs_visible_injuries\n"
)
GOOD = HEADER + (
    "r1,exit,PEK,2026-03-01,true,true,false\n"
    "r2,exit,CAN,2026-03-02,false,false,false\n"
    "r3,entry,CAN,2026-03-05,false,false,true\n"
)
BAD = HEADER + "r1,exit,PEK,2026-03-01,true,true,false\nr2,exit,CAN,2026-13-40,maybe,false,false\n"


class TestBatchScreening(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        activate_example(self, "visible-injuries")
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        self.login(self.analyst)

    def upload(self, text: str, name: str = "manifest.csv") -> BatchJob:
        response = self.client.post(
            reverse("screening:batches"),
            {"manifest": SimpleUploadedFile(name, text.encode("utf-8"))},
        )
        assert response.status_code == 302
        assert BatchJob.objects.latest("id").status == "queued"
        assert run_ready_tasks() == 1
        return BatchJob.objects.latest("id")

    def test_a_valid_manifest_is_screened_and_its_hits_wait_in_the_queue(self) -> None:
        job = self.upload(GOOD)
        assert (job.status, job.record_count, job.traveller_count, job.hit_count) == (
            "done",
            3,
            2,
            2,
        )
        assert set(Hit.objects.values_list("status", flat=True)) == {"pending"}
        page = self.client.get(reverse("screening:batch", kwargs={"pk": job.pk}))
        assert "3 records screened; 2 hits for 2 travellers" in page.content.decode()

    def test_a_manifest_with_a_bad_row_is_rejected_with_the_row_named_and_nothing_stored(
        self,
    ) -> None:
        job = self.upload(BAD)
        assert job.status == "rejected"
        assert Traveller.objects.count() == 0
        assert Hit.objects.count() == 0
        page = self.client.get(reverse("screening:batch", kwargs={"pk": job.pk})).content.decode()
        assert "manifest.csv row 2" in page
        assert "event_date" in page
        assert "nothing from it was stored" in page

    def test_after_a_large_batch_postgresql_has_fresh_statistics_of_its_tables(self) -> None:
        # a "large" batch here is 3 rows: the 10,000 of a real one would take long to screen
        large = mock.patch("palermo.web.lib.statistics.BULK_ROWS", 3)
        on_commit = self.captureOnCommitCallbacks(execute=True)
        with CaptureQueriesContext(connection) as queries, large, on_commit:
            self.upload(GOOD)
        analysed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
        if connection.vendor == "postgresql":
            assert analysed == [
                'ANALYZE "screening_traveller", "screening_hit", "screening_travellernametoken"'
            ]
        else:  # SQLite's planner keeps no statistics unless asked once
            assert analysed == []

    def test_a_small_batch_leaves_the_statistics_to_autovacuum(self) -> None:
        on_commit = self.captureOnCommitCallbacks(execute=True)
        with CaptureQueriesContext(connection) as queries, on_commit:
            self.upload(GOOD)
        assert not [q for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]

    def test_the_uploaded_file_is_deleted_once_read(self) -> None:
        uploads = Path(self.settings_data_dir(), "uploads")
        before = set(uploads.glob("*"))  # other tests' queued jobs may keep theirs
        job = self.upload(GOOD)
        assert job.stored_path == ""
        assert set(uploads.glob("*")) - before == set()

    def settings_data_dir(self) -> Path:
        from django.conf import settings

        return Path(settings.DATA_DIR)

    def test_an_unknown_file_type_is_refused_at_upload(self) -> None:
        response = self.client.post(
            reverse("screening:batches"),
            {"manifest": SimpleUploadedFile("manifest.xls", b"x")},
        )
        assert response.status_code == 422
        assert BatchJob.objects.count() == 0

    def test_the_queue_filters_by_profile_disposition_port_and_date(self) -> None:
        self.upload(GOOD)
        queue = reverse("screening:queue")

        def travellers(**query: str) -> list[str]:
            page = self.client.get(queue, query)
            return sorted(g.traveller.record_id for g in page.context["groups"])

        assert travellers() == ["r1", "r3"]
        assert travellers(profile="visible-injuries") == ["r3"]
        assert travellers(port="pek") == ["r1"]
        assert travellers(since="2026-03-03") == ["r3"]
        assert travellers(until="2026-03-03") == ["r1"]
        assert travellers(status="referred") == []
        assert travellers(status="pending") == ["r1", "r3"]

    def test_the_queue_answers_an_htmx_request_with_the_table_only(self) -> None:
        self.upload(GOOD)
        page = self.client.get(reverse("screening:queue"), HTTP_HX_REQUEST="true")
        assert b"<table>" in page.content
        assert b"<html" not in page.content

    def test_another_agency_does_not_see_the_hits(self) -> None:
        self.upload(GOOD)
        self.login(self.user_with_role(Role.RISK_ANALYST, agency=self.agency_b))
        page = self.client.get(reverse("screening:queue"))
        assert page.context["page"].paginator.count == 0


class TestTheWorker(BaseTestCase):
    def test_a_queued_job_waits_for_the_worker_and_runs_once(self) -> None:
        activate_example(self, "visible-injuries")
        analyst = self.user_with_role(Role.RISK_ANALYST)
        job = batch_job_create(actor=analyst, file_name="m.csv", chunks=[GOOD.encode()])
        assert BatchJob.objects.get(pk=job.pk).status == "queued"
        assert run_ready_tasks() == 1
        assert run_ready_tasks() == 0
        assert BatchJob.objects.get(pk=job.pk).hit_count == 1
        # the task run a second time (as after a recovery) changes nothing
        assert screen_batch.call(job_id=job.pk) == "not queued"
        assert Hit.objects.count() == 1


class TestBatchHitsKeepTheirProfileSet(BaseTestCase):
    def test_a_profile_activated_while_the_job_runs_does_not_change_its_hits(self) -> None:
        from unittest import mock

        from flow_fixtures import example_text

        from palermo.web.profiles.registry import current_screener
        from palermo.web.profiles.services import (
            profile_activate,
            profile_approve,
            profile_submit,
            profile_upload,
        )
        from palermo.web.screening import services

        activate_example(self, "documents-held-and-companion-answers")
        set_before = current_screener().profile_set.version
        analyst = self.user_with_role(Role.RISK_ANALYST)
        newer = (
            example_text("documents-held-and-companion-answers")
            .replace("version: 1", "version: 2")
            .replace("indicators: [BRD-01, BRD-02]", "indicators: [BRD-01]")
        )
        store = services._store_batch

        def activate_then_store(*args: object, **kwargs: object) -> None:
            # the job has screened with version 1; version 2 goes live before it stores
            version = profile_upload(actor=analyst, source_name="v2.yaml", text=newer)
            profile_submit(actor=analyst, version=version)
            profile_approve(actor=self.supervisor, version=version)
            profile_activate(actor=self.supervisor, version=version)
            assert current_screener().profile_set.version != set_before
            store(*args, **kwargs)  # type: ignore[arg-type]

        job = batch_job_create(
            actor=analyst, file_name="manifest.csv", chunks=[GOOD.encode("utf-8")]
        )
        with mock.patch.object(services, "_store_batch", activate_then_store):
            screen_batch.call(job.pk)
        hit = Hit.objects.get(traveller__batch=job)
        assert (hit.rule_id, hit.indicators, hit.set_version) == (
            "documents-held-and-companion-answers",
            ["BRD-01", "BRD-02"],
            set_before,
        )
        job.refresh_from_db()
        assert job.set_version == set_before


class TestBatchScreeningInBatches(BaseTestCase):
    """A manifest is read, checked and screened a few records at a time: the result is the
    same as reading it whole, and a bad row in a later batch still rejects the whole file."""

    def setUp(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        activate_example(self, "visible-injuries")
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        self.login(self.analyst)

    def run_in_batches_of(self, rows: int, text: str) -> BatchJob:
        from unittest import mock

        from palermo.web.screening import services

        with mock.patch.object(services, "WEB_BATCH_ROWS", rows):
            self.client.post(
                reverse("screening:batches"),
                {"manifest": SimpleUploadedFile("m.csv", text.encode("utf-8"))},
            )
            assert run_ready_tasks() == 1
        return BatchJob.objects.latest("id")

    def test_a_manifest_screened_two_records_at_a_time_gives_the_same_hits(self) -> None:
        job = self.run_in_batches_of(2, GOOD + "r4,exit,PEK,2026-03-01,true,true,false\n")
        assert (job.status, job.record_count, job.traveller_count, job.hit_count) == (
            "done", 4, 3, 3,
        )  # fmt: skip
        assert sorted(Traveller.objects.values_list("record_id", flat=True)) == ["r1", "r3", "r4"]

    def test_a_record_id_given_twice_rejects_the_file_naming_both_rows(self) -> None:
        job = self.run_in_batches_of(2, GOOD + "r1,exit,PEK,2026-03-01,true,true,false\n")
        assert job.status == "rejected"
        assert Traveller.objects.count() == 0
        page = self.client.get(reverse("screening:batch", kwargs={"pk": job.pk})).content.decode()
        assert "m.csv row 4" in page
        assert "the same record id as row 1" in page

    def test_every_repeated_record_id_is_counted_and_named_with_the_row_it_repeats(
        self,
    ) -> None:
        again = (
            "r2,exit,PEK,2026-03-01,true,true,false\n"  # row 4 repeats row 2
            "r9,exit,PEK,2026-03-01,true,true,false\n"
            "r2,exit,PEK,2026-03-01,true,true,false\n"  # row 6 repeats row 2 too
            "r9,exit,PEK,2026-03-01,true,true,false\n"  # row 7 repeats row 5
        )
        job = self.run_in_batches_of(2, GOOD + again)
        assert (job.status, job.problem_total) == ("rejected", 3)
        texts = [p["en"] for p in job.problems]
        assert len(texts) == 3
        for text, row, first, record_id in zip(
            texts, (4, 6, 7), (2, 2, 5), ("r2", "r2", "r9"), strict=True
        ):
            assert f"m.csv row {row}" in text
            assert f"the same record id as row {first}" in text
            assert record_id in text

    def test_a_bad_row_in_the_last_batch_rejects_the_whole_file(self) -> None:
        job = self.run_in_batches_of(1, BAD)
        assert job.status == "rejected"
        assert Traveller.objects.count() == 0

    def test_travellers_and_tally_stored_a_few_at_a_time_are_the_same_as_at_once(self) -> None:
        """``STORE_ROWS`` travellers a bulk insert and ``TALLY_CHUNK`` tally groups a
        statement: with chunks of 1 every traveller, name token, hit and count is still stored
        once, the record encrypted, and a second file's counts add to the tally's rows."""
        from django.db.models import Sum

        from palermo.web.screening import sampling, services
        from palermo.web.screening.models import ScreeningTally, TravellerNameToken

        text = GOOD + "r4,exit,PEK,2026-03-01,true,true,false\n"
        with (
            mock.patch.object(services, "STORE_ROWS", 1),
            mock.patch.object(sampling, "TALLY_CHUNK", 1),
        ):
            job = self.run_in_batches_of(2, text)
            again = self.run_in_batches_of(3, text.replace("\nr", "\ns"))
        assert (job.status, job.traveller_count, job.hit_count) == ("done", 3, 3)
        assert again.status == "done"
        assert Traveller.objects.filter(batch=job).count() == 3
        assert Hit.objects.filter(traveller__batch=job, source="profile").count() == 3
        with connection.cursor() as cursor:
            cursor.execute("SELECT record FROM screening_traveller")
            assert all(row[0].startswith("f1:") for row in cursor.fetchall())
        assert TravellerNameToken.objects.count() == 0  # these records carry no names
        # 4 records a file, each counted once in its group (day, port, ...), twice over
        assert ScreeningTally.objects.aggregate(n=Sum("screened"))["n"] == 8
        pek = ScreeningTally.objects.get(day="2026-03-01", port="PEK")
        assert pek.screened == 4
