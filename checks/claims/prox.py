"""Group C: soft thresholding as a proximal map and the L1 fixed point."""
from __future__ import annotations

import numpy as np
import sympy as sp
import torch
from scipy import optimize
from sklearn.linear_model import Lasso

from gentoys.checks.claims import seed
from gentoys.checks.framework.claim import Evidence, Outcome, SeedFormula, SeedStatement
from gentoys.checks.framework.judging import against_seed_all, judged
from gentoys.checks.framework.profile import Context
from gentoys.checks.framework.registry import claim
from gentoys.sim.prox import L1Prox
from gentoys.theory import prox
from gentoys.theory.core.symbols import lam, w

SOFT_THRESHOLD = SeedStatement(
    "S_lambda(x) = sign(x) ReLU(|x| - lambda) is the proximal map of lambda |.|.",
    "Gradient descent with L1 regularization",
    (SeedFormula("piecewise minimizer of 1/2 (w - v)^2 + lambda |w| vs the seed's operator", lambda: seed.soft_threshold,
                 lambda: prox.prox_piecewise.subs(sp.Symbol("v", real=True), w), ((w, -3.0, 3.0), (lam, 0.0, 2.0)),
                 "prox_l1"),))


@claim("soft_threshold_is_prox", "C", "S N", SOFT_THRESHOLD)
def soft_threshold_is_prox(ctx: Context) -> Outcome:
    ([ev], ok) = against_seed_all(ctx, SOFT_THRESHOLD)
    rng = np.random.default_rng(ctx.seed)
    worst = 0.0
    for v, t in zip(rng.uniform(-3, 3, 200), rng.uniform(0, 2, 200)):
        res = optimize.minimize_scalar(lambda u: 0.5 * (u - v) ** 2 + t * abs(u), bounds=(-4, 4), method="bounded",
                                       options={"xatol": 1e-12})
        worst = max(worst, abs(res.x - prox.soft_threshold(v, t)))
    evn = Evidence("N", "bounded Brent minimization of 1/2 (u - v)^2 + lambda |u| at 200 random (v, lambda)",
                   {"max_abs_difference": worst}, agrees=worst < 1e-6)
    return judged(ok, [ev, evn], f"max |numeric - S| = {worst:.1e}", f"prox = {prox.prox_piecewise}")


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
                  {"gradient_at_a_fixed_point": {side: sp.sstr(prox.derive().l1[f"gradient_at_{side}"])
                                                 for side in ("positive", "negative")}}, agrees=None)
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
    return judged(fixed_ok, [ev, evn], f"max residual/eta {max(residuals.values()):.1e}",
                  lambda: f"the lasso solution's fixed-point residual per eta is {residuals} (a perturbed point: {off:.3g})")


def _run_with_prox(X, y, make_optimizer, l1reg: float, scaling: str, steps: int) -> np.ndarray:
    """Minimize 1/(2n)||Xw - y||^2 with ``make_optimizer`` followed by the L1 prox step."""
    n = len(y)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    opt = L1Prox(make_optimizer([w]), l1reg, scaling, strict=False)  # the plain rule on purpose, to measure it
    for _ in range(steps):
        opt.zero_grad()
        (((Xt @ w - yt) ** 2).sum() / (2 * n)).backward()
        opt.step()
    return w.detach().numpy()


def _kkt_residual(X, y, w: np.ndarray, alpha: float) -> float:
    """Largest violation of the lasso's subgradient conditions at ``w`` (scikit-learn's objective scaling)."""
    g = X.T @ (X @ w - y) / len(y)
    on = w != 0
    off_violation = np.maximum(np.abs(g[~on]) - alpha, 0.0)
    on_violation = np.abs(g[on] + alpha * np.sign(w[on]))
    return float(np.concatenate([off_violation, on_violation, [0.0]]).max())


@claim("prox_any_optimizer", "C", "S N M", SeedStatement(
    "The soft-threshold step (threshold lr * lambda) can be appended to whichever optimizer and still solves "
    "the L1-regularized problem.", "Gradient descent with L1 regularization"))
