"""Rules of the web application that neither the linters nor the import contracts can say."""

from __future__ import annotations

import ast
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


def _any_typed_people_and_requests(source: str) -> list[str]:
    """Parameters named ``request`` or ``user`` annotated with ``Any`` (alone or in a union)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        arguments = node.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if arg.arg in {"request", "user"} and arg.annotation is not None:
                annotation = arg.annotation
                if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                    annotation = ast.parse(annotation.value, mode="eval").body
                names = {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)}
                text = ast.unparse(annotation)
                if "Any" in names:
                    found.append(f"{node.name}({arg.arg}: {text}) line {node.lineno}")
    return found


def test_no_request_or_user_parameter_in_the_web_application_is_typed_any() -> None:
    offenders = [
        f"{path.relative_to(WEB)}: {finding}"
        for path in _sources()
        for finding in _any_typed_people_and_requests(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_scan_notices_an_any_typed_request_or_user() -> None:
    sample = (
        "def view(request: Any, pk: int) -> None: ...\n"
        "def selector(*, user: 'Any | None' = None) -> None: ...\n"
        "def fine(request: HttpRequest, *, user: User) -> None: ...\n"
    )
    found = [f.split("(")[0] for f in _any_typed_people_and_requests(sample)]
    assert found == ["view", "selector"]
