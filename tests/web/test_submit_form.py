"""A form posted to a page (``palermo.web.lib.submit``): what the person sees after each
outcome, and that a refused write leaves nothing behind."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.test import RequestFactory, TestCase
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.web.accounts.models import Agency
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import AgencyKind
from palermo.web.lib.submit import submit_button, submit_form


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)


class Page:
    """What ``again`` was called with: the status and the reasons for the top of the page."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, list[str]]] = []

    def again(self, status: int, errors: list[str]) -> HttpResponse:
        self.calls.append((status, errors))
        return HttpResponse(status=status)


def posted(data: dict[str, str]) -> HttpRequest:
    request = RequestFactory().post("/somewhere/", data)
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]
    return request


def shown(request: HttpRequest) -> list[str]:
    return [str(m) for m in get_messages(request)]


def bad_name(_data: dict[str, Any]) -> None:
    raise InputError(
        [problem(where=gettext_lazy("Name"), rule=gettext_lazy("already taken"), field="name")]
    )


def refused(_data: dict[str, Any]) -> None:
    raise TransitionRefusedError("The case is closed.")


class TestSubmitForm(TestCase):
    def submit(self, save: Any, data: dict[str, str] | None = None, **kwargs: Any) -> HttpResponse:
        self.request = posted(data if data is not None else {"name": "Wei"})
        self.form = NameForm(self.request.POST)
        self.page = Page()
        return submit_form(
            self.request,
            self.form,
            save,
            done=lambda name: f"Saved {name}.",
            then=lambda name: redirect(f"/done/{name}/"),
            again=self.page.again,
            **kwargs,
        )

    def test_a_field_left_empty_is_shown_beside_it_and_nothing_is_saved(self) -> None:
        saved: list[dict[str, Any]] = []
        response = self.submit(saved.append, data={"name": ""})
        assert response.status_code == 422
        assert saved == []
        assert "name" in self.form.errors
        assert self.page.calls == [(422, [])]

    def test_a_field_error_from_the_service_is_shown_inline_beside_its_field(self) -> None:
        response = self.submit(bad_name)
        assert response.status_code == 422
        assert self.form.errors["name"] == ["already taken"]
        assert self.page.calls == [(422, [])], "nothing at the top of the page"
        assert shown(self.request) == []

    def test_a_domain_error_is_shown_as_a_message_at_the_top_with_its_status(self) -> None:
        response = self.submit(refused)
        assert response.status_code == 409
        assert self.page.calls == [(409, ["The case is closed."])]
        assert not self.form.errors
        assert shown(self.request) == []

    def test_a_refusal_of_the_role_answers_forbidden(self) -> None:
        def not_yours(_data: dict[str, Any]) -> None:
            raise NotPermittedError("Only the agency that owns the case can do this.")

        assert self.submit(not_yours).status_code == 403

    def test_a_domain_error_can_be_shown_at_the_top_of_the_form_instead(self) -> None:
        response = self.submit(refused, refusal_on_form=True)
        assert response.status_code == 422
        assert self.form.non_field_errors() == ["The case is closed."]
        assert self.page.calls == [(422, [])]

    def test_success_says_what_was_done_and_redirects(self) -> None:
        response = self.submit(lambda data: data["name"])
        assert response.status_code == 302
        assert response["Location"] == "/done/Wei/"
        assert shown(self.request) == ["Saved Wei."]
        assert self.page.calls == []

    def test_nothing_is_written_when_the_save_is_refused_after_a_first_write(self) -> None:
        def two_writes(data: dict[str, Any]) -> None:
            Agency.objects.create(code="half", name=data["name"], kind=AgencyKind.NGO)
            refused(data)

        self.submit(two_writes)
        assert not Agency.objects.filter(code="half").exists()

    def test_a_button_without_a_form_shows_bad_input_at_the_top_of_the_page(self) -> None:
        self.request = posted({})
        page = Page()
        response = submit_form(
            self.request,
            None,
            bad_name,
            done="Saved.",
            then=redirect("/done/"),
            again=page.again,
        )
        assert response.status_code == 422
        assert page.calls == [(422, ["Name: field 'name': already taken"])]

    def test_a_file_s_problems_can_be_listed_at_the_top_of_the_page(self) -> None:
        response = self.submit(bad_name, problems_on_page=True)
        assert response.status_code == 422
        assert not self.form.errors
        assert self.page.calls == [(422, ["Name: field 'name': already taken"])]

    def test_a_refused_button_goes_back_with_the_reasons_as_error_messages(self) -> None:
        self.request = posted({})
        back = redirect("/case/7/")
        response = submit_button(self.request, lambda: refused({}), done="Signed.", back=back)
        assert response is back
        assert shown(self.request) == ["The case is closed."]

    def test_a_button_that_works_goes_back_saying_what_was_done(self) -> None:
        self.request = posted({})
        back = redirect("/case/7/")
        response = submit_button(self.request, lambda: 3, done=lambda n: f"{n} signed.", back=back)
        assert response is back
        assert shown(self.request) == ["3 signed."]
