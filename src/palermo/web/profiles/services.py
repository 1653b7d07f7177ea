"""Writes on risk profiles and named lists: upload (validated), submit, approve (by a second
person of the holding agency), activate, retire (two people when active). Both kinds go through
the one workflow of every reviewed version (``palermo.web.review.workflow.ReviewWorkflow``, also
used by watchlists): each step runs in one transaction, checks the actor's role and agency and
writes the audit log; activating or retiring changes the active set's stamp, which swaps the
Screener's profiles (``registry``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.analytics.mining import has_mined_rationale
from palermo.errors import InputError
from palermo.profiles.loader import build_list, check_texts, lists_used, read_yaml
from palermo.web.accounts.models import User
from palermo.web.lib.errors import TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.roles import PROFILE_ROLES, require_role
from palermo.web.profiles.models import (
    ActiveSetStamp,
    ListVersion,
    ProfileVersion,
    RiskProfile,
)
from palermo.web.profiles.registry import (
    EMPTY_STAMP,
    STAMP_ROW,
    active_list_texts,
    active_profile_set,
    named_list_texts,
)
from palermo.web.review.models import ReviewedVersion
from palermo.web.review.workflow import ReviewWorkflow

V = TypeVar("V", bound=ReviewedVersion)

_WORK_ON_PROFILES = gettext_lazy("work on risk profiles")


def _refuse_large(name: str, text: str, rule: Any) -> None:
    limit = int(settings.PROFILE_MAX_BYTES)
    if len(text.encode("utf-8")) > limit:
        raise InputError([problem(where=name, rule=rule, params={"size": filesizeformat(limit)})])


def _described(built: Any, text: str) -> dict[str, Any]:
    """The stored text and what a validated profile or list says about itself."""
    return {
        "yaml_text": text,
        "title_en": built.title.en[:300],
        "title_zh": built.title.zh[:300],
        "owner": built.owner[:200],
    }


def _refresh_active_stamp() -> str:
    """Record the stamp of the active set; every Screener reloads when it sees it change."""
    profile_set = active_profile_set()
    stamp = profile_set.version if len(profile_set) else EMPTY_STAMP
    ActiveSetStamp.objects.update_or_create(
        pk=STAMP_ROW, defaults={"stamp": stamp, "changed_at": timezone.now()}
    )
    return stamp


class _YamlWorkflow(ReviewWorkflow[V]):
    """Profiles and named lists: analysts and supervisors upload and approve (four eyes within
    the holding agency); what is active changes the active set's stamp."""

    what = _WORK_ON_PROFILES
    editors = PROFILE_ROLES
    approvers = PROFILE_ROLES

    def active_changed(self) -> None:
        _refresh_active_stamp()


# ---------------------------------------------------------------- risk profiles


class _ProfileWorkflow(_YamlWorkflow[ProfileVersion]):
    model = ProfileVersion
    noun = "risk profile"
    detail_key = "profile"
    where = gettext_lazy("profile")
    held_elsewhere = gettext_lazy("another agency holds a profile with this id; choose another id")

    def check_submission(self, version: ProfileVersion) -> None:
        """A mined draft goes to review only once a person has written its rationale."""
        if has_mined_rationale(version.yaml_text):
            raise TransitionRefusedError(
                _(
                    "This profile was mined from cases and its rationale has not been written "
                    "yet. Write in the rationale, in both languages, why this combination points "
                    "to trafficking, and upload it as a new version."
                )
            )

    def check_activation(self, version: ProfileVersion, day: dt.date) -> None:
        """Every named list the profile uses is active, and its review date has not passed."""
        missing = sorted(lists_used(version.yaml_text) - _active_list_ids())
        if missing:
            raise TransitionRefusedError(
                _(
                    "This profile uses the named list %(lists)s, which is not active. Approve and "
                    "activate the list first (Risk profiles, Named lists)."
                )
                % {"lists": ", ".join(missing)}
            )
        if version.review_by < day:
            raise TransitionRefusedError(
                _(
                    "The review date (%(date)s) has passed: review the profile and upload a "
                    "new version."
                )
                % {"date": version.review_by.isoformat()}
            )


PROFILES = _ProfileWorkflow()
profile_submit = PROFILES.submit
profile_approve = PROFILES.approve
profile_activate = PROFILES.activate
profile_retire = PROFILES.retire


