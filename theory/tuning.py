"""Optimal step size, momentum and ridge strength from the extreme eigenvalues.

For a quadratic whose non-flat curvatures fill [mu, L], a first-order method
contracts each mode by a factor that depends on its curvature h; we choose
the hyperparameters that minimize the worst factor over [mu, L]:

* GD: the factor |1 - eta h| is convex in h, so the worst case sits at an
  edge, and the minimax is where both edges tie: 1 - eta mu = eta L - 1.
* Heavy ball: a mode's factor is the spectral radius of [[1 + b - eta h, -b],
  [1, 0]]; it equals sqrt(b) exactly when the roots are complex, i.e.
  (1 - sqrt b)^2 <= eta h <= (1 + sqrt b)^2, and exceeds it otherwise. The
  smallest sqrt(b) whose complex band still covers [mu, L] puts both edges on
  the band's boundary.

Flat directions (h = 0) never move without ridge, so mu is the smallest
*non-zero* eigenvalue. With ridge lam the curvatures are h + lam, so the
flat directions become the slowest ones: mu -> lam, L -> L + lam.
Formulas here take (lambda_min, lambda_max); ``mp_limits`` substitutes the
Marchenko-Pastur edges.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from gentoys.theory.core import derivation
from gentoys.theory.core.domain import POSITIVE
from gentoys.theory.core.formula import Formula, Param
from gentoys.theory.core.symbols import eta, lam, lam_max, lam_min

mu, L, b = sp.symbols("mu L b", positive=True)  # b = sqrt(beta)


@derivation.derived
def derive():
    """The minimax step sizes, momenta and lambda_R for curvatures in [mu, L] (runs once, on first use)."""
    gd = derivation.new(
        "tuning_gd",
        "Optimal gradient-descent step size and rate",
        r"One GD step multiplies the error of a mode with curvature $h\in[\mu,L]$ by $1-\eta h$; "
        r"we minimize $\max_h|1-\eta h|$ over $\eta$.",
    )
    eta_gd_generic = gd.step(
        r"The worst case is at an edge; the edges tie when $1-\eta\mu=\eta L-1$:",
        sp.solve(sp.Eq(1 - eta * mu, eta * L - 1), eta)[0],
    )
    rate_gd_generic = gd.step("The optimal factor:", sp.factor(1 - eta_gd_generic * mu))
    _kappa = sp.Symbol("kappa", positive=True)
    gd.step(r"In terms of $\kappa=L/\mu$:", sp.simplify(rate_gd_generic.subs(L, _kappa * mu)))
    gd.step(
        r"With ridge $\lambda$ the curvatures are $\lambda_i+\lambda$ and the flat directions give the smallest, "
        r"so $\mu\to\lambda$, $L\to\lambda_{\max}+\lambda$; step size:",
        sp.simplify(eta_gd_generic.subs({mu: lam, L: lam_max + lam})),
    )
    gd.step("and rate:", sp.simplify(rate_gd_generic.subs({mu: lam, L: lam_max + lam})))
    _r0, _rl = (rate_gd_generic.subs({mu: lam_min, L: lam_max}), rate_gd_generic.subs({mu: lam, L: lam_max + lam}))
    lambda_R_generic = gd.step(
        r"$\lambda_R$: the ridge strength whose rate equals the unregularized one, $R_\lambda=R_0$:",
        sp.solve(sp.Eq(_r0, _rl), lam)[0],
    )

    momentum = derivation.new(
        "tuning_momentum",
        "Optimal heavy-ball momentum, step size and rate",
        r"Heavy ball $e_{t+1}=(1+\beta-\eta h)e_t-\beta e_{t-1}$; the factor of a mode is the "
        r"spectral radius of its $2\times2$ companion matrix, $\sqrt\beta$ while the roots are complex.",
    )
    _h = sp.Symbol("h", positive=True)
    momentum.step(
        r"Characteristic polynomial of a mode, roots complex iff its discriminant $\le 0$:",
        sp.discriminant(sp.Symbol("r") ** 2 - (1 + b**2 - eta * _h) * sp.Symbol("r") + b**2, sp.Symbol("r")),
    )
    _mom = sp.solve([sp.Eq(eta * mu, (1 - b) ** 2), sp.Eq(eta * L, (1 + b) ** 2)], [eta, b], dict=True)
    _mom = [sol for sol in _mom if sp.simplify(sol[b].subs({mu: 1, L: 4})) > 0 and sp.simplify(sol[b].subs({mu: 1, L: 4})) < 1][0]
    sqrt_beta_generic = momentum.step(
        r"Both edges on the boundary of the complex band, $\eta\mu=(1-\sqrt\beta)^2$, "
        r"$\eta L=(1+\sqrt\beta)^2$, give $\sqrt\beta$ =",
        sp.simplify(_mom[b]),
    )
    _sum = sp.sqrt(L) + sp.sqrt(mu)
    _stable_root = (L - mu) / _sum**2
    derivation.check(sp.simplify(_stable_root - sqrt_beta_generic) == 0, "the stable form equals the root")
    rate_momentum_generic = momentum.step(
        r"The same rate $\sqrt\beta$ without cancellation as $L\to\mu$ (the form above subtracts nearly equal "
        r"terms and loses all digits at $L/\mu-1\approx10^{-8}$); this is the form evaluated:", _stable_root)
    beta_momentum_generic = momentum.step(r"Momentum $\beta$:", _stable_root**2)
    eta_momentum_generic = momentum.step(r"Step size:", 4 / _sum**2)
    derivation.check(sp.simplify(eta_momentum_generic - _mom[eta]) == 0, "the step size of the stable form")
    momentum.step(
        r"The rate is increasing in $\kappa=L/\mu$, as is the GD rate, so equal rates with and without ridge "
        r"again means equal condition numbers; $\lambda_R$ from $\kappa_\lambda=\kappa_0$:",
        sp.solve(sp.Eq((lam_max + lam) / lam, lam_max / lam_min), lam)[0],
        name="lambda_R",
    )
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)


_MIN = Param(lam_min, POSITIVE, "lam_min")
_MAX = Param(lam_max, POSITIVE, "lam_max")
_LAM = Param(lam, POSITIVE, "lam")
_EDGES = {mu: lam_min, L: lam_max}
_RIDGE = {mu: lam, L: lam_max + lam}


def _ordered(lo: np.ndarray, hi: np.ndarray) -> None:
    """The spectrum's edges must satisfy lam_min < lam_max (else the formulas give inf or NaN)."""
    bad = ~(lo < hi)
    if np.any(bad):
        first = np.broadcast_to(lo, bad.shape)[bad].flat[0], np.broadcast_to(hi, bad.shape)[bad].flat[0]
        raise ValueError(f"lam_min={first[0]:g} must be smaller than lam_max={first[1]:g}")


