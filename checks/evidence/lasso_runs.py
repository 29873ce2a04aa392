"""Simulated and solved lasso instances for the lasso claims, cached per setting.

Every statistic averages over independent (teacher, design) pairs: the lasso is
not rotation invariant, so one fixed teacher would leave an O(D^-1/2) bias of
its own that no number of designs averages away.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from scipy import optimize

from gentoys.checks.claims import seed
from gentoys.checks.framework.profile import Context
from gentoys.sim.amp import amp_lasso, sklearn_lasso
from gentoys.sim.lasso import LassoSolution, solve_lasso, solve_ridge
from gentoys.sim.linear import LinearSetting, draw_problem, extremes_of, gram_spectrum
from gentoys.theory import tuning

#: the seed's sparse-teacher example; the limit holds lam sqrt(D) fixed at its two penalties and D
SEED_DIM = seed.sparse_example["dim"]
SEED_LAMBDAS = seed.lasso_lambdas
SEED_Q = seed.sparse_example["q"]
SEED_SPARSITY = seed.sparse_example["sparsity"]


def lam_at(lam_seed: float, dim: int) -> float:
    """The penalty at dimension ``dim`` with lam sqrt(D) equal to the seed's at D = 1000."""
    return lam_seed * math.sqrt(SEED_DIM / dim)


def finite_size_allowance(prediction: float, dim: int) -> float:
    """The declared tolerance of every lasso cross-check (simulation, AMP, coordinate descent against the state
    evolution): a relative D^-1/2 of the prediction.

    Why this size: the state evolution is the D -> infinity limit at fixed q, eps and lam sqrt(D). At finite D one
    instance's l_gen, support share and AMP tau deviate from it by O(D^-1/2) relative (the coordinates' empirical
    averages over D terms); the mean over instances carries a bias no larger than that scale. So D^-1/2 is the
    largest gap at which the limit may still be right, and it shrinks with D: a wrong limit is caught at large D.
    It is fixed before the measurement, never fitted to it; whether a measurement can tell is the equivalence
    decision's business (undecided when the spread is too large).
    """
    return abs(prediction) / math.sqrt(dim)


@dataclass(frozen=True)
class LassoInstances:
    """Independent (teacher, design) pairs and the converged lasso (and ridge) on each."""

    X: torch.Tensor  # (R, D, N)
    teacher: torch.Tensor  # (R, D)
    lasso: LassoSolution
    ridge_gen: np.ndarray | None  # (R,) l_gen of ridge at each set's lambda_R, when asked for

    @property
    def n_sets(self) -> int:
        return self.X.shape[0]


def lasso_sim(ctx: Context, dim: int, q: float, sparsity: float, lam: float,
              with_ridge: bool = False) -> LassoInstances:
    """The converged torch lasso (and ridge at lambda_R, paired) on ``lasso_sets`` independent pairs, once per
    context and setting."""
    return ctx.cached(("lasso_sim", dim, q, sparsity, lam, with_ridge),
                      lambda: _lasso_sim(ctx, dim, q, sparsity, lam, with_ridge))


def _lasso_sim(ctx: Context, dim: int, q: float, sparsity: float, lam: float, with_ridge: bool) -> LassoInstances:
    p = ctx.profile
    setting = LinearSetting(dim=dim, q=q, n_sets=p.lasso_sets, teacher="random" if sparsity >= 1 else "sparse",
                            sparse_dim=max(1, round(sparsity * dim)), teacher_per_set=True, seed=ctx.seed + dim,
                            device=ctx.device, dtype=torch.float64)
    teacher, _, X = draw_problem(setting)
    spectrum = gram_spectrum(X)
    solution = solve_lasso(X, teacher, lam, spectrum[:, -1], tol=p.lasso_tol)
    ridge_gen = None
    if with_ridge:
        lo, hi = extremes_of(spectrum, setting.zero_tol).T.cpu().numpy()
        S = solve_ridge(X, teacher, torch.as_tensor(tuning.lambda_R(lo, hi), dtype=X.dtype, device=X.device))
        ridge_gen = (0.5 * ((S - teacher) ** 2).sum(-1)).cpu().numpy()
    return LassoInstances(X, teacher, solution, ridge_gen)


def sklearn_on_run(run: LassoInstances, lam: float, n: int) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Coordinate descent on the first ``n`` designs of ``run``: gen losses, supports, and how far the torch
    solution is from it: the largest distance, and the largest relative gap of l_gen (what the M evidence
    measures; at small lam the lasso is ill-conditioned along near-flat directions, so the distance converges
    much more slowly than the loss)."""
    gens, supports, distance, gen_gap = [], [], 0.0, 0.0
    for i in range(min(n, run.n_sets)):
        X, T = run.X[i].cpu().numpy(), run.teacher[i].cpu().numpy()
        S = sklearn_lasso(X, T, lam)
        gen = 0.5 * float(((S - T) ** 2).sum())
        gens.append(gen)
        supports.append(float(np.mean(S != 0)))
        distance = max(distance, float(np.linalg.norm(S - run.lasso.student[i].cpu().numpy())))
        gen_gap = max(gen_gap, abs(float(run.lasso.gen_loss[i]) - gen) / gen)
    return np.array(gens), np.array(supports), {"max_distance": distance, "max_relative_gen_gap": gen_gap}


def amp_taus(run: LassoInstances, alpha: float, n: int, iterations: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """AMP at threshold alpha tau_t on the first ``n`` instances of ``run``: final tau and mse per instance."""
    taus, mses = [], []
    for i in range(min(n, run.n_sets)):
        X, T = run.X[i].cpu().numpy(), run.teacher[i].cpu().numpy()
        A = X.T / math.sqrt(X.shape[1])
        x0 = math.sqrt(X.shape[0]) * T
        trace = amp_lasso(A, A @ x0, x0, alpha, iterations)
        taus.append(trace.taus[-1])
        mses.append(trace.mse[-1])
    return np.array(taus), np.array(mses)


def basis_pursuit_recovers(dim: int, q: float, sparsity: float, seed: int, tol: float = 1e-4) -> bool:
    """min ||x||_1 s.t. A x = A x0 by linear programming (the lam -> 0 lasso); True if it returns x0."""
    rng = np.random.default_rng(seed)
    n = round(q * dim)
    A = rng.normal(size=(n, dim)) / math.sqrt(n)
    x0 = np.zeros(dim)
    k = max(1, round(sparsity * dim))
    x0[:k] = rng.normal(size=k) / math.sqrt(sparsity)
    # x = u - v, u, v >= 0: minimize sum(u + v) subject to A (u - v) = y. HiGHS's dual simplex without presolve:
    # on these dense instances presolve finds nothing to remove, and the run takes 0.4 of the default's time
    res = optimize.linprog(np.ones(2 * dim), A_eq=np.hstack([A, -A]), b_eq=A @ x0, bounds=(0, None),
                           method="highs-ds", options={"presolve": False})
    if res.status != 0:
        raise ArithmeticError(f"basis pursuit LP failed: {res.message}")
    x = res.x[:dim] - res.x[dim:]
    return bool(np.linalg.norm(x - x0) <= tol * np.linalg.norm(x0))
