from __future__ import annotations

from django.urls import path

from palermo.web.certificates import views

app_name = "certificates"
urlpatterns = [
    path("issue/", views.issue, name="issue"),
    path("verify/", views.verify, name="verify"),
    path("certificate.pdf", views.download, name="download"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
]
