"""The inbox: the user's notifications, newest first; open one (marks it read and goes to the
page it is about) or mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import NOTIFICATION_ROLES
from palermo.web.notifications import selectors, services


@allow(NOTIFICATION_ROLES)
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    notes = selectors.notification_list(user=request.user, unread_only=unread_only)
    page = Paginator(notes, 50).get_page(request.GET.get("page"))
    rows = [
        (note, selectors.notification_label(note), selectors.notification_text(note))
        for note in page
    ]
    context = {
        "page": page,
        "rows": rows,
        "unread_only": unread_only,
        "query": "show=unread" if unread_only else "",
    }
    return render(request, "notifications/inbox.html", context)


@allow(NOTIFICATION_ROLES)
@require_POST
def notification_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Mark read; then the page the notification is about (or the inbox, when asked to stay)."""
    note = selectors.notification_get(user=request.user, pk=pk)
    services.notification_mark_read(actor=request.user, notification=note, request=request)
    target = note.url
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    if request.POST.get("stay") or not target or not safe:
        messages.success(request, _("Marked as read."))
        return redirect("notifications:inbox")
    return redirect(target)


@allow(NOTIFICATION_ROLES)
@require_POST
def notification_read_all(request: AuthenticatedRequest) -> HttpResponse:
    unread = list(selectors.notification_list(user=request.user, unread_only=True))
    count = services.notification_mark_all_read(
        actor=request.user, notifications=unread, request=request
    )
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notifications:inbox")
