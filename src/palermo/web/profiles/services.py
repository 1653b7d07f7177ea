"""Writes on risk profiles and named lists: upload (validated), submit, approve (by a second
person), activate, retire. Both kinds of version go through one workflow (``_Workflow``): each
step runs in one transaction, checks the actor and writes the audit log; activating or retiring
changes the active set's stamp, which swaps the Screener's profiles (``registry``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.profiles.loader import build_list, check_texts, lists_used, read_yaml
from palermo.profiles.profile_set import screening_day
from palermo.web.accounts.models import User
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.roles import PROFILE_ROLES, require_role
from palermo.web.profiles.models import (
    ActiveSetStamp,
    ListVersion,
    ProfileVersion,
    ReviewedVersion,
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

V = TypeVar("V", bound=ReviewedVersion)


_WORK_ON_PROFILES = gettext_lazy("work on risk profiles")


def _require_status(version: ReviewedVersion, *allowed: ReviewStatus) -> None:
    if version.status not in {s.value for s in allowed}:
        raise TransitionRefusedError(
            _("This step is not possible while the version is %(status)s.")
            % {"status": version.get_status_display()}
        )


def _refuse_large(name: str, text: str, rule: Any) -> None:
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise InputError([problem(where=name, rule=rule)])


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


class _Workflow(Generic[V]):
    """The four-eyes workflow of one kind of kept version (profile or named list): the steps
    are the same, the kind names its audit purposes and adds its own checks."""

    model: type[V]
    noun: str  # in the audit purposes: "<noun> submitted", ...
    detail_key: str  # the audit detail names the document under this key
    where: Any  # names the document in a problem (lazy, translated)

    def check_activation(self, version: V, day: dt.date) -> None:
        """Refuse activating ``version`` (``TransitionRefusedError``); nothing by default."""

    def check_retire_active(self, version: V) -> None:
        """Refuse retiring the active ``version``; nothing by default."""

    def _audit(self, version: V, actor: User, request: Any, **kwargs: Any) -> None:
        audit_record(
            actor=actor,
            obj=version,
            request=request,
            detail={self.detail_key: version.document_id, "version": version.version},
            **kwargs,
        )

    def _step(
        self, version: V, actor: User, request: Any, what: str, changes: dict[str, Any]
    ) -> None:
        for name, value in changes.items():
            setattr(version, name, value)
        version.save(update_fields=list(changes))
        self._audit(
            version,
            actor,
            request,
            action=AuditAction.UPDATE,
            fields=[name for name in changes if not name.endswith(("_at", "_by"))],
            purpose=f"{self.noun} {what}",
        )

    def _locked(self, version: V) -> V:
        locked: V = self.model.objects.select_for_update().get(pk=version.pk)
        return locked

    def create_draft(
        self, *, actor: User, request: Any, name: str, version: int, fields: dict[str, Any]
    ) -> V:
        """Store a validated upload as a draft (inside the caller's transaction); ``InputError``
        unless its number is higher than every stored version of the document."""
        newest = (
            self.model.objects.select_for_update()
            .filter(**{self.model.DOCUMENT_FIELD: fields[self.model.DOCUMENT_FIELD]})
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        if newest is not None and version <= newest:
            raise InputError(
                [
                    problem(
                        where=name,
                        field="version",
                        value=version,
                        rule=gettext_lazy("must be higher than the newest stored version (%(v)d)"),
                        params={"v": newest},
                    )
                ]
            )
        draft: V = self.model.objects.create(
            version=version,
            source_name=name,
            status=ReviewStatus.DRAFT.value,
            author=actor,
            created_at=timezone.now(),
            **fields,
        )
        self._audit(
            draft, actor, request, action=AuditAction.CREATE, purpose=f"{self.noun} uploaded"
        )
        return draft

    def submit(self, *, actor: User, version: V, request: Any = None) -> V:
        """Ask for approval; only the author submits their draft."""
        require_role(actor, PROFILE_ROLES, what=_WORK_ON_PROFILES)
        with transaction.atomic():
            version = self._locked(version)
            _require_status(version, ReviewStatus.DRAFT)
            if version.author_id != actor.pk:
                raise NotPermittedError(_("Only the author can submit a draft."))
            self._step(
                version,
                actor,
                request,
                "submitted",
                {"status": ReviewStatus.SUBMITTED.value, "submitted_at": timezone.now()},
            )
        return version

    def approve(self, *, actor: User, version: V, request: Any = None) -> V:
        """Approve a submitted version: four eyes, so the approver must not be the author."""
        require_role(actor, PROFILE_ROLES, what=_WORK_ON_PROFILES)
        with transaction.atomic():
            version = self._locked(version)
            _require_status(version, ReviewStatus.SUBMITTED)
            if version.author_id == actor.pk:
                raise NotPermittedError(
                    _(
                        "A second person must approve: you wrote this version, "
                        "so you cannot approve it."
                    )
                )
            self._step(
                version,
                actor,
                request,
                "approved",
                {
                    "status": ReviewStatus.APPROVED.value,
                    "approved_by": actor,
                    "approved_at": timezone.now(),
                },
            )
        return version

    def activate(
        self, *, actor: User, version: V, request: Any = None, on: dt.date | None = None
    ) -> V:
        """Make an approved version the one screened; the document's previous active version
        is retired. The kind's ``check_activation`` may refuse (``TransitionRefusedError``)."""
        require_role(actor, PROFILE_ROLES, what=_WORK_ON_PROFILES)
        day = on or screening_day()
        with transaction.atomic():
            version = self._locked(version)
            _require_status(version, ReviewStatus.APPROVED)
            previous = list(
                self.model.objects.select_for_update().filter(
                    **{self.model.DOCUMENT_FIELD: getattr(version, self.model.DOCUMENT_FIELD)},
                    status=ReviewStatus.ACTIVE.value,
                )
            )
            self.check_activation(version, day)
            now = timezone.now()
            for old in previous:
                self._step(
                    old,
                    actor,
                    request,
                    "retired",
                    {
                        "status": ReviewStatus.RETIRED.value,
                        "retired_by": actor,
                        "retired_at": now,
                        "retire_reason": _("Replaced by version %(v)d") % {"v": version.version},
                    },
                )
            self._step(
                version,
                actor,
                request,
                "activated",
                {"status": ReviewStatus.ACTIVE.value, "activated_by": actor, "activated_at": now},
            )
            _refresh_active_stamp()
        return version

    def retire(self, *, actor: User, version: V, reason: str, request: Any = None) -> V:
        """Stop a version from being used (or withdraw it before activation), with a reason;
        the kind's ``check_retire_active`` may refuse retiring the active version."""
        require_role(actor, PROFILE_ROLES, what=_WORK_ON_PROFILES)
        if not reason.strip():
            raise InputError(
                [
                    problem(
                        where=self.where, field="reason", rule=gettext_lazy("a reason is required")
                    )
                ]
            )
        with transaction.atomic():
            version = self._locked(version)
            _require_status(
                version,
                ReviewStatus.DRAFT,
                ReviewStatus.SUBMITTED,
                ReviewStatus.APPROVED,
                ReviewStatus.ACTIVE,
            )
            was_active = version.status == ReviewStatus.ACTIVE.value
            if was_active:
                self.check_retire_active(version)
            self._step(
                version,
                actor,
                request,
                "retired",
                {
                    "status": ReviewStatus.RETIRED.value,
                    "retired_by": actor,
                    "retired_at": timezone.now(),
                    "retire_reason": reason.strip()[:500],
                },
            )
            if was_active:
                _refresh_active_stamp()
        return version


# ---------------------------------------------------------------- risk profiles


class _ProfileWorkflow(_Workflow[ProfileVersion]):
    model = ProfileVersion
    noun = "risk profile"
    detail_key = "profile"
    where = gettext_lazy("profile")

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
    *, actor: User, source_name: str, text: str, request: Any = None
) -> ProfileVersion:
    """Validate one profile YAML and keep it as a draft version; ``InputError`` lists every
    problem (with its line) and nothing is stored."""
    require_role(actor, PROFILE_ROLES, what=_WORK_ON_PROFILES)
    name = (source_name or "profile.yaml").strip()[:200]
    _refuse_large(name, text, gettext_lazy("the file is larger than 100 kB; one profile per file"))
    profile_set, problems = check_texts({name: text}, named_list_texts())
    if profile_set is None or problems:
        raise InputError(problems)
    (built,) = profile_set.profiles
    with transaction.atomic():
        profile, _created = RiskProfile.objects.get_or_create(
            profile_id=built.id, defaults={"created_at": timezone.now()}
        )
        return PROFILES.create_draft(
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


class _ListWorkflow(_Workflow[ListVersion]):
    model = ListVersion
    noun = "named list"
    detail_key = "list"
    where = gettext_lazy("list")

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


def list_upload(*, actor: User, source_name: str, text: str, request: Any = None) -> ListVersion:
    """Validate one named list's YAML and keep it as a draft version; ``InputError`` lists
    every problem (with its line) and nothing is stored."""
    require_role(actor, PROFILE_ROLES, what=_WORK_ON_PROFILES)
    name = (source_name or "list.yaml").strip()[:200]
    _refuse_large(name, text, gettext_lazy("the file is larger than 100 kB; one list per file"))
    doc, problems = read_yaml(text, name)
    built = None
    if doc is not None:
        built, found = build_list(doc, name)
        problems += found
    if built is None or problems:
        raise InputError(problems)
    with transaction.atomic():
        return LISTS.create_draft(
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
