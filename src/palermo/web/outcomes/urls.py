from __future__ import annotations

from django.urls import path

from palermo.web.outcomes import mining, views

app_name = "outcomes"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("rules/<str:rule_id>/", views.rule_view, name="rule"),
    path("backtest/<int:pk>/", views.backtest_view, name="backtest"),
    path("review/<int:pk>/", views.review_view, name="review"),
    path("mine/", mining.mine_view, name="mine"),
    path("mine/draft/", mining.mine_draft_view, name="mine_draft"),
]
