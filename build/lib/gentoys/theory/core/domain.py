"""Parameter domains: one place that says what each argument may be.

Every public formula validates its inputs through :class:`Domain`, so a bad
value is stopped at the door with an error that names the parameter, the
value and the allowed range, instead of surfacing later as a silent NaN.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Domain:
    """An interval of the real line, open or closed at either end."""

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = True
    high_open: bool = True

    def __str__(self) -> str:
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"

    def contains(self, values: np.ndarray) -> np.ndarray:
        above = values > self.low if self.low_open else values >= self.low
        below = values < self.high if self.high_open else values <= self.high
        return above & below

    def validate(self, name: str, value) -> np.ndarray:
        """Return ``value`` as a float array, or raise ValueError naming ``name``."""
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a real number, got {value!r}") from None
        if np.isnan(arr).any():
            raise ValueError(f"{name} must be a number in {self}, got NaN")
        bad = ~self.contains(arr)
        if bad.any():
            first = arr[bad].flat[0] if arr.ndim else float(arr)
            raise ValueError(f"{name}={first:g} is outside its domain {self}")
        return arr


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"


#: Sample ratio q = N_tr / D of the under-determined regime the theory covers.
RATIO = Domain(0.0, 1.0)
#: Sample ratio including q = 1 (the Marchenko-Pastur law itself allows it).
RATIO_CLOSED = Domain(0.0, 1.0, high_open=False)
POSITIVE = Domain(0.0, math.inf)
NON_NEGATIVE = Domain(0.0, math.inf, low_open=False)
REAL = Domain()
#: Momentum coefficient of heavy-ball iterations.
MOMENTUM = Domain(0.0, 1.0, low_open=False)


def validate_int(name: str, value, minimum: int = 1) -> int:
    """An integer parameter (a dimension, a count) with a lower bound."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}={value} is outside its domain: integers >= {minimum}")
    return int(value)
