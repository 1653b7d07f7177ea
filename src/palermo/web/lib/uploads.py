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

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

from palermo.errors import InputError
from palermo.lib.files import private_dir
from palermo.web.lib.problems import checked_upload_name, file_too_large, problem_text
from palermo.web.lib.sealed import open_private

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


@contextlib.contextmanager
def opened_upload(
    upload: Any, *, default: str, suffixes: Iterable[str], setting: str
) -> Iterator[Path]:
    """An uploaded file as a plaintext file for the length of one run, then deleted.

    For readers that need a path (Parquet, CSV, JSON Lines through ``palermo.records``): the
    bytes are copied from the (sealed) upload into a fresh 0700 directory under
    ``DATA_DIR/runs``, under the uploaded file's own name, at most ``settings.<setting>``
    bytes; the directory is removed when the ``with`` block ends, whatever happens in it.
    ``InputError`` (naming the file) for a type not in ``suffixes`` or a file too large.
    Problems a reader finds name the file by the path; ``named_problems`` gives them back with
    the person's name for it.
    """
    name, _suffix = checked_upload_name(upload.name, default=default, suffixes=suffixes)
    limit = int(getattr(settings, setting))
    folder = private_dir(private_dir(Path(settings.DATA_DIR) / "runs") / uuid.uuid4().hex)
    path = folder / name
    try:
        with os.fdopen(open_private(path), "wb") as out:
            size = 0
            for chunk in upload.chunks():
                size += len(chunk)
                if size > limit:
                    raise file_too_large(name, limit)
                out.write(chunk)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def named_problems(exc: InputError, path: Path, lang: str | None = None) -> list[str]:
    """Each problem of ``exc`` in the request's language (or ``lang``), the run's path to the
    file replaced by the file's own name: what, where (row, field) and why."""
    texts = []
    for each in exc.problems:
        text = problem_text(each, lang)
        texts.append(text.replace(str(path), path.name))
    return texts
