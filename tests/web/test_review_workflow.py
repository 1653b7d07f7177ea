"""Four eyes within the agency that holds a version (issue 14 item 9), for profiles, named
lists and watchlists alike: one workflow (``palermo.web.review.workflow``)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from flow_fixtures import activate_example, example_text
from watchlist_fixtures import LISTED, active_watchlist, uploaded_watchlist

from palermo.errors import InputError
from palermo.web.accounts.models import Agency
from palermo.web.audit.models import AuditEntry
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.roles import AgencyKind, Role
from palermo.web.profiles.registry import current_screener
from palermo.web.profiles.services import (
    profile_approve,
    profile_retire,
    profile_submit,
    profile_upload,
)
from palermo.web.testsupport import BaseTestCase
from palermo.web.watchlists.services import watchlist_approve, watchlist_retire

RECORD = {
    "record_id": "r-1",
    "event_kind": "entry",
    "event_date": "2026-03-01",
    "obs_document_held_by_other": True,
    "obs_companion_answers": True,
}


class TestFourEyesOfTheHoldingAgency(BaseTestCase):
    def setUp(self) -> None:
        self.analyst = self.user_with_role(Role.RISK_ANALYST)
        self.other_analyst = self.user_with_role(Role.RISK_ANALYST, agency=self.agency_b)

    def submitted_profile(self) -> object:
        version = profile_upload(
            actor=self.analyst, source_name="p.yaml", text=example_text("visible-injuries")
        )
        return profile_submit(actor=self.analyst, version=version)

    def test_an_analyst_of_another_agency_cannot_approve(self) -> None:
        version = self.submitted_profile()
        with pytest.raises(NotPermittedError, match="holds this version"):
            profile_approve(actor=self.other_analyst, version=version)  # type: ignore[arg-type]
        version.refresh_from_db()  # type: ignore[attr-defined]
        assert version.status == "submitted"  # type: ignore[attr-defined]

    def test_an_analyst_of_the_national_body_may_approve(self) -> None:
        national = Agency.objects.create(
            name="National anti-trafficking office", kind=AgencyKind.ANTI_TRAFFICKING, code="nat"
        )
        reviewer = self.user_with_role(Role.RISK_ANALYST, agency=national)
        version = self.submitted_profile()
        with override_settings(NATIONAL_AGENCY="nat"):
            approved = profile_approve(actor=reviewer, version=version)  # type: ignore[arg-type]
        assert approved.status == "approved"

    def test_one_analyst_cannot_retire_an_active_profile_alone(self) -> None:
        version = activate_example(self, "documents-held-and-companion-answers")
        assert current_screener().screen(RECORD)
        profile_retire(actor=self.analyst, version=version, reason="no longer seen")
        version.refresh_from_db()
        assert version.status == "active"
        assert current_screener().screen(RECORD)  # still screened: one person only asked
        with pytest.raises(NotPermittedError, match="second person"):
            profile_retire(actor=self.analyst, version=version, reason="again")
        with pytest.raises(NotPermittedError, match="holds this version"):
            profile_retire(actor=self.other_analyst, version=version, reason="not ours")
        profile_retire(actor=self.supervisor, version=version, reason="agreed")
        version.refresh_from_db()
        assert (version.status, version.retired_by, version.retire_reason) == (
            "retired",
            self.supervisor,
            "no longer seen",
        )
        assert current_screener().screen(RECORD) == []
        purposes = list(
            AuditEntry.objects.filter(object_id=str(version.pk))
            .order_by("seq")
            .values_list("purpose", flat=True)
        )
        assert purposes[-2:] == ["risk profile retirement requested", "risk profile retired"]

    def test_a_draft_is_withdrawn_by_one_person(self) -> None:
        version = profile_upload(
            actor=self.analyst, source_name="p.yaml", text=example_text("visible-injuries")
        )
        retired = profile_retire(actor=self.analyst, version=version, reason="wrong file")
        assert retired.status == "retired"

    def test_a_profile_id_held_by_another_agency_cannot_be_uploaded(self) -> None:
        self.submitted_profile()
        text = example_text("visible-injuries").replace("version: 1", "version: 2")
        with pytest.raises(InputError) as refused:
            profile_upload(actor=self.other_analyst, source_name="p.yaml", text=text)
        assert "another agency holds a profile with this id" in str(refused.value)

    def test_a_supervisor_of_another_agency_cannot_approve_or_retire_a_watchlist(self) -> None:
        foreign = self.user_with_role(Role.SUPERVISOR, agency=self.agency_b)
        version = uploaded_watchlist(self)
        with pytest.raises(NotPermittedError):
            watchlist_approve(actor=foreign, version=version)
        with pytest.raises(NotPermittedError):
            watchlist_retire(actor=foreign, version=version, reason="not ours")
        version.refresh_from_db()
        assert version.status == "submitted"

    def test_one_supervisor_cannot_retire_an_active_watchlist_alone(self) -> None:
        version = active_watchlist(self)
        watchlist_retire(actor=self.supervisor, version=version, reason="basis withdrawn")
        with pytest.raises(NotPermittedError, match="second person"):
            watchlist_retire(actor=self.supervisor, version=version, reason="basis withdrawn")
        assert current_screener().screen(LISTED)
        second = self.user_with_role(Role.SUPERVISOR)
        assert watchlist_retire(actor=second, version=version, reason="ok").status == "retired"
        assert current_screener().screen(LISTED) == []
