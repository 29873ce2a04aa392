"""Expected loss curves over epochs from a spectrum, finite-D or Marchenko-Pastur.

Mode i of S_t - T is e_t S0_i - a_t T_i with e_t = ``mode_errors`` and
a_t = (lam + e_t h) / (h + lam) (a_t = 1 on a flat mode without ridge). With
the eigenbasis Haar-distributed (isotropic data), E[S0_i^2] = ||S0||^2 / D,
E[T_i^2] = ||T||^2 / D and E[S0_i T_i] = (S0 . T) / D, so the expected losses
are spectral averages:

    l_gen(t) = 1/2 < e^2 ||S0||^2 - 2 e a (S0.T) + a^2 ||T||^2 >
    l_tr(t)  = 1/2 < h (e^2 ||S0||^2 - 2 e a (S0.T) + a^2 ||T||^2) >

with <.> the average over the empirical spectrum (weights 1/D, zeros
included) or over the MP law (atom and quadrature nodes).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from gentoys.theory import mp_limits
from gentoys.theory.core.domain import NON_NEGATIVE, RATIO, REAL, choice_error, validate_int
from gentoys.theory.iterates import mode_errors
from gentoys.theory.marchenko_pastur import MarchenkoPastur


@dataclass(frozen=True)
class Hyper:
    """One method's hyperparameters: step size, momentum and ridge strength."""

    eta: float
    beta: float = 0.0
    lam: float = 0.0


METHODS = ("gd", "ridge", "momentum", "momentum_ridge")


def mp_hyperparameters(q: float, method: str) -> Hyper:
    """The MP-limit optimal hyperparameters of a method (ridge at lambda_R)."""
    RATIO.validate("q", q)
    lam_r = mp_limits.lambda_R(q)
    table = {
        "gd": lambda: Hyper(mp_limits.eta_gd(q)),
        "ridge": lambda: Hyper(mp_limits.eta_ridge(q), 0.0, lam_r),
        "momentum": lambda: Hyper(mp_limits.eta_momentum(q), mp_limits.beta_momentum(q)),
        "momentum_ridge": lambda: Hyper(mp_limits.eta_momentum_ridge(q), mp_limits.beta_momentum_ridge(q), lam_r),
    }
    if not isinstance(method, str) or method not in table:
        raise choice_error(method, f"method={method!r} is not one of {METHODS}")
    return table[method]()


def mp_nodes(q: float, n: int = 800) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature nodes and weights of the MP law (atom first), exact for smooth f.

    x = c - r cos(theta) maps [0, pi] onto the support and turns the density
    times dx into q r^2 sin^2(theta) / (2 pi x) d theta, which Gauss-Legendre
    integrates to spectral accuracy.
    """
    law = MarchenkoPastur(q)
    n = validate_int("n", n, minimum=8)
    a, b = law.support()
    c, r = (a + b) / 2, (b - a) / 2
    nodes, w = _gauss_legendre(n)
    theta = (nodes + 1) * np.pi / 2
    x = c - r * np.cos(theta)
    weights = w * np.pi / 2 * law.q * r**2 * np.sin(theta) ** 2 / (2 * np.pi * x)
    return np.concatenate([[0.0], x]), np.concatenate([[law.atom], weights])


@lru_cache(maxsize=16)
def _gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """numpy's n-point Gauss-Legendre rule, computed once per n (its eigensolve of an n x n matrix is most of an
    ``mp_curves`` call; the checks ask for the same few n many times). Read-only: the cache is shared."""
    nodes, w = np.polynomial.legendre.leggauss(n)
    nodes.flags.writeable = False
    w.flags.writeable = False
    return nodes, w


def expected_curves(
    eigenvalues,
    weights,
    hyper: Hyper,
    steps: int,
    s0_norm2: float = 1.0,
    t_norm2: float = 1.0,
    overlap: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(l_gen, l_tr) for t = 0..steps under the spectral measure (eigenvalues, weights)."""
    h = NON_NEGATIVE.validate("eigenvalues", eigenvalues)
    w = NON_NEGATIVE.validate("weights", weights)
    if h.shape != w.shape:
        raise ValueError(f"weights has shape {w.shape}, expected the shape of eigenvalues {h.shape}")
    NON_NEGATIVE.validate("s0_norm2", s0_norm2)
    NON_NEGATIVE.validate("t_norm2", t_norm2)
    REAL.validate("overlap", overlap)
    e = mode_errors(h, hyper.eta, hyper.beta, steps, hyper.lam)
    denom = h + hyper.lam
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(denom > 0, (hyper.lam + e * h) / np.where(denom > 0, denom, 1.0), 1.0)
    per_mode = e**2 * s0_norm2 - 2 * e * a * overlap + a**2 * t_norm2
    return 0.5 * per_mode @ w, 0.5 * (per_mode * h) @ w


def mp_curves(q: float, method: str, steps: int, s0_norm2: float = 1.0, t_norm2: float = 1.0,
              overlap: float = 0.0, nodes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Marchenko-Pastur limit of the expected (l_gen, l_tr) curves of a tuned method."""
    steps = validate_int("steps", steps, minimum=0)
    if nodes is not None:
        validate_int("nodes", nodes, minimum=8)
    x, w = mp_nodes(q, nodes if nodes is not None else max(400, 2 * steps + 64))
    return expected_curves(x, w, mp_hyperparameters(q, method), steps, s0_norm2, t_norm2, overlap)
