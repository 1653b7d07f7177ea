"""Rules of the web application that neither the linters nor the import contracts can say."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "palermo" / "web"


def _sources() -> list[Path]:
    return [p for p in WEB.rglob("*.py") if "migrations" not in p.parts]


def test_case_events_are_written_only_by_the_cases_service() -> None:
    writes = re.compile(r"CaseEvent(\.objects\.(create|bulk_create|update_or_create)|\()")
    offenders = [
        str(path.relative_to(WEB))
        for path in _sources()
        if path != WEB / "cases" / "services.py"
        and path != WEB / "cases" / "models.py"
        and writes.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
