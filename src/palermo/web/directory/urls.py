from __future__ import annotations

from django.urls import path

from palermo.web.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.directory_list, name="list"),
    path("new/", views.directory_create, name="create"),
    path("<int:pk>/", views.directory_detail, name="detail"),
    path("<int:pk>/edit/", views.directory_edit, name="edit"),
]
