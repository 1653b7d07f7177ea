"""kill -9 of ``palermo screen`` (no partial output: the old file stays or none appears) and
of ``palermo keys rotate`` (running it again finishes; every encrypted field reads)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
from harness import FULL, SRC, World, kill9, synth_manifest, wait_for

from palermo.lib.files import atomic_path

EXAMPLES = SRC / "palermo" / "profiles" / "examples"
ROWS = 60_000 if FULL else 20_000  # encrypted travellers to rotate
CSV_ROWS = 1_000_000 if FULL else 200_000  # travellers in the CSV killed while streamed


def screen_args(manifest: Path, out: Path) -> list[str]:
    return ["screen", str(manifest), "--profiles", str(EXAMPLES), "--out", str(out)]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hit_keys(path: Path) -> list[tuple[str, str]]:
    table = pq.read_table(path, columns=["record_id", "rule_id"])
    return sorted(zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*.tmp"))


def kill_screen_at(world: World, manifest: Path, out: Path, *, at: float) -> None:
    """Start ``palermo screen`` and kill -9 it ``at`` seconds in (if it is still running)."""
    proc = world.start(*screen_args(manifest, out))
    time.sleep(at)
    kill9(proc)


def test_a_process_killed_in_the_middle_of_an_atomic_write_leaves_no_output(
    tmp_path: Path,
) -> None:
    out = tmp_path / "hits.parquet"
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import os, signal\n"
                "from palermo.lib.files import atomic_path\n"
                f"with atomic_path({str(out)!r}) as tmp:\n"
                "    tmp.write_bytes(b'half of a file' * 100_000)\n"
                "    os.kill(os.getpid(), signal.SIGKILL)\n"
            ),
        ],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert not out.exists()
    (abandoned,) = leftovers(tmp_path)  # the killed writer's temporary file, hidden
    with atomic_path(out) as tmp:
        tmp.write_bytes(b"whole")
    assert out.read_bytes() == b"whole"
    assert abandoned not in leftovers(tmp_path)  # removed by the next write of the file


def test_a_killed_screen_leaves_no_partial_output_and_the_next_run_cleans_up(
    world: World, manifests: Path
) -> None:
    manifest = synth_manifest(world, manifests, 200_000)
    reference = world.data_dir / "reference.parquet"
    started = time.monotonic()
    done = world.palermo(*screen_args(manifest, reference))
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr.decode()

    out = world.data_dir / "hits.parquet"
    previous = world.data_dir / "previous.parquet"
    previous.write_bytes(reference.read_bytes())
    cut = 0
    for share in (0.5, 0.8, 0.95):
        kill_screen_at(world, manifest, out, at=took * share)
        if out.exists():  # it had written and renamed its output before the kill: whole
            assert hit_keys(out) == hit_keys(reference)
            out.unlink()
        else:
            cut += 1  # killed before the end: nothing under the name asked for
        kill_screen_at(world, manifest, previous, at=took * share)
        assert hit_keys(previous) == hit_keys(reference)  # an earlier output stays whole
    assert cut, "every run finished before its kill"

    again = world.palermo(*screen_args(manifest, out))
    assert again.returncode == 0, again.stderr.decode()
    assert hit_keys(out) == hit_keys(reference)
    # the killed runs' temporary files of this output are removed by the next run of it
    assert not any(name.startswith(".hits.parquet.") for name in leftovers(world.data_dir))


def test_a_killed_key_rotation_finishes_when_run_again_and_every_field_reads(
    world: World,
) -> None:
    world.probe("setup")
    world.probe("fill", str(ROWS))
    old_key = (world.data_dir / "field-keys").read_text().strip()
    new_key = world.palermo("keys", "generate").stdout.decode().strip()
    (world.data_dir / "field-keys").write_text(f"{new_key}\n{old_key}\n")
    before = world.probe("keys")
    assert before["stale"]["screening.Traveller"] == ROWS

    proc = world.start("keys", "rotate", "--batch-size", "200")
    # kill it once it is under way (it has started rewriting travellers)
    wait_for(
        lambda: proc.poll() is not None or _rewriting(world),
        timeout=120,
        every=0.05,
        what="the rotation to start writing",
    )
    assert proc.poll() is None, "the rotation finished before the kill"
    kill9(proc)
    cut = world.probe("keys")
    assert cut["unreadable"] == 0  # each table is rotated in one transaction: all or nothing
    assert cut["stale"]["screening.Traveller"] in {0, ROWS}

    again = world.palermo("keys", "rotate", "--batch-size", "200")
    assert again.returncode == 0, again.stderr.decode()
    after = world.probe("keys")
    assert set(after["stale"].values()) == {0}
    assert after["unreadable"] == 0
    assert after["read"] == before["read"]
    verify = world.palermo("audit", "verify")
    assert verify.returncode == 0, verify.stderr.decode()


def _rewriting(world: World) -> bool:
    """Whether the rotation's transaction has begun writing (SQLite: the WAL grows)."""
    wal = world.data_dir / "palermo.sqlite3-wal"
    return wal.exists() and wal.stat().st_size > 500_000


def kill_while_writing(world: World, manifest: Path, out: Path, *, after: float) -> bool:
    """Start ``palermo screen``, wait until it writes its hidden output (it is streaming the
    file), kill -9 it ``after`` seconds later; whether the kill came before the output was
    renamed into place (this run's hidden file is still there). A process still alive after
    its rename is not killed "while writing": checking that it runs would race the rename."""
    hidden = f".{out.name}.*.tmp"
    earlier = set(out.parent.glob(hidden))  # killed runs' files, removed by the next whole run
    proc = world.start(*screen_args(manifest, out))
    wait_for(
        lambda: bool(set(out.parent.glob(hidden)) - earlier) or proc.poll() is not None,
        timeout=600,
        what="palermo screen writing its output",
    )
    time.sleep(after)
    kill9(proc)
    return bool(set(out.parent.glob(hidden)) - earlier)


def test_a_screen_killed_while_reading_a_large_csv_leaves_no_partial_output(
    world: World, manifests: Path
) -> None:
    """A CSV is streamed in batches with hits written as they come: killed in the middle,
    nothing appears under the name asked for, an earlier output stays whole, and the next run
    stores exactly the hits of an uninterrupted one and removes the killed runs' files.
    200,000 travellers with the unit tests, 1,000,000 in ``make faults``."""
    manifest = synth_manifest(world, manifests, CSV_ROWS, suffix="csv")
    reference = world.data_dir / "reference.parquet"
    done = world.palermo(*screen_args(manifest, reference))
    assert done.returncode == 0, done.stderr.decode()

    out = world.data_dir / "hits.parquet"
    killed_while_writing = 0
    for after in (0.0, 0.5, 2.0):
        if kill_while_writing(world, manifest, out, after=after):
            killed_while_writing += 1
            assert not out.exists()
        else:  # it finished first: its output is whole
            assert hit_keys(out) == hit_keys(reference)
            out.unlink()
    assert killed_while_writing, "every run finished before its kill"

    previous = world.data_dir / "previous.parquet"
    previous.write_bytes(reference.read_bytes())
    before = digest(previous)
    if kill_while_writing(world, manifest, previous, after=0.2):
        assert digest(previous) == before  # an earlier output stays whole
    else:
        assert hit_keys(previous) == hit_keys(reference)

    again = world.palermo(*screen_args(manifest, out))
    assert again.returncode == 0, again.stderr.decode()
    assert hit_keys(out) == hit_keys(reference)
    assert not any(name.startswith(".hits.parquet.") for name in leftovers(world.data_dir))
