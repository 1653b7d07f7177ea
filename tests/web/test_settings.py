from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import SimpleTestCase, override_settings

from palermo.web.lib.env import (
    ConfigurationError,
    env_bool,
    env_int,
    env_list,
    env_secret,
    parse_database_url,
)


class TestEnvironmentReaders(SimpleTestCase):
    def test_a_malformed_number_names_the_variable_and_value(self) -> None:
        with pytest.raises(ConfigurationError, match=r"PALERMO_X='3O': expected a whole number"):
            env_int("PALERMO_X", 1, environ={"PALERMO_X": "3O"})

    def test_a_number_out_of_range_is_refused(self) -> None:
        with pytest.raises(ConfigurationError, match="at least 1"):
            env_int("N", 5, minimum=1, environ={"N": "0"})

    def test_booleans_accept_only_known_words(self) -> None:
        assert env_bool("B", False, environ={"B": "ON"}) is True
        with pytest.raises(ConfigurationError, match="expected one of"):
            env_bool("B", False, environ={"B": "maybe"})

    def test_an_empty_list_item_is_refused(self) -> None:
        with pytest.raises(ConfigurationError, match="empty item"):
            env_list("HOSTS", [], environ={"HOSTS": "a,,b"})

    def test_a_secret_can_come_from_a_file_but_not_from_both(self) -> None:
        assert env_secret("S", environ={}) is None
        with pytest.raises(ConfigurationError, match="both set"):
            env_secret("S", environ={"S": "a", "S_FILE": "/x"})
        with pytest.raises(ConfigurationError, match="cannot read"):
            env_secret("S", environ={"S_FILE": "/nonexistent/secret"})

    def test_database_urls_are_parsed_strictly(self) -> None:
        url = parse_database_url(
            "U", "postgres://app:p%40ss@db.example:6432/palermo?sslmode=require"
        )
        assert (url.user, url.password, url.host, url.port, url.name) == (
            "app",
            "p@ss",
            "db.example",
            "6432",
            "palermo",
        )
        assert url.options == {"sslmode": "require"}
        for bad in ("postgres://host", "postgres://h:port/db", "sqlite:///x"):
            with pytest.raises(ConfigurationError):
                parse_database_url("U", bad)


def test_a_bad_value_stops_the_application_at_start_up(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            "DJANGO_SETTINGS_MODULE": "palermo.web.settings",
            "PALERMO_DATA_DIR": str(tmp_path),
            "PALERMO_SESSION_IDLE_MINUTES": "half an hour",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "PALERMO_SESSION_IDLE_MINUTES='half an hour': expected a whole number" in result.stderr


def _ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=False)}


class TestSystemChecks(SimpleTestCase):
    def test_the_test_configuration_passes_every_check(self) -> None:
        assert {i for i in _ids() if i.startswith("palermo.")} == set()

    def test_an_unwritable_data_directory_is_an_error(self) -> None:
        with override_settings(DATA_DIR=Path("/proc/palermo-cannot-exist")):
            assert "palermo.E001" in _ids()

    def test_argon2_must_be_the_first_password_hasher(self) -> None:
        hashers = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
        with override_settings(PASSWORD_HASHERS=hashers):
            assert "palermo.E002" in _ids()

    def test_malformed_field_keys_are_an_error(self) -> None:
        with override_settings(FIELD_KEYS="not-a-key"):
            assert "palermo.E003" in _ids()

    def test_debug_mode_is_a_warning(self) -> None:
        with override_settings(DEBUG=True):
            assert "palermo.W001" in _ids()

    def test_a_short_secret_key_is_a_warning(self) -> None:
        with override_settings(SECRET_KEY="short"):
            assert "palermo.W002" in _ids()

    def test_a_long_idle_timeout_is_a_warning(self) -> None:
        with override_settings(SESSION_IDLE_MINUTES=600):
            assert "palermo.W003" in _ids()
