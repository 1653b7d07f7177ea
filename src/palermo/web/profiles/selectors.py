"""Reads of risk profiles (analysts and supervisors): the list with review flags, a version,
and the difference between two versions."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from palermo.profiles.profile_set import screening_day
from palermo.web.lib.errors import NotPermittedError
from palermo.web.profiles.access import PROFILE_ROLES
from palermo.web.profiles.models import ListVersion, ProfileStatus, ProfileVersion


def _require(user: Any) -> None:
    if not (user.is_authenticated and user.is_active and user.role in PROFILE_ROLES):
        raise NotPermittedError(_("Your role does not give access to risk profiles."))


@dataclass(frozen=True, slots=True)
class VersionRow:
    version: ProfileVersion
    past_review: bool  # past its review date: does not fire even when active

    @property
    def firing(self) -> bool:
        return self.version.status == ProfileStatus.ACTIVE.value and not self.past_review


def profile_version_list(
    *, user: Any, status: str = "", on: dt.date | None = None
) -> list[VersionRow]:
    """Every stored version, newest first per profile, flagged when past its review date."""
    _require(user)
    day = on or screening_day()
    versions: QuerySet[ProfileVersion] = ProfileVersion.objects.select_related(
        "profile", "author", "approved_by"
    ).order_by("profile__profile_id", "-version")
    if status:
        versions = versions.filter(status=status)
    return [VersionRow(v, v.review_by < day) for v in versions]


def profile_version_get(*, user: Any, pk: int) -> ProfileVersion:
    _require(user)
    try:
        return ProfileVersion.objects.select_related(
            "profile", "author", "approved_by", "activated_by", "retired_by"
        ).get(pk=pk)
    except ProfileVersion.DoesNotExist:
        raise Http404 from None


def profile_versions_of(*, user: Any, version: ProfileVersion) -> QuerySet[ProfileVersion]:
    _require(user)
    return ProfileVersion.objects.filter(profile_id=version.profile_id).order_by("-version")


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # "add", "remove", "context", "hunk"
    text: str


def profile_diff(*, user: Any, old: ProfileVersion, new: ProfileVersion) -> list[DiffLine]:
    """A unified diff of two versions' YAML (``difflib``), line by line for display."""
    _require(user)
    return _diff_lines(
        old.yaml_text,
        new.yaml_text,
        f"{old.profile.profile_id} v{old.version}",
        f"{new.profile.profile_id} v{new.version}",
    )


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


def list_version_list(*, user: Any) -> QuerySet[ListVersion]:
    """Every stored named-list version, newest first per list."""
    _require(user)
    return ListVersion.objects.select_related("author", "approved_by").order_by(
        "list_id", "-version"
    )


def list_version_get(*, user: Any, pk: int) -> ListVersion:
    _require(user)
    try:
        return ListVersion.objects.select_related(
            "author", "approved_by", "activated_by", "retired_by"
        ).get(pk=pk)
    except ListVersion.DoesNotExist:
        raise Http404 from None


def list_versions_of(*, user: Any, version: ListVersion) -> QuerySet[ListVersion]:
    _require(user)
    return ListVersion.objects.filter(list_id=version.list_id).order_by("-version")


def list_diff(*, user: Any, old: ListVersion, new: ListVersion) -> list[DiffLine]:
    """A unified diff of two list versions' YAML, line by line for display."""
    _require(user)
    return _diff_lines(
        old.yaml_text,
        new.yaml_text,
        f"{old.list_id} v{old.version}",
        f"{new.list_id} v{new.version}",
    )
