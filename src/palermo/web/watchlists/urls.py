from __future__ import annotations

from django.urls import path

from palermo.web.watchlists import views

app_name = "watchlists"
urlpatterns = [
    path("", views.watchlist_index, name="index"),
    path("upload/", views.watchlist_upload, name="upload"),
    path("<int:pk>/", views.watchlist_detail, name="detail"),
    path("<int:pk>/approve/", views.watchlist_approve, name="approve"),
    path("<int:pk>/activate/", views.watchlist_activate, name="activate"),
    path("<int:pk>/retire/", views.watchlist_retire, name="retire"),
    path("<int:pk>/threshold/", views.watchlist_threshold, name="threshold"),
]
