from __future__ import annotations

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "palermo.web.certificates"
    label = "certificates"
    verbose_name = "Training certificates"
