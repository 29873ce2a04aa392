"""The lasso's state evolution: closed forms against quadrature and Monte Carlo, the fixed point against
AMP, the Donoho-Tanner line against known values and an independent minimization, and the domain."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from scipy import optimize, stats

from gentoys.checks.evidence.numerics import soft_threshold_mse_quadrature
from gentoys.sim.amp import amp_lasso
from gentoys.theory import donoho_tanner, donoho_tanner_sparsity, lasso_optimal_lam, lasso_risk
from gentoys.theory import lasso as th
from tests.strategies import examples, lams, ratios, sparsities

POINTS = [(0.8, 0.5, 0.4), (1.3, 0.2, 0.1), (0.4, 1.5, 1.0), (2.0, 0.9, 0.7)]  # (alpha, tau, eps)


def soft(y, theta):
    return np.sign(y) * np.maximum(np.abs(y) - theta, 0.0)


@pytest.mark.parametrize("a,t,eps", POINTS)
def test_closed_forms_match_quadrature(a, t, eps):
    assert th.soft_threshold_mse(a, t, eps) == pytest.approx(soft_threshold_mse_quadrature(a, t, eps), rel=1e-6)
    s = math.sqrt(1 / eps + t * t)
    slope = (1 - eps) * 2 * stats.norm.sf(a) + eps * 2 * stats.norm.sf(a * t / s)
    assert th.soft_threshold_slope(a, t, eps) == pytest.approx(slope, rel=1e-10)


@pytest.mark.parametrize("a,t,eps", POINTS[:2])
def test_closed_forms_match_monte_carlo(a, t, eps):
    rng = np.random.default_rng(3)
    n = 400_000
    x0 = np.where(rng.random(n) < eps, rng.normal(size=n) / math.sqrt(eps), 0.0)
    y = x0 + t * rng.normal(size=n)
    err = (soft(y, a * t) - x0) ** 2
    assert abs(err.mean() - th.soft_threshold_mse(a, t, eps)) < 5 * err.std() / math.sqrt(n)
    hit = np.abs(y) > a * t
    assert abs(hit.mean() - th.soft_threshold_slope(a, t, eps)) < 5 * hit.std() / math.sqrt(n)


def test_fixed_point_is_where_state_evolution_iterates_converge():
    q, eps, a = 0.7, 0.4, 1.1
    tau2 = 1 / q  # AMP from x = 0: tau_0^2 = E[x0^2] / q
    for _ in range(500):
        tau2 = th.soft_threshold_mse(a, math.sqrt(tau2), eps) / q
    assert math.sqrt(tau2) == pytest.approx(th.state_tau(a, q, eps, 0.0), rel=1e-8)


def test_amp_tracks_state_evolution():
    rng = np.random.default_rng(0)
    d, q, eps = 2000, 0.7, 0.4
    risk = lasso_risk(q, eps, 5e-3, 1000)
    n = round(q * d)
    A = rng.normal(size=(n, d)) / math.sqrt(n)
    x0 = np.zeros(d)
    x0[: round(eps * d)] = rng.normal(size=round(eps * d)) / math.sqrt(eps)
    trace = amp_lasso(A, A @ x0, x0, risk.alpha, 40)
    # the per-iteration state evolution from the same start
    tau2, predicted = 1 / q, []
    for _ in range(40):
        tau2 = th.soft_threshold_mse(risk.alpha, math.sqrt(tau2), eps) / q
        predicted.append(math.sqrt(tau2))
    assert np.allclose(trace.taus[1:], predicted, rtol=0.06)
    assert trace.taus[-1] == pytest.approx(risk.tau, rel=0.05)
    assert 0.5 * trace.mse[-1] == pytest.approx(risk.gen_loss, rel=0.15)
    assert trace.lam_bm == pytest.approx(risk.lam_bm, rel=0.1)


def _minimax_direct(eps: float) -> float:
    """min_alpha of the soft threshold's tau -> 0 risk, written from its definition with scipy.stats."""
    def m(a):
        atom = 2 * ((1 + a * a) * stats.norm.sf(a) - a * stats.norm.pdf(a))
        return eps * (1 + a * a) + (1 - eps) * atom

    return optimize.minimize_scalar(m, bounds=(1e-4, 8), method="bounded", options={"xatol": 1e-12}).fun


