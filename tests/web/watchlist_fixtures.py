"""Watchlists for the web tests: a list of agency A uploaded by a risk analyst through the real
service, and (``active_watchlist``) approved by agency A's supervisor, its index built by the
task approval queued, and activated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from palermo.screening.watchlists.loading import local_today
from palermo.web.jobs.worker import run_ready_tasks
from palermo.web.lib.roles import Role
from palermo.web.watchlists.models import WatchlistVersion
from palermo.web.watchlists.services import (
    watchlist_activate,
    watchlist_approve,
    watchlist_upload,
)

TODAY = local_today()
EXPIRES = TODAY + dt.timedelta(days=365)


def list_yaml(expires: dt.date = EXPIRES, list_id: str = "recruiters") -> str:
    return f"""\
list:
  id: {list_id}
  title: Recruiters under investigation
  owner: Anti-trafficking office
  purpose: identify recruiters and the people travelling with them
  legal_basis: Anti-Trafficking Act s. 12 (test)
  expires: {expires.isoformat()}
  threshold: 85
entries:
  - id: P1
    kind: person
    names: ["张伟", "ZHANG Wei"]
    date_of_birth: 1990-03-07
    nationality: CN
  - id: O1
    kind: organisation
    names: ["Golden Star Manpower Sdn. Bhd."]
    registration_numbers: ["MY-123456-X"]
  - id: C1
    kind: contact
    phones: ["+855 12 345 678"]
"""


# A traveller the list's person P1 matches: the same name in another order, in capitals.
LISTED: dict[str, Any] = {
    "record_id": "desk-listed-1",
    "event_kind": "exit",
    "port": "PEK",
    "event_date": TODAY,
    "surname": "ZHANG",
    "given_names": "WEI",
    "date_of_birth": dt.date(1990, 3, 7),
    "nationality": "CN",
}


def uploaded_watchlist(test: Any, text: str | None = None) -> WatchlistVersion:
    analyst = test.user_with_role(Role.RISK_ANALYST)
    return watchlist_upload(
        actor=analyst, file_name="recruiters.yaml", content=(text or list_yaml()).encode()
    )


def active_watchlist(test: Any, text: str | None = None) -> WatchlistVersion:
    version = uploaded_watchlist(test, text)
    watchlist_approve(actor=test.supervisor, version=version)
    run_ready_tasks()  # the index build that approval queued
    version.refresh_from_db()
    return watchlist_activate(actor=test.supervisor, version=version)


def a_watchlist(test: Any) -> WatchlistVersion:
    if not hasattr(test, "_watchlist"):
        test._watchlist = uploaded_watchlist(test)
    version: WatchlistVersion = test._watchlist
    return version


WATCHLIST_URL_EXAMPLES: dict[str, Callable[[Any], dict[str, Any]]] = {
    f"watchlists:{name}": (lambda t: {"pk": a_watchlist(t).pk})
    for name in ("detail", "approve", "activate", "retire", "threshold")
}
