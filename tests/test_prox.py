"""theory.prox: soft thresholding is the L1 proximal map, and its fixed points are lasso solutions.

References: direct 1-d minimization of 1/2 (u - v)^2 + t |u| (scipy), and
scikit-learn's coordinate-descent Lasso for the fixed-point statement.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize
from strategies import examples, lams_or_zero, reals

from gentoys.theory import prox_lasso, soft_threshold

values = reals
thresholds = lams_or_zero


def _objective(u: float, v: float, t: float) -> float:
    return 0.5 * (u - v) ** 2 + t * abs(u)


def _argmin(v: float, t: float) -> float:
    bound = abs(v) + 1.0
    res = optimize.minimize_scalar(_objective, bounds=(-bound, bound), args=(v, t), method="bounded",
                                   options={"xatol": 1e-12})
    return float(res.x)


@settings(max_examples=examples(30))
@given(values, thresholds)
def test_soft_threshold_is_the_numerical_argmin(v, t):
    u = soft_threshold(v, t)
    assert u == pytest.approx(_argmin(v, t), abs=1e-6)
    # and it is at least as good as the numerical minimizer and its neighbours
    assert _objective(u, v, t) <= _objective(_argmin(v, t), v, t) + 1e-12
    for du in (-1e-4, 1e-4):
        assert _objective(u, v, t) <= _objective(u + du, v, t)


@settings(max_examples=examples(30))
@given(values, thresholds)
def test_subgradient_optimality(v, t):
    """0 in u - v + t d|u|: v - u = t sign(u) when u != 0, |v| <= t when u = 0."""
    u = soft_threshold(v, t)
    if u == 0:
        assert abs(v) <= t + 1e-12
    else:
        assert v - u == pytest.approx(t * np.sign(u), abs=1e-12)


def test_soft_threshold_on_arrays():
    v = np.array([[-3.0, -1.0, -0.2], [0.0, 0.7, 2.5]])
    want = np.sign(v) * np.maximum(np.abs(v) - 0.5, 0.0)
    np.testing.assert_array_equal(soft_threshold(v, 0.5), want)
    np.testing.assert_array_equal(soft_threshold(v, 0.0), v)
    np.testing.assert_allclose(soft_threshold(2.0, np.array([0.5, 1.0, 3.0])), [1.5, 1.0, 0.0])


@settings(max_examples=examples(20))
@given(st.lists(values, min_size=1, max_size=6), st.floats(0, 2), st.floats(0.01, 3))
def test_prox_lasso_is_soft_threshold_at_l1reg_times_scaling(xs, l1reg, scaling):
    x = np.array(xs)
    out = prox_lasso(x, l1reg, scaling)
    np.testing.assert_array_equal(out, soft_threshold(x, l1reg * scaling))
    # coordinate-wise numerical argmin of 1/2 |u - x|^2 + l1reg scaling |u|_1
    np.testing.assert_allclose(out, [_argmin(v, l1reg * scaling) for v in xs], atol=1e-6)


def test_lasso_solution_is_a_fixed_point_for_every_step_size():
    """w* from scikit-learn's Lasso satisfies w* = S_{eta alpha}(w* - eta grad) for all eta > 0,
    and proximal gradient (ISTA) with soft_threshold converges to it."""
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(0)
    n, d, alpha = 40, 8, 0.1
    X = rng.standard_normal((n, d))
    y = X @ np.array([2.0, -1.5, 0, 0, 0.5, 0, 0, 0]) + 0.1 * rng.standard_normal(n)
    w = Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=200000).fit(X, y).coef_
    assert np.any(w == 0) and np.any(w != 0)
    grad = lambda v: X.T @ (X @ v - y) / n  # noqa: E731  gradient of (1/2n)|y - Xw|^2
    for eta in (0.01, 0.1, 0.5):
        np.testing.assert_allclose(soft_threshold(w - eta * grad(w), eta * alpha), w, atol=1e-8)
    step = 1 / np.linalg.eigvalsh(X.T @ X / n).max()
    v = np.zeros(d)
    for _ in range(3000):
        v = prox_lasso(v - step * grad(v), alpha, step)
    np.testing.assert_allclose(v, w, atol=1e-7)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: soft_threshold(1.0, -0.1), "threshold"),
        (lambda: soft_threshold(float("nan"), 1.0), "x"),
        (lambda: prox_lasso(np.ones(2), -1.0), "l1reg"),
        (lambda: prox_lasso(np.ones(2), 1.0, 0.0), "scaling"),
        (lambda: prox_lasso(np.ones(2), 1.0, float("nan")), "scaling"),
    ],
)
def test_bad_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()
