from __future__ import annotations

from django.urls import path

from palermo.web.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_search_view, name="search"),
    path("chain/", views.audit_chain_view, name="chain"),
]
