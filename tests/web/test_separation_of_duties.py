"""Separation of duties for administrators (issue 14, weakness 1): an administrator manages
their own agency only, never reads case content, and cannot create the colleagues that would
let them pass four-eyes or read a case alone: such accounts wait for a second administrator,
who is the one to receive their password or token."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.http import Http404
from django.test import override_settings
from django.urls import reverse

from palermo.web.accounts.models import ApiToken, User
from palermo.web.accounts.services import api_token_create
from palermo.web.administration.models import Confirmation
from palermo.web.administration.services import (
    admin_confirm,
    admin_token_create,
    admin_user_create,
    admin_user_reset_password,
    admin_user_set_role,
)
from palermo.web.audit.models import AuditEntry
from palermo.web.cases.selectors import case_get, case_list, case_personal_data
from palermo.web.exports.selectors import case_export_get
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.roles import Role
from palermo.web.testsupport import BaseTestCase, make_user


def _bearer(token: str) -> dict[str, dict[str, str]]:
    return {"headers": {"Authorization": f"Bearer {token}"}}


class TestAnAdministratorManagesTheirOwnAgencyOnly(BaseTestCase):
    def setUp(self) -> None:
        self.admin = self.user_with_role(Role.ADMINISTRATOR)  # agency A
        self.admin_b = self.user_with_role(Role.ADMINISTRATOR, agency=self.agency_b)

    def test_a_case_worker_account_in_another_agency_is_refused_by_the_service(self) -> None:
        with pytest.raises(NotPermittedError, match="own agency"):
            admin_user_create(
                actor=self.admin, username="mole", agency=self.agency_b, role=Role.CASE_WORKER
            )
        assert not User.objects.filter(username="mole").exists()

    def test_an_api_token_in_another_agency_is_refused_and_cannot_read_its_cases(self) -> None:
        with pytest.raises(NotPermittedError):
            admin_token_create(
                actor=self.admin, name="mole", agency=self.agency_b, role=Role.CASE_WORKER
            )
        assert not ApiToken.objects.filter(name="mole").exists()

    def test_the_pages_offer_and_accept_only_the_own_agency(self) -> None:
        self.login(self.admin)
        page = self.client.get(reverse("administration:user_create"))
        assert self.agency_a.name in page.content.decode()
        assert self.agency_b.name not in page.content.decode()
        form = {"username": "mole", "agency": self.agency_b.pk, "role": "first_line_officer"}
        assert self.client.post(reverse("administration:user_create"), form).status_code == 422
        index = self.client.get(reverse("administration:index")).content.decode()
        assert ">bo</a></td>" not in index
        assert ">chen</a></td>" in index
        url = reverse("administration:user_reset_password", kwargs={"pk": self.outsider.pk})
        assert self.client.post(url).status_code == 404

    @override_settings(NATIONAL_AGENCY="harbour")
    def test_the_national_body_asks_and_the_owning_agency_confirms(self) -> None:
        national = self.admin_b  # agency B is the national body here
        user, password = admin_user_create(
            actor=national, username="dana", agency=self.agency_a, role=Role.CASE_WORKER
        )
        assert password is None
        assert not User.objects.get(pk=user.pk).is_active
        waiting = Confirmation.objects.get(account=user)
        second_national = make_user("nat2", agency=self.agency_b, role=Role.ADMINISTRATOR)
        with pytest.raises(NotPermittedError):
            admin_confirm(actor=second_national, confirmation=waiting)
        _done, secret = admin_confirm(actor=self.admin, confirmation=waiting)
        assert secret is not None
        assert authenticate(username="dana", password=secret) is not None


class TestOneAdministratorCannotPassFourEyesAlone(BaseTestCase):
    def setUp(self) -> None:
        self.admin = self.user_with_role(Role.ADMINISTRATOR)
        self.second = make_user("second-admin", agency=self.agency_a, role=Role.ADMINISTRATOR)

    def test_two_new_analysts_wait_and_their_creator_cannot_confirm_them(self) -> None:
        for name in ("analyst-1", "analyst-2"):
            user, password = admin_user_create(
                actor=self.admin, username=name, agency=self.agency_a, role=Role.RISK_ANALYST
            )
            assert password is None
            assert not user.is_active
            assert authenticate(username=name, password="") is None
            with pytest.raises(NotPermittedError, match="second administrator"):
                admin_confirm(actor=self.admin, confirmation=Confirmation.objects.get(account=user))

    def test_the_second_administrator_confirms_and_alone_receives_the_password(self) -> None:
        user, _none = admin_user_create(
            actor=self.admin, username="ana", agency=self.agency_a, role=Role.RISK_ANALYST
        )
        done, secret = admin_confirm(
            actor=self.second, confirmation=Confirmation.objects.get(account=user)
        )
        assert done.confirmed is True
        assert authenticate(username="ana", password=secret) is not None
        purposes = list(AuditEntry.objects.order_by("seq").values_list("purpose", flat=True))
        assert purposes[-5:] == [
            "user created",
            "user awaits confirmation",
            "confirmation requested",
            "confirmed change applied",
            "confirmation given",
        ]

    def test_a_promotion_to_supervisor_waits_and_the_role_stays_until_confirmed(self) -> None:
        waiting = admin_user_set_role(actor=self.admin, user=self.officer, role=Role.SUPERVISOR)
        assert waiting is not None
        assert User.objects.get(pk=self.officer.pk).role == Role.FIRST_LINE_OFFICER
        admin_confirm(actor=self.second, confirmation=waiting)
        assert User.objects.get(pk=self.officer.pk).role == Role.SUPERVISOR

    def test_a_password_reset_of_an_existing_supervisor_is_issued_by_the_second_one(self) -> None:
        assert admin_user_reset_password(actor=self.admin, user=self.supervisor) is None
        waiting = Confirmation.objects.get(account=self.supervisor)
        _done, secret = admin_confirm(actor=self.second, confirmation=waiting)
        assert authenticate(username=self.supervisor.username, password=secret) is not None

    def test_a_case_worker_token_works_only_with_the_secret_given_at_confirmation(self) -> None:
        record, token = admin_token_create(
            actor=self.admin, name="Shelter system", agency=self.agency_a, role=Role.CASE_WORKER
        )
        assert token is None
        self.open_case()
        waiting = Confirmation.objects.get(account=record.user)
        _done, secret = admin_confirm(actor=self.second, confirmation=waiting)
        assert secret is not None
        assert self.client.get("/api/cases", **_bearer(secret)).status_code == 200

    def test_the_page_shows_the_request_with_a_confirm_button_to_the_second_one_only(
        self,
    ) -> None:
        self.login(self.admin)
        form = {"username": "ana", "agency": self.agency_a.pk, "role": "risk_analyst"}
        response = self.client.post(reverse("administration:user_create"), form, follow=True)
        assert "second administrator" in response.content.decode()
        waiting = Confirmation.objects.get(account__username="ana")
        confirm = reverse("administration:confirm", kwargs={"pk": waiting.pk})
        assert confirm not in response.content.decode()
        self.client.post(confirm)
        assert not User.objects.get(username="ana").is_active
        self.login(self.second)
        assert confirm in self.client.get(reverse("administration:index")).content.decode()
        shown = self.client.post(confirm)
        assert shown["Cache-Control"] == "no-store"
        assert authenticate(username="ana", password=shown.context["secret"]) is not None


class TestAdministratorsSeeNoCaseContent(BaseTestCase):
    def setUp(self) -> None:
        self.admin = self.user_with_role(Role.ADMINISTRATOR)
        self.case = self.open_case()

    def test_the_case_selectors_answer_not_found(self) -> None:
        with pytest.raises(Http404):
            case_get(user=self.admin, pk=self.case.pk)
        assert list(case_list(user=self.admin)) == []
        assert case_personal_data(user=self.admin, case=self.case, purpose="x") is None

    def test_the_export_selector_answers_not_found(self) -> None:
        with pytest.raises(Http404):
            case_export_get(user=self.admin, pk=self.case.pk)

    def test_even_past_the_role_declarations_pages_api_and_export_answer_not_found(
        self,
    ) -> None:
        """Were a view or API operation opened to administrators by mistake, the selectors
        behind it still answer 404: the rule does not rest on the declarations alone."""
        from django.test import RequestFactory

        from palermo.web.api import api as case_api
        from palermo.web.cases import views as case_views
        from palermo.web.exports import views as export_views

        request = RequestFactory().get("/")
        request.user = self.admin
        for call in (
            lambda: case_views.case_detail_view.__wrapped__(request, self.case.pk),
            lambda: export_views.case_export_view.__wrapped__(request, self.case.pk),
            lambda: case_api.case_detail(request, self.case.pk),
        ):
            with pytest.raises(Http404):
                call()
        listed = case_views.case_list_view.__wrapped__(request).content.decode()
        assert self.case.reference not in listed

    def test_case_pages_case_api_and_case_export_show_nothing(self) -> None:
        self.login(self.admin)
        for url in (
            reverse("cases:list"),
            reverse("cases:detail", kwargs={"pk": self.case.pk}),
            reverse("exports:case", kwargs={"pk": self.case.pk}),
        ):
            response = self.client.get(url)
            assert response.status_code in {403, 404}, url
            assert "Li Wei" not in response.content.decode()
        # a token acting as an administrator (made below the services, which refuse it)
        _row, token = api_token_create(
            name="admin system", agency=self.agency_a, role=Role.ADMINISTRATOR, created_by=None
        )
        for url in ("/api/cases", f"/api/cases/{self.case.pk}"):
            response = self.client.get(url, **_bearer(token))
            assert response.status_code in {403, 404}, url
            assert "Li Wei" not in response.content.decode()

    def test_a_token_may_never_act_as_an_administrator(self) -> None:
        from palermo.errors import InputError

        with pytest.raises(InputError):
            admin_token_create(
                actor=self.admin, name="x", agency=self.agency_a, role=Role.ADMINISTRATOR
            )
