from __future__ import annotations

from django.urls import path

from palermo.web.exports import views

app_name = "exports"
urlpatterns = [
    path("hits/", views.hit_export_view, name="hits"),
    path("audit/", views.audit_export_view, name="audit"),
    path("cases/<int:pk>/", views.case_export_view, name="case"),
]
