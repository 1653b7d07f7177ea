"""Data in the field's own formats, read into Palermo's analysis tables (no Django).

``ctdc``: the Counter-Trafficking Data Collaborative's Global Dataset, in its raw release
layout and in the 7-column extract passed around, into one Arrow table; ``ctdc_stats``: the
counts CTDC publishes, as Ibis expressions run on DuckDB.
"""
