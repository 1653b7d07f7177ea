"""A full disk while writing: ``palermo screen``'s output and the web's batch screening on a
small tmpfs (needs root to mount; skipped otherwise). Nothing half-written stays, the job
says why it failed, and it succeeds once there is room again."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import SRC, World, synth_manifest

EXAMPLES = SRC / "palermo" / "profiles" / "examples"


@contextlib.contextmanager
def small_disk(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill_up(folder: Path, leave: int) -> Path:
    """A file taking all the free space of ``folder``'s disk but ``leave`` bytes."""
    stats = os.statvfs(folder)
    free = stats.f_bavail * stats.f_frsize
    filler = folder / "filler"
    with filler.open("ab") as out:
        out.write(b"\0" * max(0, free - leave))
    return filler


def test_screen_onto_a_full_disk_exits_2_and_leaves_no_partial_file(
    world: World, manifests: Path, tmp_path: Path
) -> None:
    manifest = synth_manifest(world, manifests, 20_000)
    with small_disk(tmp_path / "disk", "1m") as disk:
        fill_up(disk, leave=8_192)
        out = disk / "hits.parquet"
        done = world.palermo(
            "screen", str(manifest), "--profiles", str(EXAMPLES), "--out", str(out)
        )
        assert done.returncode == 2, done.stderr.decode()
        message = done.stderr.decode()
        assert "no space left on the disk" in message
        assert "磁盘空间不足" in message
        assert "Traceback" not in message
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]


def test_a_batch_on_a_full_disk_fails_with_the_reason_and_works_once_there_is_room(
    world: World, manifests: Path, tmp_path: Path
) -> None:
    manifest = synth_manifest(world, manifests, 20_000)
    with small_disk(tmp_path / "disk", "48m") as disk:
        world.data_dir = disk
        world.probe("setup")
        reference = world.probe("queue", str(manifest))["job"]
        world.probe("run")
        expected = world.probe("state", str(reference))["hit_keys"]
        assert expected

        # an upload that does not fit: refused, nothing kept
        filler = fill_up(disk, leave=64_000)
        jobs_before = world.sql("SELECT count(*) FROM screening_batchjob")[0][0]
        refused = subprocess.run(
            [sys.executable, str(Path(__file__).parent / "probe.py"), "queue", str(manifest)],
            env=world.env,
            capture_output=True,
            check=False,
        )
        assert refused.returncode != 0
        assert "StorageFullError" in refused.stderr.decode()
        assert world.sql("SELECT count(*) FROM screening_batchjob")[0][0] == jobs_before
        assert list((disk / "uploads").glob("*.sealed")) == []

        # an upload that fits, screened when the disk has filled up meanwhile
        filler.unlink()
        job = world.probe("queue", str(manifest))["job"]
        filler = fill_up(disk, leave=200_000)
        world.probe("run")
        state = world.probe("state", str(job))
        assert state["status"] == "failed"
        assert "disk is full" in state["problems"][0]["en"]
        assert "磁盘已满" in state["problems"][0]["zh"]
        assert (state["travellers"], state["hits"]) == (0, 0)
        assert state["uploads"] == []
        assert state["opened"] == []

        # room again: the same file screened in full, each hit once
        filler.unlink()
        job = world.probe("queue", str(manifest))["job"]
        world.probe("run")
        state = world.probe("state", str(job))
        assert state["status"] == "done"
        assert state["hit_keys"] == expected
        assert state["duplicates"] == 0
