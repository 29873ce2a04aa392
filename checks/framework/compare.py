"""The comparisons every check is built from, each able to say no.

* :func:`same_expression` - a seed formula against a derived one: symbolic
  simplification first, then exact evaluation at probe points inside the
  domain (simplify can miss an identity, probes cannot fake one).
* :func:`close` - two numbers from independent routes, relative tolerance.
* :func:`within_errors` - a simulated mean against a prediction, in standard
  errors plus a stated finite-size allowance (:class:`StatComparison`; also
  the one-sided ``below`` / ``above`` decisions).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import sympy as sp


@dataclass(frozen=True)
class ExprComparison:
    equal: bool
    difference: sp.Expr
    max_abs_difference: float

    def __bool__(self) -> bool:
        return self.equal


def same_expression(
    a: sp.Expr,
    b: sp.Expr,
    probes: Iterable[Mapping[sp.Symbol, float]],
    tol: float = 1e-12,
) -> ExprComparison:
    """Whether ``a`` and ``b`` agree as functions on the probe points."""
    diff = sp.simplify(sp.sympify(a) - sp.sympify(b))
    worst = 0.0  # relative gap; the 30-digit evaluation makes 1e-25 an absolute floor for values near zero
    for point in probes:
        exact = {k: sp.nsimplify(v) for k, v in point.items()}
        values = [sp.N(sp.sympify(e).subs(exact), 30) for e in (a, b)]
        free = set().union(*(v.free_symbols for v in values))
        if free:
            raise ValueError(f"probe point {point} leaves symbols {sorted(map(str, free))} unassigned")
        va, vb = (complex(v) for v in values)
        scale = max(abs(va), abs(vb))
        gap = abs(va - vb)
        worst = max(worst, 0.0 if gap <= 1e-25 else gap / scale)
    return ExprComparison(worst <= tol, diff, worst)


def relative_error(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def close(a: float, b: float, rtol: float) -> bool:
    """Relative agreement of two independent numbers; NaN never agrees."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    return abs(a - b) <= rtol * max(abs(a), abs(b))


def signed_z(difference: float, se: float) -> float:
    """difference / se, with se = 0 handled: 0 for no difference, else +-inf with the difference's sign."""
    if se > 0:
        return difference / se
    return 0.0 if difference == 0 else math.copysign(math.inf, difference)


@dataclass(frozen=True)
class StatComparison:
    """A mean over independent data sets against a target, in standard errors plus a stated allowance.

    Every statistical decision of the checks goes through this one object: ``ok`` (within ``n_se`` standard
    errors once the allowance is spent), ``below`` / ``above`` (clearly on one side). A standard error of 0
    (identical samples) is handled by :func:`signed_z`, so a difference of the wrong sign never wins.
    """

    mean: float
    se: float
    target: float
    allowance: float
    n_se: float
    n: int = 0

    @property
    def z(self) -> float:
        """Deviation in standard errors, after the allowance is spent (>= 0)."""
        return abs(signed_z(max(abs(self.mean - self.target) - self.allowance, 0.0), self.se))

    @property
    def signed_z(self) -> float:
        """(mean - target) / se, signed, without the allowance."""
        return signed_z(self.mean - self.target, self.se)

    @property
    def ok(self) -> bool:
        return math.isfinite(self.mean) and self.z <= self.n_se

    @property
    def below(self) -> bool:
        """The mean lies below target - allowance by more than ``n_se`` standard errors."""
        return math.isfinite(self.mean) and signed_z(self.mean - self.target + self.allowance, self.se) < -self.n_se

    @property
    def above(self) -> bool:
        """The mean lies above target + allowance by more than ``n_se`` standard errors."""
        return math.isfinite(self.mean) and signed_z(self.mean - self.target - self.allowance, self.se) > self.n_se

    def __bool__(self) -> bool:
        return self.ok

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "se": self.se, "n": self.n, "target": self.target, "allowance": self.allowance,
                "z": self.z, "signed_z": self.signed_z, "n_se": self.n_se}


def mean_se(samples) -> tuple[float, float]:
    """Mean and standard error of independent samples."""
    x = np.asarray(samples, dtype=float).ravel()
    if x.size < 2:
        raise ValueError(f"need at least 2 independent samples for a standard error, got {x.size}")
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def within_errors(samples, target: float, allowance: float = 0.0, n_se: float = 4.0) -> StatComparison:
    """Is the mean of ``samples`` within ``n_se`` standard errors + ``allowance`` of ``target``?"""
    m, se = mean_se(samples)
    return StatComparison(m, se, float(target), float(allowance), float(n_se), int(np.asarray(samples).size))