def _pair(name: str, generic: str, doc: str, simplify: bool = True) -> tuple[Formula, Formula]:
    """The unregularized and the ridge version of one tuning formula (``simplify=False`` keeps a form chosen
    for its numerical stability, which simplification could undo)."""
    tidy = sp.simplify if simplify else (lambda e: e)
    at = lambda edges: lambda: tidy(getattr(derive(), generic).subs(edges))  # noqa: E731  (derived on first use)
    plain = Formula(name, at(_EDGES), (_MIN, _MAX), doc, relation=_ordered)
    ridge = Formula(name + "_ridge", at(_RIDGE), (_MAX, _LAM), doc + ", with ridge lam")
    return plain, ridge


eta_gd, eta_gd_ridge = _pair("eta_gd", "eta_gd_generic", "optimal GD step size")
rate_gd, rate_gd_ridge = _pair("rate_gd", "rate_gd_generic", "optimal GD contraction factor")
beta_momentum, beta_momentum_ridge = _pair("beta_momentum", "beta_momentum_generic", "optimal heavy-ball momentum",
                                           False)
eta_momentum, eta_momentum_ridge = _pair("eta_momentum", "eta_momentum_generic", "optimal heavy-ball step size", False)
rate_momentum, rate_momentum_ridge = _pair("rate_momentum", "rate_momentum_generic", "optimal heavy-ball factor", False)
lambda_R = Formula("lambda_R", lambda: derive().lambda_R_generic, (_MIN, _MAX), "ridge strength with R_lambda = R_0",
                   relation=_ordered)
