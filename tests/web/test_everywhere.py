"""Everywhere (issue 9 item 13): error pages in the page's language with a way on, the log-in
field focused, dates written the way the page's language writes them."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.views.defaults import permission_denied, server_error

from palermo.web.cases.services import case_open
from palermo.web.testsupport import BaseTestCase


class TestErrorPages(BaseTestCase):
    def test_a_missing_page_says_so_in_english_with_a_link_home(self) -> None:
        self.login(self.caseworker)
        response = self.client.get("/no-such-page/")
        page = response.content.decode()
        assert response.status_code == 404
        assert "Page not found" in page
        assert f'href="{reverse("home")}"' in page

    def test_a_missing_page_says_so_in_chinese(self) -> None:
        self.login(self.caseworker)
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "未找到页面" in page
        assert "返回首页" in page
        assert "Not Found" not in page

    def test_a_refused_page_says_who_to_ask_in_both_languages(self) -> None:
        request = RequestFactory().get("/")
        request.user = self.officer
        english = permission_denied(request, PermissionDenied()).content.decode()
        assert "ask an administrator of your agency" in english
        with translation.override("zh-hans"):
            chinese = permission_denied(request, PermissionDenied()).content.decode()
        assert "请联系您所属机构的管理员" in chinese

    def test_a_server_error_page_renders_without_any_context_in_both_languages(self) -> None:
        request = RequestFactory().get("/")
        response = server_error(request)
        assert response.status_code == 500
        assert "Something went wrong" in response.content.decode()
        assert f'href="{reverse("home")}"' in response.content.decode()
        with translation.override("zh-hans"):
            assert "出现错误" in server_error(request).content.decode()

    def test_a_form_sent_without_its_token_is_explained_not_just_refused(self) -> None:
        client = Client(enforce_csrf_checks=True)
        response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
        assert response.status_code == 403
        assert "reload the page and send it again" in response.content.decode()


class TestLoginAndDates(BaseTestCase):
    def test_the_log_in_page_puts_the_cursor_in_the_user_name(self) -> None:
        page = self.client.get(reverse("accounts:login")).content.decode()
        username = page[page.index('name="username"') - 200 : page.index('name="username"') + 200]
        assert "autofocus" in username

    def test_dates_read_day_month_year_in_english_and_chinese_style_in_chinese(self) -> None:
        case = case_open(actor=self.caseworker, full_name="Li Wei", outcome="possible")
        opened = timezone.localtime(case.opened_at)
        self.login(self.caseworker)
        url = reverse("cases:detail", args=[case.pk])
        english = self.client.get(url).content.decode()
        assert f"{opened.day} {opened:%b} {opened.year}" in english
        # read as a person reads it: a date box's value is the browser's (ISO), not the page's text
        assert f"{opened:%Y-%m-%d}" not in re.sub(r'value="[^"]*"', "", english)
        self.client.cookies["django_language"] = "zh-hans"
        chinese = self.client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert f"{opened.year}年{opened.month}月{opened.day}日" in chinese
