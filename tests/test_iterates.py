"""theory.iterates: per-mode errors of GD / heavy ball against an explicit iteration.

The reference is the plain update S <- S - eta [A (S - T) + lam S] + beta (S - S_prev)
run on a random quadratic (diagonal or rotated), with S_prev = S_0 on the first
step (torch.optim.SGD convention), and the Chebyshev closed form for beta > 0.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples, positive_betas, seeds, small_etas

from gentoys.theory import mode_errors
from gentoys.theory.iterates import closed_form_error, mode_trajectory

STEPS = 40


def _run(A: np.ndarray, S0: np.ndarray, T: np.ndarray, eta: float, beta: float, lam: float, steps: int):
    """S_t for t = 0..steps by the explicit update (heavy ball; beta = 0 is GD)."""
    out = [S0.copy()]
    prev, cur = S0.copy(), S0.copy()
    for _ in range(steps):
        grad = A @ (cur - T) + lam * cur
        nxt = cur - eta * grad + beta * (cur - prev)
        prev, cur = cur, nxt
        out.append(cur.copy())
    return np.array(out)


def _problem(seed: int, dim: int = 6, rotate: bool = True, flat: int = 0):
    rng = np.random.default_rng(seed)
    h = np.concatenate([np.zeros(flat), rng.uniform(0.1, 3.0, dim - flat)])
    Q = np.linalg.qr(rng.standard_normal((dim, dim)))[0] if rotate else np.eye(dim)
    return h, Q, Q @ np.diag(h) @ Q.T, rng.standard_normal(dim), rng.standard_normal(dim)


@settings(max_examples=examples(25))
@given(seeds, small_etas, st.just(0.0) | positive_betas,
       st.sampled_from([0.0, 0.05, 0.7]), st.booleans())
def test_mode_errors_match_explicit_iteration(seed, eta, beta, lam, rotate):
    """S_t - S* = Q diag(e_t) Q^T (S_0 - S*), with S* = (A + lam)^-1 A T."""
    h, Q, A, S0, T = _problem(seed, rotate=rotate)
    star = np.linalg.solve(A + lam * np.eye(len(h)), A @ T)
    traj = _run(A, S0, T, eta, beta, lam, STEPS)
    e = mode_errors(h, eta, beta, STEPS, lam)
    assert e.shape == (STEPS + 1, len(h))
    predicted = star + np.einsum("ij,tj,j->ti", Q, e, Q.T @ (S0 - star))
    scale = 1 + np.abs(traj).max()
    np.testing.assert_allclose(traj, predicted, atol=1e-9 * scale)
    if beta > 0:  # the Chebyshev closed form (it divides by sqrt(beta)) against the same explicit run
        cheb = closed_form_error(np.arange(STEPS + 1)[:, None], beta, eta, h + lam)
        np.testing.assert_allclose(traj, star + np.einsum("ij,tj,j->ti", Q, cheb, Q.T @ (S0 - star)),
                                   atol=1e-9 * scale)


@pytest.mark.parametrize("beta, lam", [(0.0, 0.0), (0.6, 0.0), (0.3, 0.2)])
def test_mode_errors_match_torch_sgd(beta, lam):
    """torch.optim.SGD(lr=eta, momentum=beta, weight_decay=lam) on 1/2 (S-T)^T A (S-T): its first
    step is a plain GD step (the momentum buffer starts at the gradient), as mode_errors assumes."""
    torch = pytest.importorskip("torch")
    eta, steps = 0.3, 25
    h, Q, A, S0, T = _problem(5, dim=5, flat=1)
    S = torch.tensor(S0, requires_grad=True)
    At, Tt = torch.tensor(A), torch.tensor(T)
    opt = torch.optim.SGD([S], lr=eta, momentum=beta, weight_decay=lam)
    traj = [S0.copy()]
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * (S - Tt) @ At @ (S - Tt)).backward()
        opt.step()
        traj.append(S.detach().numpy().copy())
    star = np.linalg.pinv(A + lam * np.eye(5)) @ A @ T  # minimum norm: any flat-mode part is carried by e = 1
    e = mode_errors(h, eta, beta, steps, lam)
    np.testing.assert_allclose(np.array(traj), star + np.einsum("ij,tj,j->ti", Q, e, Q.T @ (S0 - star)), atol=1e-10)


def test_flat_modes_never_move_without_ridge():
    h, Q, A, S0, T = _problem(3, dim=5, rotate=False, flat=2)
    traj = _run(A, S0, T, 0.3, 0.5, 0.0, 30)
    np.testing.assert_array_equal(traj[:, :2], np.broadcast_to(S0[:2], (31, 2)))
    np.testing.assert_array_equal(mode_errors(h, 0.3, 0.5, 30)[:, :2], 1.0)
    np.testing.assert_allclose(mode_trajectory(h, S0, T, 0.3, 0.5, 30), traj, atol=1e-12)


@settings(max_examples=examples(20))
@given(st.floats(0.0, 5.0), st.floats(0.01, 1.0), positive_betas, st.floats(0.0, 2.0))
def test_closed_form_chebyshev_matches_recurrence(h, eta, beta, lam):
    """closed_form_error(n, beta, eta, h + lam) for beta > 0, both sides of c = 1 (complex / real roots)."""
    n = np.arange(STEPS + 1)
    e = mode_errors(h, eta, beta, STEPS, lam)
    ref = closed_form_error(n, beta, eta, h + lam)
    np.testing.assert_allclose(e, ref, rtol=1e-9, atol=1e-9 * max(1.0, np.abs(ref).max()))


def test_closed_form_at_a_double_root():
    """c = 1 exactly (eta h = (1 - sqrt beta)^2): the two roots coincide at rho = sqrt(beta) and
    e_t = (1 + t (e_1 / rho - 1)) rho^t, which the Chebyshev form must reproduce without 0/0."""
    beta, eta = 0.25, 0.5
    hh = (1 - np.sqrt(beta)) ** 2 / eta
    rho = np.sqrt(beta)
    n = np.arange(12)
    want = (1 + n * ((1 - eta * hh) / rho - 1)) * rho**n
    np.testing.assert_allclose(closed_form_error(n, beta, eta, hh), want, rtol=1e-12)
    np.testing.assert_allclose(mode_errors(hh, eta, beta, 11), want, rtol=1e-12)


def test_shapes_broadcast_and_zero_steps():
    h = np.array([[0.5, 1.0, 2.0]])
    out = mode_errors(h, np.array([[0.1], [0.2]]), 0.3, 5)
    assert out.shape == (6, 2, 3)
    assert mode_errors(1.0, 0.1, 0.0, 0).shape == (1,)
    np.testing.assert_array_equal(out[0], 1.0)


def test_gd_is_geometric():
    e = mode_errors(np.array([0.5, 2.0]), 0.4, 0.0, 10, 0.1)
    np.testing.assert_allclose(e, (1 - 0.4 * np.array([0.6, 2.1])) ** np.arange(11)[:, None], rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(beta_value=1.5), "beta"),
        (dict(beta_value=1.0), "beta"),
        (dict(beta_value=-0.1), "beta"),
        (dict(eta_value=0.0), "eta"),
        (dict(curvature=-1.0), "curvature"),
        (dict(lam_value=-0.5), "lam"),
        (dict(steps=-1), "steps"),
        (dict(steps=True), "steps"),
        (dict(steps=3.0), "steps"),
        (dict(curvature=float("nan")), "curvature"),
    ],
)
def test_bad_inputs_name_the_parameter(kwargs, name):
    args = dict(curvature=1.0, eta_value=0.1, beta_value=0.5, steps=3)
    args.update(kwargs)
    with pytest.raises(ValueError, match=f"^{name}"):
        mode_errors(**args)
