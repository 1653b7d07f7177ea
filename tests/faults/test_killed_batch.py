"""kill -9 of the server (or the worker) while it screens a batch: the job is resumed by the
next worker and ends with exactly the hits of an uninterrupted run."""

from __future__ import annotations

import time
from pathlib import Path

from harness import World, full_only, kill9, synth_manifest, wait_for


def reference_hits(world: World, manifest: Path) -> list[str]:
    """The same manifest screened without interruption, in the same installation."""
    job = world.probe("queue", str(manifest))["job"]
    world.probe("run")
    state = world.probe("state", str(job))
    assert state["status"] == "done"
    return state["hit_keys"]


def attempts(world: World, job: int) -> int:
    return int(world.sql("SELECT attempts FROM screening_batchjob WHERE id = ?", job)[0][0])


def running(world: World, job: int) -> bool:
    return world.job_status(job) == "running"


def kill_during_batch(
    world: World, manifest: Path, *, kills: int, delays: list[float], serve: bool
) -> None:
    world.probe("setup")
    expected = reference_hits(world, manifest)
    assert expected, "the manifest should give hits"
    job = world.probe("queue", str(manifest))["job"]
    cuts = 0
    for i in range(kills):
        proc = world.serve()[0] if serve else world.start("web", "worker")
        # this worker's own run: the job claimed once more (not the killed run's stale status)
        wait_for(
            lambda n=i + 1: running(world, job) and attempts(world, job) == n,
            timeout=120,
            what="the batch to start",
        )
        time.sleep(delays[i % len(delays)])
        kill9(proc)
        cut = world.probe("state", str(job))
        if cut["status"] == "done":
            break  # finished before the kill: nothing to resume
        # what the killed run leaves: the job running, nothing of it stored
        assert cut["status"] == "running"
        assert (cut["travellers"], cut["hits"]) == (0, 0)
        cuts += 1
    proc = world.serve()[0] if serve else world.start("web", "worker")
    wait_for(
        lambda: world.job_status(job) in {"done", "failed"},
        timeout=300,
        every=0.2,
        what="the resumed batch to finish",
    )
    state = world.probe("state", str(job))
    kill9(proc)
    assert state["status"] == "done", state["problems"]
    assert state["hit_keys"] == expected  # none lost
    assert state["duplicates"] == 0
    assert state["hits"] == state["hit_count"] == len(expected)
    assert state["uploads"] == []
    assert state["opened"] == []
    assert state["tasks"][0][0] == "SUCCESSFUL"
    assert cuts >= 1, "no kill came during the run: make the manifest larger"
    assert state["attempts"] == cuts + 1


def test_a_server_killed_during_a_batch_resumes_it_with_every_hit_once(
    world: World, manifests: Path
) -> None:
    manifest = synth_manifest(world, manifests, 100_000)
    kill_during_batch(world, manifest, kills=1, delays=[0.5], serve=True)


@full_only
def test_a_worker_killed_three_times_during_a_large_batch_still_stores_every_hit_once(
    world: World, manifests: Path
) -> None:
    world.extra_env["PALERMO_TASK_MAX_ATTEMPTS"] = "5"
    manifest = synth_manifest(world, manifests, 300_000)
    kill_during_batch(world, manifest, kills=3, delays=[0.5, 2.0, 4.0], serve=False)


@full_only
def test_a_batch_killed_more_often_than_allowed_is_failed_with_the_reason(
    world: World, manifests: Path
) -> None:
    world.extra_env["PALERMO_TASK_MAX_ATTEMPTS"] = "1"
    manifest = synth_manifest(world, manifests, 20_000)
    world.probe("setup")
    job = world.probe("queue", str(manifest))["job"]
    proc = world.start("web", "worker")
    wait_for(lambda: running(world, job), timeout=120, what="the batch to start")
    kill9(proc)
    proc = world.start("web", "worker")
    wait_for(
        lambda: world.job_status(job) not in {"running", "queued"},
        timeout=120,
        every=0.2,
        what="the recovery",
    )
    state = world.probe("state", str(job))
    kill9(proc)
    assert state["status"] == "failed"
    assert "interrupted 1 time(s)" in state["problems"][0]["en"]
    assert (state["travellers"], state["hits"]) == (0, 0)
    assert state["uploads"] == []
    assert state["opened"] == []
    assert state["tasks"][0][0] == "FAILED"
