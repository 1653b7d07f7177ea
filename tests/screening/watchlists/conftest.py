from __future__ import annotations

from pathlib import Path

import pytest
from watchlist_helpers import LIST_YAML


@pytest.fixture
def list_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "suspects.yaml"
    path.write_text(LIST_YAML, encoding="utf-8")
    return path
