"""Django for the tests under tests/web only: other tests never import Django.

Every test collected here is marked ``web`` (``make web-sqlite`` / ``make web-postgres``
select them). Settings come from the environment like in production, pointed at a private
temporary data directory; with ``PALERMO_DATABASE_URL`` set the tests run on PostgreSQL in a
test database named after this process, so parallel runs do not collide.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_DATA_DIR = tempfile.mkdtemp(prefix="palermo-web-test-")
os.environ["PALERMO_DATA_DIR"] = _DATA_DIR
os.environ.setdefault("PALERMO_SECRET_KEY", "test-only-" + "x" * 50)
os.environ.setdefault("PALERMO_TEST_DATABASE_NAME", f"test_palermo_{os.getpid()}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palermo.web.settings")
# No random control sample unless a test asks for one: which travellers are kept must not
# depend on chance (tests/web/test_control_sample.py sets the share itself).
os.environ.setdefault("PALERMO_CONTROL_SAMPLE_PER_100000", "0")

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    import django.conf
    from pytest_django.plugin import _setup_django

    django.conf.settings.DATABASES  # noqa: B018  (loads the settings module)
    _setup_django(config)  # django.setup() and pytest-django's database blocker
    from palermo.web.audit.triggers import lift_during_test_flush

    lift_during_test_flush()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.web)


@pytest.fixture
def data_dir() -> Path:
    return Path(_DATA_DIR)


@pytest.fixture(autouse=True)
def _own_audit_checkpoint_file(tmp_path: Path) -> Iterator[None]:
    """Each test its own checkpoint file: the database rolls back between tests, a file
    would not."""
    from django.test import override_settings

    with override_settings(AUDIT_CHECKPOINT_FILE=tmp_path / "audit-checkpoints"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: nothing a test leaves there is seen by the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _page_language_of_the_settings() -> Iterator[None]:
    """Each test starts in the settings' language: a test that activates Chinese (as a request
    in Chinese does on its thread) must not leave the next test's messages in Chinese."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        yield
