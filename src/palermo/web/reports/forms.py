"""The dashboards' filters: period, agency (national body only) and port or post."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from palermo.web.accounts.models import User
from palermo.web.lib.dates import DateBox
from palermo.web.reports import selectors

DEFAULT_DAYS = 90
LONGEST_PERIOD_DAYS = 3 * 366


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateBox())
    end = forms.DateField(label=_("Until"), required=False, widget=DateBox())
    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)
    port = forms.CharField(label=_("Port or post"), required=False, max_length=100)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        agencies = selectors.report_agencies(user=user)
        field = cast(forms.TypedChoiceField, self.fields["agency"])
        if selectors.is_national(user):
            field.choices = [("", _("All agencies")), *((a.pk, a.name) for a in agencies)]
        else:
            del self.fields["agency"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("end", _("The end of the period is before its start."))
        elif (end - start).days >= LONGEST_PERIOD_DAYS:
            self.add_error("start", _("Choose a period of at most three years."))
        data["start"], data["end"] = start, end
        return data

    def agency_name(self, scope: selectors.Scope) -> str:
        """The words for whose figures these are (printed above the charts)."""
        if scope.agency_ids is None:
            return str(_("All agencies"))
        names = selectors.report_agencies(user=self.user).filter(pk__in=scope.agency_ids)
        return ", ".join(a.name for a in names)

    def scope(self) -> selectors.Scope:
        """The scope asked for, or the default (the last 90 days, the user's agency) when the
        form is unbound or invalid (the page then shows why)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end: dt.date = data.get("end") or timezone.localdate()
        start: dt.date = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        agency_id = data.get("agency")
        asked = self.data.get("agency") if self.is_bound else None
        if "agency" not in self.fields and asked:
            # not national: asking for an agency other than one's own is "not found"
            agency_id = int(asked) if str(asked).isdigit() else -1
        return selectors.report_scope(
            user=self.user,
            start=start,
            end=end,
            agency_id=agency_id,
            port=data.get("port") or "",
        )
