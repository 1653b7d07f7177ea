"""Identification decisions of the national referral mechanism (issue 10, item 3): the
competent authority decides, Palermo keeps the clock. Times are moved with a controlled clock
(``timezone.now`` patched), never waited for."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.http import Http404
from django.test import override_settings
from django.urls import reverse
from nrm_fixtures import authority, consent_to_authority, decision_maker, referred

from palermo.errors import InputError
from palermo.web.accounts.models import Agency
from palermo.web.accounts.services import api_token_create
from palermo.web.audit.models import AuditEntry
from palermo.web.cases.models import CaseEvent
from palermo.web.lib.errors import ConsentRequiredError, NotPermittedError, TransitionRefusedError
from palermo.web.lib.roles import AgencyKind, Role
from palermo.web.nrm.models import Decision, Identification, IdentificationState
from palermo.web.nrm.selectors import (
    grounds_readable,
    identification_figures,
    identification_file,
    identification_get,
)
from palermo.web.nrm.services import (
    identification_decide,
    identification_reconsideration_request,
    identification_refer,
)
from palermo.web.testsupport import BaseTestCase, make_user

pytestmark = pytest.mark.web

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


@override_settings(
    NRM_FIRST_STAGE_DAYS=5, NRM_RECOVERY_DAYS=45, NRM_RECONSIDERATION_DAYS=14, TIME_ZONE="UTC"
)
class TestTheClock(BaseTestCase):
    def test_a_referral_makes_the_first_stage_decision_due_in_the_configured_days(self) -> None:
        with clock(MONDAY):
            identification = referred(self)
        assert identification.state == IdentificationState.AWAITING_FIRST_STAGE
        assert identification.due_on == dt.date(2026, 3, 7)
        kinds = list(identification.case.events.values_list("kind", flat=True))
        assert kinds[-1] == "nrm_referred"

    def test_grounds_found_start_a_recovery_period_and_the_conclusive_decision_falls_due_at_its_end(
        self,
    ) -> None:
        with clock(MONDAY):
            identification = referred(self)
        with clock(MONDAY + dt.timedelta(days=3)):
            identification_decide(
                actor=decision_maker(self),
                identification=identification,
                stage="first_stage",
                positive=True,
                reasons="Consistent account; documents held; debt bondage.",
            )
        assert identification.state == IdentificationState.RECOVERY
        assert identification.recovery_starts_on == dt.date(2026, 3, 5)
        assert identification.recovery_ends_on == dt.date(2026, 4, 19)
        assert identification.due_on == dt.date(2026, 4, 19)
        with clock(MONDAY + dt.timedelta(days=40)):
            identification_decide(
                actor=decision_maker(self),
                identification=identification,
                stage="conclusive",
                positive=True,
                reasons="Identified.",
            )
        assert identification.state == IdentificationState.CONCLUDED_POSITIVE
        assert identification.due_on is None
        events = CaseEvent.objects.filter(case=identification.case, kind="nrm_decision")
        assert [(e.detail["stage"], e.detail["positive"]) for e in events] == [
            ("first_stage", True),
            ("conclusive", True),
        ]

    @override_settings(NRM_RECOVERY_DAYS=20)
    def test_a_recovery_period_shorter_than_30_days_is_refused(self) -> None:
        identification = referred(self)
        with pytest.raises(TransitionRefusedError, match="at least 30"):
            identification_decide(
                actor=decision_maker(self),
                identification=identification,
                stage="first_stage",
                positive=True,
                reasons="Grounds.",
            )
        assert not Decision.objects.exists()
        identification.refresh_from_db()
        assert identification.state == IdentificationState.AWAITING_FIRST_STAGE

    def test_the_conclusive_decision_cannot_come_before_the_first_stage(self) -> None:
        identification = referred(self)
        with pytest.raises(TransitionRefusedError, match="first-stage"):
            identification_decide(
                actor=decision_maker(self),
                identification=identification,
                stage="conclusive",
                positive=False,
                reasons="Too early.",
            )

    def test_no_grounds_then_a_reconsideration_then_a_new_decision_each_on_its_own_clock(
        self,
    ) -> None:
        with clock(MONDAY):
            identification = referred(self)
            identification_decide(
                actor=decision_maker(self),
                identification=identification,
                stage="first_stage",
                positive=False,
                reasons="No account of exploitation yet.",
            )
        assert identification.state == IdentificationState.NEGATIVE_FIRST_STAGE
        assert identification.due_on is None
        with clock(MONDAY + dt.timedelta(days=10)):
            asked = identification_reconsideration_request(
                actor=self.caseworker,
                identification=identification,
                reason="The person has since described forced work and a debt.",
            )
        assert identification.state == IdentificationState.RECONSIDERATION
        assert asked.due_on == dt.date(2026, 3, 26)
        with clock(MONDAY + dt.timedelta(days=12)):
            answer = identification_decide(
                actor=decision_maker(self),
                identification=identification,
                stage="first_stage",
                positive=True,
                reasons="New account gives reasonable grounds.",
            )
        assert answer.answers == asked
        assert identification.state == IdentificationState.RECOVERY
        assert identification.recovery_starts_on == dt.date(2026, 3, 14)
        # the first decision is kept for the record; the first-stage time is the first one
        assert identification.decisions.count() == 2
        assert identification.first_stage_at == MONDAY

    def test_a_positive_decision_is_not_open_to_reconsideration(self) -> None:
        identification = referred(self)
        identification_decide(
            actor=decision_maker(self),
            identification=identification,
            stage="first_stage",
            positive=True,
            reasons="Grounds.",
        )
        with pytest.raises(TransitionRefusedError):
            identification_reconsideration_request(
                actor=self.caseworker, identification=identification, reason="Why not."
            )

    def test_times_from_hit_to_referral_to_each_decision_are_reported_in_days(self) -> None:
        with clock(MONDAY):
            first = referred(self)
        first.hit_at = MONDAY - dt.timedelta(days=2)
        first.save(update_fields=["hit_at"])
        with clock(MONDAY + dt.timedelta(days=4)):
            identification_decide(
                actor=decision_maker(self),
                identification=first,
                stage="first_stage",
                positive=True,
                reasons="Grounds.",
            )
        with clock(MONDAY + dt.timedelta(days=50)):
            identification_decide(
                actor=decision_maker(self),
                identification=first,
                stage="conclusive",
                positive=False,
                reasons="Not enough.",
            )
        with clock(MONDAY + dt.timedelta(days=1)):
            second = referred(self)
        with clock(MONDAY + dt.timedelta(days=3)):
            identification_decide(
                actor=decision_maker(self),
                identification=second,
                stage="first_stage",
                positive=False,
                reasons="No grounds.",
            )
        with clock(MONDAY + dt.timedelta(days=60)):
            figures = identification_figures(user=decision_maker(self))
        assert figures.referrals == 2
        assert (figures.first_stage_positive, figures.first_stage_negative) == (1, 1)
        assert (figures.conclusive_positive, figures.conclusive_negative) == (0, 1)
        assert figures.hit_to_referral.count == 1
        assert figures.hit_to_referral.median_days == 2.0
        assert figures.referral_to_first_stage.median_days == 3.0
        assert figures.referral_to_first_stage.longest_days == 4.0
        assert figures.referral_to_conclusive.median_days == 50.0


def test_a_recovery_period_under_30_days_stops_the_server_from_starting() -> None:
    env = {**os.environ, "PALERMO_NRM_RECOVERY_DAYS": "29"}
    run = subprocess.run(
        [sys.executable, "-c", "import palermo.web.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
    assert "PALERMO_NRM_RECOVERY_DAYS" in run.stderr
    assert "at least 30" in run.stderr


class TestWhoMayDoWhat(BaseTestCase):
    def test_the_case_goes_to_the_authority_only_with_the_persons_consent(self) -> None:
        case = self.open_case()
        with pytest.raises(ConsentRequiredError):
            identification_refer(
                actor=self.caseworker,
                case=case,
                competent_authority=authority(self),
                summary="Grounds.",
            )
        consent_to_authority(self, case)
        identification_refer(
            actor=self.caseworker, case=case, competent_authority=authority(self), summary="G."
        )
        with pytest.raises(TransitionRefusedError, match="already"):
            identification_refer(
                actor=self.caseworker, case=case, competent_authority=authority(self), summary="G"
            )

    def test_only_an_agency_of_a_competent_authority_kind_is_named(self) -> None:
        case = self.open_case()
        with pytest.raises(InputError, match="competent authority"):
            identification_refer(
                actor=self.caseworker, case=case, competent_authority=self.agency_b, summary="G"
            )

    def test_the_referring_agency_and_other_investigators_cannot_record_a_decision(self) -> None:
        identification = referred(self)
        border_investigator = self.user_with_role(Role.INVESTIGATOR)
        other_office = Agency.objects.create(
            name="Provincial office", kind=AgencyKind.ANTI_TRAFFICKING, code="prov"
        )
        for actor in (
            self.supervisor,
            border_investigator,
            make_user("pia", agency=other_office, role=Role.INVESTIGATOR),
            make_user("nell", agency=authority(self), role=Role.CASE_WORKER),
        ):
            with pytest.raises(NotPermittedError):
                identification_decide(
                    actor=actor,
                    identification=identification,
                    stage="first_stage",
                    positive=True,
                    reasons="Grounds.",
                )
        assert not Decision.objects.exists()

    def test_an_agency_not_party_to_the_identification_cannot_read_it_by_guessing_its_id(
        self,
    ) -> None:
        identification = referred(self)
        stranger = make_user("otto", agency=self.agency_b, role=Role.SUPERVISOR)
        with pytest.raises(Http404):
            identification_get(user=stranger, pk=identification.pk)
        self.login(stranger)
        url = reverse("nrm:detail", kwargs={"pk": identification.pk})
        assert self.client.get(url).status_code == 404


GROUNDS = "Passport held by the employer; debt; coached answers at the border."


class TestWhoReadsTheGrounds(BaseTestCase):
    """The grounds of a referral and the reasons of its decisions are read by those who need
    them: the authority's decision makers and the owning agency's case workers."""

    def decided(self) -> Identification:
        identification = referred(self)
        identification_decide(
            actor=decision_maker(self),
            identification=identification,
            stage="first_stage",
            positive=True,
            reasons="Consistent account of debt bondage.",
        )
        return identification

    def test_the_decision_maker_and_the_owning_case_worker_read_the_grounds_and_reasons(
        self,
    ) -> None:
        identification = self.decided()
        for reader in (decision_maker(self), self.caseworker):
            shown = identification_file(user=reader, identification=identification)
            assert shown.grounds_shown
            assert shown.summary == GROUNDS
            assert shown.decisions[0].reasons == "Consistent account of debt bondage."

    def test_a_supervisor_of_the_owning_agency_sees_the_outcome_but_not_the_grounds(
        self,
    ) -> None:
        identification = self.decided()
        before = AuditEntry.objects.filter(object_type="nrm.identification", action="read").count()
        shown = identification_file(user=self.supervisor, identification=identification)
        assert not shown.grounds_shown
        assert shown.summary == ""
        assert shown.decisions[0].positive
        assert shown.decisions[0].reasons == ""
        # nothing was decrypted for the supervisor, so no read of the grounds is on record
        after = AuditEntry.objects.filter(object_type="nrm.identification", action="read").count()
        assert after == before
        page = self.get_as(self.supervisor, reverse("nrm:detail", kwargs={"pk": identification.pk}))
        text = page.content.decode()
        assert page.status_code == 200
        assert "Grounds found" in text
        assert "debt" not in text.lower()
        assert "are shown only to the competent authority" in text

    def test_an_authority_clerk_and_a_referrer_no_longer_owning_the_case_do_not_read_them(
        self,
    ) -> None:
        identification = self.decided()
        clerk = make_user("clara", agency=authority(self), role=Role.CASE_WORKER)
        assert not grounds_readable(user=clerk, identification=identification)
        case = identification.case
        case.agency = self.agency_b
        case.save(update_fields=["agency"])
        identification.refresh_from_db()
        assert not grounds_readable(user=self.caseworker, identification=identification)

    def test_the_api_gives_the_grounds_only_to_those_who_read_them(self) -> None:
        identification = self.decided()
        url = f"/api/nrm/identifications/{identification.pk}"
        for role, shown in ((Role.CASE_WORKER, True), (Role.SUPERVISOR, False)):
            _record, token = api_token_create(
                name=f"{role.value}-a", agency=self.agency_a, role=role, created_by=None
            )
            response = self.client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
            assert response.status_code == 200
            body = response.json()
            assert body["grounds_shown"] is shown
            assert (body["summary"] == GROUNDS) is shown
            assert (body["decisions"][0]["reasons"] != "") is shown


class TestThePages(BaseTestCase):
    def test_the_decisions_due_page_lists_overdue_decisions_first_and_marked(self) -> None:
        with clock(MONDAY):
            late = referred(self)
        with clock(MONDAY + dt.timedelta(days=6)):
            fresh = referred(self)
        with clock(MONDAY + dt.timedelta(days=7)):
            page = self.get_as(decision_maker(self), reverse("nrm:due"))
        text = page.content.decode()
        assert page.status_code == 200
        assert text.index(late.case.reference) < text.index(fresh.case.reference)
        assert "overdue by 2 days" in text
        assert "4 days left" in text
        assert text.count('class="alert-line"') == 1

    def test_the_case_worker_submits_from_the_case_page_and_the_authority_decides_in_its_page(
        self,
    ) -> None:
        case = self.open_case()
        consent_to_authority(self, case)
        self.login(self.caseworker)
        page = self.client.get(reverse("cases:detail", kwargs={"pk": case.pk}))
        assert "Submit for an identification decision" in page.content.decode()
        response = self.client.post(
            reverse("nrm:refer", kwargs={"case_pk": case.pk}),
            {"competent_authority": authority(self).pk, "summary": "Debt; documents held."},
        )
        identification = case.identifications.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("nrm:detail", kwargs={"pk": identification.pk})

        self.login(decision_maker(self))
        url = reverse("nrm:decide", kwargs={"pk": identification.pk})
        unconfirmed = self.client.post(
            url, {"stage": "first_stage", "positive": "yes", "reasons": "Grounds."}
        )
        assert unconfirmed.status_code == 422
        assert not Decision.objects.exists()
        done = self.client.post(
            url,
            {"stage": "first_stage", "positive": "yes", "reasons": "Grounds.", "confirm": "on"},
        )
        assert done.status_code == 302
        page = self.client.get(reverse("nrm:detail", kwargs={"pk": identification.pk}))
        text = page.content.decode()
        assert "Recovery and reflection period" in text
        assert "Record the conclusive decision" in text
        assert AuditEntry.objects.filter(object_type="nrm.identification", action="read").exists()


class TestNotifications(BaseTestCase):
    def test_the_authority_is_told_a_decision_is_due_and_the_referrer_is_told_the_decision(
        self,
    ) -> None:
        from palermo.web.notifications.selectors import notification_list, notification_text

        identification = referred(self)
        inbox = list(notification_list(user=decision_maker(self)))
        assert [n.url for n in inbox] == [reverse("nrm:detail", kwargs={"pk": identification.pk})]
        assert "first-stage identification decision is due" in notification_text(inbox[0])
        assert list(notification_list(user=self.outsider)) == []
        identification_decide(
            actor=decision_maker(self),
            identification=identification,
            stage="first_stage",
            positive=False,
            reasons="No grounds yet.",
        )
        told = [notification_text(n) for n in notification_list(user=self.caseworker)]
        assert any("first-stage decision" in t and "no grounds found" in t for t in told)
