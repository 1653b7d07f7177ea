"""Date boxes keep their value in Chinese: a browser's date box takes only YYYY-MM-DD, and
Django wrote a pre-filled date in the page language's format (2026/12/10 in Chinese), so the
box showed nothing and the form came back refused as empty."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil

from django import forms
from django.utils import timezone, translation

import palermo.web
from palermo.web.cases.models import CaseTask
from palermo.web.lib.dates import DateBox
from palermo.web.testsupport import BaseTestCase

DAY = dt.date(2026, 12, 10)


def _forms_with_dates() -> list[tuple[str, str, forms.Field]]:
    """Every date field declared on a form class of the web application's modules."""
    found = []
    for info in pkgutil.walk_packages(palermo.web.__path__, "palermo.web."):
        if ".migrations" in info.name or info.name.endswith(("settings", "wsgi")):
            continue
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, forms.BaseForm):
                continue
            for field_name, field in cls.base_fields.items():
                if isinstance(field, forms.DateField):
                    found.append((f"{info.name}.{name}", field_name, field))
    return found


class TestDateBoxes(BaseTestCase):
    def test_every_date_box_writes_its_date_as_the_browser_reads_it_in_chinese(self) -> None:
        boxes = _forms_with_dates()
        named = {form for form, _field, _f in boxes}
        for expected in ("TaskForm", "AgreementForm", "HitFilterForm"):
            assert any(form.endswith(expected) for form in named), (expected, sorted(named))
        with translation.override("zh-hans"):
            for form, field_name, field in boxes:
                assert isinstance(field.widget, DateBox), f"{form}.{field_name}"
                html = field.widget.render(field_name, DAY)
                assert 'value="2026-12-10"' in html, f"{form}.{field_name}: {html}"

    def test_a_case_worker_in_chinese_adds_a_task_with_the_pre_filled_due_date(self) -> None:
        case = self.open_case()
        self.login(self.caseworker)
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        week = timezone.localdate() + dt.timedelta(days=7)
        assert "任务" in page.content.decode()
        assert f'value="{week.isoformat()}"' in page.content.decode()
        # what the browser sends back from that box
        self.client.post(
            f"/cases/{case.pk}/tasks/",
            {"title": "联系大使馆", "due_on": week.isoformat(), "assigned_to": ""},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert CaseTask.objects.get(case=case).due_on == week
