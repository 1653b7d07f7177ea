from __future__ import annotations

from django.urls import path

from palermo.web.academy import views

app_name = "academy"
urlpatterns = [
    path("", views.index, name="index"),
    path("modules/", views.library, name="library"),
    path("modules/<slug:key>/", views.module_detail, name="module"),
    path("courses/new/", views.course_create, name="course_create"),
    path("scenarios/generate/", views.scenarios_generate, name="scenarios_generate"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path("courses/<int:pk>/export/", views.course_export, name="course_export"),
    path("courses/<int:pk>/cohorts/", views.cohort_create, name="cohort_create"),
    path("courses/<int:pk>/simulate/", views.cohort_simulate, name="cohort_simulate"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort"),
    path("cohorts/<int:pk>/enrol/", views.cohort_enrol, name="cohort_enrol"),
    path("cohorts/<int:pk>/sessions/", views.cohort_session, name="cohort_session"),
    path("cohorts/<int:pk>/dashboard/", views.cohort_dashboard, name="dashboard"),
    path("test/", views.knowledge_test, name="test"),
    path("practice/", views.practice, name="practice"),
    path("practice/start/", views.practice_start, name="practice_start"),
    path("practice/exercise/", views.exercise_detail, name="exercise"),
    path("practice/result/", views.result_detail, name="result"),
]
