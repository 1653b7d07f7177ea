"""The profile language: tree, YAML loading, validation (rights guard), compilers.

>>> ps = load_profile_set(EXAMPLES_DIR)
>>> len(ps) >= 12
True
"""

from __future__ import annotations

from pathlib import Path

from palermo.profiles.ast import AllOf, AnyOf, Comparison, NamedList, Node, Not, Profile, Text
from palermo.profiles.loader import (
    check_profile_set,
    lists_used,
    load_profile_set,
    profile_set_from_texts,
)
from palermo.profiles.profile_set import ProfileSet, profile_lists, screening_criteria

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"

__all__ = [
    "EXAMPLES_DIR",
    "AllOf",
    "AnyOf",
    "Comparison",
    "NamedList",
    "Node",
    "Not",
    "Profile",
    "ProfileSet",
    "Text",
    "check_profile_set",
    "lists_used",
    "load_profile_set",
    "profile_lists",
    "profile_set_from_texts",
    "screening_criteria",
]
