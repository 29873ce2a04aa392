"""The state evolution of one given teacher: the per-coordinate closed forms against quadrature, their average
over the prior against the prior's closed forms, the fixed point against lasso_risk for teachers drawn from
the prior, and bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from gentoys.theory import lasso as th
from gentoys.theory import lasso_risk
from gentoys.theory.lasso_teacher import lasso_risk_teacher

POINTS = [(1.3, 0.7, 0.9), (0.01, 0.1, 30.0), (4.0, 0.05, 0.0), (2.0, 1e-3, 5.0), (1.0, 1.0, -2.0)]


def _soft(y: float, theta: float) -> float:
    return math.copysign(max(abs(y) - theta, 0.0), y)


def _over_z(f, a: float, t: float, x: float) -> float:
    """E_Z[f(x + t Z)] by adaptive quadrature, split at the threshold's kinks."""
    kinks = sorted(k for k in ((a * t - x) / t, (-a * t - x) / t) if -40 < k < 40)
    edges = [-40.0, *kinks, 40.0]
    g = lambda z: f(x + t * z) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    return sum(integrate.quad(g, lo, hi, epsabs=1e-15, epsrel=1e-12, limit=200)[0] for lo, hi in zip(edges, edges[1:]))


@pytest.mark.parametrize("a,t,x", POINTS)
def test_coordinate_closed_forms_match_quadrature(a, t, x):
    assert th.coordinate_mse(a, t, x) == pytest.approx(_over_z(lambda y: (_soft(y, a * t) - x) ** 2, a, t, x),
                                                      rel=1e-9, abs=1e-15)
    assert th.coordinate_slope(a, t, x) == pytest.approx(_over_z(lambda y: float(abs(y) > a * t), a, t, x),
                                                        rel=1e-9, abs=1e-15)


def _prior_average(mse, a: float, t: float, eps: float) -> float:
    """(1 - eps) mse(0) + eps E[mse(x0)], x0 ~ N(0, 1/eps), by quadrature over x0."""
    sd = 1 / math.sqrt(eps)
    slab = integrate.quad(lambda x: mse(a, t, x) * math.exp(-x * x / (2 * sd * sd)) / (sd * math.sqrt(2 * math.pi)),
                          -12 * sd, 12 * sd, epsabs=1e-14, epsrel=1e-11, limit=200)[0]
    return (1 - eps) * mse(a, t, 0.0) + eps * slab


@pytest.mark.parametrize("a,t,eps", [(1.1, 0.45, 0.4), (0.3, 1.2, 1.0), (2.5, 0.1, 0.05)])
def test_averaged_over_the_prior_the_coordinate_forms_are_the_priors(a, t, eps):
    assert _prior_average(th.coordinate_mse, a, t, eps) == pytest.approx(th.soft_threshold_mse(a, t, eps), rel=1e-9)
    assert _prior_average(th.coordinate_slope, a, t, eps) == pytest.approx(th.soft_threshold_slope(a, t, eps),
                                                                           rel=1e-9)


def test_a_wrong_coordinate_form_misses_the_prior():
    """Without the middle interval's x0^2 P(|Y| < theta) the prior's MSE is not recovered."""
    def wrong(a, t, x):
        return th.coordinate_mse(a, t, x) - x * x * (1 - th.coordinate_slope(a, t, x))
    assert _prior_average(wrong, 1.1, 0.45, 0.4) != pytest.approx(th.soft_threshold_mse(1.1, 0.45, 0.4), rel=1e-3)


def test_alpha_min_is_the_priors_for_every_teacher():
    d = th.derive()
    assert (d.coordinate_large_tau - d.large_tau).simplify() == 0


@pytest.mark.parametrize("q,eps,lam_bm", [(0.7, 0.4, 0.158), (0.5, 1.0, 0.3), (0.9, 0.2, 0.05)])
def test_teachers_drawn_from_the_prior_give_lasso_risk(q, eps, lam_bm):
    """A teacher of D coordinates drawn from the prior (normalized to ||T|| = 1, as the simulations do) predicts
    what the prior does, up to its coordinates' sampling error: a relative O(D^-1/2), checked at 5 D^-1/2."""
    dim = 40_000
    rng = np.random.default_rng(1)
    T = np.zeros(dim)
    k = round(eps * dim)
    T[:k] = rng.normal(size=k)
    T /= np.linalg.norm(T)
    lam = lam_bm / math.sqrt(dim)
    this, prior = lasso_risk_teacher(T, q, lam), lasso_risk(q, eps, lam, dim)
    assert this.gen_loss == pytest.approx(prior.gen_loss, rel=5 / math.sqrt(dim))
    assert this.support_fraction == pytest.approx(prior.support_fraction, rel=5 / math.sqrt(dim))


def test_one_small_teacher_differs_from_the_prior():
    """At D = 1000 a realized teacher's prediction moves by a few per cent: the figure's reason to use it."""
    rng = np.random.default_rng(0)
    T = rng.normal(size=1000)
    T[400:] = 0
    T /= np.linalg.norm(T)
    this, prior = lasso_risk_teacher(T, 0.7, 5e-3), lasso_risk(0.7, 0.4, 5e-3, 1000)
    assert abs(this.gen_loss / prior.gen_loss - 1) > 0.01


@pytest.mark.parametrize("args,name", [
    ((np.ones((2, 3)), 0.7, 5e-3), "teacher"), ((np.array([]), 0.7, 5e-3), "teacher"),
    ((np.zeros(5), 0.7, 5e-3), "teacher"), ((np.array([1.0, np.nan]), 0.7, 5e-3), "teacher"),
    (("abc", 0.7, 5e-3), "teacher"), ((np.ones(5), -0.7, 5e-3), "q"), ((np.ones(5), 0.7, 0.0), "lam"),
])
def test_bad_input_names_the_parameter(args, name):
    with pytest.raises((ValueError, TypeError), match=name):
        lasso_risk_teacher(*args)