@pytest.mark.parametrize("eps", [0.02, 0.1, 0.25, 0.4, 0.7])
def test_donoho_tanner_is_the_minimax_risk_and_inverts(eps):
    assert donoho_tanner(eps) == pytest.approx(_minimax_direct(eps), rel=1e-9)
    assert donoho_tanner_sparsity(donoho_tanner(eps)) == pytest.approx(eps, rel=1e-9)


def test_donoho_tanner_known_values():
    # Donoho-Tanner's weak threshold of the cross-polytope: rho = eps / q ~ 0.385 at q = 1/2
    assert donoho_tanner_sparsity(0.5) / 0.5 == pytest.approx(0.385, abs=1e-3)
    # the line ends at (1, 1) and rho -> 0 as q -> 0
    assert donoho_tanner(1.0) == 1.0
    assert np.all(np.diff([donoho_tanner_sparsity(x) / x for x in (0.01, 0.1, 0.5, 0.9, 0.999)]) > 0)
    assert donoho_tanner_sparsity(0.999) > 0.95


def test_seed_example_lies_below_the_line():
    assert donoho_tanner(0.4) > 0.7 > donoho_tanner(0.3)


def test_noiseless_optimal_lam_vanishes_above_the_line_only():
    assert lasso_optimal_lam(0.9, 0.4, 1000) == 0.0
    lam = lasso_optimal_lam(0.5, 0.4, 1000)
    assert lam > 0
    here = lasso_risk(0.5, 0.4, lam, 1000).gen_loss
    assert here <= lasso_risk(0.5, 0.4, 1.3 * lam, 1000).gen_loss
    assert here <= lasso_risk(0.5, 0.4, lam / 1.3, 1000).gen_loss


def test_lam_scales_as_inverse_sqrt_dim():
    a, b = lasso_risk(0.7, 0.4, 5e-3, 1000), lasso_risk(0.7, 0.4, 5e-3 * math.sqrt(1000 / 4000), 4000)
    assert a.gen_loss == pytest.approx(b.gen_loss, rel=1e-10)


def test_noise_raises_the_risk():
    assert lasso_risk(0.7, 0.4, 5e-3, 1000, noise=0.1).gen_loss > lasso_risk(0.7, 0.4, 5e-3, 1000).gen_loss


@settings(max_examples=examples(15), deadline=None)
@given(q=ratios, eps=sparsities, lam=lams)
def test_solution_satisfies_fixed_point_and_calibration(q, eps, lam):
    r = lasso_risk(q, eps, lam, 1)
    assert r.tau > 0 and 0 <= r.support_fraction <= 1 and r.gen_loss >= 0
    assert r.tau**2 == pytest.approx(th.soft_threshold_mse(r.alpha, r.tau, eps) / q, rel=1e-7)
    assert r.alpha * r.tau * (1 - th.soft_threshold_slope(r.alpha, r.tau, eps) / q) == pytest.approx(lam, rel=1e-5)
    # a larger penalty keeps fewer coordinates
    assert lasso_risk(q, eps, 1.5 * lam, 1).support_fraction <= r.support_fraction + 1e-12


@pytest.mark.parametrize("kwargs,name", [
    (dict(q=-0.1), "q"), (dict(sparsity=0.0), "sparsity"), (dict(sparsity=1.5), "sparsity"), (dict(lam=-1.0), "lam"),
    (dict(lam=float("nan")), "lam"), (dict(dim=0), "dim"), (dict(noise=-1.0), "noise")])
def test_bad_input_names_the_parameter(kwargs, name):
    args = dict(q=0.7, sparsity=0.4, lam=5e-3, dim=1000) | kwargs
    with pytest.raises(ValueError, match=name):
        lasso_risk(**args)


def test_bad_donoho_tanner_input():
    with pytest.raises(ValueError, match="sparsity"):
        donoho_tanner(0.0)
    with pytest.raises(ValueError, match="q"):
        donoho_tanner_sparsity(1.5)
