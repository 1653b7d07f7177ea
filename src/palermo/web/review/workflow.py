"""One four-eyes workflow for every kind of reviewed version (profiles, named lists,
watchlists): upload as a draft (or straight to submitted), submit, approve by a second person,
activate (the document's previous active version retires), retire. Each step runs in one
transaction, checks the actor's role and agency, and writes the audit log.

Four eyes means two people of the agency that holds the version (``ReviewedVersion.agency``)
or of the national body (``PALERMO_NATIONAL_AGENCY``): the approver is not the author, and an
active version is retired by two people - the first asks with a reason, a second confirms.
A kind subclasses ``ReviewWorkflow`` with its model, role sets, words and own checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Generic, TypeVar

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.profiles.profile_set import screening_day
from palermo.web.accounts.models import User
from palermo.web.administration.services import national_agency_id
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.problems import problem
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.roles import RoleSet, require_role
from palermo.web.lib.training import refuse_in_training
from palermo.web.review.models import ReviewedVersion

V = TypeVar("V", bound=ReviewedVersion)

_WITHDRAWABLE = (ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ReviewStatus.APPROVED)


def require_status(version: ReviewedVersion, *allowed: ReviewStatus) -> None:
    if version.status not in {s.value for s in allowed}:
        raise TransitionRefusedError(
            _("This step is not possible while the version is %(status)s.")
            % {"status": version.get_status_display()}
        )


def may_review(actor: User, version: ReviewedVersion) -> bool:
    """Whether ``actor`` is of the agency holding ``version`` or of the national body."""
    if actor.agency_id == version.agency_id:
        return True
    national = national_agency_id()
    return national is not None and actor.agency_id == national


class ReviewWorkflow(Generic[V]):
    """The steps of one kind of version; the kind names its words and adds its own checks."""

    model: type[V]
    noun: ClassVar[str]  # in the audit purposes: "<noun> submitted", ...
    detail_key: ClassVar[str]  # the audit detail names the document under this key
    where: ClassVar[Promise]  # names the document in a problem
    what: ClassVar[Promise]  # completes "Your role does not allow you to ..."
    editors: ClassVar[RoleSet]  # upload and submit
    approvers: ClassVar[RoleSet]  # approve, activate, retire
    held_elsewhere: ClassVar[Promise]  # the rule when another agency holds the document id
    submit_on_upload: ClassVar[bool] = False  # watchlists: uploaded = submitted

    # --- the kind's own checks and consequences (nothing by default) ---------------------

    def check_submission(self, version: V) -> None:
        """Refuse submitting ``version`` for approval (``TransitionRefusedError``)."""

    def check_activation(self, version: V, day: dt.date) -> None:
        """Refuse activating ``version`` (``TransitionRefusedError``)."""

    def check_retire_active(self, version: V) -> None:
        """Refuse retiring the active ``version``."""

    def active_changed(self) -> None:
        """What is active changed (activation, retirement): refresh what screening uses."""

    def approved(self, version: V) -> None:
        """``version`` was approved (inside the approval's transaction)."""

    # --- shared steps ----------------------------------------------------------------------

    def _audit(self, version: V, actor: User, request: HttpRequest | None, **kwargs: Any) -> None:
        detail = {self.detail_key: version.document_id, "version": version.version}
        detail.update(kwargs.pop("detail", {}))
        audit_record(actor=actor, obj=version, request=request, detail=detail, **kwargs)

    def _step(
        self,
        version: V,
        actor: User,
        request: HttpRequest | None,
        what: str,
        changes: dict[str, Any],
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
        locked: V = self.model._default_manager.select_for_update().get(pk=version.pk)
        return locked

    def require_reviewer(self, actor: User, version: V, roles: RoleSet) -> None:
        require_role(actor, roles, what=self.what)
        refuse_in_training(actor, self.what)
        if not may_review(actor, version):
            raise NotPermittedError(
                _("Only the agency that holds this version (or the national body) can do this.")
            )

    def _refuse_held_elsewhere(self, actor: User, name: str, document: str) -> None:
        holders = set(
            self.model._default_manager.filter(**{self.model.DOCUMENT_FIELD: document}).values_list(
                "agency_id", flat=True
            )
        )
        national = national_agency_id()
        if holders - {actor.agency_id} and actor.agency_id != national:
            raise InputError(
                [problem(where=name, field="id", value=document, rule=self.held_elsewhere)]
            )

    def create(
        self,
        *,
        actor: User,
        request: HttpRequest | None,
        name: str,
        fields: dict[str, Any],
        version: int | None = None,
        audit_fields: list[str] | None = None,
        audit_detail: dict[str, Any] | None = None,
    ) -> V:
        """Store a validated upload (inside the caller's transaction) held by the actor's
        agency: numbered ``version`` (``InputError`` unless higher than every stored version
        of the document) or the next number; a draft, or submitted if the kind says so."""
        require_role(actor, self.editors, what=self.what)
        # profiles, named lists and watchlists screen every agency's travellers
        refuse_in_training(actor, self.what)
        document = fields[self.model.DOCUMENT_FIELD]
        self._refuse_held_elsewhere(actor, name, str(document))
        newest = (
            self.model._default_manager.select_for_update()
            .filter(**{self.model.DOCUMENT_FIELD: document})
            .aggregate(v=Max("version"))["v"]
        )
        if version is None:
            version = (newest or 0) + 1
        elif newest is not None and version <= newest:
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
        now = timezone.now()
        status = ReviewStatus.SUBMITTED if self.submit_on_upload else ReviewStatus.DRAFT
        draft: V = self.model._default_manager.create(
            agency_id=actor.agency_id,
            version=version,
            source_name=name,
            status=status.value,
            author=actor,
            created_at=now,
            submitted_at=now if self.submit_on_upload else None,
            **fields,
        )
        self._audit(
            draft,
            actor,
            request,
            action=AuditAction.CREATE,
            purpose=f"{self.noun} uploaded",
            fields=audit_fields or [],
            detail=audit_detail or {},
        )
        return draft

    def submit(self, *, actor: User, version: V, request: HttpRequest | None = None) -> V:
        """Ask for approval; only the author submits their draft."""
        require_role(actor, self.editors, what=self.what)
        with transaction.atomic():
            version = self._locked(version)
            require_status(version, ReviewStatus.DRAFT)
            if version.author_id != actor.pk:
                raise NotPermittedError(_("Only the author can submit a draft."))
            self.check_submission(version)
            self._step(
                version,
                actor,
                request,
                "submitted",
                {"status": ReviewStatus.SUBMITTED.value, "submitted_at": timezone.now()},
            )
        return version

    def approve(self, *, actor: User, version: V, request: HttpRequest | None = None) -> V:
        """Approve a submitted version: a second person of the holding agency (or of the
        national body), never its author."""
        self.require_reviewer(actor, version, self.approvers)
        with transaction.atomic():
            version = self._locked(version)
            require_status(version, ReviewStatus.SUBMITTED)
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
            self.approved(version)
        return version

    def activate(
        self,
        *,
        actor: User,
        version: V,
        request: HttpRequest | None = None,
        on: dt.date | None = None,
    ) -> V:
        """Make an approved version the one used; the document's previous active version is
        retired. The kind's ``check_activation`` may refuse (``TransitionRefusedError``)."""
        self.require_reviewer(actor, version, self.approvers)
        day = on or screening_day()
        with transaction.atomic():
            version = self._locked(version)
            require_status(version, ReviewStatus.APPROVED)
            previous = list(
                self.model._default_manager.select_for_update().filter(
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
            self.active_changed()
        return version

    def retire(
        self, *, actor: User, version: V, reason: str, request: HttpRequest | None = None
    ) -> V:
        """Withdraw a version before activation (one person), or retire the active one (two:
        the first call asks with the reason and the version stays active, a second person's
        call confirms). The kind's ``check_retire_active`` may refuse."""
        self.require_reviewer(actor, version, self.approvers)
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
            require_status(version, *_WITHDRAWABLE, ReviewStatus.ACTIVE)
            if version.status != ReviewStatus.ACTIVE.value:
                self._retired(version, actor, request, reason.strip())
                return version
            self.check_retire_active(version)
            if version.retire_requested_by_id is None:
                self._step(
                    version,
                    actor,
                    request,
                    "retirement requested",
                    {
                        "retire_requested_by": actor,
                        "retire_requested_at": timezone.now(),
                        "retire_reason": reason.strip()[:500],
                    },
                )
                return version
            if version.retire_requested_by_id == actor.pk:
                raise NotPermittedError(
                    _(
                        "A second person must confirm the retirement: you asked for it, so you "
                        "cannot confirm it."
                    )
                )
            self._retired(version, actor, request, version.retire_reason)
            self.active_changed()
        return version

    def _retired(self, version: V, actor: User, request: HttpRequest | None, reason: str) -> None:
        self._step(
            version,
            actor,
            request,
            "retired",
            {
                "status": ReviewStatus.RETIRED.value,
                "retired_by": actor,
                "retired_at": timezone.now(),
                "retire_reason": reason[:500],
            },
        )
