"""`palermo web create-agency|create-user|create-token` go through the administration
services: the same checks, and an audit entry naming the command line as the actor."""

from __future__ import annotations

import getpass
import socket

from django.contrib.auth import authenticate
from typer.testing import CliRunner

from palermo.cli.main import app
from palermo.web.accounts.models import Agency, ApiToken, User
from palermo.web.audit.chain import audit_verify
from palermo.web.audit.models import AuditEntry
from palermo.web.testsupport import BaseTestCase

runner = CliRunner()


class TestCommandLineAccountWrites(BaseTestCase):
    def test_create_user_leaves_an_audit_entry_like_the_administration_page(self) -> None:
        result = runner.invoke(
            app,
            ["web", "create-user", "dana", "--agency", "northgate", "--role", "case_worker"],
            input="a long passphrase 42\na long passphrase 42\n",
        )
        assert result.exit_code == 0, result.output
        user = User.objects.get(username="dana")
        assert authenticate(username="dana", password="a long passphrase 42") is not None
        entry = AuditEntry.objects.get(purpose="user created", object_id=str(user.pk))
        assert entry.action == "create"
        assert entry.object_type == "accounts.user"
        assert entry.fields == ["agency", "role", "username"]
        assert entry.actor_id is None
        assert entry.actor_label.startswith("command line (palermo web create-user)")
        assert socket.gethostname() in entry.actor_label
        assert getpass.getuser() in entry.actor_label
        assert audit_verify().ok

    def test_create_agency_and_create_token_are_audited_too(self) -> None:
        made = runner.invoke(
            app, ["web", "create-agency", "eastport", "Eastport", "--kind", "labour"]
        )
        assert made.exit_code == 0, made.output
        agency = Agency.objects.get(code="eastport")
        token = runner.invoke(
            app,
            [
                "web",
                "create-token",
                "Border system",
                "--agency",
                "eastport",
                "--role",
                "first_line_officer",
            ],
        )
        assert token.exit_code == 0, token.output
        record = ApiToken.objects.get(name="Border system")
        labels = dict(
            AuditEntry.objects.filter(
                purpose__in=["agency created", "API token created"]
            ).values_list("object_id", "actor_label")
        )
        assert labels[str(agency.pk)].startswith("command line (palermo web create-agency)")
        assert labels[str(record.pk)].startswith("command line (palermo web create-token)")

    def test_a_refused_write_exits_2_naming_why_and_leaves_nothing(self) -> None:
        result = runner.invoke(
            app,
            ["web", "create-user", "alice", "--agency", "northgate", "--role", "case_worker"],
            input="a long passphrase 42\na long passphrase 42\n",
        )
        assert result.exit_code == 2
        assert "taken" in result.output
        assert not AuditEntry.objects.filter(purpose="user created").exists()
