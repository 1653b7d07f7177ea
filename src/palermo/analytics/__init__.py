"""Figures about profiles: backtests before activation (share flagged, projected hits,
overlap, selection rates by protected group with Wilson intervals)."""

from palermo.analytics.backtest import (
    Backtest,
    ProfileBacktest,
    Rate,
    backtest,
    reference_population,
    wilson,
)

__all__ = ["Backtest", "ProfileBacktest", "Rate", "backtest", "reference_population", "wilson"]
