from __future__ import annotations

from django.urls import path

from palermo.web.nrm import views

app_name = "nrm"
urlpatterns = [
    path("", views.due_view, name="due"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/decide/", views.decide_view, name="decide"),
    path("<int:pk>/reconsider/", views.reconsider_view, name="reconsider"),
    path("cases/<int:case_pk>/refer/", views.refer_view, name="refer"),
]
