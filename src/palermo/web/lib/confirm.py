"""What cannot be undone asks first: a step that needs its confirmation box ticked.

The page shows what will happen next to a required checkbox named ``confirm``; a request
without it (no JavaScript, a stale form, a script) gets the same page back, 422, with the
message at the top, and nothing changes. Services keep their own checks.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import resolve, reverse
from django.utils.translation import gettext as _


def confirmed(request: HttpRequest) -> bool:
    """Whether the confirmation box of the form was ticked."""
    return request.POST.get("confirm") == "yes"


def unconfirmed_page(request: HttpRequest, page: str, *args: object) -> HttpResponse:
    """The page (URL name and arguments) again, 422, saying that nothing changed without the
    box ticked."""
    messages.error(request, _("Tick the box to confirm; nothing was changed."))
    match = resolve(reverse(page, args=args))
    response: HttpResponse = match.func(request, *match.args, **match.kwargs)
    response.status_code = 422
    return response
