from __future__ import annotations

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "palermo.web.certificates"
    label = "certificates"
    verbose_name = "Training certificates"

    def ready(self) -> None:
        from palermo.web.certificates.rules import covering_certificate
        from palermo.web.lib.certificate_rule import answer_with

        answer_with(lambda user, grant: covering_certificate(user, grant) is not None)
