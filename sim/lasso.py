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


class _Gram:
    """Sigma = X X^T / N of the sets still in the batch, for full gradients and working-set blocks: formed once
    when D <= 2N (D^2 per product), else applied through X twice (2 D N per product)."""

    def __init__(self, X: torch.Tensor):
        self.n = X.shape[2]
        self.sigma = X @ X.transpose(1, 2) / self.n if X.shape[1] <= 2 * self.n else None
        self.X = X

    def __call__(self, v: torch.Tensor) -> torch.Tensor:
        """Sigma v for v (R, D)."""
        if self.sigma is not None:
            return torch.bmm(v[:, None, :], self.sigma)[:, 0]
        return torch.bmm(torch.bmm(v[:, None, :], self.X), self.X.transpose(1, 2))[:, 0] / self.n

    def block(self, idx: torch.Tensor) -> torch.Tensor:
        """(R, K, K) Sigma restricted to the coordinates ``idx`` (R, K) of each set."""
        if self.sigma is not None:
            rows = torch.arange(idx.shape[0], device=idx.device)[:, None, None]
            return self.sigma[rows, idx[:, :, None], idx[:, None, :]]
        xw = torch.gather(self.X, 1, idx[:, :, None].expand(-1, -1, self.n))
        return xw @ xw.transpose(1, 2) / self.n

    def keep(self, rows: torch.Tensor) -> None:
        """Drop the sets not in ``rows`` (converged ones stop costing bandwidth)."""
        if self.sigma is not None:
            self.sigma = self.sigma[rows]
        self.X = self.X[rows]


def kkt_violation(grad: torch.Tensor, S: torch.Tensor, lam: float) -> torch.Tensor:
    """Largest violation of 0 in grad + lam d||S||_1, per row (over the last axis)."""
    return _coordinate_violation(grad, S, lam).amax(dim=-1)


def _coordinate_violation(grad: torch.Tensor, S: torch.Tensor, lam: float) -> torch.Tensor:
    on = torch.where(S != 0, (grad + lam * torch.sign(S)).abs(), torch.zeros_like(S))
    off = torch.where(S == 0, (grad.abs() - lam).clamp_min(0), torch.zeros_like(S))
    return torch.maximum(on, off)


