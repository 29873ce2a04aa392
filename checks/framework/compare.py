"""The comparisons every check is built from, each able to say no.

* :func:`same_expression` - a seed formula against a derived one: symbolic
  simplification first, then exact evaluation at probe points inside the
  domain (simplify can miss an identity, probes cannot fake one).
* :func:`close` - two numbers from independent routes, relative tolerance.
* :func:`within_tolerance` - a mean over independent data sets against a
  target and a declared tolerance: inside, outside or undecided
  (:class:`StatComparison`, an equivalence test with power).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Literal, Mapping

import numpy as np
import sympy as sp
from scipy import stats


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
        exact = {k: exact_value(v) for k, v in point.items()}
        values = [sp.N(sp.sympify(e).subs(exact), 30) for e in (a, b)]
        free = set().union(*(v.free_symbols for v in values))
        if free:
            raise ValueError(f"probe point {point} leaves symbols {sorted(map(str, free))} unassigned")
        va, vb = (complex(v) for v in values)
        scale = max(abs(va), abs(vb))
        gap = abs(va - vb)
        worst = max(worst, 0.0 if gap <= 1e-25 else gap / scale)
    return ExprComparison(worst <= tol, diff, worst)


def exact_value(v) -> sp.Expr:
    """The exact number a probe value names: a float as the rational of its shortest decimal repr (0.1 is
    1/10, not the binary double 3602879701896397/36028797018963968), anything else through ``sympify``.

    Exact and nearly free; ``nsimplify`` would search for a closed form (PSLQ) at every probe value.
    """
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if not math.isfinite(f):
            raise ValueError(f"probe value {v!r} is outside its domain: a finite number")
        return sp.Rational(repr(f))
    return sp.sympify(v)


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


#: each one-sided test's level; the interval shown is the (1 - 2 LEVEL) = 90 % one, the dual of TOST at LEVEL
LEVEL = 0.05
#: beyond this many data sets the advice "this many would decide" is no advice
MAX_TO_DECIDE = 10**12
Decision = Literal["inside", "outside", "undecided"]


@dataclass(frozen=True)
class StatComparison:
    """A mean over independent data sets against ``target +- tolerance``: a three-way equivalence decision.

    * ``inside``: the two one-sided tests (TOST, statsmodels) both reject at ``LEVEL`` - the whole
      90 % interval lies within the tolerance;
    * ``outside``: a one-sided t-test puts the mean beyond ``target + tolerance`` (or below
      ``target - tolerance``) at ``LEVEL`` - the whole interval lies outside;
    * ``undecided``: neither; ``n_to_decide`` says how many data sets would decide at the measured spread.

    A noisier measurement widens the interval, so it can only move a decision towards ``undecided``: it never
    passes more easily. The tolerance comes from the claim's wording or, for a cross-check of our own routes,
    from a stated finite-size allowance; it is never fitted to the measurement.
    """

    mean: float
    se: float
    target: float
    tolerance: float
    n: int
    p_inside: float  # TOST p-value: small when the mean is within target +- tolerance
    p_above: float  # one-sided p-value of "mean <= target + tolerance": small when the mean is above it
    p_below: float  # one-sided p-value of "mean >= target - tolerance": small when the mean is below it

    @property
    def signed_z(self) -> float:
        """(mean - target) / se, signed, the tolerance not spent."""
        return signed_z(self.mean - self.target, self.se)

    @property
    def interval(self) -> tuple[float, float]:
        """The 90 % t interval of the mean (TOST's dual at LEVEL)."""
        half = float(stats.t.ppf(1 - LEVEL, max(self.n - 1, 1))) * self.se
        return self.mean - half, self.mean + half

    @property
    def above(self) -> bool:
        """The whole interval lies above ``target + tolerance``."""
        return math.isfinite(self.mean) and self.p_above < LEVEL

    @property
    def below(self) -> bool:
        """The whole interval lies below ``target - tolerance``."""
        return math.isfinite(self.mean) and self.p_below < LEVEL

    @property
    def decision(self) -> Decision:
        if not math.isfinite(self.mean):
            return "undecided"
        if self.p_inside < LEVEL:
            return "inside"
        return "outside" if (self.above or self.below) else "undecided"

    @property
    def ok(self) -> bool:
        return self.decision == "inside"

    def __bool__(self) -> bool:
        return self.ok

    @property
    def n_to_decide(self) -> int | None:
        """Data sets that would decide at the measured spread (None: decided already, or a mean so near the
        tolerance's edge that more than ``MAX_TO_DECIDE`` would be needed)."""
        if self.decision != "undecided" or not math.isfinite(self.mean):
            return None
        margin = abs(abs(self.mean - self.target) - self.tolerance)
        spread = self.se * math.sqrt(self.n)
        if margin == 0 or spread == 0:
            return None
        estimate = (float(stats.norm.ppf(1 - LEVEL)) * spread / margin) ** 2
        if not estimate < MAX_TO_DECIDE:  # a mean on the tolerance's edge, to the last digits: no practical n
            return None
        n = max(self.n + 1, math.ceil(estimate))
        while float(stats.t.ppf(1 - LEVEL, n - 1)) * spread / math.sqrt(n) >= margin:  # t's tails: a few more
            n = math.ceil(n * 1.01) + 1
        return n

    def describe(self) -> str:
        """One line a person reads: the interval, the tolerance and the decision."""
        lo, hi = self.interval
        text = (f"{_g(self.mean)} ± {_g(self.se)} (n = {self.n}; 90 % interval [{_g(lo)}, {_g(hi)}]) against "
                f"{_g(self.target)} ± {_g(self.tolerance)}: {self.decision}")
        if self.n_to_decide:
            text += f", about {self.n_to_decide} data sets would decide"
        return text

    def as_dict(self) -> dict[str, float | str | None]:
        lo, hi = self.interval
        return {"mean": self.mean, "se": self.se, "n": self.n, "target": self.target, "tolerance": self.tolerance,
                "interval": [lo, hi], "decision": self.decision, "p_inside": self.p_inside,
                "n_to_decide": self.n_to_decide}


def _g(x: float) -> str:
    return f"{x:.4g}"


def mean_se(samples) -> tuple[float, float]:
    """Mean and standard error of independent samples."""
    x = np.asarray(samples, dtype=float).ravel()
    if x.size < 2:
        raise ValueError(f"need at least 2 independent samples for a standard error, got {x.size}")
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def within_tolerance(samples, target: float, tolerance: float) -> StatComparison:
    """The equivalence decision of ``samples``' mean against ``target +- tolerance`` (statsmodels' TOST and
    one-sided t-tests; identical samples are decided exactly)."""
    from statsmodels.stats.weightstats import DescrStatsW

    x = np.asarray(samples, dtype=float).ravel()
    m, se = mean_se(x)
    target, tolerance = float(target), float(tolerance)
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"tolerance={tolerance!r} is outside its domain: a finite number >= 0")
    lo, hi = target - tolerance, target + tolerance
    if not math.isfinite(m):
        p_in = p_above = p_below = 1.0
    elif se == 0:  # no spread: the mean is exact
        p_in = 0.0 if lo < m < hi else 1.0
        p_above, p_below = float(m <= hi), float(m >= lo)
    else:
        d = DescrStatsW(x)
        p_in = float(d.ttost_mean(lo, hi)[0])
        p_above = float(d.ttest_mean(hi, alternative="larger")[1])
        p_below = float(d.ttest_mean(lo, alternative="smaller")[1])
    return StatComparison(m, se, target, tolerance, int(x.size), p_in, p_above, p_below)
