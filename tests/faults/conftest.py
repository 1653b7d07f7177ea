"""The fault suite: real processes killed with SIGKILL, a database restarted, a disk filled.

Each test ends by checking what a person would: no partial rows, no lost hits, no duplicate
hits, the job's state right, no file half-written or left behind.

A CI-sized subset runs with the unit tests; ``make faults`` (``PALERMO_FAULTS=full``) runs
every scenario at full size, including those that need root (a tmpfs for the full disk) or
start a private PostgreSQL cluster (``initdb`` under /tmp on its own port: the shared server
is never restarted).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import World


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    data = tmp_path / "data"
    data.mkdir()
    w = World(data)
    yield w
    w.stop_all()


@pytest.fixture(scope="session")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for synthetic manifests shared by the tests of a session."""
    return tmp_path_factory.mktemp("manifests")
