from __future__ import annotations

import os
from pathlib import Path

import pytest

# Keys and data written by tests stay inside the test session's temporary tree.
os.environ.setdefault("PALERMO_HASH_KEY", "test-only-document-hash-key")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo_root() -> Path:
    return REPO
