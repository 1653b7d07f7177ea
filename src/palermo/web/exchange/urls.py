from __future__ import annotations

from django.urls import path

from palermo.web.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.package_list_view, name="packages"),
    path("receive/", views.import_view, name="import"),
    path("check/", views.verify_view, name="verify"),
    path("cases/<int:pk>/", views.case_view, name="case"),
    path("cases/<int:pk>/consent/", views.consent_view, name="consent"),
    path("cases/<int:pk>/send/", views.export_view, name="export"),
    path("partners/", views.partners_view, name="partners"),
    path("partners/keys/", views.key_generate_view, name="key_generate"),
    path("partners/key-card/", views.key_card_view, name="key_card"),
    path("partners/new/", views.partner_new_view, name="partner_new"),
    path("partners/<int:pk>/", views.partner_view, name="partner"),
    path("partners/<int:pk>/confirm/", views.partner_confirm_view, name="partner_confirm"),
    path("partners/<int:pk>/retire/", views.partner_retire_view, name="partner_retire"),
]