def prox_any_optimizer(ctx: Context) -> Outcome:
    buf, grad, b = sp.symbols("v g beta", real=True)
    velocity = sp.solve(sp.Eq(buf, b * buf + grad), buf)[0]
    ev_s = Evidence("S", "heavy ball's velocity at a fixed point is g/(1 - beta), so w = S_{eta lam}(w - eta v) is the "
                    "L1 fixed point with step eta/(1 - beta) and threshold lam (1 - beta): the lasso with "
                    "lam (1 - beta); Adam's step at a fixed point is eta g/(|g| + eps) per coordinate, so the plain "
                    "threshold compares lam with |g|/(|g| + eps), not with |g|",
                    {"fixed_point_velocity": sp.sstr(velocity)}, agrees=None)
    X, y = _lasso_problem(ctx, n=40, d=60)
    n = len(y)
    L = float(np.linalg.eigvalsh(X.T @ X / n).max())
    alpha = 0.05
    lasso = lambda a: Lasso(alpha=a, fit_intercept=False, tol=1e-12, max_iter=200000).fit(X, y).coef_  # noqa: E731
    target = lasso(alpha)
    runs = {
        "SGD": (lambda p: torch.optim.SGD(p, lr=1 / L), "lr", 4000, alpha),
        "SGD momentum 0.5": (lambda p: torch.optim.SGD(p, lr=0.5 / L, momentum=0.5), "lr", 4000, alpha * 0.5),
        "SGD momentum 0.9": (lambda p: torch.optim.SGD(p, lr=0.1 / L, momentum=0.9), "lr", 4000, alpha * 0.1),
        "Adam": (lambda p: torch.optim.Adam(p, lr=1e-3), "lr", 8000, None),
        "SGD momentum 0.9, scaling='momentum'": (lambda p: torch.optim.SGD(p, lr=0.1 / L, momentum=0.9), "momentum",
                                                 4000, alpha),
        "Adam, scaling='adam'": (lambda p: torch.optim.Adam(p, lr=1e-3), "adam", 20000, alpha),
    }
    kkt = {f"alpha={a:g}": _kkt_residual(X, y, lasso(a), a) for a in sorted({alpha, alpha * 0.5, alpha * 0.1})}
    ev_n = Evidence("N", "scikit-learn's coordinate-descent solutions (the reference for the runs below) checked "
                    "against the lasso's subgradient optimality conditions, an independent route to the minimum",
                    {"max_kkt_violation": kkt}, agrees=max(kkt.values()) < 1e-8)
    numbers, agree, solves_intended = {}, True, {}
    for name, (make, scaling, steps, predicted_alpha) in runs.items():
        w = _run_with_prox(X, y, make, alpha, scaling, steps)
        entry = {"max_abs_to_lasso(alpha)": float(np.abs(w - target).max()), "nonzeros": int(np.count_nonzero(w)),
                 "lasso_nonzeros": int(np.count_nonzero(target))}
        if predicted_alpha is not None:
            gap = float(np.abs(w - lasso(predicted_alpha)).max())
            entry[f"max_abs_to_lasso({predicted_alpha:g})"] = gap
            agree &= gap < 1e-6
        solves_intended[name] = entry["max_abs_to_lasso(alpha)"] < 1e-6
        numbers[name] = entry
    plain = [k for k in runs if "scaling" not in k]
    holds = all(solves_intended[k] for k in plain)
    evm = Evidence("M", f"torch.optim optimizers + L1Prox run to convergence on a {X.shape[0]} x {X.shape[1]} lasso "
                   f"(alpha = {alpha}) vs scikit-learn's coordinate descent; agreement: each reaches the lasso "
                   "solution its fixed-point analysis predicts", numbers, agrees=agree)
    def correction() -> str:
        solved = [k for k in plain if solves_intended[k]]
        shifted = [f"{k} solves the lasso with lambda = {pa:g} instead (gap {numbers[k][f'max_abs_to_lasso({pa:g})']:.1g})"
                   for k, (_, _, _, pa) in runs.items() if k in plain and pa not in (None, alpha)]
        missed = [f"{k} ends {numbers[k]['max_abs_to_lasso(alpha)']:.2g} from it and at no lasso solution"
                  for k, (_, _, _, pa) in runs.items() if k in plain and pa is None]
        fixed = [k for k in runs if "scaling" in k and solves_intended[k]]
        return (f"of the plain optimizers only {', '.join(solved) or 'none'} reach the lasso with lambda = {alpha:g}; "
                + "; ".join(shifted + missed) + f". With the threshold scaled to the optimizer's own step ("
                f"{', '.join(fixed)}) the intended lasso is reached: gentoys.sim.prox.L1Prox(opt, lambda, scaling=...)")

    return judged(holds, [ev_s, ev_n, evm],
                  f"Adam gap {numbers['Adam']['max_abs_to_lasso(alpha)']:.2g}, momentum 0.9 gap "
                  f"{numbers['SGD momentum 0.9']['max_abs_to_lasso(alpha)']:.2g}", correction)
