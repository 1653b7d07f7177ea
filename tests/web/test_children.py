"""Children first on the web (issue 10, item 4): the issue's three child cases each open a case
with a referral to child protection; a person whose age is in doubt, or whose record says under
18, does not get the adult interview until an age assessment says otherwise; only officers
holding the child-interview qualification interview children; a guardian is never the
accompanying adult by default."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from flow_fixtures import FLAGGED_RECORD, activate_example

from palermo.errors import InputError
from palermo.web.accounts.models import Qualification, User
from palermo.web.administration.services import qualification_grant, qualification_revoke
from palermo.web.audit.models import AuditEntry
from palermo.web.cases.models import CaseEvent
from palermo.web.children.models import ChildProtection, GuardianAppointment
from palermo.web.children.services import (
    SamePersonError,
    age_assessment_record,
    best_interests_record,
    guardian_appoint,
)
from palermo.web.interviews.models import Interview
from palermo.web.interviews.services import (
    interview_assess,
    interview_open_case,
    interview_save,
    interview_start,
)
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.roles import Role
from palermo.web.screening.models import DispositionKind
from palermo.web.screening.services import desk_screen, hit_dispose
from palermo.web.testsupport import BaseTestCase

pytestmark = pytest.mark.web

ASSENT = {"consented": True}


class ChildWorld(BaseTestCase):
    def setUp(self) -> None:
        self.interviewer = self.user_with_role(Role.SECOND_LINE_INTERVIEWER)
        self.admin = self.user_with_role(Role.ADMINISTRATOR)
        qualification_grant(
            actor=self.admin,
            user=self.interviewer,
            kind="child_interview",
            note="VEGA 2026",
            override_reason="Certified by the VEGA Children course before Palermo's academy.",
        )

    def child_interview(
        self, answers: dict[str, Any], *, age_in_doubt: bool = False, hit: Any = None
    ) -> Interview:
        interview = interview_start(
            actor=self.interviewer,
            instrument_id="second-line-child",
            age_in_doubt=age_in_doubt,
            hit=hit,
        )
        interview = interview_save(
            actor=self.interviewer, interview=interview, consent=ASSENT, answers=answers
        )
        interview_assess(actor=self.interviewer, interview=interview, language="en")
        return interview

    def open_child_case(self, interview: Interview, adult: str = "") -> Any:
        return interview_open_case(
            actor=self.interviewer,
            interview=interview,
            full_name="Child A",
            accompanying_adult=adult,
        )


class TestTheThreeChildCases(ChildWorld):
    def test_a_child_with_an_unrelated_adult_is_referred_to_child_protection(self) -> None:
        interview = self.child_interview({"travel_with": "other_adult"})
        assert interview.outcome == "indicators_insufficient"
        case = self.open_child_case(interview, adult="Zhang San")
        assert case.outcome == "child_at_risk"
        protection = ChildProtection.objects.get(case=case)
        assert "not my parent" in protection.reasons[0]["en"]
        kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
        assert kinds == ["opened", "child_protection"]

    def test_a_child_taken_or_sold_and_threatened_is_referred_to_child_protection(self) -> None:
        interview = self.child_interview(
            {
                "travel_with": "parent_guardian",
                "rec_pressure": ["taken_or_sold", "threat_violence"],
            }
        )
        case = self.open_child_case(interview)
        reasons = " ".join(r["en"] for r in ChildProtection.objects.get(case=case).reasons)
        assert "sold against my will" in reasons
        assert "threatened with violence" in reasons

    def test_a_person_whose_age_is_in_doubt_is_interviewed_as_a_child_and_referred(self) -> None:
        with pytest.raises(TransitionRefusedError, match="treated as a child"):
            interview_start(
                actor=self.interviewer, instrument_id="second-line-adult", age_in_doubt=True
            )
        interview = self.child_interview({"travel_with": "parent_guardian"}, age_in_doubt=True)
        assert interview.age_in_doubt
        case = self.open_child_case(interview)
        protection = ChildProtection.objects.get(case=case)
        assert protection.age_in_doubt
        assert "age is in doubt" in protection.reasons[-1]["en"]

    def test_a_child_with_a_parent_who_reports_nothing_opens_no_case(self) -> None:
        interview = self.child_interview({"travel_with": "parent_guardian"})
        with pytest.raises(TransitionRefusedError):
            self.open_child_case(interview)


class TestAMinorOnAnAdultsPassport(ChildWorld):
    def referred_hit(self, record: dict[str, Any], *, age_in_doubt: bool = False) -> Any:
        activate_example(self, "documents-held-and-companion-answers")
        traveller, _hits = desk_screen(actor=self.officer, record=record)
        assert traveller is not None
        hit = traveller.hits.first()
        hit_dispose(
            actor=self.officer,
            hit=hit,
            kind=DispositionKind.REFERRED,
            reason="Passport held by the companion.",
            observed=["BRD-01"],
            age_in_doubt=age_in_doubt,
        )
        return hit

    def test_an_age_in_doubt_at_the_desk_takes_the_traveller_to_the_child_interview(
        self,
    ) -> None:
        adult_document = {**FLAGGED_RECORD, "date_of_birth": dt.date(1990, 1, 1)}
        hit = self.referred_hit(adult_document, age_in_doubt=True)
        with pytest.raises(TransitionRefusedError, match="treated as a child"):
            interview_start(actor=self.interviewer, instrument_id="second-line-adult", hit=hit)
        page = self.get_as(self.interviewer, reverse("interviews:list")).content.decode()
        assert "Age in doubt at the desk: treat as a child." in page
        interview = self.child_interview({"travel_with": "parent_guardian"}, hit=hit)
        assert interview.age_in_doubt
        case = self.open_child_case(interview)
        assert ChildProtection.objects.get(case=case).age_in_doubt

    def test_the_desk_asks_whether_the_age_is_in_doubt(self) -> None:
        activate_example(self, "documents-held-and-companion-answers")
        traveller, _hits = desk_screen(actor=self.officer, record=FLAGGED_RECORD)
        assert traveller is not None
        url = reverse("screening:traveller", kwargs={"pk": traveller.pk})
        assert "Age in doubt" in self.get_as(self.officer, url).content.decode()

    def test_a_record_saying_under_18_gets_the_child_interview_until_an_age_assessment_says_adult(
        self,
    ) -> None:
        born = FLAGGED_RECORD["event_date"] - dt.timedelta(days=15 * 365)
        minor = {**FLAGGED_RECORD, "date_of_birth": born}
        hit = self.referred_hit(minor)
        with pytest.raises(TransitionRefusedError, match="treated as a child"):
            interview_start(actor=self.interviewer, instrument_id="second-line-adult", hit=hit)
        interview = self.child_interview({"travel_with": "other_adult"}, hit=hit)
        case = self.open_child_case(interview)
        age_assessment_record(
            actor=self.interviewer,
            case=case,
            conclusion="adult",
            method="documents",
            assessed_by="Civil registry",
            reasons="Birth certificate verified: 19 years old; the passport's date was wrong.",
        )
        adult = interview_start(actor=self.interviewer, instrument_id="second-line-adult", hit=hit)
        assert adult.instrument_id == "second-line-adult"


class TestTheChildInterviewQualification(ChildWorld):
    def test_only_officers_holding_the_qualification_interview_children(self) -> None:
        colleague = User.objects.create_user(
            username="kim", agency=self.agency_a, role=Role.SECOND_LINE_INTERVIEWER
        )
        with pytest.raises(NotPermittedError, match="child-interview qualification"):
            interview_start(actor=colleague, instrument_id="second-line-child")
        qualification_grant(
            actor=self.admin,
            user=colleague,
            kind="child_interview",
            override_reason="Certified by a UNICEF course outside Palermo.",
        )
        interview = interview_start(actor=colleague, instrument_id="second-line-child")
        assert (
            AuditEntry.objects.filter(
                object_type="accounts.qualification", purpose="qualification granted"
            ).count()
            == 2
        )
        qualification_revoke(actor=self.admin, user=colleague, kind="child_interview")
        with pytest.raises(NotPermittedError):
            interview_save(actor=colleague, interview=interview, consent=ASSENT)
        assert Qualification.objects.filter(user=colleague, revoked_at__isnull=False).exists()

    def test_an_administrator_grants_it_from_the_administration_page(self) -> None:
        colleague = User.objects.create_user(
            username="lee", agency=self.agency_a, role=Role.CONSULAR_OFFICER
        )
        self.login(self.admin)
        url = reverse("administration:user_qualification", kwargs={"pk": colleague.pk})
        self.client.post(
            url,
            {
                "action": "grant",
                "note": "UNICEF course",
                "override_reason": "Certified by a UNICEF course outside Palermo.",
            },
        )
        assert Qualification.objects.get(user=colleague).note == "UNICEF course"
        page = self.client.get(reverse("administration:index")).content.decode()
        assert "Withdraw the child-interview qualification" in page


class TestTheGuardianAndBestInterests(ChildWorld):
    def test_the_accompanying_adult_is_never_the_guardian_by_default(self) -> None:
        case = self.open_child_case(
            self.child_interview({"travel_with": "other_adult"}), adult="Zhang San"
        )
        with pytest.raises(SamePersonError, match="travelled with"):
            guardian_appoint(
                actor=self.interviewer,
                case=case,
                kind="guardian",
                name="san ZHANG",
                appointed_by="District court",
                appointed_on=dt.date(2026, 3, 3),
            )
        assert not GuardianAppointment.objects.exists()
        same = guardian_appoint(
            actor=self.interviewer,
            case=case,
            kind="guardian",
            name="san ZHANG",
            appointed_by="District court",
            appointed_on=dt.date(2026, 3, 3),
            same_person_reason="The court found him to be the child's uncle after DNA tests.",
        )
        assert same.same_as_accompanying
        other = guardian_appoint(
            actor=self.interviewer,
            case=case,
            kind="representative",
            name="Ms Liu (child protection office)",
            appointed_by="Child protection office",
            appointed_on=dt.date(2026, 3, 4),
        )
        assert not other.same_as_accompanying

    def test_a_determination_names_the_durable_solution(self) -> None:
        case = self.open_child_case(self.child_interview({"travel_with": "alone"}))
        with pytest.raises(InputError):
            best_interests_record(
                actor=self.interviewer,
                case=case,
                kind="determination",
                findings="Family traced; home assessed.",
                child_heard=True,
            )
        best_interests_record(
            actor=self.interviewer,
            case=case,
            kind="determination",
            findings="Family traced; home assessed safe.",
            child_heard=True,
            solution="return",
        )
        events = CaseEvent.objects.filter(case=case, kind="best_interests")
        assert events.get().detail["solution"] == "return"

    def test_the_case_page_shows_what_is_due_and_hides_names_from_the_supervisor(self) -> None:
        case = self.open_child_case(
            self.child_interview({"travel_with": "other_adult"}), adult="Zhang San"
        )
        url = reverse("cases:detail", kwargs={"pk": case.pk})
        page = self.get_as(self.interviewer, url).content.decode()
        assert "Not yet appointed" in page
        assert "Zhang San" in page
        assert "Child in need of protection" in page
        supervisor_page = self.get_as(self.supervisor, url).content.decode()
        assert "Not yet appointed" in supervisor_page
        assert "Zhang San" not in supervisor_page
        response = self.client.post(
            reverse("children:guardian", kwargs={"pk": case.pk}),
            {
                "kind": "guardian",
                "name": "X",
                "appointed_by": "Court",
                "appointed_on": "2026-03-03",
            },
        )
        assert response.status_code == 403


class TestTheReferralTask(ChildWorld):
    def test_opening_a_childs_case_tells_the_agency_the_referral_to_child_protection_is_due(
        self,
    ) -> None:
        from palermo.web.notifications.selectors import notification_list, notification_text

        case = self.open_child_case(self.child_interview({"travel_with": "alone"}))
        caseworker_inbox = list(notification_list(user=self.caseworker))
        assert len(caseworker_inbox) == 1
        assert "referral to child protection" in notification_text(caseworker_inbox[0])
        assert caseworker_inbox[0].url.endswith(f"/case/{case.pk}/new/?service=child_protection")
        page = self.get_as(self.caseworker, reverse("cases:detail", kwargs={"pk": case.pk}))
        text = page.content.decode()
        assert "Due now: not sent yet." in text
        assert "Send the referral to child protection" in text


def _child_protection_service(
    test: ChildWorld, code: str, name: str, *, areas: str, languages: list[str], **values: Any
) -> Any:
    from directory_fixtures import a_provider

    from palermo.web.accounts.models import Agency
    from palermo.web.lib.roles import AgencyKind

    agency, _created = Agency.objects.get_or_create(
        code=code, defaults={"name": name, "kind": AgencyKind.SOCIAL_WELFARE}
    )
    provider = a_provider(
        test,
        agency=agency,
        name=name,
        name_zh=f"{name}（中文）",
        services=["child_protection"],
        areas=areas,
        languages=languages,
        **values,
    )
    return agency, provider


class TestTheReferralGoesOutWithTheCase(ChildWorld):
    """The child-protection referral is sent with the case, to the service the directory
    routes to for the child's area and language; when it cannot be, the case says why."""

    def setUp(self) -> None:
        super().setUp()
        from admin_fixtures import agreement_between
        from referral_fixtures import CHECKLIST

        self.checklist = CHECKLIST
        self.kunming, self.kunming_entry = _child_protection_service(
            self,
            "kunming-cp",
            "Kunming child protection centre",
            areas="Kunming",
            languages=["zh", "vi"],
            places_free=2,
        )
        self.national, self.national_entry = _child_protection_service(
            self,
            "national-cp",
            "National children's hotline",
            areas="",
            languages=["zh", "my"],
            nationwide=True,
            places_free=10,
        )
        for agency, ref in ((self.kunming, "DSA-CP-1"), (self.national, "DSA-CP-2")):
            agreement_between(self, self.agency_a, agency, reference=ref)

    def open_with(self, **values: Any) -> Any:
        interview = self.child_interview({"travel_with": "alone"})
        return interview_open_case(
            actor=self.interviewer, interview=interview, full_name="Child B", **values
        )

    def test_a_child_who_consented_is_referred_to_the_local_service_in_their_language(
        self,
    ) -> None:
        from palermo.web.notifications.selectors import notification_list
        from palermo.web.referrals.models import Referral

        case = self.open_with(area="kunming", language="vi", consent=self.checklist)
        referral = Referral.objects.get(case=case)
        assert (referral.recipient, referral.service, referral.state) == (
            self.kunming,
            "child_protection",
            "sent",
        )
        protection = ChildProtection.objects.get(case=case)
        assert (protection.auto_referral, protection.routed_to) == ("sent", self.kunming_entry)
        receiver = self.user_with_role(Role.CASE_WORKER, agency=self.kunming)
        assert [n.object_id for n in notification_list(user=receiver)] == [str(referral.pk)]
        assert list(notification_list(user=self.caseworker)) == []  # nothing left due
        audited = AuditEntry.objects.filter(object_type="referrals.referral")
        assert audited.filter(object_id=str(referral.pk)).exists()
        page = self.get_as(self.interviewer, reverse("cases:detail", kwargs={"pk": case.pk}))
        text = page.content.decode()
        assert "Sent automatically when the case was opened." in text
        assert referral.reference in text

    def test_a_child_speaking_a_language_the_local_service_lacks_goes_to_the_national_one(
        self,
    ) -> None:
        from palermo.web.referrals.models import Referral

        case = self.open_with(area="Kunming", language="my", consent=self.checklist)
        assert Referral.objects.get(case=case).recipient == self.national

    def test_without_the_childs_consent_the_referral_waits_and_the_agency_is_told_why(
        self,
    ) -> None:
        from palermo.web.notifications.selectors import notification_list
        from palermo.web.referrals.models import Referral

        case = self.open_with(area="Kunming", language="vi")
        assert not Referral.objects.filter(case=case).exists()
        assert ChildProtection.objects.get(case=case).auto_referral == "no_consent"
        [due] = notification_list(user=self.caseworker)
        assert due.url.endswith(f"?service=child_protection&recipient={self.kunming.pk}")
        # only a supervisor may refer without consent: the supervisors are told as well
        assert [n.pk for n in notification_list(user=self.supervisor)] == [due.pk]
        self.login(self.caseworker)
        text = self.client.get(reverse("cases:detail", kwargs={"pk": case.pk})).content.decode()
        assert "consent to disclosure to the service or to its assistance is not recorded" in text
        assert "Kunming child protection centre" in text
        self.client.cookies["django_language"] = "zh-hans"
        zh = self.client.get(
            reverse("cases:detail", kwargs={"pk": case.pk}), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
        assert "Kunming child protection centre（中文）" in zh

    def test_no_service_in_the_area_is_said_on_the_case_and_the_referral_stays_due(self) -> None:
        from palermo.web.notifications.selectors import notification_list

        self.national_entry.active = False
        self.national_entry.save(update_fields=["active"])
        case = self.open_with(area="Lhasa", language="bo", consent=self.checklist)
        assert ChildProtection.objects.get(case=case).auto_referral == "no_provider"
        [due] = notification_list(user=self.caseworker)
        assert list(notification_list(user=self.supervisor)) == []
        assert due.url.endswith("?service=child_protection")
        text = self.get_as(
            self.caseworker, reverse("cases:detail", kwargs={"pk": case.pk})
        ).content.decode()
        assert "lists no child-protection service in Palermo for the area and language" in text
        assert "Due now: not sent yet." in text

    def test_without_an_agreement_nothing_is_sent_but_the_consent_is_kept(self) -> None:
        from palermo.web.cases.models import Consent
        from palermo.web.referrals.models import Referral

        self.kunming_entry.languages = ",zh,"
        self.kunming_entry.save(update_fields=["languages"])
        self.national_entry.active = False
        self.national_entry.save(update_fields=["active"])
        _other, _entry = _child_protection_service(
            self, "dali-cp", "Dali children's home", areas="Dali", languages=["vi"]
        )
        case = self.open_with(area="Dali", language="vi", consent=self.checklist)
        assert not Referral.objects.filter(case=case).exists()
        assert ChildProtection.objects.get(case=case).auto_referral == "no_agreement"
        purposes = sorted(Consent.objects.filter(case=case).values_list("purpose", flat=True))
        assert purposes == ["assistance", "sharing"]

    def test_the_form_refuses_a_consent_checklist_ticked_only_in_part(self) -> None:
        interview = self.child_interview({"travel_with": "alone"})
        self.login(self.interviewer)
        response = self.client.post(
            reverse("interviews:open_case", kwargs={"pk": interview.pk}),
            {
                "child-child_protection": "on",
                "child-full_name": "Child C",
                "child-area": "Kunming",
                "child-consent_consented": "on",
            },
            follow=True,
        )
        assert "tick every item, or none" in response.content.decode()
        interview.refresh_from_db()
        assert interview.case_id is None
        ticked = {f"child-consent_{key}": "on" for key in self.checklist}
        response = self.client.post(
            reverse("interviews:open_case", kwargs={"pk": interview.pk}),
            {
                "child-child_protection": "on",
                "child-full_name": "Child C",
                "child-area": "Kunming",
                "child-language": "vi",
                **ticked,
            },
            follow=True,
        )
        assert "Sent automatically when the case was opened." in response.content.decode()
