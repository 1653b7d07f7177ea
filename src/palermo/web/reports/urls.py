from __future__ import annotations

from django.urls import path

from palermo.web.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
urlpatterns.append(path("plan/", views.plan, name="plan"))
urlpatterns.append(path("report.pdf", views.report_pdf, name="report_pdf"))
urlpatterns.append(path("cases-export/", views.case_export, name="case_export"))
