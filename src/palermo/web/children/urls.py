from __future__ import annotations

from django.urls import path

from palermo.web.children import views

app_name = "children"
urlpatterns = [
    path("cases/<int:pk>/age/", views.age_view, name="age"),
    path("cases/<int:pk>/best-interests/", views.best_interests_view, name="best_interests"),
    path("cases/<int:pk>/guardian/", views.guardian_view, name="guardian"),
]
