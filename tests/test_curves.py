"""theory.curves: expected loss curves against simulation, matrix propagation and MP quadrature.

expected_curves averages over isotropic (S0, T) through the spectrum alone; we
check it (a) against GD / heavy ball simulated on the D x D Sigma_tr of one
sampled data set, averaged over many Gaussian (S0, T) draws, within standard
errors, and (b) exactly, by propagating the D x D matrices S_t = P_t S0 + Q_t T
(no eigendecomposition). mp_curves is checked at t = 0 and at its long-time
plateaus, against quadrature of the MP law.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import examples, lams, mp_edges_direct, one_torch_thread, ratios  # noqa: F401

from gentoys.checks.evidence.numerics import mp_average
from gentoys.sim import sample_gram
from gentoys.theory import MarchenkoPastur, expected_curves, mp_curves, mp_hyperparameters, ridge_plateau
from gentoys.theory.curves import Hyper, mp_nodes

DIM, N_TR, STEPS = 40, 20, 30
S0_NORM2, T_NORM2, OVERLAP = 1.5, 1.0, 0.4


@pytest.fixture(scope="module")
def gram():
    return sample_gram(1, DIM, N_TR, seed=7)


@pytest.fixture(scope="module")
def sigma(gram) -> np.ndarray:
    """The dense D x D Sigma_tr = X X^T / N of the one sampled data set."""
    X = gram.X[0].numpy()
    return X @ X.T / N_TR


@pytest.fixture(scope="module")
def spectrum(gram) -> tuple[np.ndarray, np.ndarray]:
    """Its spectrum: the N non-zero eigenvalues plus D - N zeros, weights 1/D."""
    h = np.concatenate([gram.nonzero_eigenvalues[0].numpy(), np.zeros(DIM - N_TR)])
    return h, np.full(DIM, 1 / DIM)


def _hypers(sigma: np.ndarray) -> dict[str, Hyper]:
    top = np.linalg.eigvalsh(sigma)[-1]
    return {
        "gd": Hyper(1.5 / top),
        "ridge": Hyper(1.2 / (top + 0.3), 0.0, 0.3),
        "momentum": Hyper(0.8 / top, 0.6),
        "momentum_ridge": Hyper(0.7 / (top + 0.05), 0.4, 0.05),
    }


def _simulate(sigma: np.ndarray, hyper: Hyper, S0: np.ndarray, T: np.ndarray, steps: int):
    """Per-draw l_gen, l_tr for t = 0..steps; S0, T have one draw per column."""
    gen, tr = [], []
    prev = cur = S0
    for t in range(steps + 1):
        err = cur - T
        gen.append(0.5 * (err**2).sum(0))
        tr.append(0.5 * (err * (sigma @ err)).sum(0))
        grad = sigma @ err + hyper.lam * cur
        prev, cur = cur, cur - hyper.eta * grad + hyper.beta * (cur - prev)
    return np.array(gen), np.array(tr)


@pytest.mark.parametrize("method", ["gd", "ridge", "momentum", "momentum_ridge"])
def test_expected_curves_match_simulation_on_one_sampled_data_set(sigma, spectrum, method):
    """Mean over M Gaussian (S0, T) draws with E S0 S0^T = s/D, E T T^T = t/D, E T S0^T = o/D;
    tolerance 5 standard errors of that mean at each step."""
    hyper = _hypers(sigma)[method]
    rng = np.random.default_rng(1)
    M = 4000
    T = rng.standard_normal((DIM, M)) * np.sqrt(T_NORM2 / DIM)
    c = OVERLAP / T_NORM2
    S0 = c * T + rng.standard_normal((DIM, M)) * np.sqrt((S0_NORM2 - c**2 * T_NORM2) / DIM)
    gen, tr = _simulate(sigma, hyper, S0, T, STEPS)
    want_gen, want_tr = expected_curves(*spectrum, hyper, STEPS, S0_NORM2, T_NORM2, OVERLAP)
    for sim, want in ((gen, want_gen), (tr, want_tr)):
        se = sim.std(axis=1, ddof=1) / np.sqrt(M)
        assert np.all(np.abs(sim.mean(axis=1) - want) <= 5 * se + 1e-12)


@pytest.mark.parametrize("method", ["gd", "ridge", "momentum", "momentum_ridge"])
def test_expected_curves_equal_exact_matrix_propagation(sigma, spectrum, method):
    """S_t = P_t S0 + Q_t T with D x D matrices; the isotropic average is then a trace:
    E l_gen = [s |P|^2 + 2 o tr(P^T (Q - I)) + t |Q - I|^2] / (2 D), and Sigma-weighted for l_tr."""
    hyper = _hypers(sigma)[method]
    eye = np.eye(DIM)
    H = sigma + hyper.lam * eye
    P_prev = P = eye
    Q_prev = Q = np.zeros((DIM, DIM))
    gen, tr = [], []
    for _ in range(STEPS + 1):
        R = Q - eye
        gen.append((S0_NORM2 * (P * P).sum() + 2 * OVERLAP * (P * R).sum() + T_NORM2 * (R * R).sum()) / (2 * DIM))
        tr.append((S0_NORM2 * (P * (sigma @ P)).sum() + 2 * OVERLAP * (P * (sigma @ R)).sum()
                   + T_NORM2 * (R * (sigma @ R)).sum()) / (2 * DIM))
        P_prev, P = P, P - hyper.eta * H @ P + hyper.beta * (P - P_prev)
        Q_prev, Q = Q, Q - hyper.eta * (H @ Q - sigma) + hyper.beta * (Q - Q_prev)
    want_gen, want_tr = expected_curves(*spectrum, hyper, STEPS, S0_NORM2, T_NORM2, OVERLAP)
    np.testing.assert_allclose(want_gen, gen, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(want_tr, tr, rtol=1e-9, atol=1e-12)


@settings(max_examples=examples(10))
@given(ratios, lams)
def test_mp_nodes_integrate_like_the_law(q, lam):
    """The Gauss-Legendre nodes reproduce the mass, the moments and the resolvent of MP (quadrature)."""
    x, w = mp_nodes(q, 400)
    assert w.sum() == pytest.approx(1.0, rel=1e-12) and x[0] == 0.0 and w[0] == pytest.approx(1 - q)
    for k in (1, 2, 3):
        assert (w * x**k).sum() == pytest.approx(float(mp_average(q, lambda v: v**k, dps=20)), rel=1e-10)
    assert (w / (x + lam)).sum() == pytest.approx(float(mp_average(q, lambda v: 1 / (v + lam), dps=20)), rel=1e-8)


@pytest.mark.parametrize("method", ["gd", "ridge", "momentum", "momentum_ridge"])
def test_mp_curves_start_at_the_initial_error(method):
    """t = 0: S = S0 for every mode; <x> = 1 so l_tr(0) = l_gen(0)."""
    gen, tr = mp_curves(0.5, method, 3, S0_NORM2, T_NORM2, OVERLAP)
    assert gen.shape == tr.shape == (4,)
    assert gen[0] == pytest.approx(0.5 * (S0_NORM2 - 2 * OVERLAP + T_NORM2), rel=1e-12)
    assert tr[0] == pytest.approx(gen[0], rel=1e-10)


@pytest.mark.parametrize("q", [0.3, 0.5])
@pytest.mark.parametrize("method", ["gd", "momentum"])
def test_mp_curves_unregularized_plateau(q, method):
    """Flat directions keep S0 - T: l_gen -> (1-q)/2 (s0 - 2 o + t), l_tr -> 0."""
    gen, tr = mp_curves(q, method, 250, S0_NORM2, T_NORM2, 0.0)
    assert gen[-1] == pytest.approx((1 - q) / 2 * (S0_NORM2 + T_NORM2), rel=1e-6)
    assert tr[-1] == pytest.approx(0.0, abs=1e-8)
    gen_o, _ = mp_curves(q, method, 250, S0_NORM2, T_NORM2, OVERLAP)
    assert gen_o[-1] == pytest.approx((1 - q) / 2 * (S0_NORM2 - 2 * OVERLAP + T_NORM2), rel=1e-6)


@pytest.mark.parametrize("q", [0.3, 0.5])
@pytest.mark.parametrize("method", ["ridge", "momentum_ridge"])
def test_mp_curves_ridge_plateau(q, method):
    """With ridge every mode converges to hT/(h + lam): l_gen -> ridge_plateau(q, lambda_R) |T|^2,
    whatever S0 was; also checked by quadrature of lam^2/(lam + x)^2, and l_tr of h lam^2/(lam + x)^2."""
    mu, big = mp_edges_direct(q)
    lam = mu * big / (big - mu)
    assert mp_hyperparameters(q, method).lam == pytest.approx(lam, rel=1e-12)
    gen, tr = mp_curves(q, method, 250, S0_NORM2, T_NORM2, OVERLAP)
    assert gen[-1] == pytest.approx(ridge_plateau(q, lam) * T_NORM2, rel=1e-6)
    assert gen[-1] == pytest.approx(0.5 * T_NORM2 * float(mp_average(q, lambda v: lam**2 / (lam + v) ** 2)), rel=1e-6)
    want_tr = 0.5 * T_NORM2 * float(mp_average(q, lambda v: v * lam**2 / (lam + v) ** 2))
    assert tr[-1] == pytest.approx(want_tr, rel=1e-6)


@pytest.mark.parametrize("method", ["gd", "ridge"])
def test_mp_curves_against_sampled_spectra(method):
    """Finite D = 400 spectra (zeros included) averaged over 4 sets follow the MP curves to
    within 1% (finite-size effects, mostly the O(D^-2/3) spread of the edges)."""
    q, dim, R, steps = 0.5, 400, 4, 100
    hyper = mp_hyperparameters(q, method)
    eig = sample_gram(R, dim, round(q * dim), seed=2).nonzero_eigenvalues.numpy()
    w = np.full(dim, 1 / dim)
    curves = [expected_curves(np.concatenate([e, np.zeros(dim - e.size)]), w, hyper, steps, 1.0, 1.0, 0.3) for e in eig]
    gen, tr = mp_curves(q, method, steps, 1.0, 1.0, 0.3)
    np.testing.assert_allclose(np.mean([c[0] for c in curves], axis=0), gen, rtol=1e-2)
    np.testing.assert_allclose(np.mean([c[1] for c in curves], axis=0), tr, atol=1e-2)


def test_mp_curves_decrease_for_tuned_gd():
    gen, tr = mp_curves(0.4, "gd", 200)
    assert np.all(np.diff(gen) <= 1e-15) and np.all(np.diff(tr) <= 1e-15)


def test_bad_inputs_name_the_parameter():
    with pytest.raises(ValueError, match="^method"):
        mp_hyperparameters(0.5, "adam")
    with pytest.raises(ValueError, match="^q"):
        mp_hyperparameters(1.0, "gd")
    with pytest.raises(ValueError, match="^steps"):
        mp_curves(0.5, "gd", -1)
    with pytest.raises(ValueError, match="^s0_norm2"):
        expected_curves([1.0], [1.0], Hyper(0.1), 3, s0_norm2=-1.0)
    with pytest.raises(ValueError, match="^n"):
        mp_nodes(0.5, 4)
    with pytest.raises(ValueError, match="^q"):
        MarchenkoPastur(0.0)


def test_quadrature_rule_is_numpy_s_and_shared_read_only():
    """mp_nodes reuses one Gauss-Legendre rule per n: the same numbers as numpy's leggauss, computed once, and a
    caller cannot change the shared copy."""
    from gentoys.theory import curves

    nodes, w = curves._gauss_legendre(37)
    want_nodes, want_w = np.polynomial.legendre.leggauss(37)
    np.testing.assert_array_equal(nodes, want_nodes)
    np.testing.assert_array_equal(w, want_w)
    assert curves._gauss_legendre(37)[0] is nodes
    with pytest.raises(ValueError):
        nodes[0] = 0.0
