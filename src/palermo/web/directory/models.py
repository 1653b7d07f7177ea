"""The service directory: who offers which services (shelter, medical, legal aid, ...), where,
in which languages, with how many places, and how to reach them.

A provider that receives referrals in Palermo is an ``accounts.Agency`` (its people log in,
accept or decline) and has a directory entry pointing at it; a provider outside the system
(a clinic, a lawyer's office) is an entry without an agency: it is listed with its contacts
for the case worker to call, and referrals through the system go only to entries with an
agency. Entries are kept by the administrators of the agency in ``kept_by`` (the national
body's administrators keep every entry).
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency


class ServiceType(StrEnum):
    SHELTER = "shelter"
    MEDICAL = "medical"
    PSYCHOSOCIAL = "psychosocial"
    LEGAL_AID = "legal_aid"
    INTERPRETATION = "interpretation"
    CHILD_PROTECTION = "child_protection"
    LABOUR_INSPECTION = "labour_inspection"
    POLICE_PROSECUTION = "police_prosecution"
    RETURN_REINTEGRATION = "return_reintegration"


SERVICE_TYPE_LABELS: dict[ServiceType, Promise] = {
    ServiceType.SHELTER: _("Shelter and safe accommodation"),
    ServiceType.MEDICAL: _("Medical care"),
    ServiceType.PSYCHOSOCIAL: _("Psychosocial support and counselling"),
    ServiceType.LEGAL_AID: _("Legal aid"),
    ServiceType.INTERPRETATION: _("Interpretation"),
    ServiceType.CHILD_PROTECTION: _("Child protection"),
    ServiceType.LABOUR_INSPECTION: _("Labour inspection"),
    ServiceType.POLICE_PROSECUTION: _("Police and prosecution"),
    ServiceType.RETURN_REINTEGRATION: _("Return and reintegration"),
}
SERVICE_TYPE_CHOICES = [(kind.value, label) for kind, label in SERVICE_TYPE_LABELS.items()]

# Languages a provider works in (ISO 639 codes; words on every page).
LANGUAGE_LABELS: dict[str, Promise] = {
    "zh": _("Chinese (Mandarin)"),
    "yue": _("Cantonese"),
    "en": _("English"),
    "vi": _("Vietnamese"),
    "my": _("Burmese"),
    "th": _("Thai"),
    "lo": _("Lao"),
    "km": _("Khmer"),
    "ru": _("Russian"),
    "mn": _("Mongolian"),
    "ko": _("Korean"),
    "ug": _("Uyghur"),
    "bo": _("Tibetan"),
    "ne": _("Nepali"),
    "id": _("Indonesian"),
    "tl": _("Tagalog"),
    "fr": _("French"),
    "es": _("Spanish"),
    "ar": _("Arabic"),
}
LANGUAGE_CHOICES = list(LANGUAGE_LABELS.items())


def pack(values: list[str] | tuple[str, ...]) -> str:
    """Codes as ",a,b," so that one ``contains`` finds a code on SQLite and PostgreSQL.

    >>> pack(["shelter", "medical"]), unpack(",medical,shelter,")
    (',medical,shelter,', ['medical', 'shelter'])
    """
    codes = sorted({v.strip() for v in values if v.strip()})
    return f",{','.join(codes)}," if codes else ""


def unpack(packed: str) -> list[str]:
    return [v for v in packed.split(",") if v]


class ServiceProvider(models.Model):
    name = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    # set when the provider receives referrals in Palermo (its people log in)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="directory_entries",
        verbose_name=_("agency in Palermo"),
    )
    kept_by = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    services = models.CharField(_("services"), max_length=400)
    nationwide = models.BooleanField(_("serves the whole country"), default=False)
    # ",Yunnan,Kunming," as typed (matched without regard to case)
    areas = models.CharField(_("areas served"), max_length=1000, blank=True)
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (places)"), null=True, blank=True)
    places_free = models.PositiveIntegerField(_("places free"), null=True, blank=True)
    phone = models.CharField(_("telephone"), max_length=60, blank=True)
    hotline = models.CharField(_("24-hour hotline"), max_length=60, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    description = models.CharField(_("description (English)"), max_length=1000, blank=True)
    description_zh = models.CharField(_("description (Chinese)"), max_length=1000, blank=True)
    active = models.BooleanField(_("listed"), default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("name",)
        constraints = (models.UniqueConstraint(fields=["name"], name="provider_name_unique"),)

    def __str__(self) -> str:
        return self.name

    @property
    def service_list(self) -> list[str]:
        return unpack(self.services)

    @property
    def area_list(self) -> list[str]:
        return unpack(self.areas)

    @property
    def language_list(self) -> list[str]:
        return unpack(self.languages)

    def name_in(self, language: str | None) -> str:
        if language and language.lower().startswith("zh") and self.name_zh:
            return self.name_zh
        return self.name

    def description_in(self, language: str | None) -> str:
        if language and language.lower().startswith("zh") and self.description_zh:
            return self.description_zh
        return self.description
