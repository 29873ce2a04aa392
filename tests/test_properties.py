"""Properties over the whole parameter domain (tests/strategies.py), the ones other modules leave out.

Three kinds:

* theory against an independent numerical route (never the same formula
  again): the MP-limit tuning formulas against direct minimization and
  companion-matrix eigenvalues at the textbook edges;
* theory against simulation at small D, judged statistically: the mean over
  R independent data sets must lie within K standard errors of the
  prediction, plus a finite-size allowance that each test states;
* invariants: the MP law integrates to one, the ridge residual of every data
  set shrinks with lambda, soft thresholding is (firmly) non-expansive.

Statistical tests and their false-alarm rate: R = 32 data sets and K = 6
standard errors give a per-example false-alarm probability of about 1e-6 for
a Student-t statistic with 31 degrees of freedom, so even the long profile's
10 000 examples per property should not fail by chance. Tests marked
``slow_property`` cost ~0.05 s or more per example (quadrature, minimization,
training) and stay out of the routine long run (docs/testing.md).
Where a coverage table of every closed form lives: docs/testing.md.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize
from strategies import (  # noqa: F401
    betas,
    etas,
    examples,
    lams,
    lams_or_zero,
    mp_edges_direct,
    one_torch_thread,
    problem_sizes,
    ratios,
    reals,
    seeds,
    sparsities,
)

from gentoys.checks.evidence.numerics import best_gd_step
from gentoys.sim import sample_gram
from gentoys.sim.linear import Hyperparameters, LinearSetting, draw_problem, train
from gentoys.sim.prox import prox_lasso as prox_lasso_torch
from gentoys.theory import (
    MarchenkoPastur,
    beta_momentum,
    eta_gd,
    eta_momentum,
    eta_momentum_ridge,
    eta_ridge,
    lambda_R,
    prox_lasso,
    rate_gd,
    rate_momentum,
    ridge_plateau,
    soft_threshold,
    unregularized_plateau,
)
from gentoys.theory.mp_limits import beta_momentum_ridge, rate_momentum_ridge

#: independent data sets per statistical comparison, and the number of standard errors allowed
R_SETS, K_SE = 32, 6.0


def _mean_se(samples: np.ndarray) -> tuple[float, float]:
    return float(samples.mean()), float(samples.std(ddof=1) / math.sqrt(len(samples)))


def _unit(dim: int, seed: int) -> torch.Tensor:
    v = torch.randn(dim, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return v / v.norm()


# --- invariants of the Marchenko-Pastur law ------------------------------------------------------

@pytest.mark.slow_property
@settings(max_examples=examples(25))
@given(ratios)
def test_mp_law_with_its_atom_integrates_to_one(q):
    """Atom 1 - q at zero plus the quadrature of the continuous density over its support = 1;
    the cdf climbs from 0 (below zero) to 1 (at the upper edge)."""
    law = MarchenkoPastur(q)
    a, b = law.support()
    mid = (a + b) / 2
    mass = sum(integrate.quad(law.pdf, lo, hi, limit=200, epsabs=1e-13)[0] for lo, hi in ((a, mid), (mid, b)))
    assert law.atom + mass == pytest.approx(1.0, abs=1e-9)
    assert law.cdf(-1e-9) == 0.0 and law.cdf(b) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=examples(25))
@given(problem_sizes(), seeds)
def test_moments_agree_with_sampled_spectra_at_small_dimension(size, seed):
    """(1/D) tr Sigma_tr^k over R_SETS sampled data sets, k = 1..4, against the MP moment of
    q = N/D: within K_SE standard errors plus the finite-size bias allowance k^2 m_{k-1} / N
    (Wishart moments exceed MP ones by O(k^2 m_{k-1} / N); exactly 1/N for k = 2, 0 for k = 1)."""
    dim, n = size
    law = MarchenkoPastur(n / dim)
    eig = sample_gram(R_SETS, dim, n, seed=seed).nonzero_eigenvalues.numpy()
    for k in range(1, 5):
        mean, se = _mean_se((eig**k).sum(axis=1) / dim)  # the D - N zero eigenvalues add nothing
        allowance = k**2 * law.moment(k - 1) / n if k > 1 else 0.0
        assert abs(mean - law.moment(k)) <= K_SE * se + allowance + 1e-12, (k, mean, law.moment(k), se)


# --- plateaus: theory against sampled data sets and training at small D ---------------------------

@settings(max_examples=examples(25))
@given(problem_sizes(), seeds)
def test_unregularized_plateau_is_the_null_space_share_of_sampled_data_sets(size, seed):
    """2 * unregularized_plateau(N/D) = E ||P_0 v||^2 / ||v||^2 for the null-space projector P_0 of
    Sigma_tr. Exact at every D (P_0 is a Haar-random projector of rank D - N), so no finite-size
    allowance: within K_SE standard errors over R_SETS data sets."""
    dim, n = size
    gram = sample_gram(R_SETS, dim, n, seed=seed)
    per_set = gram.null_projection_norm2(_unit(dim, seed + 1)).numpy()
    mean, se = _mean_se(per_set)
    assert abs(mean - 2 * unregularized_plateau(n / dim)) <= K_SE * se + 1e-12


@settings(max_examples=examples(25))
@given(problem_sizes(), lams, seeds)
def test_ridge_plateau_against_sampled_ridge_residuals(size, lam, seed):
    """2 * ridge_plateau(N/D, lam) (per unit ||T||^2) against ||lam (Sigma_tr + lam)^-1 T||^2 of
    R_SETS sampled data sets (Woodbury solves, no closed form): within K_SE standard errors plus a
    finite-size allowance of 5/D relative (the measured bias stays below 1.6/D over D = 8..48,
    q = 0.05..0.95, lam = 1e-3..5; it is largest for N = D - 1 at small lam)."""
    dim, n = size
    gram = sample_gram(R_SETS, dim, n, seed=seed)
    mean, se = _mean_se(gram.ridge_residual_norm2(_unit(dim, seed + 1), lam).numpy())
    want = 2 * ridge_plateau(n / dim, lam)
    assert abs(mean - want) <= K_SE * se + 5 / dim * want


@settings(max_examples=examples(25))
@given(problem_sizes(), lams, st.floats(0.05, 0.95), seeds)
def test_ridge_residual_of_every_data_set_decreases_as_lam_decreases(size, lam, shrink_by, seed):
    """Not only the MP average (tests/test_ridge.py): on each sampled data set the plateau
    ||lam (Sigma_tr + lam)^-1 T||^2 is increasing in lam."""
    dim, n = size
    gram = sample_gram(4, dim, n, seed=seed)
    teacher = _unit(dim, seed + 1)
    big = gram.ridge_residual_norm2(teacher, lam)
    small = gram.ridge_residual_norm2(teacher, lam * shrink_by)
    assert torch.all(small <= big * (1 + 1e-12))


@pytest.mark.slow_property
@settings(max_examples=examples(8))
@given(problem_sizes(max_ratio=0.8), seeds)
def test_trained_gd_reaches_the_unregularized_plateau(size, seed):
    """sim.linear.train (GD, per-set optimal step, float64) after 200 epochs against
    unregularized_plateau(N/D) * ||S0 - T||^2 (its expectation over data sets, exact at every D).
    Allowance: what the learned modes can still hold after T epochs, at most
    max_i |1 - eta h_i|^(2T) * l_gen(0) per data set (each mode contracts by |1 - eta h_i|),
    plus K_SE standard errors over R_SETS data sets."""
    dim, n = size
    setting = LinearSetting(dim=dim, q=n / dim, epochs=200, n_sets=R_SETS, methods=("gd",), seed=seed,
                            dtype=torch.float64)
    assert setting.n_samples == n
    run = train(setting)
    eta = run.hyper.eta[:, 0, 0]
    worst = (1 - eta[:, None] * run.spectrum).abs().amax(dim=1)
    left = (worst ** (2 * setting.epochs) * run.gen_loss[0, :, 0]).numpy()
    mean, se = _mean_se(run.gen_loss[-1, :, 0].numpy())
    want = unregularized_plateau(setting.n_samples / dim) * float(((run.init - run.teacher) ** 2).sum())
    assert abs(mean - want) <= K_SE * se + left.mean() + 1e-12


@settings(max_examples=examples(25))
@given(problem_sizes(), etas, sparsities, seeds)
def test_gd_training_loss_never_increases_below_the_stability_limit(size, eta_l, sparsity, seed):
    """Any step size with eta L < 2 (L the data set's largest eigenvalue) makes every mode's factor
    |1 - eta h| at most 1, so the training loss of sim.linear.train never goes up - for sparse
    teachers with sparse_dim = round(sparsity D) non-zero entries, of unit norm. (The long profile
    found the first tolerance, 1e-15 absolute, too tight: the converged loss is rounding noise.)"""
    dim, n = size
    sparse_dim = max(1, round(sparsity * dim))
    setting = LinearSetting(dim=dim, q=n / dim, epochs=30, n_sets=4, methods=("gd",), teacher="sparse",
                            sparse_dim=sparse_dim, seed=seed, dtype=torch.float64)
    teacher, init, X = draw_problem(setting)
    assert int((teacher != 0).sum()) == sparse_dim and float(teacher.norm()) == pytest.approx(1.0, rel=1e-12)
    top = torch.linalg.eigvalsh(X.transpose(1, 2) @ X / n)[:, -1]
    zeros = torch.zeros(setting.n_sets, 1, 1, dtype=torch.float64)
    hyper = Hyperparameters((eta_l / top).reshape(-1, 1, 1), zeros, zeros, zeros)
    loss = train(setting, hyper=hyper, problem=(teacher, init, X)).train_loss[:, :, 0]
    # once converged, delta^T Sigma delta is rounding noise around 0 (even slightly negative): allow 1e-12 l_tr(0)
    assert torch.all(loss[1:] <= loss[:-1] + 1e-12 * loss[0])


# --- MP-limit tuning against independent numerics -------------------------------------------------

@pytest.mark.slow_property
@settings(max_examples=examples(6))
@given(ratios)
def test_mp_gd_tuning_is_the_direct_minimizer_at_the_textbook_edges(q):
    """eta_gd, rate_gd, lambda_R and eta_ridge in the MP limit, against 1-d minimization of the
    worst-case factor max_h |1 - eta h| on the textbook edges, and a root search for lambda_R."""
    mu, big = mp_edges_direct(q)
    eta0, r0 = best_gd_step(mu, big)
    assert eta_gd(q) == pytest.approx(eta0, rel=1e-6)
    assert rate_gd(q) == pytest.approx(r0, rel=1e-6)
    lam_r = optimize.brentq(lambda lv: best_gd_step(lv, big + lv)[1] - r0, 1e-4 * mu, 1e2 * big, xtol=1e-13)
    assert lambda_R(q) == pytest.approx(lam_r, rel=1e-5)
    assert eta_ridge(q) == pytest.approx(best_gd_step(lam_r, big + lam_r)[0], rel=1e-5)


@pytest.mark.parametrize("gap", [1e-2, 1e-6, 1e-8])
def test_heavy_ball_tuning_keeps_its_digits_for_nearly_flat_spectra(gap):
    """rate_momentum(mu, L) = (sqrt L - sqrt mu) / (sqrt L + sqrt mu) and eta_momentum = 4 / (sqrt L + sqrt mu)^2,
    evaluated in mpmath at 50 digits, against the numpy closed forms at L = mu (1 + gap): 1e-12 relative.
    Found by the long profile (the expanded form (sqrt L - sqrt mu)^2 = L + mu - 2 sqrt(L mu) cancelled: the
    band-edge radius was off by 1e-7 at L / mu = 1.05); theory.tuning now evaluates a cancellation-free form."""
    import mpmath

    from gentoys.theory import tuning

    mu, big = 1.0, 1.0 + gap
    with mpmath.workdps(50):
        a, b = mpmath.sqrt(mpmath.mpf(mu)), mpmath.sqrt(mpmath.mpf(big))
        rate, eta = float((b - a) / (b + a)), float(4 / (b + a) ** 2)
    assert tuning.rate_momentum(mu, big) == pytest.approx(rate, rel=1e-12)
    assert tuning.eta_momentum(mu, big) == pytest.approx(eta, rel=1e-12)


def _companion_radius(eta: float, beta: float, h: np.ndarray) -> np.ndarray:
    """Spectral radius of [[1 + beta - eta h, -beta], [1, 0]] per curvature, by a numerical eigensolver."""
    mats = np.zeros((len(h), 2, 2))
    mats[:, 0, 0] = 1 + beta - eta * h
    mats[:, 0, 1] = -beta
    mats[:, 1, 0] = 1
    return np.abs(np.linalg.eigvals(mats)).max(axis=1)


@settings(max_examples=examples(25))
@given(ratios)
def test_mp_momentum_tuning_against_companion_eigenvalues(q):
    """Heavy ball at (eta_momentum(q), beta_momentum(q)): the worst spectral radius over curvatures
    in the textbook MP support is rate_momentum(q) = sqrt(beta); with ridge lambda_R the support
    shifts to [lambda_R, lambda_+ + lambda_R]. At the band's edges the two roots merge, where the
    eigensolver loses half the digits: tolerance 1e-6."""
    mu, big = mp_edges_direct(q)
    grid = np.linspace(mu, big, 801)
    worst = _companion_radius(eta_momentum(q), beta_momentum(q), grid).max()
    assert worst == pytest.approx(rate_momentum(q), rel=1e-6, abs=1e-6)
    assert rate_momentum(q) == pytest.approx(math.sqrt(beta_momentum(q)), rel=1e-12)
    lam_r = mu * big / (big - mu)
    shifted = np.linspace(lam_r, big + lam_r, 801)
    worst_r = _companion_radius(eta_momentum_ridge(q), beta_momentum_ridge(q), shifted).max()
    assert worst_r == pytest.approx(rate_momentum_ridge(q), rel=1e-6, abs=1e-6)


@settings(max_examples=examples(25))
@given(ratios, st.integers(20, 200))
def test_mp_gd_rate_bounds_explicit_iteration(q, steps):
    """Iterating e <- (1 - eta_gd(q) h) e from e = 1 for curvatures across the textbook support
    never leaves rate_gd(q)^t, and the edges attain it."""
    mu, big = mp_edges_direct(q)
    h = np.linspace(mu, big, 201)
    e = np.ones_like(h)
    eta = eta_gd(q)
    for _ in range(steps):
        e = e - eta * h * e
    bound = rate_gd(q) ** steps
    assert np.abs(e).max() <= bound * (1 + 1e-9 * steps)
    assert np.abs(e[[0, -1]]).min() >= bound * (1 - 1e-9 * steps)


# --- soft thresholding -------------------------------------------------------------------------

@settings(max_examples=examples(50))
@given(reals, reals, lams_or_zero)
def test_soft_threshold_is_firmly_non_expansive(a, b, t):
    """A proximal map is firmly non-expansive: (S(a) - S(b))^2 <= (S(a) - S(b))(a - b) <= (a - b)^2.
    Exact in real arithmetic; in floating point a - t rounds, so allow a few ulps of |a| + |b| + t
    (the long profile found S(6) - S(3) = 3.0000000000000004 at t = 1.001)."""
    sa, sb = soft_threshold(a, t), soft_threshold(b, t)
    d, ds = a - b, sa - sb
    slack = 4 * np.finfo(float).eps * (abs(a) + abs(b) + t)
    assert abs(ds) <= abs(d) + slack
    assert ds * ds <= ds * d + slack * (abs(d) + abs(ds))
    assert abs(sa) <= abs(a) and (sa == 0 or math.copysign(1, sa) == math.copysign(1, a))


@settings(max_examples=examples(50))
@given(st.lists(reals, min_size=1, max_size=8), lams_or_zero, st.floats(0.01, 3.0))
def test_torch_prox_equals_numpy_prox(xs, l1reg, scaling):
    """sim.prox.prox_lasso (torch back end of the same expression) equals theory.prox_lasso (numpy)."""
    got = prox_lasso_torch(torch.tensor(xs, dtype=torch.float64), l1reg, scaling).numpy()
    np.testing.assert_allclose(got, prox_lasso(np.array(xs), l1reg, scaling), rtol=1e-15, atol=0)


@settings(max_examples=examples(50))
@given(betas, st.floats(-1.0, 1.0), st.integers(1, 300))
def test_heavy_ball_contracts_by_sqrt_beta_while_its_roots_are_complex(beta, c, steps):
    """The premise of rate_momentum: for eta h = 1 + beta - 2 sqrt(beta) c with |c| <= 1 (complex or
    double roots), the explicit iteration e_{t+1} = (1 + beta - eta h) e_t - beta e_{t-1},
    e_1 = (1 - eta h) e_0, obeys |e_t| <= t |e_1| rho^(t-1) + (t - 1) rho^t with rho = sqrt(beta)
    (|U_n(c)| <= n + 1 on [-1, 1]): it decays like sqrt(beta)^t up to a linear factor."""
    rho = math.sqrt(beta)
    eta_h = 1 + beta - 2 * rho * c
    prev, cur = 1.0, 1.0 - eta_h
    for _ in range(steps - 1):
        prev, cur = cur, (1 + beta - eta_h) * cur - beta * prev
    bound = steps * abs(1 - eta_h) * rho ** (steps - 1) + (steps - 1) * rho**steps
    assert abs(cur) <= bound * (1 + 1e-9 * steps) + 1e-300
