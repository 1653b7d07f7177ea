"""Synthetic traveller populations with embedded, labelled trafficking cases (ground truth)."""

from __future__ import annotations

from palermo.synth.config import SynthConfig, default_config, load_config
from palermo.synth.generate import TRUTH_SCHEMA, generate, generate_batches

__all__ = [
    "TRUTH_SCHEMA",
    "SynthConfig",
    "default_config",
    "generate",
    "generate_batches",
    "load_config",
]
