from __future__ import annotations

from django.urls import path

from palermo.web.administration import views

app_name = "administration"
urlpatterns = [
    path("", views.index, name="index"),
    path("agencies/new/", views.agency_create, name="agency_create"),
    path("agencies/<int:pk>/", views.agency_edit, name="agency_edit"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user"),
    path("users/<int:pk>/role/", views.user_role, name="user_role"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/password/", views.user_reset_password, name="user_reset_password"),
    path("users/<int:pk>/qualification/", views.user_qualification, name="user_qualification"),
    path("tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("confirmations/<int:pk>/confirm/", views.confirmation_confirm, name="confirm"),
    path("confirmations/<int:pk>/refuse/", views.confirmation_refuse, name="refuse"),
    path("tokens/<int:pk>/rotate/", views.token_rotate, name="token_rotate"),
    path(
        "users/<int:pk>/second-factor/",
        views.user_reset_second_factor,
        name="user_reset_second_factor",
    ),
]
