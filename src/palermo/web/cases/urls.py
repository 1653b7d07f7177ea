from __future__ import annotations

from django.urls import path

from palermo.web.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list_view, name="list"),
    path("<int:pk>/", views.case_detail_view, name="detail"),
    path("<int:pk>/edit/", views.case_edit_view, name="edit"),
    path("<int:pk>/status/", views.case_transition_view, name="transition"),
    path("<int:pk>/consents/", views.consent_record_view, name="consent"),
    path(
        "<int:pk>/consents/<int:consent_pk>/withdraw/",
        views.consent_withdraw_view,
        name="consent_withdraw",
    ),
    path("<int:pk>/share/", views.case_share_view, name="share"),
    path(
        "<int:pk>/shares/<int:share_pk>/stop/",
        views.case_share_revoke_view,
        name="share_revoke",
    ),
    path(
        "<int:pk>/shares/<int:share_pk>/renew/",
        views.case_share_renew_view,
        name="share_renew",
    ),
]
urlpatterns += [
    path("<int:pk>/notes/", views.case_note_view, name="note"),
    path("<int:pk>/assign/", views.case_assign_view, name="assign"),
    path("<int:pk>/tasks/", views.case_task_view, name="task"),
    path("<int:pk>/services/", views.case_service_view, name="service"),
    path("<int:pk>/exploitation/", views.case_exploitation_view, name="exploitation"),
    path("<int:pk>/tasks/<int:task_pk>/done/", views.case_task_done_view, name="task_done"),
    path("<int:pk>/attachments/", views.case_attachment_add_view, name="attachment_add"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.case_attachment_view,
        name="attachment",
    ),
    path("<int:pk>/summary/", views.case_summary_view, name="summary"),
]
