"""A form posted to a page: the one way a page runs a write and answers.

Every page that writes does the same four things: check the form, call the service, show what
went wrong where it went wrong, or say what was done and move on. ``submit_form`` does them
once, so a page states only what is its own: the form, the service call, the words after
success, where to go then, and how to draw itself again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from palermo.errors import InputError, PalermoError
from palermo.web.lib.errors import http_status, reasons
from palermo.web.lib.problems import show_on_form

T = TypeVar("T")

#: the page drawn again: ``again(status, errors)`` with the reasons for the top of the page
#: (empty when they are on the form already); the bound form keeps its own errors
Again = Callable[[int, list[str]], HttpResponse]


def refusal_on_form_fields(form: forms.BaseForm, exc: PalermoError) -> None:
    """A refusal shown on the form: an ``InputError``'s problems beside their fields (at the
    top of the form when it has no such field), another ``PalermoError``'s reasons at the top
    of the form, in the request's language. For a page that draws itself again in place."""
    if isinstance(exc, InputError):
        show_on_form(form, exc)
        return
    for reason in reasons(exc):
        form.add_error(None, reason)


def refusal_as_messages(request: HttpRequest, refusal: PalermoError | list[str]) -> None:
    """A refusal (a ``PalermoError``, or its reasons already in words) as one error message
    per reason, in the request's language: for a button or a form that goes back to a page."""
    for reason in refusal if isinstance(refusal, list) else reasons(refusal):
        messages.error(request, reason)


def submit_form(
    request: HttpRequest,
    form: forms.BaseForm | None,
    save: Callable[[dict[str, Any]], T],
    *,
    done: str | Callable[[T], str],
    then: HttpResponse | Callable[[T], HttpResponse],
    again: Again,
    refusal_on_form: bool = False,
    problems_on_page: bool = False,
) -> HttpResponse:
    """Run ``save`` on a posted ``form``'s data and answer as every page does.

    - The form does not validate: ``again(422, [])``; its errors are beside its fields.
    - ``save`` raises ``InputError``: each problem beside its field (at the top of the form
      when the form has no such field), ``again(422, [])``.
    - ``save`` raises another ``PalermoError`` (not permitted, a step the workflow refuses, a
      missing consent): its reasons in the request's language at the top of the page,
      ``again(status, reasons)`` with the status of ``lib/errors.http_status`` (403, 409...).
      With ``refusal_on_form`` the reasons go to the top of the form instead, and the status
      is 422, for pages that show no list of errors of their own. With ``problems_on_page``
      an ``InputError``'s problems go to the top of the page as well (422): for a form that
      uploads a file whose problems are about its content, not about a field.
    - Otherwise: ``done`` (text, or made from what ``save`` returned) as a success message,
      then ``then`` (a response, usually a redirect, or made from what ``save`` returned).

    ``save`` runs in one transaction: when it raises, nothing it wrote is kept, even when it
    called more than one service. A form-less step (a button) passes ``form=None``; ``save``
    then gets an empty dict.

    In a view::

        return submit_form(
            request,
            AssistanceForm(request.POST),
            lambda data: services.assistance_record(actor=request.user, ..., **data),
            done=_("Added to the assistance log."),
            then=redirect("consular:detail", pk=pk),
            again=lambda status, errors: render(
                request, "consular/detail.html", {..., "errors": errors}, status=status
            ),
        )
    """
    if form is not None and not form.is_valid():
        return again(422, [])
    try:
        with transaction.atomic():
            result = save(form.cleaned_data if form is not None else {})
    except InputError as exc:
        if form is None or problems_on_page:
            return again(422, reasons(exc))
        refusal_on_form_fields(form, exc)
        return again(422, [])
    except PalermoError as exc:
        if refusal_on_form and form is not None:
            refusal_on_form_fields(form, exc)
            return again(422, [])
        status, _title = http_status(exc)
        return again(status, reasons(exc))
    message = done if isinstance(done, str) else done(result)
    messages.success(request, message)
    return then if isinstance(then, HttpResponse) else then(result)


def submit_button(
    request: HttpRequest,
    run: Callable[[], T],
    *,
    done: str | Callable[[T], str],
    back: HttpResponse,
) -> HttpResponse:
    """A button that goes back to its page whatever happens (sign, confirm, retire): ``run``
    in one transaction, then ``back`` with ``done`` as a success message, or with each reason
    of the refusal (``InputError`` or another ``PalermoError``) as an error message."""

    def again(_status: int, errors: list[str]) -> HttpResponse:
        refusal_as_messages(request, errors)
        return back

    return submit_form(request, None, lambda _data: run(), done=done, then=back, again=again)


@dataclass(frozen=True, slots=True)
class FormPage:
    """A page of one object whose forms post to views of their own and come back to it: the
    case, the consular case, the referral. ``url_name`` is its route (with ``pk``), ``template``
    draws it from ``context(request, pk, errors=[...], **forms)``, where ``forms`` are the
    bound forms to show in place of blank ones."""

    url_name: str
    template: str
    context: Callable[..., dict[str, Any]]

    def submit(
        self,
        request: HttpRequest,
        pk: int,
        form_name: str,
        form: forms.BaseForm | None,
        save: Callable[[dict[str, Any]], object],
        *,
        done: str,
    ) -> HttpResponse:
        """``submit_form`` on this page: back to it with ``done``, or the page again with
        the form (``form_name`` in its context) and its errors; ``form=None`` for a button."""
        bound = {form_name: form} if form is not None else {}

        def again(status: int, errors: list[str]) -> HttpResponse:
            context = self.context(request, pk, errors=errors, **bound)
            return render(request, self.template, context, status=status)

        then = redirect(self.url_name, pk=pk)
        return submit_form(request, form, save, done=done, then=then, again=again)
