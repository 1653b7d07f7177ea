"""Releases of statistics that expose no one (no Django).

``kanon``: k-anonymity as CTDC applies it (k = 11 by default), checked over every combination
of the released quasi-identifiers, with the suppression it took reported.
"""
