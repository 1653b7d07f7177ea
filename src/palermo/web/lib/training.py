"""The training sandbox's ground floor: training rows and live rows never meet.

A training agency (``accounts.Agency.is_training``) holds what trainees make while they
practise on the real desk, hit review, interview and case pages: its travellers, hits,
interviews and cases are training rows because their agency is. Two worlds follow:

- every read a user makes is scoped to the user's own world (``same_world``): reads scoped to
  the user's agency are so already; the reads that cross agencies (cases shared with the
  agency, the auditors' search, the agencies offered as recipients) filter through here;
- nothing leaves its world: ``refuse_if_training(case, target_agency)`` is called by every
  service that sends a case to another agency (sharing, referral, exchange), and
  ``refuse_in_training(user, ...)`` by every write whose effect is national (profiles, named
  lists and watchlists screen every agency's travellers).

The flag, not an agency kind: a training agency imitates a real kind (a border post for the
desk, a consulate, a shelter to refer to), so ``kind`` keeps meaning what the agency does.

Nothing here imports an app (lib is the ground floor): it reads ``agency.is_training`` of the
objects it is given and names the agency field of the querysets it filters.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from palermo.web.lib.errors import NotPermittedError

M = TypeVar("M", bound=Model)


class _Agency(Protocol):
    @property
    def is_training(self) -> bool: ...


class _HasAgency(Protocol):
    @property
    def agency(self) -> _Agency: ...


def in_training(user: object) -> bool:
    """Whether ``user`` works in a training agency (an anonymous user does not)."""
    if not getattr(user, "is_authenticated", False):
        return False
    agency = getattr(user, "agency", None)
    return bool(getattr(agency, "is_training", False))


def world_q(user: object, agency_field: str = "agency") -> Q:
    """The condition "the row's agency is in ``user``'s world" for a queryset whose agency is
    reached through ``agency_field`` (``"agency"``, ``"case__agency"`` ...; ``""`` when the rows
    are agencies)."""
    lookup = f"{agency_field}__is_training" if agency_field else "is_training"
    return Q(**{lookup: in_training(user)})


def same_world(rows: QuerySet[M], user: object, agency_field: str = "agency") -> QuerySet[M]:
    """``rows`` without those of the other world: a live user never sees a training row, a
    trainee never a live one."""
    return rows.filter(world_q(user, agency_field))


def refuse_if_training(case: _HasAgency, target_agency: _Agency) -> None:
    """Refuse (403) sending ``case`` to ``target_agency`` across the sandbox's wall: a training
    case never reaches a live agency, and a live case never reaches a training agency.

    Every service that sends a case out calls it before writing anything: case sharing
    (``cases.services.case_share``), referrals, exchange packages.
    """
    source_training = bool(case.agency.is_training)
    if source_training and not target_agency.is_training:
        raise NotPermittedError(
            _("This is a training case: it can only be sent to training agencies.")
        )
    if target_agency.is_training and not source_training:
        raise NotPermittedError(
            _("A training agency receives only training cases, never live ones.")
        )


def refuse_agencies_across_worlds(agencies: list[Any]) -> None:
    """Refuse (403) an arrangement (a data-sharing agreement) between a training agency and a
    live one: nothing would ever pass under it."""
    if len({bool(a.is_training) for a in agencies}) > 1:
        raise NotPermittedError(_("Training agencies make agreements only with training agencies."))


def refuse_in_training(user: object, what: str | Promise) -> None:
    """Refuse (403) a write whose effect reaches every agency (``what`` completes "... is not
    done from the training sandbox") when ``user`` works in a training agency."""
    if in_training(user):
        raise NotPermittedError(
            _("%(what)s is not done from the training sandbox: it would reach live work.")
            % {"what": str(what)[:1].upper() + str(what)[1:]}
        )
