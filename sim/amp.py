"""Approximate message passing for the lasso, and the lasso by coordinate descent.

Two routes to the converged lasso on a finite instance that do not share code
with ``sim.linear``'s proximal gradient:

* :func:`amp_lasso` runs AMP (Donoho, Maleki & Montanari 2009) with the
  threshold theta_t = alpha tau_t, tau_t estimated from the residual; its
  per-iteration tau_t is what the state evolution predicts, and at its fixed
  point the iterate is the lasso solution at lam_BM = alpha tau (1 - <eta'>/q).
* :func:`sklearn_lasso` solves the same problem with scikit-learn's coordinate
  descent, in the seed's normalization (objective 1/(2N)||X^T S - y||^2 +
  lam ||S||_1, which is scikit-learn's with its alpha = lam).

Both work in the lasso units of ``theory.lasso``: A = X^T / sqrt(N), x = sqrt(D) S.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gentoys.theory.core.domain import NON_NEGATIVE, POSITIVE, REAL, validate_int


@dataclass(frozen=True)
class AmpTrace:
    taus: np.ndarray  # (iterations + 1,) empirical tau_t = ||z^t|| / sqrt(N)
    mse: np.ndarray  # (iterations + 1,) mean (x^t - x0)^2
    x: np.ndarray  # final iterate (lasso units)
    lam_bm: float  # the penalty the fixed point solves: alpha tau (1 - <eta'>/q)
    support_fraction: float


def _soft(v: np.ndarray, theta: float) -> np.ndarray:
    return np.sign(v) * np.maximum(np.abs(v) - theta, 0.0)


def amp_lasso(A: np.ndarray, y: np.ndarray, x0: np.ndarray, alpha: float, iterations: int = 60) -> AmpTrace:
    """AMP with threshold alpha tau_t on y = A x0 (+ noise); A is (n, D) with entries of variance 1/n."""
    alpha = POSITIVE.scalar("alpha", alpha)
    validate_int("iterations", iterations)
    A, y, x0 = REAL.validate("A", A), REAL.validate("y", y), REAL.validate("x0", x0)  # complex: a TypeError
    if A.ndim != 2 or y.shape != (A.shape[0],) or x0.shape != (A.shape[1],):
        raise ValueError(f"A, y, x0 have shapes {A.shape}, {y.shape}, {x0.shape}: expected (n, D), (n,), (D,)")
    n, d = A.shape
    delta = n / d
    x = np.zeros(d)
    z = y.copy()
    taus, mses = [np.linalg.norm(z) / math.sqrt(n)], [float(np.mean((x - x0) ** 2))]
    onsager = 0.0
    for _ in range(iterations):
        tau = np.linalg.norm(z) / math.sqrt(n)
        pseudo = x + A.T @ z
        x = _soft(pseudo, alpha * tau)
        slope = float(np.mean(np.abs(pseudo) > alpha * tau))
        z = y - A @ x + z * slope / delta
        taus.append(np.linalg.norm(z) / math.sqrt(n))
        mses.append(float(np.mean((x - x0) ** 2)))
        onsager = slope
    tau = taus[-1]
    lam = alpha * tau * (1 - onsager / delta)
    return AmpTrace(np.array(taus), np.array(mses), x, lam, float(np.mean(x != 0)))


def sklearn_lasso(X: np.ndarray, teacher: np.ndarray, lam: float, tol: float = 1e-10,
                  max_iter: int = 100_000) -> np.ndarray:
    """The lasso solution S for the design X (D, N), labels X^T T, penalty lam (seed's normalization)."""
    from sklearn.linear_model import Lasso

    NON_NEGATIVE.validate("lam", lam)
    features = X.T  # (N, D): one row per sample
    model = Lasso(alpha=lam, fit_intercept=False, tol=tol, max_iter=max_iter)
    model.fit(features, features @ teacher)
    return model.coef_.copy()
