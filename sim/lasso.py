"""The converged lasso and ridge of many sampled problems at once (batched torch).

``solve_lasso`` runs the accelerated proximal gradient (FISTA) with
gradient-based adaptive restart (O'Donoghue & Candes 2015) on every data set
of a batch until its optimality certificate, the largest KKT violation
relative to the penalty, is below a tolerance: plain proximal gradient needs
tens of thousands of epochs at small penalties, FISTA a few hundred.
``solve_ridge`` is the closed-form limit of ridge gradient descent. Both work
in the seed's normalization: X (R, D, N), labels X^T T, l_gen = 1/2 ||S - T||^2.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from gentoys.sim.core.linalg import spd_solve
from gentoys.sim.linear import gram
from gentoys.sim.prox import prox_lasso
from gentoys.theory.core.domain import NON_NEGATIVE, POSITIVE, validate_int


class NotConvergedError(ArithmeticError):
    """The lasso did not reach its tolerance within ``max_iter`` iterations."""


@dataclass(frozen=True)
class LassoSolution:
    """Per data set (R,): the solution and what the checks read off it."""

    student: torch.Tensor  # (R, D)
    gen_loss: torch.Tensor  # (R,) 1/2 ||S - T||^2
    support_fraction: torch.Tensor  # (R,) share of exactly non-zero coordinates
    kkt: torch.Tensor  # (R,) largest KKT violation / lam
    iterations: torch.Tensor  # (R,) iterations each set took (it leaves the batch once converged)


class _Gradient:
    """v -> Sigma v for rows v (R, K, D) of the sets still in the batch: through Sigma = X X^T / N when D <= 2N
    (D^2 elements streamed per product), else through X twice (2 D N elements)."""

    def __init__(self, X: torch.Tensor):
        self.n = X.shape[2]
        self.sigma = X @ X.transpose(1, 2) / self.n if X.shape[1] <= 2 * self.n else None
        self.X, self.Xt = (None, None) if self.sigma is not None else (X, X.transpose(1, 2).contiguous())

    def __call__(self, v: torch.Tensor) -> torch.Tensor:
        if self.sigma is not None:
            return torch.bmm(v, self.sigma)
        return torch.bmm(torch.bmm(v, self.X), self.Xt) / self.n

    def keep(self, rows: torch.Tensor) -> None:
        """Drop the sets not in ``rows`` (converged ones stop costing bandwidth)."""
        if self.sigma is not None:
            self.sigma = self.sigma[rows]
        else:
            self.X, self.Xt = self.X[rows], self.Xt[rows]


def kkt_violation(grad: torch.Tensor, S: torch.Tensor, lam: float) -> torch.Tensor:
    """Largest violation of 0 in grad + lam d||S||_1, per row (over the last axis)."""
    on = torch.where(S != 0, (grad + lam * torch.sign(S)).abs(), torch.zeros_like(S))
    off = torch.where(S == 0, (grad.abs() - lam).clamp_min(0), torch.zeros_like(S))
    return torch.maximum(on, off).amax(dim=-1)


def solve_lasso(X: torch.Tensor, teacher: torch.Tensor, lam: float, lam_max: torch.Tensor, *, tol: float = 1e-7,
                max_iter: int = 50_000, check_every: int = 25) -> LassoSolution:
    """min_S 1/(2N) ||X^T (S - T)||^2 + lam ||S||_1 for every set of X (R, D, N), teacher (R, D).

    ``lam_max`` (R,) is the largest eigenvalue of each Sigma (``sim.linear.gram_spectrum(X)[:, -1]``; the step is
    1 / lam_max). A set stops when its KKT violation is below ``tol * lam`` (checked every ``check_every``
    iterations); NotConvergedError if some set has not after ``max_iter``.
    """
    lam = POSITIVE.scalar("lam", lam)
    tol = POSITIVE.scalar("tol", tol)
    max_iter = validate_int("max_iter", max_iter)
    sigma = _Gradient(X)
    T = teacher[:, None, :]
    sigma_t = sigma(T)
    step = (1.0 / lam_max).reshape(-1, 1, 1).to(X.dtype)
    S = torch.zeros_like(T)
    Y, t = S.clone(), torch.ones_like(step)
    active = torch.arange(X.shape[0], device=X.device)  # the sets still iterating, by index into the batch
    out, kkt, iterations = torch.zeros_like(teacher), torch.zeros_like(teacher[:, 0]), torch.zeros_like(active)
    for it in range(1, max_iter + 1):
        grad_y = sigma(Y) - sigma_t
        S_new = prox_lasso(Y - step * grad_y, step * lam, check=False)  # lam validated above
        # restart where the step moved against the momentum (gradient scheme): keeps the linear rate
        restart = ((grad_y * (S_new - S)).sum(-1, keepdim=True) > 0)
        t_new = (1 + torch.sqrt(1 + 4 * t * t)) / 2
        momentum = torch.where(restart, torch.zeros_like(t), (t - 1) / t_new)
        Y = S_new + momentum * (S_new - S)
        t = torch.where(restart, torch.ones_like(t), t_new)
        S = S_new
        if it % check_every == 0 or it == max_iter:
            violation = kkt_violation(sigma(S) - sigma_t, S, lam)[:, 0] / lam
            done = violation < tol
            if bool(done.any()):
                rows = active[done]
                out[rows], kkt[rows], iterations[rows] = S[done, 0], violation[done], it
                left = ~done
                active, S, Y, t, step, sigma_t = active[left], S[left], Y[left], t[left], step[left], sigma_t[left]
                sigma.keep(left.nonzero()[:, 0])
            if active.numel() == 0:
                break
    else:
        raise NotConvergedError(f"lasso at lam={lam:g} not converged after max_iter={max_iter} iterations: largest "
                                f"KKT violation {float(violation.max()):.3g} lam, tol={tol:g}")
    S = out
    return LassoSolution(S, 0.5 * ((S - teacher) ** 2).sum(-1), (S != 0).to(X.dtype).mean(-1), kkt, iterations)


def solve_ridge(X: torch.Tensor, teacher: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """The limit of ridge gradient descent from S0 = 0, (Sigma + lam)^-1 Sigma T, through the N x N system
    X (X^T X / N + lam)^-1 X^T T / N; ``lam`` (R,) per set. Returns S (R, D)."""
    if bool((lam < 0).any()) or not bool(torch.isfinite(lam).all()):
        NON_NEGATIVE.validate("lam", float(lam.min()))
    n = X.shape[2]
    system = gram(X) + lam.reshape(-1, 1, 1).to(X.dtype) * torch.eye(n, dtype=X.dtype, device=X.device)
    rhs = (X.transpose(1, 2) @ teacher[:, :, None]) / n
    return (X @ spd_solve(system, rhs))[:, :, 0]
