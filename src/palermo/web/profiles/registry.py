"""The one real-time Screener of this process, loaded with the active approved profiles.

The screening desk and the API both call ``current_screener()``. Each call reads the stamp of
the active set (one row); when a profile was activated or retired - in this process or another
- the new set is compiled and swapped into the same Screener (``Screener.replace``), so calls
in flight finish on the old set and nothing restarts.
"""

from __future__ import annotations

import threading
from functools import cache

from palermo.errors import InputError
from palermo.profiles import EXAMPLES_DIR, NamedList, ProfileSet, profile_set_from_texts
from palermo.profiles.loader import build_list, read_yaml
from palermo.screening.realtime import Screener
from palermo.web.profiles.models import ActiveSetStamp, ProfileStatus, ProfileVersion

STAMP_ROW = 1
EMPTY_STAMP = "empty"

_lock = threading.Lock()
_current: tuple[str, Screener] | None = None


@cache
def named_list_texts() -> dict[str, str]:
    """The named lists profiles may use (``in_list``): the shipped, reviewed lists."""
    folder = EXAMPLES_DIR / "lists"
    return {
        f"lists/{path.name}": path.read_text(encoding="utf-8")
        for path in sorted(folder.glob("*.yaml"))
    }


def empty_profile_set() -> ProfileSet:
    """No active profile: nothing fires (the named lists are still loaded, with their checks)."""
    lists: list[NamedList] = []
    for source, text in named_list_texts().items():
        doc, problems = read_yaml(text, source)
        built = None
        if doc is not None:
            built, found = build_list(doc, source)
            problems += found
        if built is None or problems:
            raise InputError(problems)
        lists.append(built)
    return ProfileSet.of((), lists)


def active_profile_set() -> ProfileSet:
    """The active versions of every profile, with the named lists, as one set."""
    texts = {
        f"{row.profile.profile_id}.v{row.version}.yaml": row.yaml_text
        for row in ProfileVersion.objects.filter(status=ProfileStatus.ACTIVE).select_related(
            "profile"
        )
    }
    if not texts:
        return empty_profile_set()
    return profile_set_from_texts(texts, named_list_texts())


def stored_stamp() -> str:
    stamp = ActiveSetStamp.objects.filter(pk=STAMP_ROW).values_list("stamp", flat=True).first()
    return stamp or EMPTY_STAMP


def current_screener() -> Screener:
    """The Screener with the active set as of now (rebuilt only when the set changed)."""
    global _current  # noqa: PLW0603  (the process-wide Screener, swapped under the lock)
    stamp = stored_stamp()
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
