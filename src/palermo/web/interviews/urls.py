from __future__ import annotations

from django.urls import path

from palermo.web.interviews import views

app_name = "interviews"
urlpatterns = [
    path("", views.interview_list, name="list"),
    path("start/", views.start, name="start"),
    path("screens/<int:pk>/step/<int:step>/", views.screen_step, name="screen_step"),
    path("screens/<int:pk>/result/", views.screen_result, name="screen_result"),
    path("screens/<int:pk>/refer/", views.screen_refer, name="screen_refer"),
    path("by-reference/<str:reference>/", views.by_reference, name="by_reference"),
    path("<int:pk>/step/<int:step>/", views.interview_step, name="interview_step"),
    path("<int:pk>/result/", views.interview_result, name="interview_result"),
    path("<int:pk>/case/", views.open_case, name="open_case"),
]
