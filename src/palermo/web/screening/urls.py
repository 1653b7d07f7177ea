from __future__ import annotations

from django.urls import path

from palermo.web.screening import views

app_name = "screening"
urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("travellers/<int:pk>/", views.traveller, name="traveller"),
    path("travellers/<int:pk>/disposition/", views.traveller_dispose, name="traveller_dispose"),
    path("hits/", views.hit_queue, name="queue"),
    path("hits/<int:pk>/disposition/", views.hit_dispose, name="dispose"),
    path("hits/<int:pk>/correction/", views.disposition_correct, name="correct"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/<int:pk>/", views.batch, name="batch"),
]
