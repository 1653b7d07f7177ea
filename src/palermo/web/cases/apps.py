from __future__ import annotations

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "palermo.web.cases"
    label = "cases"

    def ready(self) -> None:
        # Ending an agreement ends the shares made under it (agreements cannot import cases).
        from palermo.web.agreements.signals import agreement_ended
        from palermo.web.cases.services import shares_end_with_agreement

        agreement_ended.connect(
            lambda sender, **kwargs: shares_end_with_agreement(**kwargs),
            weak=False,
            dispatch_uid="cases.shares_end_with_agreement",
        )
