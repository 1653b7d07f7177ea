"""Palermo: early identification and protection of victims of human trafficking.

See ARCHITECTURE.md for the map of the packages.
"""

__version__ = "0.1.0"
