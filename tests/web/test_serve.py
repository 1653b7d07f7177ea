"""``palermo serve`` answers requests with one waitress process or several gunicorn workers."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str, deadline: float) -> int:
    while True:
        # closed on every attempt: a try that times out on a slow machine must not leave its
        # socket to the garbage collector (an unraisable ResourceWarning fails the test)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", path)
            return conn.getresponse().status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        finally:
            conn.close()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("serve-data")
    env = {
        **os.environ,
        "PALERMO_DATA_DIR": str(data),
        "PALERMO_DATABASE_URL": "",
        "PALERMO_ALLOWED_HOSTS": "127.0.0.1",
    }
    subprocess.run(
        [sys.executable, "-m", "palermo.cli.main", "web", "migrate"],
        env=env,
        check=True,
        capture_output=True,
    )
    return env


@pytest.mark.parametrize("workers", [1, 2])
def test_the_server_answers_with_the_given_number_of_processes(
    server_env: dict[str, str], workers: int
) -> None:
    if workers > 1 and os.name != "posix":
        pytest.skip("gunicorn workers need POSIX")
    port = _free_port()
    command = [sys.executable, "-m", "palermo.cli.main", "serve", "--port", str(port)]
    command += ["--threads", "2", "--workers", str(workers)]
    server = subprocess.Popen(
        command, env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        status = _get(port, "/accounts/login/", time.monotonic() + 60)
        assert status == 200
        if workers > 1:
            assert len(_children(server.pid)) == workers
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_warm_up_loads_every_page_before_the_first_request(
    server_env: dict[str, str],
) -> None:
    """Django imports the URLconf (every app's views and API schemas, 0.86 s) at the first
    request, and the requests arriving meanwhile wait behind it: the server does it first."""
    script = (
        "import sys\n"
        "import django\n"
        "django.setup()\n"
        "assert 'palermo.web.urls' not in sys.modules\n"
        "from palermo.web.server import warm_up\n"
        "warm_up()\n"
        "print('palermo.web.urls' in sys.modules, 'palermo.web.api.api' in sys.modules)\n"
    )
    env = {**server_env, "DJANGO_SETTINGS_MODULE": "palermo.web.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
