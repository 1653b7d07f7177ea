"""Administration pages: agencies, users and API tokens, through audited services; secrets
are shown once; the administrator never reaches case content."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.test import override_settings
from django.urls import reverse

from palermo.web.accounts.models import Agency, ApiToken, User
from palermo.web.accounts.services import token_digest
from palermo.web.audit.models import AuditEntry
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase


class TestAdministration(BaseTestCase):
    def setUp(self) -> None:
        self.admin = self.user_with_role(Role.ADMINISTRATOR)
        self.login(self.admin)

    def purposes(self) -> list[str]:
        return list(AuditEntry.objects.order_by("seq").values_list("purpose", flat=True))

    def test_an_administrator_creates_and_edits_an_agency(self) -> None:
        form = {"name": "Eastport labour office", "kind": "labour", "code": "eastport"}
        assert self.client.post(reverse("administration:agency_create"), form).status_code == 302
        agency = Agency.objects.get(code="eastport")
        again = self.client.post(reverse("administration:agency_create"), form)
        assert again.status_code == 422
        assert "exists" in again.content.decode()
        assert (
            self.client.get(
                reverse("administration:agency_edit", kwargs={"pk": agency.pk})
            ).status_code
            == 404
        )  # not their agency: it gets its accounts from the command line
        url = reverse("administration:agency_edit", kwargs={"pk": self.agency_a.pk})
        self.client.post(url, {"name": "Northgate border crossing", "kind": "border_post"})
        assert Agency.objects.get(pk=self.agency_a.pk).name == "Northgate border crossing"
        assert self.purposes()[-2:] == ["agency created", "agency changed"]

    @override_settings(NATIONAL_AGENCY="harbour")
    def test_with_a_national_body_only_it_creates_agencies(self) -> None:
        form = {"name": "Eastport labour office", "kind": "labour", "code": "eastport"}
        refused = self.client.post(reverse("administration:agency_create"), form)
        assert refused.status_code == 422
        assert "national administration" in refused.content.decode()
        self.login(self.user_with_role(Role.ADMINISTRATOR, agency=self.agency_b))
        assert self.client.post(reverse("administration:agency_create"), form).status_code == 302

    def test_a_new_user_gets_a_one_time_password_shown_once(self) -> None:
        form = {"username": "dana", "agency": self.agency_a.pk, "role": "first_line_officer"}
        response = self.client.post(reverse("administration:user_create"), form)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        password = response.context["secret"]
        assert password in response.content.decode()
        assert authenticate(username="dana", password=password) is not None
        assert password not in self.client.get(reverse("administration:index")).content.decode()
        assert "user created" in self.purposes()

    def test_role_change_deactivation_and_password_reset_are_audited(self) -> None:
        target = self.officer
        self.client.post(
            reverse("administration:user_role", kwargs={"pk": target.pk}), {"role": "trainer"}
        )
        assert User.objects.get(pk=target.pk).role == "trainer"
        reset = self.client.post(
            reverse("administration:user_reset_password", kwargs={"pk": target.pk})
        )
        password = reset.context["secret"]
        assert authenticate(username=target.username, password=password) is not None
        self.client.post(
            reverse("administration:user_deactivate", kwargs={"pk": target.pk}), {"confirm": "yes"}
        )
        assert not User.objects.get(pk=target.pk).is_active
        assert self.purposes()[-3:] == ["role changed", "password reset", "user deactivated"]
        entry = AuditEntry.objects.filter(purpose="password reset").get()
        assert password not in str(entry.detail)

    def test_an_administrator_cannot_demote_or_deactivate_themselves(self) -> None:
        url = reverse("administration:user_deactivate", kwargs={"pk": self.admin.pk})
        response = self.client.post(url, {"confirm": "yes"}, follow=True)
        assert "another administrator" in response.content.decode()
        assert User.objects.get(pk=self.admin.pk).is_active

    def test_a_token_is_shown_once_stored_as_a_hash_and_can_be_revoked(self) -> None:
        form = {"name": "Border control", "agency": self.agency_a.pk, "role": "first_line_officer"}
        response = self.client.post(reverse("administration:token_create"), form)
        token = response.context["secret"]
        record = ApiToken.objects.get(name="Border control")
        assert record.digest == token_digest(token)
        assert token not in self.client.get(reverse("administration:index")).content.decode()
        api = self.client.post(
            "/api/screenings",
            {"record_id": "x"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert api.status_code != 401
        self.client.post(reverse("administration:token_revoke", kwargs={"pk": record.pk}))
        assert ApiToken.objects.get(pk=record.pk).revoked_at is not None
        refused = self.client.post(
            "/api/screenings",
            {"record_id": "x"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert refused.status_code == 401

    def test_other_roles_cannot_use_the_administration_services(self) -> None:
        self.login(self.supervisor)
        response = self.client.post(
            reverse("administration:user_deactivate", kwargs={"pk": self.officer.pk}),
            {"confirm": "yes"},
        )
        assert response.status_code == 403
        assert User.objects.get(pk=self.officer.pk).is_active
