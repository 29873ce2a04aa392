"""theory.two_layer against independent numerics: quadrature, direct minimization, sampled spectra."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from scipy.integrate import quad
from scipy.optimize import minimize, minimize_scalar
from strategies import examples, lams, ratios

from gentoys.sim.networks import Method, _sgd_step
from gentoys.theory.marchenko_pastur import MarchenkoPastur
from gentoys.theory.two_layer import (
    column_cost,
    effective_gradient,
    group_ridge_solution,
    two_layer_mu,
    two_layer_ridge_norm2,
    two_layer_ridge_plateau,
    two_layer_ridge_plateau_at,
)


@settings(max_examples=examples(15), deadline=None)
@given(q=ratios, mu=lams)
def test_mp_norm_and_plateau_match_quadrature(q, mu):
    mp = MarchenkoPastur(q)
    a, b = mp.support()
    norm2 = quad(lambda x: (x / (x + mu)) ** 2 * mp.pdf(x), a, b, limit=200)[0]  # the atom at 0 adds nothing
    plateau = 0.5 * ((1 - q) + quad(lambda x: (mu / (x + mu)) ** 2 * mp.pdf(x), a, b, limit=200)[0])
    assert two_layer_ridge_norm2(q, mu) == pytest.approx(norm2, rel=1e-7)
    assert two_layer_ridge_plateau_at(q, mu) == pytest.approx(plateau, rel=1e-7)


def _design(seed, dim=12, n=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dim)) / np.sqrt(n)
    T = rng.normal(size=dim)
    return X, T / np.linalg.norm(T)


@pytest.mark.parametrize("seed, lam", [(0, 0.05), (1, 0.3), (2, 1.0)])
def test_group_ridge_solution_is_the_minimum_in_S_and_over_factors(seed, lam):
    X, T = _design(seed)
    sigma = X.T @ X
    ev, U = np.linalg.eigh(sigma)
    ev = np.where(ev > 1e-10, ev, 0.0)
    mu, coords = group_ridge_solution(ev, U.T @ T, lam)
    S = U @ coords
    assert mu * np.linalg.norm(S) == pytest.approx(lam, rel=1e-10)
    obj = lambda s: 0.5 * (s - T) @ sigma @ (s - T) + lam * np.linalg.norm(s)  # noqa: E731
    direct = minimize(obj, T * 0.5, method="BFGS", options={"gtol": 1e-12})
    assert obj(S) <= direct.fun + 1e-10
    np.testing.assert_allclose(S, direct.x, atol=1e-4)
    h = 5  # the factorized problem, minimized over (M, V) directly
    dim = T.size

    def factored(p):
        M, V = p[: dim * h].reshape(dim, h), p[dim * h:]
        s = M @ V
        return 0.5 * (s - T) @ sigma @ (s - T) + lam / 2 * (p @ p)

    best = min((minimize(factored, np.random.default_rng(k).normal(size=dim * h + h) * 0.3, method="L-BFGS-B",
                         options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 20000}) for k in range(3)),
               key=lambda r: r.fun)
    assert best.fun == pytest.approx(obj(S), rel=1e-7)


def test_group_ridge_returns_zero_when_lambda_exceeds_the_pull():
    X, T = _design(3)
    ev, U = np.linalg.eigh(X.T @ X)
    t = U.T @ T
    mu, coords = group_ridge_solution(np.clip(ev, 0, None), t, 1.01 * np.linalg.norm(np.clip(ev, 0, None) * t))
    assert mu == np.inf and not coords.any()


def test_mu_matches_sampled_spectra():
    """The MP self-consistent mu and plateau against sampled data sets at D = 600: within 4 standard errors
    of the mean over 12 sets, plus 1 % for the finite-D bias of mu (a 1/D effect at the spectrum's edges)."""
    q, lam, dim = 0.5, 0.04, 600
    rng = np.random.default_rng(0)
    mus, plateaus = [], []
    for _ in range(12):
        X = rng.normal(size=(int(q * dim), dim)) / np.sqrt(q * dim)
        T = rng.normal(size=dim)
        T /= np.linalg.norm(T)
        ev, U = np.linalg.eigh(X.T @ X)
        mu, coords = group_ridge_solution(np.where(ev > 1e-9, ev, 0.0), U.T @ T, lam)
        mus.append(mu)
        plateaus.append(0.5 * np.sum((coords - U.T @ T) ** 2))
    for samples, theory in ((mus, two_layer_mu(q, lam)), (plateaus, two_layer_ridge_plateau(q, lam))):
        se = np.std(samples, ddof=1) / np.sqrt(len(samples))
        assert abs(np.mean(samples) - theory) <= 4 * se + 0.01 * theory


def test_column_cost_is_subadditive_along_a_direction():
    """min over b of the derived cost: one column of size t1 + t2 is cheaper than two of sizes t1, t2."""
    import sympy as sp

    f = sp.lambdify(sorted(column_cost.free_symbols, key=str), column_cost)  # b, c, kappa, lambda_1, t
    best = lambda t: minimize_scalar(lambda lb: f(np.exp(lb), 0.1, 15.0, 3e-4, t), bounds=(-10, 10),  # noqa: E731
                                     method="bounded", options={"xatol": 1e-12}).fun
    for t1, t2 in ((0.1, 0.2), (0.5, 0.5), (0.01, 1.0)):
        assert best(t1) + best(t2) > best(t1 + t2) + 1e-6
    no_l1 = lambda t: minimize_scalar(lambda lb: f(np.exp(lb), 0.1, 15.0, 0.0, t), bounds=(-10, 10),  # noqa: E731
                                      method="bounded", options={"xatol": 1e-12}).fun
    assert no_l1(0.3) + no_l1(0.4) == pytest.approx(no_l1(0.7), rel=1e-8)  # weight decay alone: any split


def test_heavy_ball_prox_fixed_point_is_the_rescaled_elastic_net():
    """Iterating the trainer's step on a quadratic ends at the minimum of the loss plus (1 - beta) times
    the elastic net, as the derived effective gradient says."""
    rng = np.random.default_rng(0)
    A = rng.normal(size=(8, 5))
    H, b = A.T @ A / 8, rng.normal(size=5) * 0.3
    m = Method("lasso", lr=0.2, momentum=0.7, l1=0.05, shrink=0.3)
    w, buf = torch.zeros(5, dtype=torch.float64), torch.zeros(5, dtype=torch.float64)
    Ht, bt = torch.tensor(H), torch.tensor(b)
    for _ in range(4000):
        buf.mul_(m.momentum).add_(Ht @ w - bt)
        _sgd_step(w, buf, m)
    by_name = {str(sym): sym for sym in effective_gradient.free_symbols}
    grad = H @ w.numpy() - b
    positive = w.numpy() > 0
    assert positive.any()
    for wi, gi in zip(w.numpy()[positive], grad[positive]):  # the derived gradient at the fixed point, w > 0
        derived = effective_gradient.subs({by_name["w"]: wi, by_name["c"]: m.shrink, by_name["lambda_1"]: m.l1,
                                           by_name["beta"]: m.momentum, **({by_name["eta"]: m.lr} if "eta" in by_name
                                                                           else {})})
        assert float(derived) == pytest.approx(gi, rel=1e-8, abs=1e-12)
    scale = 1 - m.momentum
    obj = lambda x: 0.5 * x @ H @ x - b @ x + scale * (m.l1 * np.abs(x).sum() + m.shrink / 2 * x @ x)  # noqa: E731
    direct = minimize(obj, np.zeros(5), method="Powell", options={"xtol": 1e-12, "ftol": 1e-14, "maxiter": 100000})
    assert obj(w.numpy()) <= direct.fun + 1e-10


@pytest.mark.parametrize("call, name", [
    (lambda: two_layer_mu(1.2, 0.04), "q"), (lambda: two_layer_mu(0.5, -1.0), "lam"),
    (lambda: two_layer_mu(0.5, 0.04, norm_T=0.0), "norm_T"),
    (lambda: group_ridge_solution(np.array([-1.0, 1.0]), np.ones(2), 0.1), "curvatures"),
    (lambda: group_ridge_solution(np.ones(2), np.ones(2), float("nan")), "lam"),
])
def test_bad_inputs_name_the_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("c", [0.5, 2.0, 3.0])
def test_plateau_and_mu_scale_with_the_teacher_norm(c):
    """T -> cT, lam -> c lam maps the minimizer S to cS (the objective scales by c^2): mu is unchanged and
    l_gen scales by c^2, in the MP limit and for a sampled data set alike."""
    q, lam = 0.5, 0.04
    assert two_layer_mu(q, c * lam, norm_T=c) == pytest.approx(two_layer_mu(q, lam), rel=1e-9)
    assert two_layer_ridge_plateau(q, c * lam, norm_T=c) == pytest.approx(c**2 * two_layer_ridge_plateau(q, lam),
                                                                         rel=1e-9)
    X, T = _design(4)
    ev, U = np.linalg.eigh(X.T @ X)
    ev = np.where(ev > 1e-10, ev, 0.0)
    mu1, s1 = group_ridge_solution(ev, U.T @ T, lam)
    mu_c, s_c = group_ridge_solution(ev, c * U.T @ T, c * lam)
    assert mu_c == pytest.approx(mu1, rel=1e-9)
    np.testing.assert_allclose(s_c, c * s1, rtol=1e-9, atol=1e-12)
