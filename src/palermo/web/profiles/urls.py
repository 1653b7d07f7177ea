from __future__ import annotations

from django.urls import path

from palermo.web.profiles import views

app_name = "profiles"
urlpatterns = [
    path("", views.profile_list, name="list"),
    path("upload/", views.profile_upload, name="upload"),
    path("<int:pk>/", views.profile_detail, name="detail"),
    path("<int:pk>/diff/<int:other>/", views.profile_diff, name="diff"),
    path("<int:pk>/submit/", views.profile_submit, name="submit"),
    path("<int:pk>/approve/", views.profile_approve, name="approve"),
    path("<int:pk>/activate/", views.profile_activate, name="activate"),
    path("<int:pk>/retire/", views.profile_retire, name="retire"),
]
