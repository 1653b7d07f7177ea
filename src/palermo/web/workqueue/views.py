"""The home page: what waits for this person, with counts, and their unread notifications."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import ALL_ROLES
from palermo.web.workqueue.selectors import unread_notifications, work_queue


@allow(ALL_ROLES)
def home(request: AuthenticatedRequest) -> HttpResponse:
    items = work_queue(user=request.user)
    unread, newest = unread_notifications(user=request.user)
    context = {
        "items": items,
        "waiting": sum(item.count for item in items),
        "unread": unread,
        "newest": newest,
    }
    return render(request, "home.html", context)
