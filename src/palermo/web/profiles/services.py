"""Writes on risk profiles: upload (validated), submit, approve (by a second person), activate,
retire. Each runs in one transaction, checks the actor and writes the audit log; activating or
retiring changes the active set's stamp, which swaps the Screener's profiles (``registry``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.profiles.loader import build_list, check_texts, read_yaml
from palermo.profiles.profile_set import screening_day
from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.profiles.access import PROFILE_ROLES
from palermo.web.profiles.models import (
    ActiveSetStamp,
    ListVersion,
    ProfileStatus,
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

MAX_YAML_BYTES = 100_000


def _require_profile_role(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.role in PROFILE_ROLES):
        raise NotPermittedError(_("Your role does not allow you to work on risk profiles."))


def _require_status(version: ProfileVersion, *allowed: ProfileStatus) -> None:
    if version.status not in {s.value for s in allowed}:
        raise TransitionRefusedError(
            _("This step is not possible while the version is %(status)s.")
            % {"status": version.get_status_display()}
        )


def profile_upload(
    *, actor: User, source_name: str, text: str, request: Any = None
) -> ProfileVersion:
    """Validate one profile YAML and keep it as a draft version; ``InputError`` lists every
    problem (with its line) and nothing is stored."""
    _require_profile_role(actor)
    name = (source_name or "profile.yaml").strip()[:200]
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise InputError(
            [
                problem(
                    where=name,
                    rule=gettext_lazy("the file is larger than 100 kB; one profile per file"),
                )
            ]
        )
    profile_set, problems = check_texts({name: text}, named_list_texts())
    if profile_set is None or problems:
        raise InputError(problems)
    (built,) = profile_set.profiles
    with transaction.atomic():
        profile, _created = RiskProfile.objects.get_or_create(
            profile_id=built.id, defaults={"created_at": timezone.now()}
        )
        newest = profile.versions.order_by("-version").values_list("version", flat=True).first()
        if newest is not None and built.version <= newest:
            raise InputError(
                [
                    problem(
                        where=name,
                        field="version",
                        value=built.version,
                        rule=gettext_lazy("must be higher than the newest stored version (%(v)d)"),
                        params={"v": newest},
                    )
                ]
            )
        version = ProfileVersion.objects.create(
            profile=profile,
            version=built.version,
            source_name=name,
            yaml_text=text,
            title_en=built.title.en[:300],
            title_zh=built.title.zh[:300],
            owner=built.owner[:200],
            valid_from=built.valid_from,
            review_by=built.review_by,
            status=ProfileStatus.DRAFT.value,
            author=actor,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=version,
            purpose="risk profile uploaded",
            request=request,
            detail={"profile": built.id, "version": built.version},
        )
    return version


def _step(
    version: ProfileVersion, actor: User, request: Any, what: str, changes: dict[str, Any]
) -> None:
    for name, value in changes.items():
        setattr(version, name, value)
    version.save(update_fields=list(changes))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=version,
        fields=[name for name in changes if not name.endswith(("_at", "_by"))],
        purpose=what,
        request=request,
        detail={"profile": version.profile.profile_id, "version": version.version},
    )


def profile_submit(*, actor: User, version: ProfileVersion, request: Any = None) -> ProfileVersion:
    """Ask for approval; only the author submits their draft."""
    _require_profile_role(actor)
    with transaction.atomic():
        version = ProfileVersion.objects.select_for_update().get(pk=version.pk)
        _require_status(version, ProfileStatus.DRAFT)
        if version.author_id != actor.pk:
            raise NotPermittedError(_("Only the author can submit a draft."))
        _step(
            version,
            actor,
            request,
            "risk profile submitted",
            {"status": ProfileStatus.SUBMITTED.value, "submitted_at": timezone.now()},
        )
    return version


def profile_approve(*, actor: User, version: ProfileVersion, request: Any = None) -> ProfileVersion:
    """Approve a submitted version: four eyes, so the approver must not be the author."""
    _require_profile_role(actor)
    with transaction.atomic():
        version = ProfileVersion.objects.select_for_update().get(pk=version.pk)
        _require_status(version, ProfileStatus.SUBMITTED)
        if version.author_id == actor.pk:
            raise NotPermittedError(
                _("A second person must approve: you wrote this version, so you cannot approve it.")
            )
        _step(
            version,
            actor,
            request,
            "risk profile approved",
            {
                "status": ProfileStatus.APPROVED.value,
                "approved_by": actor,
                "approved_at": timezone.now(),
            },
        )
    return version


def _refresh_active_stamp() -> str:
    """Record the stamp of the active set; every Screener reloads when it sees it change."""
    profile_set = active_profile_set()
    stamp = profile_set.version if len(profile_set) else EMPTY_STAMP
    ActiveSetStamp.objects.update_or_create(
        pk=STAMP_ROW, defaults={"stamp": stamp, "changed_at": timezone.now()}
    )
    return stamp


def profile_activate(
    *, actor: User, version: ProfileVersion, request: Any = None, on: dt.date | None = None
) -> ProfileVersion:
    """Make an approved version the one that fires; the profile's previous active version is
    retired. A version past its review date (or not yet valid) cannot be activated."""
    _require_profile_role(actor)
    day = on or screening_day()
    with transaction.atomic():
        version = ProfileVersion.objects.select_for_update().get(pk=version.pk)
        _require_status(version, ProfileStatus.APPROVED)
        _require_active_lists(version)
        if version.review_by < day:
            raise TransitionRefusedError(
                _(
                    "The review date (%(date)s) has passed: review the profile and upload a "
                    "new version."
                )
                % {"date": version.review_by.isoformat()}
            )
        now = timezone.now()
        for previous in ProfileVersion.objects.select_for_update().filter(
            profile_id=version.profile_id, status=ProfileStatus.ACTIVE.value
        ):
            _step(
                previous,
                actor,
                request,
                "risk profile retired",
                {
                    "status": ProfileStatus.RETIRED.value,
                    "retired_by": actor,
                    "retired_at": now,
                    "retire_reason": _("Replaced by version %(v)d") % {"v": version.version},
                },
            )
        _step(
            version,
            actor,
            request,
            "risk profile activated",
            {"status": ProfileStatus.ACTIVE.value, "activated_by": actor, "activated_at": now},
        )
        _refresh_active_stamp()
    return version


def profile_retire(
    *, actor: User, version: ProfileVersion, reason: str, request: Any = None
) -> ProfileVersion:
    """Stop a version from firing (or withdraw it before activation), with a reason."""
    _require_profile_role(actor)
    if not reason.strip():
        raise InputError(
            [
                problem(
                    where=gettext_lazy("profile"),
                    field="reason",
                    rule=gettext_lazy("a reason is required"),
                )
            ]
        )
    with transaction.atomic():
        version = ProfileVersion.objects.select_for_update().get(pk=version.pk)
        _require_status(
            version,
            ProfileStatus.DRAFT,
            ProfileStatus.SUBMITTED,
            ProfileStatus.APPROVED,
            ProfileStatus.ACTIVE,
        )
        was_active = version.status == ProfileStatus.ACTIVE.value
        _step(
            version,
            actor,
            request,
            "risk profile retired",
            {
                "status": ProfileStatus.RETIRED.value,
                "retired_by": actor,
                "retired_at": timezone.now(),
                "retire_reason": reason.strip()[:500],
            },
        )
        if was_active:
            _refresh_active_stamp()
    return version


# ---------------------------------------------------------------- named lists


def lists_used(text: str) -> set[str]:
    """The named lists a profile's YAML refers to with ``in_list``."""
    doc, _problems = read_yaml(text, "profile")
    found: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, dict):
            name = node.get("in_list")
            if isinstance(name, str):
                found.add(name)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(doc)
    return found


