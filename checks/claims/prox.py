"""Group C: soft thresholding as a proximal map and the L1 fixed point."""
from __future__ import annotations

import numpy as np
import sympy as sp
from scipy import optimize
from sklearn.linear_model import Lasso

from theory import prox
from theory.symbols import lam, w

from .. import seed
from ..claim import Evidence, Outcome, SeedStatement
from ..profile import Context
from ..registry import claim
from .common import probes, symbolic


@claim("soft_threshold_is_prox", "C", "S N", SeedStatement(
    "S_lambda(x) = sign(x) ReLU(|x| - lambda) is the proximal map of lambda |.|.", "Gradient descent with L1 "
    "regularization", seed.soft_threshold))
def soft_threshold_is_prox(ctx: Context) -> Outcome:
    derived = prox.prox_piecewise.subs(sp.Symbol("v", real=True), w)
    ev, ok = symbolic("piecewise minimizer of 1/2 (w - v)^2 + lambda |w| vs the seed's operator", seed.soft_threshold,
                      derived, probes(ctx, w=(w, -3.0, 3.0), lam=(lam, 0.0, 2.0)))
    rng = np.random.default_rng(ctx.seed)
    worst = 0.0
    for v, t in zip(rng.uniform(-3, 3, 200), rng.uniform(0, 2, 200)):
        res = optimize.minimize_scalar(lambda u: 0.5 * (u - v) ** 2 + t * abs(u), bounds=(-4, 4), method="bounded",
                                       options={"xatol": 1e-12})
        worst = max(worst, abs(res.x - prox.soft_threshold(v, t)))
    evn = Evidence("N", "bounded Brent minimization of 1/2 (u - v)^2 + lambda |u| at 200 random (v, lambda)",
                   {"max_abs_difference": worst}, agrees=worst < 1e-6)
    return Outcome("confirmed" if ok else "refuted", [ev, evn], key=f"max |numeric - S| = {worst:.1e}",
                   correction="" if ok else f"prox = {prox.prox_piecewise}")


def _lasso_problem(ctx: Context, n: int = 60, d: int = 100):
    rng = np.random.default_rng(ctx.seed + 4)
    X = rng.normal(size=(n, d))
    w_true = np.zeros(d)
    w_true[:8] = rng.normal(size=8)
    y = X @ w_true + 0.1 * rng.normal(size=n)
    return X, y


@claim("prox_fixed_point", "C", "S N", SeedStatement(
    "w* minimizes l0 + lambda ||w||_1 exactly when w* = S_{lambda eta}(w* - eta grad l0(w*)), for any eta > 0.",
    "Gradient descent with L1 regularization"))
def prox_fixed_point(ctx: Context) -> Outcome:
    ev = Evidence("S", "case analysis of the fixed point per coordinate gives g = -lambda (w > 0), g = lambda (w < 0), "
                  "|g| <= lambda (w = 0): the subgradient optimality conditions, with eta cancelled",
                  {"steps": [sp.sstr(s.expr) for s in prox.D.steps[-3:-1]]})
    X, y = _lasso_problem(ctx)
    n = len(y)
    alpha = 0.05
    # scikit-learn minimizes 1/(2n) ||y - X w||^2 + alpha ||w||_1
    w_star = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=200000).fit(X, y).coef_
    grad = lambda wv: X.T @ (X @ wv - y) / n  # noqa: E731
    residuals = {}
    for eta in (1e-3, 1e-2, 0.1, 1.0, 10.0):
        fixed = prox.soft_threshold(w_star - eta * grad(w_star), alpha * eta)
        residuals[f"eta={eta:g}"] = float(np.abs(fixed - w_star).max() / eta)
    perturbed = w_star.copy()
    perturbed[np.argmax(np.abs(w_star))] *= 1.1
    off = float(np.abs(prox.soft_threshold(perturbed - 0.1 * grad(perturbed), alpha * 0.1) - perturbed).max() / 0.1)
    fixed_ok = max(residuals.values()) < 1e-6 and off > 1e-3
    evn = Evidence("N", "scikit-learn's coordinate-descent Lasso solution satisfies the fixed point for eta over "
                   "four decades (residual / eta); a perturbed point does not", {"residual_per_eta": residuals,
                   "perturbed_residual": off, "nonzeros": int(np.count_nonzero(w_star))}, agrees=fixed_ok)
    return Outcome("confirmed" if fixed_ok else "refuted", [ev, evn],
                   key=f"max residual/eta {max(residuals.values()):.1e}", correction="" if fixed_ok else "see evidence")
