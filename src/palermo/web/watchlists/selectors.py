"""Reads of watchlists, for the risk analysts and supervisors of the agency that holds them.

Lists are agency-held: their entries are personal data the holding agency answers for, so
another agency's analysts neither see them nor learn their ids (``Http404``). Matching is
national: every active, unexpired list screens every agency's travellers, and a hit names the
list and the entry, never the other entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy

from palermo.screening.watchlists import Entry
from palermo.screening.watchlists.loading import local_today
from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.roles import WATCHLIST_ROLES, require_role
from palermo.web.watchlists.models import WatchlistVersion
from palermo.web.watchlists.store import entries_from_json

MAX_SHOWN = 500


_SEE_WATCHLISTS = gettext_lazy("see watchlists")


@dataclass(frozen=True, slots=True)
class WatchlistRow:
    version: WatchlistVersion
    expired: bool  # past its expiry date: never matched, even when active

    @property
    def matching(self) -> bool:
        return self.version.status == ReviewStatus.ACTIVE.value and not self.expired


def _own(user: User) -> QuerySet[WatchlistVersion]:
    return WatchlistVersion.objects.filter(agency_id=user.agency_id)


def watchlist_version_list(*, user: User, on: dt.date | None = None) -> list[WatchlistRow]:
    """The agency's lists, every version newest first, flagged when expired. Descriptions
    only: no entry is read."""
    require_role(user, WATCHLIST_ROLES, what=_SEE_WATCHLISTS)
    day = on or local_today()
    rows = _own(user).select_related("author", "approved_by").order_by("list_id", "-version")
    return [WatchlistRow(v, v.expires < day) for v in rows.defer("entries")]


def watchlist_version_get(*, user: User, pk: int, on: dt.date | None = None) -> WatchlistRow:
    require_role(user, WATCHLIST_ROLES, what=_SEE_WATCHLISTS)
    try:
        version = (
            _own(user)
            .select_related("author", "approved_by", "activated_by", "retired_by")
            .defer("entries")
            .get(pk=pk)
        )
    except WatchlistVersion.DoesNotExist:
        raise Http404 from None
    return WatchlistRow(version, version.expires < (on or local_today()))


def watchlist_versions_of(*, user: User, version: WatchlistVersion) -> QuerySet[WatchlistVersion]:
    require_role(user, WATCHLIST_ROLES, what=_SEE_WATCHLISTS)
    return _own(user).filter(list_id=version.list_id).defer("entries").order_by("-version")


def watchlist_entries(
    *, user: User, version: WatchlistVersion, request: HttpRequest | None = None
) -> tuple[list[Entry], int]:
    """The first ``MAX_SHOWN`` entries of a version (and how many there are), for the
    reviewer; an audited read of personal data."""
    require_role(user, WATCHLIST_ROLES, what=_SEE_WATCHLISTS)
    if version.agency_id != user.agency_id:
        raise Http404
    entries = entries_from_json(
        str(WatchlistVersion.objects.only("entries").get(pk=version.pk).entries)
    )
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.READ,
            obj=version,
            fields=["entries"],
            purpose="watchlist review",
            request=request,
            detail={
                "list": version.list_id,
                "version": version.version,
                "shown": min(len(entries), MAX_SHOWN),
            },
        )
    return list(entries[:MAX_SHOWN]), len(entries)
