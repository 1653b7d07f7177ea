"""PostgreSQL restarted mid-request and mid-batch (make faults only).

The server restarted is a private cluster made for the test (``initdb`` under /tmp, its own
port, run as the ``postgres`` user): the shared server at 5432 that the other test runs use
is never touched. Requests during the restart get 503 with a reason (never a 500); those after
it succeed; the batch that was screening is queued again and ends with every hit once."""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import World, free_port, full_only, kill9, synth_manifest, wait_for

PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def as_postgres(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *args], capture_output=True, check=False
    )


@contextlib.contextmanager
def private_cluster() -> Iterator[tuple[str, Path, int]]:
    if not PG_BIN or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL server binaries or runuser not found")
    bin_dir = PG_BIN[-1]
    home = Path(tempfile.mkdtemp(prefix="palermo-faults-pg-"))
    shutil.chown(home, "postgres")
    data = home / "data"
    made = as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    if made.returncode != 0:
        pytest.skip(f"initdb failed: {made.stderr.decode()[-300:]}")
    port = free_port()
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1"
    log = str(home / "server.log")  # the server's output, not our pipes (pg_ctl would wait)
    started = as_postgres(
        str(bin_dir / "pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "start"
    )
    assert started.returncode == 0, started.stderr.decode()
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres", data, port
    finally:
        as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


def restart(data: Path) -> None:
    log = str(data.parent / "server.log")
    done = as_postgres(
        str(PG_BIN[-1] / "pg_ctl"), "-D", str(data), "-l", log, "-m", "fast", "-w", "restart"
    )
    assert done.returncode == 0, done.stderr.decode()


@full_only
def test_postgres_restarted_mid_request_and_mid_batch(world: World, manifests: Path) -> None:
    manifest = synth_manifest(world, manifests, 300_000)
    with private_cluster() as (url, data, _port):
        world.database_url = url
        world.probe("setup")
        token = world.probe("token")["token"]
        reference = world.probe("queue", str(manifest))["job"]
        world.probe("run")
        expected = world.probe("state", str(reference))["hit_keys"]

        server, port = world.serve()
        statuses: list[int] = []
        bodies: list[dict[str, object]] = []
        stop = threading.Event()
        record = json.dumps(
            {"record_id": "pg-1", "event_kind": "exit", "port": "PEK", "event_date": "2026-03-01"}
        )

        def requests() -> None:
            while not stop.is_set():
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                try:
                    conn.request(
                        "POST",
                        "/api/screenings",
                        body=record,
                        headers={
                            "Authorization": f"Bearer {token}",
                            "Content-Type": "application/json",
                        },
                    )
                    response = conn.getresponse()
                    payload = response.read()
                    statuses.append(response.status)
                    if response.status != 200:
                        bodies.append(json.loads(payload))
                except (OSError, http.client.HTTPException):
                    statuses.append(0)
                finally:
                    conn.close()
                time.sleep(0.01)

        sender = threading.Thread(target=requests, daemon=True)
        sender.start()
        job = world.probe("queue", str(manifest))["job"]
        wait_for(lambda: world.job_status(job) == "running", timeout=120, what="the batch")
        time.sleep(1.0)
        before_restart = len(statuses)
        restart(data)
        time.sleep(3.0)
        after_restart = len(statuses)
        time.sleep(3.0)
        stop.set()
        sender.join(timeout=60)

        wait_for(
            lambda: world.job_status(job) in {"done", "failed"},
            timeout=300,
            every=0.5,
            what="the batch to finish",
        )
        kill9(server)
        assert 0 not in statuses  # the server kept answering
        assert set(statuses) <= {200, 503}, statuses  # never a 500
        assert all(b.get("error") for b in bodies)  # each refusal says why
        assert statuses[-20:] == [200] * 20  # and it recovered by itself
        assert before_restart > 0
        assert after_restart > before_restart
        state = world.probe("state", str(job))
        assert state["status"] == "done", state["problems"]
        assert state["hit_keys"] == expected
        assert state["duplicates"] == 0
        assert state["uploads"] == []
        assert state["opened"] == []
