from __future__ import annotations

import os
from pathlib import Path

import pytest

# Keys and data written by tests stay inside the test session's temporary tree.
os.environ.setdefault("PALERMO_HASH_KEY", "test-only-document-hash-key")
# The command line's output is wrapped to the terminal's width, 80 columns when there is no
# terminal: a file name under a long checkout path then splits the words tests look for.
os.environ["COLUMNS"] = "200"

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo_root() -> Path:
    return REPO
