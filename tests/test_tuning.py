"""theory.tuning and theory.mp_limits: optimal step sizes, momenta and lambda_R.

The closed forms are checked against direct numerical minimization of the
worst-case contraction factor over a grid of curvatures (checks.numerics),
and the Marchenko-Pastur limits against the finite formulas at the edges.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from scipy import optimize
from strategies import edges, examples, lams, mp_edges_direct, ratios

from gentoys import theory
from gentoys.checks.evidence.numerics import best_gd_step, best_heavy_ball, gd_worst_factor, hb_radius
from gentoys.theory import mp_limits, tuning

# At the band's edges the discriminant is ~0, so hb_radius reads sqrt(beta) + O(sqrt(rounding)) ~ 1e-8.
HB_RTOL, HB_ATOL = 1e-6, 1e-7


def _hb_worst(eta: float, beta: float, mu: float, big: float, n: int = 2001) -> float:
    return float(hb_radius(eta, beta, np.linspace(mu, big, n)).max())


@settings(max_examples=examples(25))
@given(edges())
def test_lambda_R_equalizes_the_gd_rates(mm):
    mu, big = mm
    lam_r = tuning.lambda_R(mu, big)
    assert lam_r > 0
    assert tuning.rate_gd_ridge(big, lam_r) == pytest.approx(tuning.rate_gd(mu, big), rel=1e-12)


@pytest.mark.parametrize("mu, big", [(0.1, 3.0), (1.0, 50.0), (0.02, 7.0)])
def test_lambda_R_from_direct_minimization(mu, big):
    """Root in lam of best_factor(lam, L + lam) = best_factor(mu, L), each by 1-d minimization."""
    target = best_gd_step(mu, big)[1]
    root = optimize.brentq(lambda lv: best_gd_step(lv, big + lv)[1] - target, 1e-4 * mu, 1e2 * big, xtol=1e-13)
    assert tuning.lambda_R(mu, big) == pytest.approx(root, rel=1e-6)


@settings(max_examples=examples(25))
@given(edges())
def test_eta_gd_minimizes_the_worst_factor(mm):
    mu, big = mm
    eta = tuning.eta_gd(mu, big)
    worst = gd_worst_factor(eta, mu, big)
    assert worst == pytest.approx(tuning.rate_gd(mu, big), rel=1e-12)
    for scale in (0.99, 1.01):
        assert gd_worst_factor(eta * scale, mu, big) > worst


@settings(max_examples=examples(20))
@given(edges(), lams)
def test_eta_gd_ridge_minimizes_the_worst_factor_on_shifted_spectrum(mm, lam):
    """With ridge the curvatures fill [lam, L + lam] (flat directions become the slowest)."""
    _, big = mm
    eta = tuning.eta_gd_ridge(big, lam)
    worst = gd_worst_factor(eta, lam, big + lam)
    assert worst == pytest.approx(tuning.rate_gd_ridge(big, lam), rel=1e-12)
    for scale in (0.99, 1.01):
        assert gd_worst_factor(eta * scale, lam, big + lam) > worst


@pytest.mark.parametrize("mu, big", [(0.1, 3.0), (1.0, 50.0)])
def test_eta_gd_agrees_with_bounded_minimization(mu, big):
    eta, factor = best_gd_step(mu, big)
    assert tuning.eta_gd(mu, big) == pytest.approx(eta, rel=1e-6)
    assert tuning.rate_gd(mu, big) == pytest.approx(factor, rel=1e-8)


@settings(max_examples=examples(25))
@given(edges(max_kappa=1e2))
def test_heavy_ball_worst_radius_is_the_rate_and_is_locally_minimal(mm):
    mu, big = mm
    eta, beta = tuning.eta_momentum(mu, big), tuning.beta_momentum(mu, big)
    rate = tuning.rate_momentum(mu, big)
    assert beta == pytest.approx(rate**2, rel=1e-12)
    worst = _hb_worst(eta, beta, mu, big)
    assert worst == pytest.approx(rate, rel=HB_RTOL, abs=HB_ATOL)
    for e, b in ((eta * 0.99, beta), (eta * 1.01, beta), (eta, beta * 0.99), (eta, min(beta * 1.01, 0.999999))):
        assert _hb_worst(e, b, mu, big) >= worst - HB_ATOL
    # a 1% change in either parameter strictly hurts at least at one point of the spectrum
    assert _hb_worst(eta, beta * 1.01, mu, big) > rate


@settings(max_examples=examples(15))
@given(edges(max_kappa=1e2), lams)
def test_heavy_ball_ridge_radius_on_shifted_spectrum(mm, lam):
    _, big = mm
    eta, beta = tuning.eta_momentum_ridge(big, lam), tuning.beta_momentum_ridge(big, lam)
    want = tuning.rate_momentum_ridge(big, lam)
    assert _hb_worst(eta, beta, lam, big + lam) == pytest.approx(want, rel=HB_RTOL, abs=HB_ATOL)


@pytest.mark.parametrize("mu, big", [(1.0, 50.0), (0.3, 4.0)])
def test_heavy_ball_agrees_with_nelder_mead(mu, big):
    eta, beta, factor = best_heavy_ball(mu, big)
    assert tuning.rate_momentum(mu, big) == pytest.approx(factor, rel=1e-5)
    assert tuning.eta_momentum(mu, big) == pytest.approx(eta, rel=1e-3)
    assert tuning.beta_momentum(mu, big) == pytest.approx(beta, rel=1e-3)


def test_heavy_ball_beats_gd():
    for mu, big in [(1.0, 2.0), (1.0, 50.0), (0.01, 100.0)]:
        assert tuning.rate_momentum(mu, big) < tuning.rate_gd(mu, big)


PLAIN = ["eta_gd", "rate_gd", "beta_momentum", "eta_momentum", "rate_momentum", "lambda_R"]
RIDGE = [("eta_ridge", "eta_gd_ridge"), ("rate_gd_ridge", "rate_gd_ridge"),
         ("beta_momentum_ridge", "beta_momentum_ridge"), ("eta_momentum_ridge", "eta_momentum_ridge"),
         ("rate_momentum_ridge", "rate_momentum_ridge")]


@settings(max_examples=examples(20))
@given(ratios)
def test_mp_limits_are_the_finite_formulas_at_the_mp_edges(q):
    mu, big = mp_edges_direct(q)
    for name in PLAIN:
        assert getattr(mp_limits, name)(q) == pytest.approx(getattr(tuning, name)(mu, big), rel=1e-10), name
    lam_r = tuning.lambda_R(mu, big)
    for limit_name, finite_name in RIDGE:
        got = getattr(mp_limits, limit_name)(q)
        assert got == pytest.approx(getattr(tuning, finite_name)(big, lam_r), rel=1e-10), limit_name
    assert mp_limits.rate_gd_ridge(q) == pytest.approx(mp_limits.rate_gd(q), rel=1e-12)


def test_package_exports_the_mp_limits():
    assert theory.lambda_R is mp_limits.lambda_R and theory.eta_gd is mp_limits.eta_gd
    # q = 1/2: the edges (1 -/+ sqrt 2)^2 sum to 6, so eta_gd = 2/6
    assert theory.eta_gd(0.5) == pytest.approx(1 / 3)


def test_mp_limits_known_values_at_q_quarter():
    """q = 1/4: edges 1 and 9, so eta_gd = 2/10, rate_gd = 8/10, lambda_R = 9/8, rate_momentum = 2/4."""
    assert mp_edges_direct(0.25) == (1.0, 9.0)
    assert mp_limits.eta_gd(0.25) == pytest.approx(0.2)
    assert mp_limits.rate_gd(0.25) == pytest.approx(0.8)
    assert mp_limits.lambda_R(0.25) == pytest.approx(9 / 8)
    assert mp_limits.rate_momentum(0.25) == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [1.5, 0.0, 1.0, -0.1, float("nan"), float("inf")])
def test_mp_limits_reject_bad_ratios(bad):
    with pytest.raises(ValueError, match="^q"):
        theory.lambda_R(bad)
    with pytest.raises(ValueError, match="^q"):
        mp_limits.eta_momentum_ridge(bad)


def test_finite_formulas_reject_bad_edges():
    with pytest.raises(ValueError, match="^lam_min"):
        tuning.lambda_R(-1.0, 2.0)
    with pytest.raises(ValueError, match="^lam_max"):
        tuning.eta_gd(1.0, float("nan"))
    with pytest.raises(ValueError, match="^lam"):
        tuning.rate_gd_ridge(2.0, 0.0)


def test_finite_formulas_reject_unordered_edges():
    with pytest.raises(ValueError, match="lam_m"):
        tuning.beta_momentum(1.0, 1.0)
    with pytest.raises(ValueError, match="lam_m"):
        tuning.lambda_R(2.0, 1.0)
