"""The lasso's state evolution for one given teacher.

``lasso_risk`` averages over the teacher's prior. An experiment that draws one
teacher and simulates many designs measures something else: the state
evolution whose prior is the empirical distribution of that teacher's
coordinates x0 = sqrt(D) T. Its fixed point and calibration are the prior's
with MSE and <eta'> replaced by means over the coordinates of the closed forms
``coordinate_mse`` and ``coordinate_slope`` (derived in ``theory.lasso``).
Drawn from the prior, the coordinates give back ``lasso_risk`` as D grows.
"""
from __future__ import annotations

import math

import numpy as np

from gentoys.theory.core.domain import NON_NEGATIVE, POSITIVE, real_array
from gentoys.theory.lasso import (LassoRisk, _alpha_min, _check_scale, _solve_alpha_of, _tau_of, coordinate_mse,
                                  coordinate_slope)


class EmpiricalPrior:
    """The coordinates x0 of one teacher as a prior: mse and <eta'> are means over them."""

    def __init__(self, x0: np.ndarray):
        # the closed forms are even in x0: fold signs and merge repeated values (a sparse teacher's zeros)
        values, counts = np.unique(np.abs(x0), return_counts=True)
        self.values, self.weights = values, counts / counts.sum()
        self.second_moment = float(self.weights @ values**2)

    def mse(self, a: float, t: float) -> float:
        return float(self.weights @ coordinate_mse._numpy(a, t, self.values))

    def slope(self, a: float, t: float) -> float:
        return float(self.weights @ coordinate_slope._numpy(a, t, self.values))


def _teacher(teacher) -> np.ndarray:
    values = real_array("teacher", teacher)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"teacher must be a non-empty 1-D array of D coordinates, got shape {values.shape}")
    if not np.isfinite(values).all() or not (values != 0).any():
        raise ValueError("teacher must have finite coordinates, not all zero")
    return values


def lasso_risk_teacher(teacher, q: float, lam: float, noise: float = 0.0) -> LassoRisk:
    """Predicted l_gen and support of the converged lasso on designs of ratio ``q`` for this ``teacher`` (D,).

    In the seed's normalization (l_gen = 1/2 ||S - T||^2, penalty ``lam``, lam_BM = lam sqrt(D), label-noise
    variance ``noise``): the state evolution with the prior replaced by the empirical distribution of
    sqrt(D) T's coordinates. D is the teacher's length.
    """
    values = _teacher(teacher)
    q_value = POSITIVE.scalar("q", q)
    lam_value = POSITIVE.scalar("lam", lam)
    noise = NON_NEGATIVE.scalar("noise", noise)
    _check_scale(q_value, noise)
    dim = values.size
    prior = EmpiricalPrior(math.sqrt(dim) * values)
    sig2, target = noise / q_value, lam_value * math.sqrt(dim)
    if not math.isfinite(target):
        raise ValueError(f"lam={lam_value:g} with D={dim}: lam sqrt(D) = lam_BM overflows the float range")
    # alpha_min is the tau -> infinity limit, the same for every prior (the derivation's last lasso step)
    a_min = _alpha_min(q_value, 1.0)

    def tau_of(a: float) -> float:
        return _tau_of(prior.mse, a, q_value, sig2, a_min, prior.second_moment)

    def calibrate(a: float) -> float:
        t = tau_of(a)
        return 0.0 if t == 0.0 else a * t * (1 - prior.slope(a, t) / q_value)

    a = _solve_alpha_of(calibrate, target, a_min, f"q={q_value:g} for this teacher")
    t = tau_of(a)
    mse = prior.mse(a, t)
    return LassoRisk(0.5 * mse, prior.slope(a, t), t, a, target, mse)
