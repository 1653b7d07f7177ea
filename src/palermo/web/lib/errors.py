"""The one place where domain errors become HTTP responses (pages and API alike).

Services raise ``palermo.errors.PalermoError`` subclasses; nothing else in the web
application chooses a status code for them.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
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


class _FixedMessageError(PalermoError):
    """An error whose message is fixed text in English (``EN``) and Chinese (``ZH``)."""

    EN = ""
    ZH = ""

    def __init__(self) -> None:
        super().__init__(f"{self.EN} / {self.ZH}")

    def text(self, lang: str | None = None) -> str:
        if lang is None:
            return str(self)
        return self.ZH if lang.lower().startswith("zh") else self.EN


class DatabaseUnavailableError(_FixedMessageError):
    """The database did not answer (restarting, failing over, or its disk is full): the
    request's transaction was rolled back, nothing was saved; the client may try again."""

    EN = "The database is not answering at the moment; nothing was saved. Try again shortly."
    ZH = "数据库暂时没有响应；未保存任何内容。请稍后重试。"


class StorageFullError(_FixedMessageError):
    """The server's disk is full: what was being written was rolled back or removed."""

    EN = "The server's disk is full; nothing was saved. Tell the administrator."
    ZH = "服务器磁盘已满；未保存任何内容。请通知管理员。"


def disk_full(exc: BaseException) -> bool:
    """Whether an error says the disk is full (the OS's ENOSPC, SQLite's SQLITE_FULL)."""
    if isinstance(exc, OSError) and exc.errno in {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}:
        return True
    return isinstance(exc, OperationalError) and "disk is full" in str(exc)


#: seconds a client is asked to wait after a 503 (a PostgreSQL restart takes a few)
RETRY_AFTER_SECONDS = 5


def unavailable_database(exc: BaseException) -> PalermoError | None:
    """The domain error for a full disk or a lost database connection, else None."""
    if disk_full(exc):
        return StorageFullError()
    if isinstance(exc, (OperationalError, InterfaceError)):
        return DatabaseUnavailableError()
    return None


_STATUS: list[tuple[type[PalermoError], int, object]] = [
    (BadParameterError, 400, gettext_lazy("The request was not accepted")),
    (InputError, 422, gettext_lazy("The input was not accepted")),
    (EditConflictError, 409, gettext_lazy("Changed by someone else")),
    (ConsentRequiredError, 403, gettext_lazy("Consent required")),
    (NotPermittedError, 403, gettext_lazy("Not allowed")),
    (TransitionRefusedError, 409, gettext_lazy("Step not allowed")),
    (DatabaseUnavailableError, 503, gettext_lazy("Temporarily unavailable")),
    (StorageFullError, 507, gettext_lazy("The server's disk is full")),
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
            unavailable = unavailable_database(exc)
            if unavailable is None:
                return None
            exc = unavailable
        status, title = http_status(exc)
        body: str
        try:
            body = render_to_string(
                "error.html",
                {"status": status, "title": title, "reasons": reasons(exc)},
                request=request,
            )
        except (OperationalError, InterfaceError):  # the page's menu reads the user again
            body = exc.text(request_language())
        response = HttpResponse(body, status=status)
        if status == 503:
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
