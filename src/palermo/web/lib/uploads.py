"""Request bodies and uploads bounded before their bytes are read.

``BodyLimitMiddleware`` runs before the CSRF check (which parses a POST body): a request
whose ``Content-Length`` is larger than its view allows is answered 413, with the reason in
the page's language, before Django reads a byte of it. A view that takes a file declares its
own limit with ``@body_limit("SETTING")``; every other view takes at most
``DATA_UPLOAD_MAX_MEMORY_SIZE``. Forms then check each file's declared size
(``UploadedFile.size``) before reading it (``refuse_large_upload``); Django has already
streamed files above ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to ``FILE_UPLOAD_TEMP_DIR`` (0700) by then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

F = TypeVar("F", bound=Callable[..., Any])

FORM_ROOM = 64 * 1024
"""Bytes allowed beside the file: the multipart framing and the form's other fields."""


def body_limit(setting: str) -> Callable[[F], F]:
    """Declare that a view takes a body of up to ``settings.<setting>`` bytes (+ form room)."""

    def declare(view: F) -> F:
        view.palermo_body_limit = setting  # type: ignore[attr-defined]
        return view

    return declare


def limit_of(view: Callable[..., Any]) -> int:
    """The largest body ``view`` accepts, in bytes."""
    setting = getattr(view, "palermo_body_limit", None)
    if setting is None:
        return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + FORM_ROOM
    return int(getattr(settings, setting)) + FORM_ROOM


def too_large(limit: int) -> str:
    """The reason, in the request's language."""
    return _("The file is larger than %(size)s.") % {"size": filesizeformat(limit)}


def declared_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


class BodyLimitMiddleware(MiddlewareMixin):
    """Answer 413 to a body larger than its view allows, before anything reads it."""

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: Any,
        kwargs: Any,
    ) -> HttpResponse | None:
        limit = limit_of(view)
        if declared_length(request) <= limit:
            return None
        title, reason = _("The request is too large"), too_large(limit - FORM_ROOM)
        if request.path_info.startswith("/api/"):  # the API answers in JSON, as its ErrorOut
            response: HttpResponse = JsonResponse({"error": title, "reasons": [reason]}, status=413)
            response["Connection"] = "close"
            return response
        body = render_to_string(
            "error.html",
            {
                "status": 413,
                "title": title,
                "reasons": [reason],
            },
            request=request,
        )
        response = HttpResponse(body, status=413)
        response["Connection"] = "close"  # the unread body must not be taken as a request
        return response


def refuse_large_upload(upload: Any, setting: str) -> None:
    """``ValidationError`` when ``upload`` (an ``UploadedFile``) is larger than
    ``settings.<setting>``, decided from its size before a byte of it is read."""
    limit = int(getattr(settings, setting))
    if upload is not None and int(upload.size or 0) > limit:
        raise forms.ValidationError(too_large(limit), code="too_large")