def profile_upload(
    *, actor: User, source_name: str, text: str, request: HttpRequest | None = None
) -> ProfileVersion:
    """Validate one profile YAML and keep it as a draft version; ``InputError`` lists every
    problem (with its line) and nothing is stored."""
    require_role(actor, PROFILE_ROLES, what=_WORK_ON_PROFILES)
    name = (source_name or "profile.yaml").strip()[:200]
    _refuse_large(
        name, text, gettext_lazy("the file is larger than %(size)s; one profile per file")
    )
    profile_set, problems = check_texts({name: text}, named_list_texts())
    if profile_set is None or problems:
        raise InputError(problems)
    (built,) = profile_set.profiles
    with transaction.atomic():
        profile, _created = RiskProfile.objects.get_or_create(
            profile_id=built.id, defaults={"created_at": timezone.now()}
        )
        return PROFILES.create(
            actor=actor,
            request=request,
            name=name,
            version=built.version,
            fields={
                "profile_id": profile.pk,
                **_described(built, text),
                "valid_from": built.valid_from,
                "review_by": built.review_by,
            },
        )


# ---------------------------------------------------------------- named lists


def _active_list_ids() -> set[str]:
    return set(
        ListVersion.objects.filter(status=ReviewStatus.ACTIVE.value).values_list(
            "list_id", flat=True
        )
    )


def _check_active_set_with(lists: dict[str, str]) -> None:
    """Refuse a list change that would leave an active profile without a fitting list."""
    texts = {
        f"{row.profile.profile_id}.v{row.version}.yaml": row.yaml_text
        for row in ProfileVersion.objects.filter(status=ReviewStatus.ACTIVE.value).select_related(
            "profile"
        )
    }
    if not texts:
        return
    _result, problems = check_texts(texts, lists)
    if problems:
        raise TransitionRefusedError(
            _("Active profiles would no longer load with this change: %(problems)s")
            % {"problems": "; ".join(str(p) for p in problems[:5])}
        )


class _ListWorkflow(_YamlWorkflow[ListVersion]):
    model = ListVersion
    noun = "named list"
    detail_key = "list"
    where = gettext_lazy("list")
    held_elsewhere = gettext_lazy("another agency holds a list with this id; choose another id")

    def check_activation(self, version: ListVersion, day: dt.date) -> None:
        """Every active profile still loads with this version in place of the active one."""
        lists = {
            source: text
            for source, text in active_list_texts().items()
            if not source.startswith(f"lists/{version.list_id}.v")
        }
        lists[f"lists/{version.list_id}.v{version.version}.yaml"] = version.yaml_text
        _check_active_set_with(lists)

    def check_retire_active(self, version: ListVersion) -> None:
        """An active list that an active profile uses cannot be retired (retire or change the
        profile first)."""
        users = sorted(
            row.profile.profile_id
            for row in ProfileVersion.objects.filter(
                status=ReviewStatus.ACTIVE.value
            ).select_related("profile")
            if version.list_id in lists_used(row.yaml_text)
        )
        if users:
            raise TransitionRefusedError(
                _("Active profiles use this list: %(profiles)s. Retire them first.")
                % {"profiles": ", ".join(users)}
            )


LISTS = _ListWorkflow()
list_submit = LISTS.submit
list_approve = LISTS.approve
list_activate = LISTS.activate
list_retire = LISTS.retire


def list_upload(
    *, actor: User, source_name: str, text: str, request: HttpRequest | None = None
) -> ListVersion:
    """Validate one named list's YAML and keep it as a draft version; ``InputError`` lists
    every problem (with its line) and nothing is stored."""
    require_role(actor, PROFILE_ROLES, what=_WORK_ON_PROFILES)
    name = (source_name or "list.yaml").strip()[:200]
    _refuse_large(name, text, gettext_lazy("the file is larger than %(size)s; one list per file"))
    doc, problems = read_yaml(text, name)
    built = None
    if doc is not None:
        built, found = build_list(doc, name)
        problems += found
    if built is None or problems:
        raise InputError(problems)
    with transaction.atomic():
        return LISTS.create(
            actor=actor,
            request=request,
            name=name,
            version=built.version,
            fields={
                "list_id": built.id,
                **_described(built, text),
                "kind": built.kind,
                "item_count": len(built.items),
            },
        )


def shipped_lists_install(*, analyst: User, approver: User) -> list[ListVersion]:
    """Upload, approve and activate the shipped example lists that are not stored yet (the
    demo and benchmarks; a deployment uploads its own through the pages)."""
    from palermo.web.profiles.registry import shipped_list_texts

    installed: list[ListVersion] = []
    for source, text in shipped_list_texts().items():
        doc, _problems = read_yaml(text, source)
        list_id = doc.get("id") if doc is not None else None
        if ListVersion.objects.filter(list_id=list_id).exists():
            continue
        version = list_upload(actor=analyst, source_name=source, text=text)
        list_submit(actor=analyst, version=version)
        list_approve(actor=approver, version=version)
        installed.append(list_activate(actor=approver, version=version))
    return installed
