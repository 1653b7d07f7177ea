"""The one real-time Screener of this process, loaded with the active approved profiles.

The screening desk and the API both call ``current_screener()``. Each call reads the stamp of
the active set (one row); when a profile was activated or retired - in this process or another
- the new set is compiled and swapped into the same Screener (``Screener.replace``), so calls
in flight finish on the old set and nothing restarts.

The active, unexpired watchlists (``palermo.web.watchlists``) are matched by the same Screener:
``current_watchlists()`` reads their own one-row stamp and, only when the stamp or the day
changed (a list stops matching the day after its expiry date), puts the ``WatchlistIndex``
together from the active versions' index files, each built once in the background and read
once per process (``watchlists/index_files.py``): no request builds an index.
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import cache

from django.db import connections, router

from palermo.errors import InputError
from palermo.profiles import EXAMPLES_DIR, NamedList, ProfileSet, profile_set_from_texts
from palermo.profiles.loader import read_lists
from palermo.screening.realtime import Screener
from palermo.screening.watchlists import WatchlistIndex
from palermo.screening.watchlists.loading import local_today
from palermo.web.lib.review import ReviewStatus
from palermo.web.profiles.models import (
    ActiveSetStamp,
    ListVersion,
    ProfileVersion,
)
from palermo.web.watchlists import index_files
from palermo.web.watchlists import store as watchlist_store
from palermo.web.watchlists.models import WatchlistSetStamp

STAMP_ROW = 1
EMPTY_STAMP = "empty"

_lock = threading.Lock()
_current: tuple[str, Screener] | None = None
_watch_lock = threading.Lock()
_watch: tuple[tuple[str, dt.date], WatchlistIndex | None] | None = None


@cache
def shipped_list_texts() -> dict[str, str]:
    """The example named lists shipped with Palermo (``profiles/examples/lists``); a
    deployment uploads them (or its own) through the list workflow before profiles use them."""
    folder = EXAMPLES_DIR / "lists"
    return {
        f"lists/{path.name}": path.read_text(encoding="utf-8")
        for path in sorted(folder.glob("*.yaml"))
    }


def _list_source(row: ListVersion) -> str:
    return f"lists/{row.list_id}.v{row.version}.yaml"


def active_list_texts() -> dict[str, str]:
    """The active version of every named list: what the Screener loads with the profiles."""
    return {
        _list_source(row): row.yaml_text
        for row in ListVersion.objects.filter(status=ReviewStatus.ACTIVE.value)
    }


def named_list_texts() -> dict[str, str]:
    """The lists a new profile may be checked against: per list id the active version, or
    else its newest version still in the workflow (so a profile and its list can be reviewed
    together). Activation then requires the list itself to be active."""
    chosen: dict[str, ListVersion] = {}
    for row in ListVersion.objects.exclude(status=ReviewStatus.RETIRED.value).order_by(
        "list_id", "-version"
    ):
        current = chosen.get(row.list_id)
        if current is None or (
            row.status == ReviewStatus.ACTIVE.value and current.status != ReviewStatus.ACTIVE.value
        ):
            chosen[row.list_id] = row
    return {_list_source(row): row.yaml_text for row in chosen.values()}


def build_lists(texts: dict[str, str]) -> list[NamedList]:
    """Named lists from YAML texts; ``InputError`` on any problem."""
    lists, problems = read_lists(texts)
    if problems:
        raise InputError(problems)
    return lists


def empty_profile_set() -> ProfileSet:
    """No active profile: nothing fires (the active named lists are still loaded)."""
    return ProfileSet.of((), build_lists(active_list_texts()))


def active_profile_set() -> ProfileSet:
    """The active versions of every profile, with the active named lists, as one set."""
    texts = {
        f"{row.profile.profile_id}.v{row.version}.yaml": row.yaml_text
        for row in ProfileVersion.objects.filter(status=ReviewStatus.ACTIVE).select_related(
            "profile"
        )
    }
    if not texts:
        return empty_profile_set()
    return profile_set_from_texts(texts, active_list_texts())


def stored_stamp() -> str:
    stamp = ActiveSetStamp.objects.filter(pk=STAMP_ROW).values_list("stamp", flat=True).first()
    return stamp or EMPTY_STAMP


def stored_stamps() -> tuple[str, str]:
    """The active profile set's stamp and the active watchlists' stamp, read in one statement.

    Every screening at the desk and through the API reads both; as two ORM queries they cost
    two round trips and about half a millisecond of the server's CPU more (issue 14: the API's
    p99 under a log-in flood)."""
    connection = connections[router.db_for_read(ActiveSetStamp)]
    name = connection.ops.quote_name
    # the table and column names are the models' own, quoted
    sets, set_pk = name(ActiveSetStamp._meta.db_table), name(ActiveSetStamp._meta.pk.column)
    lists, list_pk = name(WatchlistSetStamp._meta.db_table), name(WatchlistSetStamp._meta.pk.column)
    sql = (
        f"SELECT (SELECT stamp FROM {sets} WHERE {set_pk} = %s),"  # noqa: S608
        f" (SELECT stamp FROM {lists} WHERE {list_pk} = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [STAMP_ROW, watchlist_store.STAMP_ROW])
        profile_stamp, list_stamp = cursor.fetchone()
    return profile_stamp or EMPTY_STAMP, list_stamp or watchlist_store.EMPTY_STAMP


def current_watchlists(stamp: str | None = None) -> WatchlistIndex | None:
    """The active, unexpired watchlists as of now (``None``: none); put together again only
    when their stamp (``stamp``: already read) or the day changed."""
    global _watch  # noqa: PLW0603  (the process-wide index, swapped under the lock)
    key = (watchlist_store.stored_stamp() if stamp is None else stamp, local_today())
    current = _watch
    if current is not None and current[0] == key:
        return current[1]
    with _watch_lock:
        current = _watch
        if current is None or current[0] != key:
            rows = watchlist_store.active_rows(key[1])
            parts = [index_files.index_for(row) for row in rows]
            index_files.forget_unused({row.index_file for row in rows})
            current = (key, WatchlistIndex.from_parts(parts) if parts else None)
            _watch = current
        return current[1]


def current_screener() -> Screener:
    """The Screener with the active set and watchlists as of now (each rebuilt only when it
    changed)."""
    profile_stamp, list_stamp = stored_stamps()
    screener = _profile_screener(profile_stamp)
    # one assignment; the same index object until the lists change
    screener.replace_watchlists(current_watchlists(list_stamp))
    return screener


def _profile_screener(stamp: str) -> Screener:
    global _current  # noqa: PLW0603  (the process-wide Screener, swapped under the lock)
    current = _current
    if current is not None and current[0] == stamp:
        return current[1]
    with _lock:
        current = _current
        if current is not None and current[0] == stamp:
            return current[1]
        profile_set = active_profile_set()
        if current is None:
            screener = Screener(profile_set)
        else:
            screener = current[1]
            screener.replace(profile_set)
        _current = (stamp, screener)
        return screener
