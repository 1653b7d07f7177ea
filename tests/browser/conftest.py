"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Django is set up here as for tests/web (private data directory, settings from the
environment). Playwright's sync API runs an event loop in this thread, so Django's guard
against database calls from async code is lifted for these tests only.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_DATA_DIR = tempfile.mkdtemp(prefix="palermo-browser-test-")
os.environ["PALERMO_DATA_DIR"] = _DATA_DIR
os.environ.setdefault("PALERMO_SECRET_KEY", "test-only-" + "y" * 50)
os.environ.setdefault("PALERMO_TEST_DATABASE_NAME", f"test_palermo_browser_{os.getpid()}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.web.settings")
# No random control sample unless a test asks for one: which travellers are kept must not
# depend on chance (tests/web/test_control_sample.py sets the share itself).
os.environ.setdefault("PALERMO_CONTROL_SAMPLE_PER_100000", "0")
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parents[1] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    import django.conf
    from pytest_django.plugin import _setup_django

    django.conf.settings.DATABASES  # noqa: B018  (loads the settings module)
    _setup_django(config)
    from palermo.web.audit.triggers import lift_during_test_flush

    lift_during_test_flush()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def browser_page() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run 'make chromium'")
    ARTIFACTS.mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="palermo-chromium-") as profile,
        sync_playwright() as pw,
    ):
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)  # shared CI cores can be slow
            yield page
        finally:
            context.close()


@pytest.fixture
def artifacts() -> Path:
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _fresh_log_in_counts(django_db_blocker: Any) -> None:
    """Each walk-through starts with no log-in counted: the per-address limit (10 a minute
    from 127.0.0.1) is kept in the database the live server shares with the tests, and would
    otherwise count the log-ins of the tests before it and refuse a later test's log-in."""
    from django.core.cache import cache

    from palermo.web.accounts.models import LoginAttemptCount

    cache.clear()
    with django_db_blocker.unblock():
        LoginAttemptCount.objects.all().delete()


@pytest.fixture(autouse=True)
def _own_audit_checkpoint_file(tmp_path: Path) -> Iterator[None]:
    """Each test its own audit checkpoint file: the live server's database is emptied between
    tests, a file is not (an earlier test's checkpoint of entry #100 broke a later test's
    chain of 10 entries)."""
    from django.test import override_settings

    with override_settings(AUDIT_CHECKPOINT_FILE=tmp_path / "audit-checkpoints"):
        yield