def _working_set(S: torch.Tensor, grad: torch.Tensor, lam: float, min_add: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per set the support of S and as many of the worst KKT violators off it (at least ``min_add``), as sorted
    indices (R, K) padded with 0 and their validity mask (R, K)."""
    support = S != 0
    violation = _coordinate_violation(grad, S, lam)
    n_support = support.sum(1)
    n_new = torch.minimum(((violation > 0) & ~support).sum(1), n_support.clamp_min(min_add))
    size = n_support + n_new
    k = max(1, int(size.max()))
    score = torch.where(support, torch.full_like(violation, torch.inf), violation)
    idx = score.topk(k, dim=1).indices
    d = S.shape[1]
    idx = torch.where(torch.arange(k, device=S.device) < size[:, None], idx, torch.full_like(idx, d))
    idx = idx.sort(dim=1).values  # ascending: rows of Sigma in memory order
    valid = idx < d
    return torch.where(valid, idx, torch.zeros_like(idx)), valid


def _masked_block(Q: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Q on the valid coordinates, the identity on the padding (padded coordinates stay 0 in any solve)."""
    Q = Q.masked_fill(~valid[:, :, None], 0).masked_fill_(~valid[:, None, :], 0)
    Q.diagonal(dim1=1, dim2=2).add_((~valid).to(Q.dtype))
    return Q


def _polish(Q: torch.Tensor, c: torch.Tensor, x: torch.Tensor, lam: float, rank: int) -> torch.Tensor:
    """The exact minimizer of 1/2 x^T Q x - c^T x + lam ||x||_1 if its support and signs are those of ``x``:
    Q_AA x_A = c_A - lam sign(x_A), x = 0 off A (one Cholesky on the support). Garbage (caught by the caller's
    certificate) where that guess is wrong; NaN where Q_AA is singular (more than ``rank`` coordinates, or a
    failed Cholesky)."""
    support = x != 0
    a = max(1, int(support.sum(1).max()))
    perm = torch.argsort((~support).to(torch.int8), dim=1, stable=True)[:, :a]  # the support first
    on = torch.gather(support, 1, perm)
    rows = torch.arange(x.shape[0], device=x.device)[:, None, None]
    M = _masked_block(Q[rows, perm[:, :, None], perm[:, None, :]], on)
    rhs = torch.where(on, torch.gather(c - lam * torch.sign(x), 1, perm), torch.zeros_like(on, dtype=x.dtype))
    L, info = torch.linalg.cholesky_ex(M)
    sol = torch.cholesky_solve(rhs[:, :, None], L)[:, :, 0]
    sol = torch.where(on & (info == 0)[:, None], sol, torch.zeros_like(sol))
    polished = torch.zeros_like(x).scatter_add_(1, perm, sol)
    fine = (info == 0) & (support.sum(1) <= rank)
    return torch.where(fine[:, None], polished, torch.full_like(x, torch.nan))


def _objective(qx: torch.Tensor, c: torch.Tensor, x: torch.Tensor, lam: float) -> torch.Tensor:
    """1/2 x^T Q x - c^T x + lam ||x||_1 per set, from qx = Q x (NaN rows compare False downstream)."""
    return (0.5 * qx - c).mul(x).sum(-1) + lam * x.abs().sum(-1)


def _newton(Q: torch.Tensor, c: torch.Tensor, x: torch.Tensor, lam: float, steps: int, rank: int) -> torch.Tensor:
    """Semismooth Newton (primal-dual active set) steps: guess support and signs from one prox step at x of
    length 1 / mean diag Q (bolder than FISTA's 1 / lam_max, which keeps too many coordinates on an
    ill-conditioned block), solve exactly there (``_polish``), repeat from the result."""
    step = 1 / Q.diagonal(dim1=1, dim2=2).mean(-1, keepdim=True)
    for _ in range(steps):
        u = x - step * (torch.bmm(x[:, None, :], Q)[:, 0] - c)
        x = _polish(Q, c, torch.sign(u) * (u.abs() > step * lam), lam, rank)
    return x


def _fista(Q: torch.Tensor, c: torch.Tensor, x: torch.Tensor, lam: float, step: torch.Tensor, tol: torch.Tensor,
           budget: int, check_every: int, rank: int, newton_steps: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """FISTA with gradient restart on 1/2 x^T Q x - c^T x + lam ||x||_1 per set until its KKT violation is below
    ``tol`` (R,) lam, or ``budget`` iterations. At the checks (every ``check_every``, spaced out while they fail)
    a few Newton steps (``_newton``) are tried: their result ends the set when it passes the certificate, and
    restarts FISTA from it when it only lowers the objective. Returns x and the iterations each set took."""
    out, iterations = x.clone(), torch.full_like(tol, budget, dtype=torch.long)
    live = torch.arange(x.shape[0], device=x.device)
    y, t = x.clone(), torch.ones_like(step)
    newton_at, newton_gap = check_every, check_every
    for it in range(1, budget + 1):
        grad_y = torch.bmm(y[:, None, :], Q)[:, 0] - c
        x_new = prox_lasso(y - step * grad_y, step * lam, check=False)
        restart = (grad_y * (x_new - x)).sum(-1, keepdim=True) > 0  # stepped against the momentum
        t_new = (1 + torch.sqrt(1 + 4 * t * t)) / 2
        y = x_new + torch.where(restart, torch.zeros_like(t), (t - 1) / t_new) * (x_new - x)
        t = torch.where(restart, torch.ones_like(t), t_new)
        x = x_new
        if it % check_every and it != budget:
            continue
        done = kkt_violation(torch.bmm(x[:, None, :], Q)[:, 0] - c, x, lam) / lam < tol
        todo = ~done
        if it >= newton_at and bool(todo.any()):  # Newton on the prox step's support: exact once it is right
            rows = todo.nonzero()[:, 0]
            p = _newton(Q[rows], c[rows], x[rows], lam, newton_steps, rank)
            qp = torch.bmm(p[:, None, :], Q[rows])[:, 0]
            ok = kkt_violation(qp - c[rows], p, lam) / lam < tol[rows]  # NaN (a failed Cholesky) compares False
            qx = torch.bmm(x[rows, None, :], Q[rows])[:, 0]
            better = _objective(qp, c[rows], p, lam) < _objective(qx, c[rows], x[rows], lam)
            take = rows[ok | better]
            x[take], y[take], t[take] = p[ok | better], p[ok | better], 1.0  # a lower start: FISTA restarts there
            done[rows[ok]] = True
            newton_gap = check_every if bool(ok.any()) else 2 * newton_gap  # back off while the guesses fail
            newton_at = it + newton_gap
        if bool(done.any()):
            out[live[done]], iterations[live[done]] = x[done], it
            left = ~done
            live, x, y, t, step, tol, Q, c = live[left], x[left], y[left], t[left], step[left], tol[left], Q[left], \
                c[left]
        if live.numel() == 0:
            break
    out[live] = x
    return out, iterations


def solve_lasso(X: torch.Tensor, teacher: torch.Tensor, lam: float, lam_max: torch.Tensor, *, tol: float = 1e-7,
                max_iter: int = 50_000, check_every: int = 25, min_add: int = 32) -> LassoSolution:
    """min_S 1/(2N) ||X^T (S - T)||^2 + lam ||S||_1 for every set of X (R, D, N), teacher (R, D).

    Working sets: FISTA runs on the support plus the worst KKT violators of each set (a K x K block of Sigma,
    K well below D: cache-resident, and the sets leave as they converge); the full gradient then checks the KKT
    conditions on all D coordinates, and the violators join the next working set. Within a working set a
    support that stopped changing is solved exactly (one Cholesky), kept only when it passes the certificate.
    ``lam_max`` (R,) is the largest eigenvalue of each Sigma (``sim.linear.gram_spectrum(X)[:, -1]``; the step
    is 1 / lam_max, valid on every block). A set stops when its KKT violation on all coordinates is below
    ``tol * lam``; NotConvergedError if some set has not after ``max_iter`` FISTA iterations in all.
    """
    lam = POSITIVE.scalar("lam", lam)
    tol = POSITIVE.scalar("tol", tol)
    max_iter = validate_int("max_iter", max_iter)
    check_every = validate_int("check_every", check_every)
    min_add = validate_int("min_add", min_add)
    gram = _Gram(X)
    b = gram(teacher)  # Sigma T: the gradient is Sigma S - b
    step = (1.0 / lam_max).reshape(-1, 1).to(X.dtype)
    S, grad = torch.zeros_like(teacher), -b
    active = torch.arange(X.shape[0], device=X.device)  # the sets still iterating, by index into the batch
    out, kkt = torch.zeros_like(teacher), torch.zeros_like(teacher[:, 0])
    used = torch.zeros_like(active)  # FISTA iterations so far
    iterations = torch.zeros_like(active)
    while True:
        violation = kkt_violation(grad, S, lam) / lam
        done = violation < tol
        if bool(done.any()):
            rows = active[done]
            out[rows], kkt[rows], iterations[rows] = S[done], violation[done], used[done]
            left = ~done
            active, S, grad, b, step, used, violation = (active[left], S[left], grad[left], b[left], step[left],
                                                         used[left], violation[left])
            gram.keep(left.nonzero()[:, 0])
        if active.numel() == 0:
            break
        budget = max_iter - int(used.max())
        if budget <= 0:
            raise NotConvergedError(f"lasso at lam={lam:g} not converged after max_iter={max_iter} iterations: "
                                    f"largest KKT violation {float(violation.max()):.3g} lam, tol={tol:g}")
        idx, valid = _working_set(S, grad, lam, min_add)
        Q = _masked_block(gram.block(idx), valid)
        c = torch.where(valid, torch.gather(b, 1, idx), torch.zeros_like(idx, dtype=b.dtype))
        x = torch.where(valid, torch.gather(S, 1, idx), torch.zeros_like(c))
        inner_tol = torch.clamp(0.2 * violation, min=0.5 * tol)  # loose while the working set is still growing
        x, its = _fista(Q, c, x, lam, step, inner_tol, budget, check_every, X.shape[2])
        used = used + its
        S = torch.zeros_like(S).scatter_add_(1, idx, torch.where(valid, x, torch.zeros_like(x)))
        grad = gram(S) - b
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
