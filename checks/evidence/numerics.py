"""Independent numerical routes: quadrature, sampled spectra, direct optimization.

None of these evaluates a derived closed form again; each reaches the same
quantity another way, so that agreement means something.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp
import torch
from scipy import integrate, optimize

from gentoys.checks.framework.profile import Context
from gentoys.sim import sample_gram
from gentoys.theory.core.symbols import q as q_sym
from gentoys.theory.core.symbols import x as x_sym
from gentoys.theory.marchenko_pastur import density_expr, lower_edge_expr, upper_edge_expr

_density_mp = sp.lambdify((q_sym, x_sym), density_expr, "mpmath")
_edges_mp = sp.lambdify(q_sym, (lower_edge_expr, upper_edge_expr), "mpmath")


def mp_average(q: float, f, dps: int = 30) -> mpmath.mpf:
    """<f(x)> under Marchenko-Pastur by mpmath quadrature (atom at 0 included)."""
    with mpmath.workdps(dps):
        qq = mpmath.mpf(q)
        a, b = _edges_mp(qq)
        # rounding can make the radicand a hair negative at the edges: keep the real part
        cont = mpmath.quad(lambda v: f(v) * mpmath.re(_density_mp(qq, v)), [a, (a + b) / 2, b])
        return (1 - qq) * f(mpmath.mpf(0)) + cont if q < 1 else cont


def sampled_spectra(ctx: Context, q: float, dim: int | None = None):
    """Non-zero eigenvalues of ``ctx.profile.n_sets`` sampled Sigma_tr, as numpy (drawn once per context)."""
    dim = dim or ctx.profile.dim

    def draw():
        n = max(1, round(q * dim))
        gram = sample_gram(ctx.profile.n_sets, dim, n, seed=ctx.seed + round(1000 * q), device=ctx.device)
        return gram, gram.nonzero_eigenvalues.cpu().numpy()

    return ctx.cached(("sampled_spectra", q, dim), draw)


def unit_vector(dim: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(dim, generator=g, dtype=torch.float64)
    return v / v.norm()


def gd_worst_factor(eta: float, mu: float, L: float, n: int = 4001) -> float:
    """max over a fine grid of curvatures in [mu, L] of |1 - eta h|."""
    h = np.linspace(mu, L, n)
    return float(np.abs(1 - eta * h).max())


def hb_radius(eta: float, beta: float, h: np.ndarray) -> np.ndarray:
    """Spectral radius of the heavy-ball companion matrix, per curvature."""
    trace = 1 + beta - eta * np.atleast_1d(np.asarray(h, dtype=float))
    disc = trace**2 - 4 * beta
    real_roots = (np.abs(trace) + np.sqrt(np.maximum(disc, 0.0))) / 2
    return np.where(disc > 0, real_roots, np.sqrt(beta))


def hb_worst_factor(eta: float, beta: float, mu: float, L: float, n: int = 801) -> float:
    return float(hb_radius(eta, beta, np.linspace(mu, L, n)).max())


def best_gd_step(mu: float, L: float) -> tuple[float, float]:
    """Direct 1-d minimization of the worst-case GD factor: (eta, factor)."""
    res = optimize.minimize_scalar(lambda e: gd_worst_factor(e, mu, L), bounds=(1e-9, 2 / L), method="bounded",
                                   options={"xatol": 1e-12})
    return float(res.x), float(res.fun)


def best_heavy_ball(mu: float, L: float) -> tuple[float, float, float]:
    """Direct 2-d minimization of the worst-case heavy-ball factor: (eta, beta, factor)."""

    def worst(p: np.ndarray) -> float:
        eta, beta = math.exp(p[0]), 1 / (1 + math.exp(-p[1]))
        return hb_worst_factor(eta, beta, mu, L)

    best = None
    for eta0 in (1 / L, 2 / (mu + L)):
        for beta0 in (0.2, 0.8):
            res = optimize.minimize(worst, [math.log(eta0), math.log(beta0 / (1 - beta0))], method="Nelder-Mead",
                                    options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000})
            if best is None or res.fun < best.fun:
                best = res
    eta, beta = math.exp(best.x[0]), 1 / (1 + math.exp(-best.x[1]))
    return eta, beta, float(best.fun)


def soft_threshold_mse_quadrature(a: float, t: float, eps: float) -> float:
    """E[(eta(x0 + tau Z; alpha tau) - x0)^2] by nested adaptive quadrature of the definition, split at the kinks."""
    threshold = a * t

    def soft(y):
        return math.copysign(max(abs(y) - threshold, 0.0), y)

    phi = lambda u: math.exp(-u * u / 2) / math.sqrt(2 * math.pi)  # noqa: E731

    def inner(x):
        kinks = sorted(min(max((k - x) / t, -11.9), 11.9) for k in (-threshold, threshold))
        return integrate.quad(lambda z: (soft(x + t * z) - x) ** 2 * phi(z), -12, 12, points=kinks, limit=200)[0]

    sd = 1 / math.sqrt(eps)
    slab = integrate.quad(lambda x: inner(x) * phi(x / sd) / sd, -12 * sd, 12 * sd, points=[-threshold, threshold],
                          limit=200, epsabs=1e-12)[0]
    return (1 - eps) * inner(0.0) + eps * slab


def heavy_ball_residual(x, eta: float, beta: float, steps: int):
    """e_steps of one mode by iterating its two-term recursion (e_0 = 1, e_1 = 1 - eta x: velocity starts at
    zero); beta = 0 is plain GD. Works on mpmath numbers (the quadrature below) and on floats."""
    prev, cur = 1, 1 - eta * x
    if steps == 0:
        return prev
    for _ in range(steps - 1):
        prev, cur = cur, (1 + beta - eta * x) * cur - beta * prev
    return cur


def mp_excess_fraction(q: float, steps: int, eta: float, beta: float) -> float:
    """<e_steps(x)^2> over the continuous part of the MP law (normalized to mass 1), by adaptive quadrature
    (scipy) of the density in x, the residual from ``heavy_ball_residual`` (GD: its power form): no closed form
    and no change of variable."""
    a, b = (float(v) for v in _edges_mp(mpmath.mpf(q)))
    pieces = max(8, steps // 4) if beta else 8  # heavy ball oscillates about steps / 2 times over the support
    if beta:
        residual = lambda v: heavy_ball_residual(v, eta, beta, steps)  # noqa: E731
    else:  # GD: the recursion is a power; iterating it would cost steps multiplications per node
        residual = lambda v: (1 - eta * v) ** steps  # noqa: E731
    # the MP density q sqrt((b - x)(x - a)) / (2 pi x), mass q between the edges a, b
    density = lambda v: q * math.sqrt(max((b - v) * (v - a), 0.0)) / (2 * math.pi * v)  # noqa: E731
    edges = np.linspace(a, b, pieces + 1)
    total = sum(integrate.quad(lambda v: residual(v) ** 2 * density(v), lo, hi, epsabs=0.0, epsrel=1e-12,
                               limit=200)[0] for lo, hi in zip(edges[:-1], edges[1:]))
    return total / q
