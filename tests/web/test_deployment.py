"""The deployment profile: security headers on every response, a strict Content-Security-Policy,
no caching of pages or API answers, HTTPS and proxy settings from the environment, and
``palermo web check --deploy`` clean in the configuration the README documents."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from ipaddress import ip_network
from pathlib import Path

from django.test import RequestFactory, SimpleTestCase, override_settings
from flow_fixtures import flagged_traveller

from palermo.web.accounts.services import api_token_create
from palermo.web.lib.roles import Role
from palermo.web.lib.security import client_address
from palermo.web.testsupport import BaseTestCase

ROOT = Path(__file__).resolve().parents[2]


def documented_production_environment() -> dict[str, str]:
    """The ``sh`` block of the README's "Production settings" section, as variables."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Production settings", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the README's Production settings section lost its sh block"
    pairs = (line.split("=", 1) for line in block.group(1).splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def run_check(environment: dict[str, str], tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # the browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE (async.E001 in a deployment)
        if not key.startswith(("PALERMO_", "DJANGO_"))
    }
    env.update(environment)
    env["PALERMO_DATA_DIR"] = str(tmp)
    return subprocess.run(
        [sys.executable, "-m", "palermo.cli.main", "web", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class TestCheckDeploy(SimpleTestCase):
    def test_the_default_configuration_fails_the_deployment_check_naming_each_warning(
        self,
    ) -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            result = run_check({}, Path(tmp))
        assert result.returncode == 2, result.stdout + result.stderr
        for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
            assert warning in result.stdout + result.stderr

    def test_the_documented_production_configuration_passes_with_no_warning(self) -> None:
        import tempfile

        environment = documented_production_environment()
        assert environment["PALERMO_HSTS_SECONDS"] == "31536000"
        with tempfile.TemporaryDirectory() as tmp:
            secret = Path(tmp) / "secret-key"
            secret.write_text("s" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz" * 2)
            keys = Path(tmp) / "field-keys"
            keys.write_text(
                subprocess.run(
                    [sys.executable, "-m", "palermo.cli.main", "keys", "generate"],
                    capture_output=True,
                    text=True,
                    check=True,
                    env={**os.environ, "PALERMO_DATA_DIR": tmp},
                ).stdout.strip()
            )
            environment["PALERMO_SECRET_KEY_FILE"] = str(secret)
            environment["PALERMO_FIELD_KEYS_FILE"] = str(keys)
            result = run_check(environment, Path(tmp) / "data")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_a_believed_proxy_header_without_a_trusted_proxy_is_a_warning(self) -> None:
        import tempfile

        environment = documented_production_environment()
        environment.pop("PALERMO_TRUSTED_PROXIES")
        environment.pop("PALERMO_SECRET_KEY_FILE")
        environment.pop("PALERMO_FIELD_KEYS_FILE")
        with tempfile.TemporaryDirectory() as tmp:
            result = run_check(environment, Path(tmp))
        assert result.returncode == 2
        assert "palermo.W010" in result.stdout + result.stderr


class TestClientAddress(SimpleTestCase):
    factory = RequestFactory()

    def test_a_forwarded_address_counts_only_from_a_trusted_proxy(self) -> None:
        request = self.factory.get(
            "/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9"
        )
        assert client_address(request, proxies=[]) == "198.51.100.7"
        assert client_address(request, proxies=[ip_network("10.0.0.0/8")]) == "198.51.100.7"
        assert client_address(request, proxies=[ip_network("198.51.100.7")]) == "203.0.113.9"

    def test_a_client_cannot_hide_behind_an_address_it_writes_itself(self) -> None:
        # the client sent "X-Forwarded-For: 1.1.1.1"; the proxy appended the real address
        request = self.factory.get(
            "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9"
        )
        assert client_address(request, proxies=[ip_network("10.0.0.2")]) == "203.0.113.9"

    def test_a_malformed_hop_stops_the_walk_at_the_last_trusted_address(self) -> None:
        request = self.factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="nonsense")
        assert client_address(request, proxies=[ip_network("10.0.0.2")]) == "10.0.0.2"


class TestResponseHeaders(BaseTestCase):
    def test_every_page_carries_a_content_security_policy_without_inline_code(self) -> None:
        response = self.client.get("/accounts/login/")
        policy = response["Content-Security-Policy"]
        assert "default-src 'none'" in policy
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy

    def test_case_pages_are_never_stored_by_a_browser_or_proxy(self) -> None:
        case = self.open_case()
        self.login(self.caseworker)
        for url in ("/cases/", f"/cases/{case.pk}/"):
            response = self.client.get(url)
            assert response.status_code == 200, url
            assert "no-store" in response["Cache-Control"], url

    def test_traveller_pages_are_never_stored(self) -> None:
        traveller = flagged_traveller(self)
        self.login(self.officer)
        response = self.client.get(f"/screening/travellers/{traveller.pk}/")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]

    def test_api_case_answers_are_never_stored(self) -> None:
        case = self.open_case()
        _record, token = api_token_create(
            name="records system", agency=self.agency_a, role=Role.CASE_WORKER, created_by=None
        )
        response = self.client.get(f"/api/cases/{case.pk}", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "Content-Security-Policy" in response

    @override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31536000)
    def test_plain_http_is_redirected_and_https_answers_carry_hsts(self) -> None:
        response = self.client.get("/accounts/login/")
        assert response.status_code == 301
        assert response["Location"].startswith("https://")
        secure = self.client.get("/accounts/login/", secure=True)
        assert secure.status_code == 200
        assert secure["Strict-Transport-Security"].startswith("max-age=31536000")

    @override_settings(
        SECURE_SSL_REDIRECT=True,
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
        TRUSTED_PROXIES=(ip_network("127.0.0.1"),),
    )
    def test_behind_the_proxy_a_forwarded_https_request_is_not_redirected(self) -> None:
        response = self.client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
        assert response.status_code == 200
