"""Dashboards and action-plan indicators: figures over time for supervisors, the national
coordinator and auditors, each chart with its table (``web/lib/charts.py``)."""
