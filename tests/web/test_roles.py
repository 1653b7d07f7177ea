"""One role check for every service: ``palermo.web.lib.roles.require_role``."""

from __future__ import annotations

import doctest

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from palermo.web.lib import roles
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.roles import PROFILE_ROLES, Role, has_role, require_role
from palermo.web.profiles.selectors import list_version_list
from palermo.web.testsupport import BaseTestCase


class RequireRoleTests(BaseTestCase):
    def test_a_user_holding_a_role_of_the_set_may_act(self) -> None:
        analyst = self.user_with_role(Role.RISK_ANALYST)
        require_role(analyst, PROFILE_ROLES, what=gettext_lazy("work on risk profiles"))

    def test_a_user_of_another_role_is_refused_with_what_they_tried(self) -> None:
        with pytest.raises(NotPermittedError) as refused:
            require_role(self.officer, PROFILE_ROLES, what=gettext_lazy("work on risk profiles"))
        assert str(refused.value) == "Your role does not allow you to work on risk profiles."

    def test_the_reason_reads_in_the_language_of_the_request(self) -> None:
        with translation.override("zh-hans"), pytest.raises(NotPermittedError) as refused:
            require_role(self.officer, PROFILE_ROLES, what=gettext_lazy("work on risk profiles"))
        assert str(refused.value) == "您的角色无权处理风险画像。"

    def test_a_deactivated_user_is_refused_although_the_role_fits(self) -> None:
        analyst = self.user_with_role(Role.RISK_ANALYST)
        analyst.is_active = False
        assert not has_role(analyst, PROFILE_ROLES)
        with pytest.raises(NotPermittedError):
            require_role(analyst, PROFILE_ROLES, what="x")

    def test_an_anonymous_visitor_holds_no_role(self) -> None:
        from django.contrib.auth.models import AnonymousUser

        assert not has_role(AnonymousUser(), roles.ALL_ROLES)

    def test_a_selector_refuses_through_the_same_check(self) -> None:
        with pytest.raises(NotPermittedError) as refused:
            list_version_list(user=self.caseworker)
        assert "risk profiles" in str(refused.value)


def test_the_examples_in_the_roles_module_run() -> None:
    result = doctest.testmod(roles)
    assert result.attempted > 0
    assert result.failed == 0


def test_every_role_set_names_only_declared_roles_and_none_is_empty() -> None:
    sets = {
        name: value
        for name, value in vars(roles).items()
        if name.isupper() and isinstance(value, frozenset) and not name.endswith("_KINDS")
    }
    assert {"CASE_ROLES", "PROFILE_ROLES", "WATCHLIST_APPROVERS", "ADMIN_ROLES"} <= set(sets)
    for name, value in sets.items():
        assert value, name
        assert all(isinstance(role, Role) for role in value), name
