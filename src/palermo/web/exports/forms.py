"""The export forms: what to take out, whether personal fields go with it, and why."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import Agency
from palermo.web.agreements.models import TRANSFER_PURPOSE_CHOICES
from palermo.web.exports.services import MAX_PURPOSE
from palermo.web.lib.params import IdChoiceField
from palermo.web.screening.views import HitFilterForm


class HitExportForm(HitFilterForm):
    """The hit queue's filters, plus the choice of personal fields and the purpose."""

    include_personal = forms.BooleanField(
        label=_("Include personal fields"),
        required=False,
        help_text=_("Names, document number (keyed hash) and contact details of the traveller."),
    )
    purpose = forms.CharField(
        label=_("Purpose of the export"),
        required=False,
        max_length=MAX_PURPOSE,
        help_text=_("Required with personal fields; written to the audit log."),
    )


class CaseExportForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of the export"),
        max_length=MAX_PURPOSE,
        help_text=_("Why the case file is taken out; written to the audit log."),
    )
    include_personal = forms.BooleanField(
        label=_("Include personal fields"),
        required=False,
        help_text=_(
            "Name, document number, contact details, the dated notes, tasks and services provided."
        ),
    )
    recipient = IdChoiceField(
        label=_("Receiving agency (only if the file leaves your agency)"),
        queryset=Agency.objects.none(),
        required=False,
    )
    transfer_purpose = forms.ChoiceField(
        label=_("Kind of transfer"),
        choices=[("", _("None: the file stays in your agency")), *TRANSFER_PURPOSE_CHOICES],
        required=False,
        help_text=_(
            "A file for another agency needs the person's consent to sharing with it and a "
            "data-sharing agreement that covers this kind of transfer."
        ),
    )

    def __init__(
        self, *args: Any, own_agency_id: int, personal: bool, training: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        recipient = cast(forms.ModelChoiceField, self.fields["recipient"])  # type: ignore[type-arg]
        # only agencies of the same world: a training case file never goes to a live agency
        recipient.queryset = (
            Agency.objects.exclude(pk=own_agency_id).filter(is_training=training).order_by("name")
        )
        if not personal:
            del self.fields["include_personal"]