def _active_list_ids() -> set[str]:
    return set(
        ListVersion.objects.filter(status=ProfileStatus.ACTIVE.value).values_list(
            "list_id", flat=True
        )
    )


def _require_active_lists(version: ProfileVersion) -> None:
    missing = sorted(lists_used(version.yaml_text) - _active_list_ids())
    if missing:
        raise TransitionRefusedError(
            _(
                "This profile uses the named list %(lists)s, which is not active. Approve and "
                "activate the list first (Risk profiles, Named lists)."
            )
            % {"lists": ", ".join(missing)}
        )


def _require_list_status(version: ListVersion, *allowed: ProfileStatus) -> None:
    if version.status not in {s.value for s in allowed}:
        raise TransitionRefusedError(
            _("This step is not possible while the version is %(status)s.")
            % {"status": version.get_status_display()}
        )


def _list_step(
    version: ListVersion, actor: User, request: Any, what: str, changes: dict[str, Any]
) -> None:
    for name, value in changes.items():
        setattr(version, name, value)
    version.save(update_fields=list(changes))
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=version,
        fields=[name for name in changes if not name.endswith(("_at", "_by"))],
        purpose=what,
        request=request,
        detail={"list": version.list_id, "version": version.version},
    )


def list_upload(*, actor: User, source_name: str, text: str, request: Any = None) -> ListVersion:
    """Validate one named list's YAML and keep it as a draft version; ``InputError`` lists
    every problem (with its line) and nothing is stored."""
    _require_profile_role(actor)
    name = (source_name or "list.yaml").strip()[:200]
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise InputError(
            [
                problem(
                    where=name,
                    rule=gettext_lazy("the file is larger than 100 kB; one list per file"),
                )
            ]
        )
    doc, problems = read_yaml(text, name)
    built = None
    if doc is not None:
        built, found = build_list(doc, name)
        problems += found
    if built is None or problems:
        raise InputError(problems)
    with transaction.atomic():
        newest = (
            ListVersion.objects.select_for_update()
            .filter(list_id=built.id)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        if newest is not None and built.version <= newest:
            raise InputError(
                [
                    problem(
                        where=name,
                        field="version",
                        value=built.version,
                        rule=gettext_lazy("must be higher than the newest stored version (%(v)d)"),
                        params={"v": newest},
                    )
                ]
            )
        version = ListVersion.objects.create(
            list_id=built.id,
            version=built.version,
            source_name=name,
            yaml_text=text,
            title_en=built.title.en[:300],
            title_zh=built.title.zh[:300],
            owner=built.owner[:200],
            kind=built.kind,
            item_count=len(built.items),
            status=ProfileStatus.DRAFT.value,
            author=actor,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=version,
            purpose="named list uploaded",
            request=request,
            detail={"list": built.id, "version": built.version},
        )
    return version


def list_submit(*, actor: User, version: ListVersion, request: Any = None) -> ListVersion:
    """Ask for approval; only the author submits their draft."""
    _require_profile_role(actor)
    with transaction.atomic():
        version = ListVersion.objects.select_for_update().get(pk=version.pk)
        _require_list_status(version, ProfileStatus.DRAFT)
        if version.author_id != actor.pk:
            raise NotPermittedError(_("Only the author can submit a draft."))
        _list_step(
            version,
            actor,
            request,
            "named list submitted",
            {"status": ProfileStatus.SUBMITTED.value, "submitted_at": timezone.now()},
        )
    return version


def list_approve(*, actor: User, version: ListVersion, request: Any = None) -> ListVersion:
    """Approve a submitted list version: four eyes, so not by its author."""
    _require_profile_role(actor)
    with transaction.atomic():
        version = ListVersion.objects.select_for_update().get(pk=version.pk)
        _require_list_status(version, ProfileStatus.SUBMITTED)
        if version.author_id == actor.pk:
            raise NotPermittedError(
                _("A second person must approve: you wrote this version, so you cannot approve it.")
            )
        _list_step(
            version,
            actor,
            request,
            "named list approved",
            {
                "status": ProfileStatus.APPROVED.value,
                "approved_by": actor,
                "approved_at": timezone.now(),
            },
        )
    return version


def _check_active_set_with(lists: dict[str, str]) -> None:
    """Refuse a list change that would leave an active profile without a fitting list."""
    texts = {
        f"{row.profile.profile_id}.v{row.version}.yaml": row.yaml_text
        for row in ProfileVersion.objects.filter(status=ProfileStatus.ACTIVE.value).select_related(
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


def list_activate(*, actor: User, version: ListVersion, request: Any = None) -> ListVersion:
    """Make an approved list version the one screened; its previous active version is
    retired. Refused when an active profile would no longer fit the new version."""
    _require_profile_role(actor)
    with transaction.atomic():
        version = ListVersion.objects.select_for_update().get(pk=version.pk)
        _require_list_status(version, ProfileStatus.APPROVED)
        previous = list(
            ListVersion.objects.select_for_update().filter(
                list_id=version.list_id, status=ProfileStatus.ACTIVE.value
            )
        )
        lists = {
            source: text
            for source, text in active_list_texts().items()
            if not source.startswith(f"lists/{version.list_id}.v")
        }
        lists[f"lists/{version.list_id}.v{version.version}.yaml"] = version.yaml_text
        _check_active_set_with(lists)
        now = timezone.now()
        for old in previous:
            _list_step(
                old,
                actor,
                request,
                "named list retired",
                {
                    "status": ProfileStatus.RETIRED.value,
                    "retired_by": actor,
                    "retired_at": now,
                    "retire_reason": _("Replaced by version %(v)d") % {"v": version.version},
                },
            )
        _list_step(
            version,
            actor,
            request,
            "named list activated",
            {"status": ProfileStatus.ACTIVE.value, "activated_by": actor, "activated_at": now},
        )
        _refresh_active_stamp()
    return version


def list_retire(
    *, actor: User, version: ListVersion, reason: str, request: Any = None
) -> ListVersion:
    """Withdraw a list version, with a reason; an active list that an active profile uses
    cannot be retired (retire or change the profile first)."""
    _require_profile_role(actor)
    if not reason.strip():
        raise InputError(
            [
                problem(
                    where=gettext_lazy("list"),
                    field="reason",
                    rule=gettext_lazy("a reason is required"),
                )
            ]
        )
    with transaction.atomic():
        version = ListVersion.objects.select_for_update().get(pk=version.pk)
        _require_list_status(
            version,
            ProfileStatus.DRAFT,
            ProfileStatus.SUBMITTED,
            ProfileStatus.APPROVED,
            ProfileStatus.ACTIVE,
        )
        was_active = version.status == ProfileStatus.ACTIVE.value
        if was_active:
            users = sorted(
                row.profile.profile_id
                for row in ProfileVersion.objects.filter(
                    status=ProfileStatus.ACTIVE.value
                ).select_related("profile")
                if version.list_id in lists_used(row.yaml_text)
            )
            if users:
                raise TransitionRefusedError(
                    _("Active profiles use this list: %(profiles)s. Retire them first.")
                    % {"profiles": ", ".join(users)}
                )
        _list_step(
            version,
            actor,
            request,
            "named list retired",
            {
                "status": ProfileStatus.RETIRED.value,
                "retired_by": actor,
                "retired_at": timezone.now(),
                "retire_reason": reason.strip()[:500],
            },
        )
        if was_active:
            _refresh_active_stamp()
    return version


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
