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
    path("lists/", views.list_index, name="lists"),
    path("lists/upload/", views.list_upload, name="list_upload"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/submit/", views.list_submit, name="list_submit"),
    path("lists/<int:pk>/approve/", views.list_approve, name="list_approve"),
    path("lists/<int:pk>/activate/", views.list_activate, name="list_activate"),
    path("lists/<int:pk>/retire/", views.list_retire, name="list_retire"),
]
