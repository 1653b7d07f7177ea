"""Named lists (``agencies_of_concern``...) in the web application: upload with problems at
their lines, four-eyes approval, versions, activation, and the profiles that depend on them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from flow_fixtures import TODAY, example_text

from palermo.errors import InputError
from palermo.profiles import EXAMPLES_DIR
from palermo.web.audit.models import AuditEntry
from palermo.web.lib.errors import NotPermittedError, TransitionRefusedError
from palermo.web.lib.review import ReviewStatus
from palermo.web.lib.roles import Role
from palermo.web.profiles.models import ListVersion, ProfileVersion
from palermo.web.profiles.registry import current_screener
from palermo.web.profiles.services import (
    list_activate,
    list_approve,
    list_retire,
    list_submit,
    list_upload,
    profile_activate,
    profile_approve,
    profile_submit,
    profile_upload,
)
from palermo.web.testsupport import BaseTestCase

LIST_TEXT = (EXAMPLES_DIR / "lists" / "agencies_of_concern.yaml").read_text(encoding="utf-8")
SPONSORED: dict[str, object] = {
    "record_id": "desk-list-1",
    "event_kind": "exit",
    "port": "PEK",
    "event_date": TODAY,
    "sponsor_name": "Golden Opportunity Jobs",
}


def next_version(text: str, version: int, *, add: str = "", drop: str = "") -> str:
    text = text.replace("version: 1", f"version: {version}", 1)
    if drop:
        text = text.replace(f"  - {drop}\n", "")
    if add:
        text += f"  - {add}\n"
    return text


class TestNamedListWorkflow(BaseTestCase):
    def setUp(self) -> None:
        self.analyst = self.user_with_role(Role.RISK_ANALYST)

    def approved_list(self, text: str = LIST_TEXT) -> ListVersion:
        version = list_upload(actor=self.analyst, source_name="agencies.yaml", text=text)
        list_submit(actor=self.analyst, version=version)
        return list_approve(actor=self.supervisor, version=version)

    def approved_profile(self) -> ProfileVersion:
        version = profile_upload(
            actor=self.analyst,
            source_name="agency-of-concern.yaml",
            text=example_text("agency-of-concern"),
        )
        profile_submit(actor=self.analyst, version=version)
        return profile_approve(actor=self.supervisor, version=version)

    def test_an_invalid_list_is_refused_with_its_line_and_nothing_is_stored(self) -> None:
        broken = LIST_TEXT.replace("kind: string", "kind: number")
        self.login(self.analyst)
        response = self.client.post(reverse("profiles:list_upload"), {"text": broken})
        assert response.status_code == 422
        page = response.content.decode()
        assert "nothing was saved" in page
        assert "kind is &#x27;string&#x27; or &#x27;country&#x27;" in page
        assert ListVersion.objects.count() == 0

    def test_the_author_cannot_approve_their_own_list(self) -> None:
        version = list_upload(actor=self.analyst, source_name="a.yaml", text=LIST_TEXT)
        list_submit(actor=self.analyst, version=version)
        with pytest.raises(NotPermittedError, match="second person"):
            list_approve(actor=self.analyst, version=version)

    def test_a_new_version_must_have_a_higher_number(self) -> None:
        self.approved_list()
        with pytest.raises(InputError, match="newest stored version"):
            list_upload(actor=self.analyst, source_name="a.yaml", text=LIST_TEXT)

    def test_a_profile_using_a_list_that_is_not_active_is_refused_at_activation(self) -> None:
        self.approved_list()  # approved, not yet active
        profile = self.approved_profile()
        with pytest.raises(
            TransitionRefusedError, match="agencies_of_concern, which is not active"
        ):
            profile_activate(actor=self.supervisor, version=profile)
        assert ProfileVersion.objects.get(pk=profile.pk).status == ReviewStatus.APPROVED.value

    def test_the_refusal_is_shown_on_the_profile_page(self) -> None:
        self.approved_list()
        profile = self.approved_profile()
        self.login(self.supervisor)
        response = self.client.post(
            reverse("profiles:activate", kwargs={"pk": profile.pk}), {"confirm": "yes"}, follow=True
        )
        assert "agencies_of_concern, which is not active" in response.content.decode()

    def test_the_screener_uses_the_active_list_and_its_new_versions(self) -> None:
        list_activate(actor=self.supervisor, version=self.approved_list())
        profile_activate(actor=self.supervisor, version=self.approved_profile())
        hits = current_screener().screen(SPONSORED)
        assert [h.rule_id for h in hits] == ["agency-of-concern"]
        # version 2 drops the agency: from its activation on, nothing fires for that sponsor
        v2 = self.approved_list(next_version(LIST_TEXT, 2, drop="Golden Opportunity Jobs"))
        list_activate(actor=self.supervisor, version=v2)
        assert current_screener().screen(SPONSORED) == []
        statuses = dict(ListVersion.objects.values_list("version", "status"))
        assert statuses == {1: "retired", 2: "active"}

    def test_an_active_list_used_by_an_active_profile_cannot_be_retired(self) -> None:
        version = list_activate(actor=self.supervisor, version=self.approved_list())
        profile_activate(actor=self.supervisor, version=self.approved_profile())
        with pytest.raises(TransitionRefusedError, match="agency-of-concern"):
            list_retire(actor=self.supervisor, version=version, reason="obsolete")
        assert ListVersion.objects.get(pk=version.pk).status == ReviewStatus.ACTIVE.value

    def test_a_list_version_whose_kind_no_longer_fits_an_active_profile_is_refused(self) -> None:
        list_activate(actor=self.supervisor, version=self.approved_list())
        profile_activate(actor=self.supervisor, version=self.approved_profile())
        countries = (
            next_version(LIST_TEXT, 2).replace("kind: string", "kind: country").split("items:")[0]
            + "items:\n  - TH\n"
        )
        v2 = self.approved_list(countries)
        with pytest.raises(TransitionRefusedError, match="no longer load"):
            list_activate(actor=self.supervisor, version=v2)

    def test_every_step_is_in_the_audit_log(self) -> None:
        list_activate(actor=self.supervisor, version=self.approved_list())
        purposes = list(
            AuditEntry.objects.filter(object_type="profiles.listversion")
            .order_by("seq")
            .values_list("purpose", flat=True)
        )
        assert purposes == [
            "named list uploaded",
            "named list submitted",
            "named list approved",
            "named list activated",
        ]

    def test_editing_a_list_starts_from_its_text_with_the_next_version(self) -> None:
        version = self.approved_list()
        self.login(self.analyst)
        response = self.client.get(reverse("profiles:list_upload") + f"?from={version.pk}")
        page = response.content.decode()
        assert "version: 2" in page
        assert "Golden Opportunity Jobs" in page

    def test_the_detail_page_shows_what_changed_since_the_previous_version(self) -> None:
        self.approved_list()
        v2 = list_upload(
            actor=self.analyst,
            source_name="a.yaml",
            text=next_version(LIST_TEXT, 2, add="Silver Lining Staffing"),
        )
        response = self.get_as(self.analyst, reverse("profiles:list_detail", kwargs={"pk": v2.pk}))
        assert (
            '<span class="diff-add">+  - Silver Lining Staffing</span>' in response.content.decode()
        )
