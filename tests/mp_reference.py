"""The high-precision reference for a Formula: its *derived* expression (never the evaluation form) in mpmath.

The derived forms cancel (lambda_R loses 20 digits at q = 1 - 1e-10, the ridge plateau 160 at lam = 1e160),
so the precision starts at 50 digits plus twice the decades of the arguments (what a cancellation between
terms of those sizes can cost) and doubles until two precisions agree to 30 digits.
"""
from __future__ import annotations

import functools
import math

import mpmath
import sympy as sp

from gentoys.theory.core.formula import Formula


@functools.lru_cache(maxsize=None)
def _mp_derived(formula: Formula):
    return sp.lambdify(formula.symbols, formula.expr, "mpmath")


def reference(formula: Formula, *args: float) -> mpmath.mpf:
    f = _mp_derived(formula)
    previous = None
    start = 50 + sum(2 * abs(math.log10(abs(a))) for a in args if a != 0)
    for dps in (int(start * 2**k) for k in range(4)):
        with mpmath.workdps(dps):
            value = f(*(mpmath.mpf(a) for a in args))
            if previous is not None and value != 0 and abs(value - previous) <= abs(value) * mpmath.mpf(10) ** -30:
                return +value
            previous = value
    return previous
