"""Reads of risk profiles (analysts and supervisors): the list with review flags, a version,
and the difference between two versions."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy

from palermo.profiles.profile_set import screening_day
from palermo.web.accounts.models import User
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.roles import PROFILE_ROLES, require_role
from palermo.web.profiles.models import (
    ListVersion,
    ProfileVersion,
    YamlVersion,
)

V = TypeVar("V", bound=YamlVersion)


_SEE_PROFILES = gettext_lazy("see risk profiles")


@dataclass(frozen=True, slots=True)
class VersionRow:
    version: ProfileVersion
    past_review: bool  # past its review date: does not fire even when active

    @property
    def firing(self) -> bool:
        return self.version.status == ReviewStatus.ACTIVE.value and not self.past_review


def profile_version_list(
    *, user: User, status: str = "", on: dt.date | None = None
) -> list[VersionRow]:
    """Every stored version, newest first per profile, flagged when past its review date."""
    require_role(user, PROFILE_ROLES, what=_SEE_PROFILES)
    day = on or screening_day()
    versions: QuerySet[ProfileVersion] = ProfileVersion.objects.select_related(
        "profile", "author", "approved_by"
    ).order_by("profile__profile_id", "-version")
    if status:
        versions = versions.filter(status=status)
    return [VersionRow(v, v.review_by < day) for v in versions]


def _version_get(model: type[V], *, user: User, pk: int, related: tuple[str, ...]) -> V:
    require_role(user, PROFILE_ROLES, what=_SEE_PROFILES)
    try:
        found: V = model._default_manager.select_related(
            *related, "author", "approved_by", "activated_by", "retired_by"
        ).get(pk=pk)
    except model.DoesNotExist:
        raise Http404 from None
    return found


def profile_version_get(*, user: User, pk: int) -> ProfileVersion:
    return _version_get(ProfileVersion, user=user, pk=pk, related=("profile",))


def versions_of(*, user: User, version: V) -> QuerySet[V]:
    """Every version of the same profile or list, newest first."""
    require_role(user, PROFILE_ROLES, what=_SEE_PROFILES)
    field = version.DOCUMENT_FIELD
    return (
        type(version)
        ._default_manager.filter(**{field: getattr(version, field)})
        .order_by("-version")
    )


profile_versions_of = versions_of


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # "add", "remove", "context", "hunk"
    text: str


def version_diff(*, user: User, old: V, new: V) -> list[DiffLine]:
    """A unified diff of two versions' YAML (``difflib``), line by line for display."""
    require_role(user, PROFILE_ROLES, what=_SEE_PROFILES)
    return _diff_lines(old.yaml_text, new.yaml_text, str(old), str(new))


profile_diff = version_diff


def _diff_lines(old_text: str, new_text: str, old_name: str, new_name: str) -> list[DiffLine]:
    lines = difflib.unified_diff(
        old_text.splitlines(),
        new_text.splitlines(),
        fromfile=old_name,
        tofile=new_name,
        lineterm="",
    )
    out: list[DiffLine] = []
    for line in lines:
        if line.startswith(("---", "+++")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "remove"
        else:
            kind = "context"
        out.append(DiffLine(kind, line))
    return out


def list_version_list(*, user: User) -> QuerySet[ListVersion]:
    """Every stored named-list version, newest first per list."""
    require_role(user, PROFILE_ROLES, what=_SEE_PROFILES)
    return ListVersion.objects.select_related("author", "approved_by").order_by(
        "list_id", "-version"
    )


def list_version_get(*, user: User, pk: int) -> ListVersion:
    return _version_get(ListVersion, user=user, pk=pk, related=())


list_versions_of = versions_of
list_diff = version_diff
