from __future__ import annotations

from django.urls import path

from palermo.web.consular import views

app_name = "consular"
urlpatterns = [
    path("", views.consular_list_view, name="list"),
    path("open/", views.consular_open_view, name="open"),
    path("<int:pk>/", views.consular_detail_view, name="detail"),
    path("<int:pk>/assistance/", views.assistance_view, name="assistance"),
    path("<int:pk>/travel-document/", views.travel_document_view, name="travel_document"),
    path("<int:pk>/risk/", views.risk_view, name="risk"),
    path(
        "<int:pk>/risk/<int:assessment_pk>/go-ahead/",
        views.risk_override_view,
        name="risk_override",
    ),
    path("<int:pk>/return/", views.return_plan_view, name="return_plan"),
    path("<int:pk>/return/stage/", views.return_stage_view, name="return_stage"),
    path(
        "<int:pk>/follow-ups/<int:follow_up_pk>/",
        views.follow_up_view,
        name="follow_up",
    ),
]
