from __future__ import annotations

from django.urls import path

from palermo.web.agreements import views

app_name = "agreements"
urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("new/", views.agreement_create, name="create"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/sign/", views.agreement_sign, name="sign"),
    path("<int:pk>/end/", views.agreement_end, name="end"),
]
