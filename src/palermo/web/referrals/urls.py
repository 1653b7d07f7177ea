from __future__ import annotations

from django.urls import path

from palermo.web.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list_view, name="list"),
    path("figures/", views.referral_figures_view, name="figures"),
    path("case/<int:case_pk>/new/", views.referral_create_view, name="create"),
    path("<int:pk>/", views.referral_detail_view, name="detail"),
    path("<int:pk>/accept/", views.referral_accept_view, name="accept"),
    path("<int:pk>/decline/", views.referral_decline_view, name="decline"),
    path("<int:pk>/complete/", views.referral_complete_view, name="complete"),
    path("<int:pk>/withdraw/", views.referral_revoke_view, name="revoke"),
]
