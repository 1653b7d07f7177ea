from __future__ import annotations

from django.urls import path

from palermo.web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change_view, name="password_change"),
    path("second-factor/", views.second_factor_view, name="second_factor"),
]
