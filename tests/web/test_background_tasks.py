"""Background work through django-tasks (database backend): batch jobs queued with their task,
uploads encrypted while they wait, tasks of a killed worker resumed or failed with the reason,
scheduled runs planned once."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from flow_fixtures import activate_example

from palermo.web.jobs.models import ScheduledRun, WorkerBeat
from palermo.web.jobs.recovery import recover
from palermo.web.jobs.schedule import daily_at, plan_scheduled
from palermo.web.jobs.worker import beat, claim_next, run_ready_tasks
from palermo.web.lib.roles import Role
from palermo.web.screening.models import BatchJob, Hit, Traveller
from palermo.web.screening.services import (
    _claim,
    batch_job_create,
    batch_uploads_sweep,
    upload_dir,
    work_path,
)
from palermo.web.testsupport import BaseTestCase

MANIFEST = (
    "record_id,event_kind,port,event_date,surname,given_names,obs_visible_injuries\n"
    "r1,exit,PEK,2026-03-01,WANGXIAOMING,LI,true\n"
    "r2,exit,CAN,2026-03-02,ZHAOQIANSUN,LI,false\n"
    "r3,entry,CAN,2026-03-05,SUNZHOUWU,LI,true\n"
)


class BatchTaskTestCase(BaseTestCase):
    def setUp(self) -> None:
        activate_example(self, "visible-injuries")
        self.analyst = self.user_with_role(Role.RISK_ANALYST)

    def queue(self) -> BatchJob:
        return batch_job_create(
            actor=self.analyst, file_name="manifest.csv", chunks=[MANIFEST.encode()]
        )

    def killed_mid_run(self, job: BatchJob, *, worker: str = "killed-worker") -> None:
        """What a worker killed while screening leaves: its task and the job running, the
        manifest opened in the work folder, no beat any more."""
        task_result = claim_next(worker)
        assert task_result is not None
        assert str(task_result.id) == job.task_id
        assert _claim(job.pk) is not None
        work_path(Path(job.stored_path)).write_bytes(MANIFEST.encode())


class TestUploadsWaitEncrypted(BatchTaskTestCase):
    def test_a_queued_manifest_is_stored_encrypted_readable_only_by_palermo(self) -> None:
        job = self.queue()
        stored = Path(job.stored_path)
        assert stored.parent == upload_dir()
        content = stored.read_bytes()
        assert b"WANGXIAOMING" not in content
        assert b"record_id" not in content
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700

    def test_the_job_and_its_task_are_queued_together_and_the_files_go_once_screened(
        self,
    ) -> None:
        job = self.queue()
        task_result = DBTaskResult.objects.get(pk=job.task_id)
        assert task_result.status == TaskResultStatus.READY
        assert task_result.args_kwargs["kwargs"] == {"job_id": job.pk}
        stored = Path(job.stored_path)
        assert run_ready_tasks() == 1
        job.refresh_from_db()
        assert (job.status, job.hit_count, job.attempts, job.stored_path) == ("done", 2, 1, "")
        assert not stored.exists()
        assert not work_path(stored).exists()
        assert DBTaskResult.objects.get(pk=job.task_id).status == TaskResultStatus.SUCCESSFUL


class TestAKilledWorker(BatchTaskTestCase):
    def test_a_batch_killed_mid_run_is_queued_again_and_screened_once(self) -> None:
        job = self.queue()
        self.killed_mid_run(job)
        assert BatchJob.objects.get(pk=job.pk).status == "running"

        recovered = recover()

        assert recovered.resumed == [job.task_id]
        job.refresh_from_db()
        assert job.status == "queued"
        assert not work_path(Path(job.stored_path)).exists()  # the opened copy is removed
        assert Path(job.stored_path).exists()  # the sealed upload waits for the next run
        assert run_ready_tasks() == 1
        job.refresh_from_db()
        assert (job.status, job.hit_count, job.attempts) == ("done", 2, 2)
        assert Hit.objects.filter(traveller__batch=job).count() == 2
        assert Traveller.objects.filter(batch=job).count() == 2

    @override_settings(TASK_MAX_ATTEMPTS=1)
    def test_a_batch_out_of_runs_is_failed_with_the_reason_and_its_files_deleted(self) -> None:
        job = self.queue()
        self.killed_mid_run(job)
        stored = Path(job.stored_path)

        with self.captureOnCommitCallbacks(execute=True):
            recovered = recover()

        assert recovered.failed == [job.task_id]
        job.refresh_from_db()
        assert job.status == "failed"
        assert not stored.exists()
        assert not work_path(stored).exists()
        task_result = DBTaskResult.objects.get(pk=job.task_id)
        assert task_result.status == TaskResultStatus.FAILED
        assert "WorkerLostError" in task_result.exception_class_path
        assert Hit.objects.count() == 0
        self.login(self.analyst)
        page = self.client.get(reverse("screening:batch", kwargs={"pk": job.pk}))
        assert "the screening was interrupted 1 time(s)" in page.content.decode()
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(reverse("screening:batch", kwargs={"pk": job.pk}))
        assert "筛查被中断 1 次" in page.content.decode()

    def test_a_task_of_a_worker_that_still_beats_is_left_alone(self) -> None:
        job = self.queue()
        beat("busy-worker")
        self.killed_mid_run(job, worker="busy-worker")
        assert recover().resumed == []
        assert BatchJob.objects.get(pk=job.pk).status == "running"
        # once its beat is older than the stale period, it is resumed
        WorkerBeat.objects.filter(pk="busy-worker").update(
            seen_at=timezone.now() - dt.timedelta(seconds=settings.TASK_WORKER_STALE_SECONDS + 1)
        )
        assert recover().resumed == [job.task_id]

    def test_a_worker_recovering_twice_handles_a_task_once(self) -> None:
        job = self.queue()
        self.killed_mid_run(job)
        assert recover().resumed == [job.task_id]
        assert recover().resumed == []
        assert run_ready_tasks() == 1
        assert Hit.objects.filter(traveller__batch=job).count() == 2


class TestFilesLeftBehind(BatchTaskTestCase):
    def test_an_upload_without_a_waiting_job_and_an_opened_copy_are_swept(self) -> None:
        job = self.queue()
        orphan = upload_dir() / "0123abcd.csv.sealed"
        orphan.write_bytes(b"left by a crash before the commit")
        old = timezone.now().timestamp() - 120
        os.utime(orphan, (old, old))
        opened = work_path(upload_dir() / "feedbeef.csv.sealed")
        opened.write_bytes(MANIFEST.encode())
        batch_uploads_sweep()
        assert not orphan.exists()
        assert not opened.exists()
        assert Path(job.stored_path).exists()  # still queued: kept


class TestScheduledRuns(BaseTestCase):
    def test_the_daily_retention_run_is_planned_once_for_the_next_two_o_clock(self) -> None:
        now = dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC)
        assert "retention-daily" in plan_scheduled(now=now)
        assert plan_scheduled(now=now) == []  # a second worker plans nothing more
        planned = ScheduledRun.objects.get(name="retention-daily")
        assert planned.due_at == dt.datetime(2026, 5, 5, 2, 0, tzinfo=dt.UTC)
        task_result = DBTaskResult.objects.get(pk=planned.task_id)
        assert task_result.run_after == planned.due_at
        assert task_result.task_path == "palermo.web.retention.tasks.retention_daily"

    def test_a_retention_run_due_runs_and_masks_through_the_worker(self) -> None:
        from palermo.web.retention.tasks import retention_daily

        retention_daily.enqueue()
        assert run_ready_tasks() == 1
        (done,) = DBTaskResult.objects.filter(task_path__endswith="retention_daily")
        assert done.status == TaskResultStatus.SUCCESSFUL
        assert done.return_value == {"masked": 0, "kept_linked": 0}

    @override_settings(RETENTION_DAILY=False)
    def test_the_daily_retention_run_can_be_turned_off(self) -> None:
        assert "retention-daily" not in plan_scheduled()

    def test_daily_at_gives_the_next_hour_strictly_after_now(self) -> None:
        at_two = daily_at(2)
        assert at_two(dt.datetime(2026, 5, 4, 1, 0, tzinfo=dt.UTC)).day == 4
        assert at_two(dt.datetime(2026, 5, 4, 2, 0, tzinfo=dt.UTC)).day == 5
