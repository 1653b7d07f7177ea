"""Service directory entries for tests (and the permission matrix's URL examples)."""

from __future__ import annotations

from typing import Any

from palermo.web.accounts.models import Agency
from palermo.web.directory.models import ServiceProvider
from palermo.web.directory.services import provider_create
from palermo.web.lib.roles import Role

_SHELTER = object()


def a_provider(
    test: Any, *, agency: Agency | object | None = _SHELTER, **values: Any
) -> ServiceProvider:
    """An entry kept by agency A for ``agency`` (by default agency B, the shelter; ``None``:
    a provider outside Palermo)."""
    admin = test.user_with_role(Role.ADMINISTRATOR)
    row: dict[str, Any] = {
        "name": "Harbour shelter",
        "name_zh": "港湾庇护所",
        "agency": test.agency_b if agency is _SHELTER else agency,
        "services": ["shelter", "psychosocial"],
        "areas": "Yunnan, Kunming",
        "languages": ["zh", "vi", "my"],
        "capacity": 20,
        "places_free": 4,
        "phone": "+86 871 0000 0000",
        "active": True,
    }
    row.update(values)
    return provider_create(actor=admin, values=row)


def example_provider(test: Any) -> ServiceProvider:
    if not hasattr(test, "_example_provider"):
        test._example_provider = a_provider(test)
    return test._example_provider


DIRECTORY_URL_EXAMPLES = {
    "directory:detail": lambda t: {"pk": example_provider(t).pk},
    "directory:edit": lambda t: {"pk": example_provider(t).pk},
}
