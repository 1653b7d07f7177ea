"""The one place where domain errors become HTTP responses (pages and API alike).

Services raise ``palermo.errors.PalermoError`` subclasses; nothing else in the web
application chooses a status code for them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, PalermoError
from palermo.web.lib.params import BadParameterError
from palermo.web.lib.problems import error_reasons, request_language


class EditConflictError(PalermoError):
    """Someone else changed the object since it was loaded (optimistic concurrency)."""


class ConsentRequiredError(PalermoError):
    """The action needs a consent the person has not given (or has withdrawn)."""


class TransitionRefusedError(PalermoError):
    """The workflow does not allow this step from the object's current state."""


class NotPermittedError(PalermoError):
    """The actor's role or agency does not allow this action."""


_STATUS: list[tuple[type[PalermoError], int, object]] = [
    (BadParameterError, 400, gettext_lazy("The request was not accepted")),
    (InputError, 422, gettext_lazy("The input was not accepted")),
    (EditConflictError, 409, gettext_lazy("Changed by someone else")),
    (ConsentRequiredError, 403, gettext_lazy("Consent required")),
    (NotPermittedError, 403, gettext_lazy("Not allowed")),
    (TransitionRefusedError, 409, gettext_lazy("Step not allowed")),
    (PalermoError, 400, gettext_lazy("The request was not accepted")),
]


def http_status(exc: PalermoError) -> tuple[int, str]:
    """The HTTP status and short title for a domain error."""
    for kind, status, title in _STATUS:
        if isinstance(exc, kind):
            return status, str(title)
    return 400, _("The request was not accepted")  # pragma: no cover  (PalermoError row)


def reasons(exc: PalermoError) -> list[str]:
    """The reasons of a domain error in the language of the current request."""
    return error_reasons(exc, request_language())


class DomainErrorMiddleware:
    """Render a ``PalermoError`` that escaped a page view as an error page with its reasons."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, PalermoError):
            return None
        status, title = http_status(exc)
        body = render_to_string(
            "error.html",
            {"status": status, "title": title, "reasons": reasons(exc)},
            request=request,
        )
        return HttpResponse(body, status=status)
