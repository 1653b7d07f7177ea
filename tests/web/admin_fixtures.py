"""Objects for the permission-matrix examples of the named-list, agreement and
administration pages (each of agency A, made through the real services)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from palermo.profiles import EXAMPLES_DIR
from palermo.web.accounts.roles import Role
from palermo.web.profiles.models import ListVersion
from palermo.web.profiles.services import list_upload

LIST_TEXT = (EXAMPLES_DIR / "lists" / "agencies_of_concern.yaml").read_text(encoding="utf-8")


def a_list_version(test: Any) -> ListVersion:
    if not hasattr(test, "_list_version"):
        analyst = test.user_with_role(Role.RISK_ANALYST)
        test._list_version = list_upload(actor=analyst, source_name="l.yaml", text=LIST_TEXT)
    version: ListVersion = test._list_version
    return version


ADMIN_URL_EXAMPLES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "profiles:list_detail": lambda t: {"pk": a_list_version(t).pk},
    "profiles:list_submit": lambda t: {"pk": a_list_version(t).pk},
    "profiles:list_approve": lambda t: {"pk": a_list_version(t).pk},
    "profiles:list_activate": lambda t: {"pk": a_list_version(t).pk},
    "profiles:list_retire": lambda t: {"pk": a_list_version(t).pk},
}
