from __future__ import annotations

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "palermo.web.exchange"
    label = "exchange"
