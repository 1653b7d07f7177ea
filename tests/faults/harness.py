"""Processes for the fault suite: a private data directory, ``palermo`` commands and servers
started in their own process groups (so kill -9 takes the whole process), and the probe."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
FULL = os.environ.get("PALERMO_FAULTS", "") == "full"

full_only = pytest.mark.skipif(not FULL, reason="full fault suite only (make faults)")
SRC = HERE.parents[1] / "src"
PALERMO = [sys.executable, "-m", "palermo.cli.main"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(
    check: Callable[[], Any], *, timeout: float, every: float = 0.05, what: str = ""
) -> Any:
    """Poll ``check`` until it returns something true; that value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or check}")
        time.sleep(every)


@dataclass
class World:
    """One Palermo installation: its data directory (and database URL, else SQLite there)."""

    data_dir: Path
    database_url: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "PYTHONPATH": str(SRC),
                "PALERMO_DATA_DIR": str(self.data_dir),
                "PALERMO_DATABASE_URL": self.database_url,
                "PALERMO_SECRET_KEY": "fault-suite-" + "x" * 50,
                "PALERMO_HASH_KEY": "fault-suite-hash-key",
                "PALERMO_LOG_LEVEL": "ERROR",
                # a killed worker is recognised by its dead process id at once; a worker of
                # another machine would be after this many seconds of silence
                "PALERMO_TASK_WORKER_STALE_SECONDS": "10",
                # a resumed run is compared hit for hit with an uninterrupted one: no random
                # control sample, which would differ between the two
                "PALERMO_CONTROL_SAMPLE_PER_100000": "0",
            }
        )
        env.update(self.extra_env)
        return env

    def probe(self, *args: str, timeout: float = 300) -> Any:
        done = subprocess.run(
            [sys.executable, str(HERE / "probe.py"), *args],
            env=self.env,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"probe {args} failed:\n{done.stderr.decode()[-3000:]}")
        return json.loads(done.stdout.decode().strip().splitlines()[-1])

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """A query on the installation's database, straight from this process (fast polling)."""
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                return list(conn.execute(query.replace("?", "%s"), params).fetchall())
        import sqlite3

        conn = sqlite3.connect(self.data_dir / "palermo.sqlite3", timeout=30)
        try:
            return list(conn.execute(query, params).fetchall())
        finally:
            conn.close()

    def job_status(self, job: int) -> str:
        rows = self.sql("SELECT status FROM screening_batchjob WHERE id = ?", job)
        return str(rows[0][0]) if rows else ""

    def palermo(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*PALERMO, *args],
            env=self.env,
            capture_output=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """``palermo ARGS`` in the background, in a process group of its own."""
        with (self.data_dir / f"proc-{len(self.processes)}.log").open("wb") as log:
            proc = subprocess.Popen(
                [*PALERMO, *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(proc)
        return proc

    def serve(self, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
        port = free_port()
        proc = self.start("serve", "--port", str(port), "--threads", "4", *extra)
        wait_for(lambda: _listening(port), timeout=120, what=f"palermo serve on {port}")
        return proc, port

    def stop_all(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                kill9(proc)


def kill9(proc: subprocess.Popen[bytes]) -> None:
    """kill -9 of the process and everything it started (its process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def synth_manifest(world: World, folder: Path, n: int, *, suffix: str = "parquet") -> Path:
    """A synthetic manifest of ``n`` travellers (made once per session and size)."""
    out = folder / f"manifest-{n}.{suffix}"
    if not out.exists():
        done = world.palermo("synth", "travellers", "--n", str(n), "--out", str(out), "--seed", "7")
        assert done.returncode == 0, done.stderr.decode()
    return out
