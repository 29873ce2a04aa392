"""The converged lasso and ridge of many sampled problems at once (batched torch).

``solve_lasso`` solves every data set of a batch to a certificate: its largest KKT violation relative to
the penalty, computed in the problem's precision (float64 for the checks) with the gradient through X, is
below a tolerance. It never forms the D x D matrix Sigma = X X^T / N (at the seed's sizes that product alone
costs as much as a whole coordinate-descent solve): per outer round it gathers a working set of coordinates
(the support and the worst KKT violators), forms that block of Sigma in float32, runs FISTA with adaptive
restart (O'Donoghue & Candes 2015) there, and tries semismooth Newton steps whose linear systems are solved
in float32 and refined in float64 through X. ``solve_ridge`` is the closed-form limit of ridge gradient
descent. Both work in the seed's normalization: X (R, D, N), labels X^T T, l_gen = 1/2 ||S - T||^2.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch

from gentoys.sim.core.batching import sets_per_chunk
from gentoys.sim.core.linalg import spd_solve
from gentoys.sim.linear import gram
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


def kkt_violation(grad: torch.Tensor, S: torch.Tensor, lam: float) -> torch.Tensor:
    """Largest violation of 0 in grad + lam d||S||_1, per row (over the last axis)."""
    return _coordinate_violation(grad, S, lam).amax(dim=-1)


def _coordinate_violation(grad: torch.Tensor, S: torch.Tensor, lam: float) -> torch.Tensor:
    on = torch.where(S != 0, (grad + lam * torch.sign(S)).abs(), torch.zeros_like(S))
    off = torch.where(S == 0, (grad.abs() - lam).clamp_min(0), torch.zeros_like(S))
    return torch.maximum(on, off)


def _mask_padding_(Q: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Q on the valid coordinates, the identity on the padding (padded coordinates stay 0 in any solve); in
    place (Q may be a view into a larger buffer)."""
    m = int(valid.all(0).cumprod(0).sum())  # the leading coordinates valid in every row need nothing
    tail = ~valid[:, m:]
    Q[:, m:, :].masked_fill_(tail[:, :, None], 0)
    Q[:, :, m:].masked_fill_(tail[:, None, :], 0)
    Q.diagonal(dim1=1, dim2=2)[:, m:].add_(tail.to(Q.dtype))
    return Q


class _Block:
    """The working sets of a batch: per set a growing list of coordinates (R, K) of which ``valid`` marks the
    real ones (the rest pads the batch), their rows of X in the problem's dtype (the exact operator, for
    certificates, objectives and Newton refinement) and the block Q of Sigma on them in the iteration dtype
    (float32 for a float64 problem: half the bytes per FISTA iteration, twice the GEMM rate). A round only
    adds coordinates, so only the new rows and columns of Q are computed (over a whole solve Q costs what one
    K x K product does), into buffers that grow geometrically (no copy per round)."""

    def __init__(self, X: torch.Tensor, dtype: torch.dtype, capacity: int):
        r, self.dim, self.n = X.shape
        self.dtype, self.size = dtype, 0
        self.idx = torch.zeros(r, 0, dtype=torch.long, device=X.device)
        self.valid = torch.zeros(r, 0, dtype=torch.bool, device=X.device)
        self.c = X.new_zeros(r, 0)
        self.c_low = self.c.to(dtype)
        self._XW = X.new_empty(r, capacity, self.n)
        self._XW_low = X.new_empty(r, capacity, self.n, dtype=dtype)
        self._Q = X.new_empty(r, capacity, capacity, dtype=dtype)

    @property
    def XW(self) -> torch.Tensor:
        return self._XW[:, :self.size]

    @property
    def XW_low(self) -> torch.Tensor:
        return self._XW_low[:, :self.size]

    @property
    def Q(self) -> torch.Tensor:
        return self._Q[:, :self.size, :self.size]

    def _reserve(self, capacity: int) -> None:
        XW, XW_low, Q = self.XW, self.XW_low, self.Q
        r = XW.shape[0]
        self._XW, self._XW_low = XW.new_empty(r, capacity, self.n), XW_low.new_empty(r, capacity, self.n)
        self._Q = Q.new_empty(r, capacity, capacity)
        self.XW.copy_(XW), self.XW_low.copy_(XW_low), self.Q.copy_(Q)

    def grow(self, X: torch.Tensor, b: torch.Tensor, new: torch.Tensor, valid: torch.Tensor) -> None:
        """Add the coordinates ``new`` (R, k), of which ``valid`` (R, k) are real, of these sets' X and b."""
        old, size = self.size, self.size + new.shape[1]
        if size > self._Q.shape[1]:
            self._reserve(max(size, min(self.dim, 2 * self._Q.shape[1])))  # padding may pass D
        rows = self._XW[:, old:size]
        for r in range(rows.shape[0]):  # index_select into place: 7x faster than a batched gather
            torch.index_select(X[r], 0, new[r], out=rows[r])
        rows.masked_fill_(~valid[:, :, None], 0)
        low = self._XW_low[:, old:size]
        low.copy_(rows)
        self.size = size
        torch.bmm(self.XW_low, low.transpose(1, 2), out=self._Q[:, :size, old:size])  # new columns
        Q = self.Q
        Q[:, :, old:].div_(self.n)
        Q[:, old:, :old] = Q[:, :old, old:].transpose(1, 2)  # new rows, by symmetry
        _mask_padding_(Q[:, old:, old:], valid)  # the identity on padding
        self.idx, self.valid = torch.cat([self.idx, new], 1), torch.cat([self.valid, valid], 1)
        self.c = torch.cat([self.c, torch.where(valid, torch.gather(b, 1, new), b.new_zeros(()))], 1)
        self.c_low = self.c.to(self.dtype)

    def prune(self, keep: torch.Tensor) -> None:
        """Keep only the coordinates where ``keep`` (R, K) holds (the padding goes too): a gather of what is
        already computed, no product."""
        keep = keep & self.valid
        size = int(keep.sum(1).max())
        order = torch.argsort((~keep).to(torch.int8), dim=1, stable=True)[:, :size]  # kept ones first, in order
        valid = torch.gather(keep, 1, order)
        XW, XW_low, Q = self.XW, self.XW_low, self.Q
        r, capacity = Q.shape[0], self._Q.shape[1]  # the new buffers keep the room to grow
        self._XW, self._XW_low = XW.new_empty(r, capacity, self.n), XW_low.new_empty(r, capacity, self.n)
        self._Q = Q.new_empty(r, capacity, capacity)
        for i in range(r):  # index_select into place (X_W's rows are contiguous there)
            torch.index_select(XW[i], 0, order[i], out=self._XW[i, :size])
            torch.index_select(XW_low[i], 0, order[i], out=self._XW_low[i, :size])
            self._Q[i, :size, :size] = Q[i].index_select(0, order[i]).index_select(1, order[i])
        self.size = size
        _mask_padding_(self.Q, valid)
        self.XW.masked_fill_(~valid[:, :, None], 0), self.XW_low.masked_fill_(~valid[:, :, None], 0)
        self.idx = torch.where(valid, torch.gather(self.idx, 1, order), torch.zeros_like(order))
        self.valid = valid
        self.c = torch.where(valid, torch.gather(self.c, 1, order), torch.zeros_like(self.c[:, :1]))
        self.c_low = self.c.to(self.dtype)

    def grad_low(self, x: torch.Tensor) -> torch.Tensor:
        """Q x - c in the iteration dtype (the FISTA step)."""
        return torch.baddbmm(self.c_low[:, None, :], x[:, None, :], self.Q, beta=-1)[:, 0]

    def product(self, x: torch.Tensor) -> torch.Tensor:
        """X_W^T x (R, N) in the problem's dtype: the residual of a point that is x on W and 0 off it, plus y."""
        return torch.bmm(x[:, None, :], self.XW)[:, 0]

    def grad_from(self, product: torch.Tensor) -> torch.Tensor:
        """Sigma_WW x - c from ``product`` = X_W^T x."""
        return torch.bmm(product[:, None, :], self.XW.transpose(1, 2))[:, 0] / self.n - self.c

    def grad(self, x: torch.Tensor) -> torch.Tensor:
        """Sigma_WW x - c in the problem's dtype, through X (certificates and Newton)."""
        return self.grad_from(self.product(x))

    def objective(self, grad: torch.Tensor, x: torch.Tensor, lam: float) -> torch.Tensor:
        """1/2 x^T Q x - c^T x + lam ||x||_1 per set, from grad = Q x - c (NaN rows compare False downstream)."""
        return (0.5 * (grad - self.c)).mul(x).sum(-1) + lam * x.abs().sum(-1)

    def rows(self, keep: torch.Tensor) -> "_Block":
        """The sets ``keep`` (indices) only (a copy, room to grow included)."""
        sub = object.__new__(_Block)
        sub.n, sub.dim, sub.dtype, sub.size = self.n, self.dim, self.dtype, self.size
        for name in ("idx", "valid", "c", "c_low"):
            setattr(sub, name, getattr(self, name).index_select(0, keep))
        r, capacity = keep.numel(), self._Q.shape[1]
        sub._XW, sub._XW_low = self._XW.new_empty(r, capacity, self.n), self._XW_low.new_empty(r, capacity, self.n)
        sub._Q = self._Q.new_empty(r, capacity, capacity)
        sub.XW.copy_(self.XW.index_select(0, keep)), sub.XW_low.copy_(self.XW_low.index_select(0, keep))
        sub.Q.copy_(self.Q.index_select(0, keep))
        return sub


@dataclass
class _Factor:
    """Q_AA^-1 on each row's support A, as the Cholesky factor ``L`` of Q_BB on a base support B (the block's
    coordinates ``perm``, of which ``on`` marks the real ones), bordered by the coordinates that joined A
    since (``add``, real where ``add_on``) and those that left it (``drop``, positions in ``perm``): the
    bordered system [[Q_BB, F], [F^T, G]] with F = [Q_BP, E_drop] holds x_drop = 0 by multipliers, and its
    Schur complement G - F^T Q_BB^-1 F is small (``lu``, with ``Y`` = L^-1 F). ``fine``: rows whose A has no
    more coordinates than the rank and factored without failure (the others are singular)."""

    L: torch.Tensor  # (R, a, a), lower
    perm: torch.Tensor  # (R, a)
    on: torch.Tensor  # (R, a)
    fine: torch.Tensor  # (R,)
    add: torch.Tensor | None = None  # (R, p)
    add_on: torch.Tensor | None = None  # (R, p)
    drop: torch.Tensor | None = None  # (R, a)
    Y: torch.Tensor | None = None  # (R, a, p + d)
    lu: tuple | None = None  # (LU, pivots) of the Schur complement (R, p + d, p + d)

    def solve(self, rhs: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """x + Q_AA^-1 rhs_A, scattered back to the block's coordinates (rhs (R, K) in the problem's dtype)."""
        kept = self.on if self.drop is None else self.on & ~self.drop
        zero = torch.zeros((), dtype=rhs.dtype, device=rhs.device)
        t = torch.linalg.solve_triangular(self.L, torch.where(kept, torch.gather(rhs, 1, self.perm), zero).to(
            self.L.dtype)[:, :, None], upper=False)
        if self.Y is not None:
            r_add = torch.where(self.add_on, torch.gather(rhs, 1, self.add), zero).to(self.L.dtype)
            r_w = torch.nn.functional.pad(r_add, (0, self.Y.shape[2] - r_add.shape[1]))[:, :, None]
            w = torch.linalg.lu_solve(*self.lu, r_w - self.Y.mT @ t)
            t = t - self.Y @ w
            x = x.scatter_add(1, self.add, torch.where(self.add_on, w[:, :self.add.shape[1], 0].to(x.dtype),
                                                       torch.zeros((), dtype=x.dtype, device=x.device)))
        dx = torch.linalg.solve_triangular(self.L.mT, t, upper=True)[:, :, 0].to(x.dtype)
        return x.scatter_add(1, self.perm, torch.where(kept, dx, torch.zeros_like(dx)))


def _factor(block: _Block, guess: torch.Tensor, rank: int) -> _Factor:
    """The Cholesky factor of Q_AA on the support A of ``guess`` (R, K), in the iteration dtype, with A's
    coordinates first; rows with A larger than ``rank`` are singular, not factored."""
    fits = (guess != 0).sum(1) <= rank  # more coordinates than the rank: singular, not factored
    support = (guess != 0) & fits[:, None]
    a = max(1, int(support.sum(1).max()))
    perm = torch.argsort((~support).to(torch.int8), dim=1, stable=True)[:, :a]  # the support first
    on = torch.gather(support, 1, perm)
    Q = block.Q
    L, info = torch.linalg.cholesky_ex(_mask_padding_(torch.stack(  # index_select: 5x faster than a batched gather
        [Q[r].index_select(0, perm[r]).index_select(1, perm[r]) for r in range(Q.shape[0])]), on))
    return _Factor(L, perm, on, (info == 0) & fits)


#: a support that differs from the factored one by at most 1/_BORDER_SHARE of its size is bordered, not
#: factored afresh (a solve with that many right-hand sides costs about half a factorization)
_BORDER_SHARE = 8


def _bordered(block: _Block, base: _Factor, guess: torch.Tensor, active: torch.Tensor, rank: int
              ) -> _Factor | None:
    """The factor of Q_AA for the support A of ``guess`` (R, K) on the ``active`` rows from ``base``'s
    Cholesky factor, bordered by the coordinates that joined and left (inactive rows keep base's support);
    None where an active row changed and base failed there, or the change is too large to pay."""
    support = guess != 0
    in_base = torch.zeros_like(support).scatter_(1, base.perm, base.on)  # perm's entries are distinct
    support = torch.where(active[:, None], support, in_base)
    add = support & ~in_base
    drop = base.on & ~torch.gather(support, 1, base.perm)
    n_add, n_drop = add.sum(1), drop.sum(1)
    changed = (n_add + n_drop) > 0
    p, d = int(n_add.max()), int(n_drop.max())
    if bool((changed & ~base.fine).any()) or _BORDER_SHARE * (p + d) > base.perm.shape[1]:
        return None
    if p + d == 0:
        return _Factor(base.L, base.perm, base.on, base.fine & (support.sum(1) <= rank))
    L, perm, on = base.L, base.perm, base.on
    order = torch.argsort((~add).to(torch.int8), dim=1, stable=True)[:, :p]
    add_idx, add_on = order, torch.gather(add, 1, order)
    drop_pos = torch.argsort((~drop).to(torch.int8), dim=1, stable=True)[:, :d]
    drop_on = torch.gather(drop, 1, drop_pos)
    Q, k = block.Q, block.size
    Q_p = torch.gather(Q, 2, add_idx[:, None, :].expand(-1, k, -1))  # (R, K, p)
    Q_bp = torch.gather(Q_p, 1, perm[:, :, None].expand(-1, -1, p)) * (on[:, :, None] & add_on[:, None, :])
    E = L.new_zeros(L.shape[0], L.shape[1], d).scatter_(1, drop_pos[:, None, :], drop_on[:, None, :].to(L.dtype))
    Y = torch.linalg.solve_triangular(L, torch.cat([Q_bp, E], 2), upper=False)
    G = L.new_zeros(L.shape[0], p + d, p + d)
    G[:, :p, :p] = _mask_padding_(torch.gather(Q_p, 1, add_idx[:, :, None].expand(-1, -1, p)), add_on)
    G.diagonal(dim1=1, dim2=2)[:, p:].add_((~drop_on).to(L.dtype))  # the identity on the padding
    LU, pivots, info = torch.linalg.lu_factor_ex(G - Y.mT @ Y)
    fine = base.fine & (info == 0) & (support.sum(1) <= rank)
    return _Factor(L, perm, on, fine, add_idx, add_on, drop, Y, (LU, pivots))


def _newton(block: _Block, x: torch.Tensor, lam: float, steps: int, rank: int, refinements: int) -> torch.Tensor:
    """Semismooth Newton (primal-dual active set) steps: support and signs from one prox step at x of length
    1 / mean diag Q (bolder than FISTA's 1 / lam_max, which keeps too many coordinates on an ill-conditioned
    block), solved exactly there (``_active_set_step``), repeated from the result, then ``refinements`` steps
    on the last support; gradients in the problem's dtype. NaN rows where a support was singular."""
    step = 1 / block.Q.diagonal(dim1=1, dim2=2).mean(-1, keepdim=True).to(x.dtype)
    last = factor = None
    for k in range(steps + refinements):
        grad = block.grad(x)
        if k < steps:
            u = x - step * grad
            guess = torch.sign(u) * (u.abs() > step * lam)
        else:
            guess = last
        x, factor, guess = _sign_consistent_step(block, x, grad, guess, last, factor, torch.isfinite(x[:, 0]), lam,
                                                 rank)
        x = torch.where(factor.fine[:, None], x, torch.full_like(x, torch.nan))
        if bool(x[:, 0].isnan().all()):  # every support singular: the next steps would be too
            break
        last = guess
    return x


#: FISTA's momentum table starts this long (a row goes this many iterations without a restart before it grows)
_MOMENTUM_TABLE = 1024


@functools.lru_cache(maxsize=16)
def _momentum(n: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """FISTA's momentum (t_k - 1) / t_{k+1}, t_0 = 1, t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2, for k < n (one
    table lookup per iteration instead of the recurrence's half-dozen operations on per-row scalars)."""
    t = [1.0]
    for _ in range(n):
        t.append((1 + math.sqrt(1 + 4 * t[-1] * t[-1])) / 2)
    return torch.tensor([(t[k] - 1) / t[k + 1] for k in range(n)], dtype=dtype, device=device)


def _led_by_zero(table: torch.Tensor) -> torch.Tensor:
    """0 followed by ``table``."""
    return torch.nn.functional.pad(table, (1, 0))


def _fista(block: _Block, x: torch.Tensor, lam: float, step: torch.Tensor, tol: torch.Tensor, budget: int,
           check_every: int, rank: int, refinements: int, patience: int | None,
           newton_steps: int = 2) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """FISTA with gradient restart on the block's lasso, iterating in the block's dtype from x (problem dtype),
    until each set's KKT violation (in the problem's dtype) is below ``tol`` (R,) lam, or ``budget``
    iterations. At the checks (every ``check_every``) Newton steps (``_newton``) are tried, spaced out while
    they fail: a result that passes the certificate ends the set, one that only lowers the objective restarts
    FISTA from it. With ``patience``, a set whose violation has not fallen by 10 % over that many checks
    and lies within 10x of the iteration dtype's rounding error of the gradient leaves as stalled. Returns x
    (problem dtype), the iterations each set took, which sets stalled, and X_W^T x as the last check computed
    it (the next round's residual; NaN rows where the budget ran out)."""
    wide = x.dtype
    out, iterations = x.clone(), torch.full_like(tol, budget, dtype=torch.long)
    products = x.new_full((x.shape[0], block.n), torch.nan)
    stalled = torch.zeros_like(tol, dtype=torch.bool)
    live = torch.arange(x.shape[0], device=x.device)  # the batch's rows in the block; finished rows stay
    finished = torch.zeros_like(stalled)  # until half the rows have (each compaction copies the block)
    # the iterates as (R, 1, K) and per-row scalars as (R, 1, 1): the loop then needs no views
    x_low = x.to(block.Q.dtype)[:, None, :]
    y, step_low = x_low.clone(), step.to(x_low.dtype)[:, :, None]
    # 1 + the iterations since each row's last restart, and the momentum table led by a 0 (a restart's): the
    # lookup then needs no mask of its own
    since_restart = torch.ones_like(step_low, dtype=torch.long)
    momentum = _led_by_zero(_momentum(max(_MOMENTUM_TABLE, 2 * check_every), x_low.dtype, x_low.device))
    best, since = torch.full_like(tol, torch.inf), torch.zeros_like(iterations)
    newton_at, newton_gap = check_every, check_every
    threshold, c_low = step_low * lam, block.c_low[:, None, :]
    for it in range(1, budget + 1):  # fused: each torch call costs about what a block product does
        grad_y = torch.baddbmm(c_low, y, block.Q, beta=-1)
        u = torch.addcmul(y, step_low, grad_y, value=-1)
        x_new = u - u.clamp(-threshold, threshold)  # the soft threshold (prox of the step's lam ||.||_1)
        moved = x_new - x_low
        restart = torch.bmm(grad_y, moved.mT) > 0  # stepped against the momentum
        beta = torch.take(momentum, since_restart.masked_fill_(restart, 0))
        y = torch.addcmul(x_new, beta, moved)
        since_restart.add_(1)
        x_low = x_new
        if it % check_every and it != budget:
            continue
        if int(since_restart.max()) + check_every >= momentum.shape[0]:  # a row could outrun it: grown
            momentum = _led_by_zero(_momentum(2 * (momentum.shape[0] - 1), x_low.dtype, x_low.device))
        x = x_low[:, 0].to(wide)
        xw = block.product(x)
        grad = block.grad_from(xw)
        violation = kkt_violation(grad, x, lam) / lam
        done = (violation < tol) & ~finished
        todo = ~done & ~finished
        if it >= newton_at and bool(todo.any()):  # Newton on the prox step's support: exact once it is right
            # on the whole block unless most rows are done (a copy of the block costs about what a solve does)
            rows = todo.nonzero()[:, 0] if 2 * int(todo.sum()) < todo.numel() else torch.arange(
                todo.numel(), device=todo.device)
            sub = block if rows.numel() == x.shape[0] else block.rows(rows)
            p = _newton(sub, x[rows], lam, newton_steps, rank, refinements)
            pw = sub.product(p)
            gp = sub.grad_from(pw)
            ok = (kkt_violation(gp, p, lam) / lam < tol[rows]) & todo[rows]  # NaN (failed Cholesky): False
            better = ok | (sub.objective(gp, p, lam) < sub.objective(sub.grad(x[rows]), x[rows], lam)) & todo[rows]
            x[rows[better]], xw[rows[better]] = p[better], pw[better]
            x_low[rows[better], 0], y[rows[better], 0], since_restart[rows[better]] = p[better].to(
                x_low.dtype), p[better].to(x_low.dtype), 1  # a lower start: FISTA restarts there
            done[rows[ok]] = True
            violation[rows[ok]] = 0.0
            # back off while the guesses fail, up to a bound: a slow FISTA tail is where Newton ends it
            newton_gap = check_every if bool(ok.any()) else min(2 * newton_gap, _NEWTON_BACKOFF * check_every)
            newton_at = it + newton_gap
        leave = done
        if patience is not None:
            improved = violation < 0.9 * best
            best = torch.where(improved, violation, best)
            since = torch.where(improved, torch.zeros_like(since), since + 1)
            rounding = (block.grad_low(x_low[:, 0]).to(wide) - grad).abs().amax(-1)  # the iteration dtype's error
            stuck = todo & ~done & (since >= patience) & (violation * lam <= 10 * rounding)
            stalled[live[stuck]] = True
            leave = leave | stuck
        if bool(leave.any()):
            out[live[leave]], iterations[live[leave]], products[live[leave]] = x[leave], it, xw[leave]
            finished |= leave
        if bool(finished.all()):
            return out, iterations, stalled, products
        if 2 * int(finished.sum()) >= finished.numel():
            keep = ~finished
            live, x_low, y, since_restart, step_low, threshold, tol, best, since, finished = (
                live[keep], x_low[keep], y[keep], since_restart[keep], step_low[keep], threshold[keep], tol[keep],
                best[keep], since[keep], finished[keep])
            block = block.rows(keep.nonzero()[:, 0])
            c_low = block.c_low[:, None, :]
    out[live[~finished]] = x_low[~finished, 0].to(wide)
    return out, iterations, stalled, products


def solve_lasso(X: torch.Tensor, teacher: torch.Tensor, lam: float, lam_max: torch.Tensor, *, tol: float = 1e-7,
                max_iter: int = 50_000, check_every: int = 25, min_add: int = 128, newton_every: int = 75,
                newton_steps: int = 8, chunk_sets: int | None = None) -> LassoSolution:
    """min_S 1/(2N) ||X^T (S - T)||^2 + lam ||S||_1 for every set of X (R, D, N), teacher (R, D).

    Working sets: per round, FISTA runs on a working set of each set's coordinates (its support, the KKT
    violators that joined it and the zeros near the threshold) through the block of Sigma on them, formed from
    those rows of X in float32 for a float64 problem and extended as coordinates join (Sigma itself, D x D, is
    never formed); the full gradient through X then checks the KKT conditions on all D coordinates. Newton
    steps solve the lasso exactly on a guessed support (one float32 Cholesky, refined to the problem's
    precision): inside FISTA on the block when a round's support stops changing, and every ``newton_every``
    iterations (spaced out while they fail) ``newton_steps`` of them on the whole problem; a Newton point is
    kept only if it passes the certificate (or, on the block, lowers the objective). A set whose float32
    iterations stall at their rounding error before the certificate continues in the problem's own dtype.
    ``lam_max`` (R,) is the largest eigenvalue of each Sigma (``sim.linear.gram_spectrum(X)[:, -1]``; the FISTA
    step is 1 / lam_max, valid on every block). A set stops when its KKT violation on all coordinates is
    below ``tol * lam``; NotConvergedError if some set has not after ``max_iter`` FISTA iterations in all.
    On a CPU the sets are solved a few at a time (``chunk_sets``, by default as many as keep their X within
    a share of the cache, ``sim.core.batching.sets_per_chunk``), on CUDA all at once.
    """
    lam = POSITIVE.scalar("lam", lam)
    tol = POSITIVE.scalar("tol", tol)
    max_iter = validate_int("max_iter", max_iter)
    check_every = validate_int("check_every", check_every)
    min_add = validate_int("min_add", min_add)
    newton_every = validate_int("newton_every", newton_every)
    newton_steps = validate_int("newton_steps", newton_steps, minimum=0)
    wide = X.dtype
    y, b = X.new_empty(X.shape[0], X.shape[2]), torch.empty_like(teacher)
    newton_step = torch.empty_like(teacher[:, :1])
    result = _Result(torch.zeros_like(teacher), torch.zeros_like(teacher[:, 0]),
                     torch.zeros(X.shape[0], dtype=torch.long, device=X.device))
    options = dict(lam=lam, tol=tol, max_iter=max_iter, check_every=check_every, min_add=min_add,
                   newton_every=newton_every, newton_steps=newton_steps)
    step = (1.0 / lam_max).reshape(-1, 1).to(wide)
    chunk = sets_per_chunk(X.shape[0], X[0].numel() * X.element_size(), X.device, chunk_sets, _CHUNK_BYTES)
    for start in range(0, X.shape[0], chunk):
        sets = torch.arange(start, min(start + chunk, X.shape[0]), device=X.device)
        part = slice(start, start + chunk)
        y[part], b[part] = _labels(X[part], teacher[part])  # per chunk: its X stays in the cache for the rounds
        newton_step[part] = X.shape[1] * X.shape[2] / torch.linalg.vector_norm(X[part], dim=(1, 2), keepdim=True
                                                                                ).square()[:, :, 0]  # 1 / mean diag
        stalled = _rounds(_Batch(sets, X[part], y[part], b[part], step[part], newton_step[part],
                                 torch.zeros_like(teacher[part]), torch.zeros_like(sets)),
                          torch.float32 if wide == torch.float64 else wide, result, **options)
        if stalled.numel():  # the float32 rounding floor came first: these go on in the problem's dtype
            _rounds(_Batch(stalled, X[stalled], y[stalled], b[stalled], step[stalled], newton_step[stalled],
                           result.student[stalled], result.iterations[stalled]), wide, result, **options)
    S = result.student
    return LassoSolution(S, 0.5 * ((S - teacher) ** 2).sum(-1), (S != 0).to(X.dtype).mean(-1), result.kkt,
                         result.iterations)


def _labels(X: torch.Tensor, teacher: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """y = X^T T (the residual of S is X^T S - y) and b = Sigma T = X y / N (the gradient is Sigma S - b; at
    S = 0 it is -b, the same numbers as through X)."""
    y = torch.bmm(teacher[:, None, :], X)[:, 0]
    return y, _through_X(X, y)


def _through_X(X: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
    """X r / N (R, D) for r (R, N): with r = X^T S - y, S's gradient Sigma S - b, one pass through X."""
    return torch.bmm(residual[:, None, :], X.transpose(1, 2))[:, 0] / X.shape[2]


@dataclass
class _Result:
    """What ``solve_lasso`` returns per set of the batch, filled in as sets pass their certificate."""

    student: torch.Tensor
    kkt: torch.Tensor
    iterations: torch.Tensor

    def record(self, batch: "_Batch", rows: torch.Tensor, S: torch.Tensor, violation: torch.Tensor) -> None:
        where = batch.sets[rows]
        self.student[where], self.kkt[where], self.iterations[where] = S, violation, batch.used[rows]


@dataclass
class _Batch:
    """The sets still being solved (``sets``: their indices in the caller's batch) and what each needs."""

    sets: torch.Tensor
    X: torch.Tensor
    y: torch.Tensor  # X^T T
    b: torch.Tensor  # Sigma T
    step: torch.Tensor  # FISTA's, 1 / lam_max
    newton_step: torch.Tensor  # 1 / mean diag Sigma
    S: torch.Tensor
    used: torch.Tensor  # FISTA iterations spent

    def keep(self, rows: torch.Tensor, block: _Block) -> _Block:
        """Only the sets at ``rows`` (a mask) go on; returns their block."""
        for name in ("sets", "X", "y", "b", "step", "newton_step", "S", "used"):
            setattr(self, name, getattr(self, name)[rows])
        return block.rows(rows.nonzero()[:, 0])


def _retire(batch: _Batch, block: _Block, result: _Result, rows: torch.Tensor, S: torch.Tensor,
            violation: torch.Tensor, *per_set: torch.Tensor) -> tuple:
    """Record the certified sets ``rows`` (a mask) with their S and violation, drop them from the batch and its
    block; returns the block and ``per_set`` without those rows."""
    result.record(batch, rows, S, violation)
    return (batch.keep(~rows, block), *(a[~rows] for a in per_set))


#: a CPU chunk's X stays within this many bytes: every round streams it twice, and a chunk whose X stays in
#: the last-level cache is 1.2-1.3x faster than eight sets streamed from memory (D = 1000, N = 700: 2 sets)
_CHUNK_BYTES = 16 << 20


#: Newton tries, spaced out while they fail, are at most this many of their base spacings apart
_NEWTON_BACKOFF = 16


#: whole-problem Newton is tried only once a round adds at most 1/_SETTLED of the working set (earlier, the
#: support is still growing and the guess fails: each failed try costs a few factorizations). 4, not 10, since
#: guesses are bordered and their sign flips dropped: the sparse teacher at lam = 5e-3 then skips a round
_SETTLED = 4

#: a zero of the working set whose |gradient| is below this share of lam may leave it (it is far from joining)
_PRUNE_BELOW = 0.9


def _rounds(batch: _Batch, dtype: torch.dtype, result: _Result, *, lam: float, tol: float, max_iter: int,
            check_every: int, min_add: int, newton_every: int, newton_steps: int) -> torch.Tensor:
    """The working-set rounds of ``solve_lasso`` for ``batch``, iterating in ``dtype``: each set goes into
    ``result`` when it passes its certificate. Returns the sets (caller's indices) whose float32 iterations
    stalled, recorded in ``result`` as they stood (none when ``dtype`` is the problem's)."""
    exact, rank = dtype == batch.X.dtype, batch.X.shape[2]
    block = _Block(batch.X, dtype, capacity=min(batch.X.shape[1], max(4 * min_add, rank)))
    stalled_sets = []
    newton_at = newton_gap = newton_every
    settled, product = False, None  # X_W^T S, as the last round's FISTA computed it
    while batch.sets.numel():
        S = batch.S
        if block.size:  # S = 0 off the working set: its residual X^T S - y through those rows
            if product is None or bool(product[:, 0].isnan().any()):
                product = block.product(S.gather(1, block.idx))
            grad, product = _through_X(batch.X, product - batch.y), None
        elif bool(S.any()):
            grad = _through_X(batch.X, torch.bmm(S[:, None, :], batch.X)[:, 0] - batch.y)
        else:
            grad = -batch.b  # the same numbers as through X (0 - y = -y exactly, and negation commutes)
        violation = kkt_violation(grad, S, lam) / lam
        done = violation < tol
        if bool(done.any()):
            block, grad, violation = _retire(batch, block, result, done, S[done], violation[done], grad, violation)
            if not batch.sets.numel():
                break
        budget = max_iter - int(batch.used.max())
        if budget <= 0:
            raise NotConvergedError(f"lasso at lam={lam:g} not converged after max_iter={max_iter} iterations: "
                                    f"largest KKT violation {float(violation.max()):.3g} lam, tol={tol:g}")
        if newton_steps and int(batch.used.min()) >= newton_at and settled:
            found, ok, v = _pdas(batch, block, lam, tol, newton_steps, rank, grad)
            if bool(ok.any()):
                block, grad, violation = _retire(batch, block, result, ok, found[ok], v[ok], grad, violation)
                if not batch.sets.numel():
                    break
            newton_gap = newton_every if bool(ok.any()) else min(2 * newton_gap, _NEWTON_BACKOFF * newton_every)
            newton_at = int(batch.used.min()) + newton_gap
        S = batch.S
        if block.size > rank:  # more coordinates than the rank: shed the far zeros if a quarter can go
            keep = (torch.gather(S, 1, block.idx) != 0) | (torch.gather(grad, 1, block.idx).abs() >= _PRUNE_BELOW * lam)
            if 4 * int((block.valid & ~keep).sum(1).max()) >= block.size:
                block.prune(keep)
        new, valid = _new_coordinates(S, grad, lam, block, min_add)
        block.grow(batch.X, batch.b, new, valid)
        # the working set has settled once a round adds few coordinates: only then can a support guess hold
        settled = _SETTLED * int(valid.sum(1).max()) <= block.size
        x = torch.where(block.valid, torch.gather(S, 1, block.idx), torch.zeros_like(block.c))
        inner_tol = torch.clamp(0.2 * violation, min=0.5 * tol)  # loose while the working set is still growing
        x, its, stalled, product = _fista(block, x, lam, batch.step, inner_tol, budget, check_every, rank,
                                          refinements=1 if exact else 2, patience=None if exact else 4)
        batch.used = batch.used + its
        batch.S = torch.zeros_like(S).scatter_add_(1, block.idx, torch.where(block.valid, x, torch.zeros_like(x)))
        if bool(stalled.any()):
            result.record(batch, stalled, batch.S[stalled], torch.full_like(violation[stalled], torch.nan))
            stalled_sets.append(batch.sets[stalled])
            block, product = batch.keep(~stalled, block), product[~stalled]
    return torch.cat(stalled_sets) if stalled_sets else batch.sets[:0]


def _pdas(batch: _Batch, block: _Block, lam: float, tol: float, steps: int, rank: int, grad: torch.Tensor
          ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Semismooth Newton (primal-dual active set) steps on the whole problem from the batch's S: support and
    signs from one prox step of length 1 / mean diag Sigma (bolder than FISTA's 1 / lam_max), the lasso solved
    on that support (``_active_set_step``, the working set grown to hold it; a repeated guess refines its
    point instead), repeated; every point is certified through X in the problem's dtype. ``grad`` is S's
    gradient, which the caller has just computed (and found S not certified). Returns the certified points
    (R, D), which sets have one, and their violation / lam; the caller keeps only those (a failed guess may
    sit far off)."""
    X, S = batch.X, batch.S
    found, certified = S.clone(), torch.zeros_like(S[:, 0], dtype=torch.bool)
    violation = torch.full_like(S[:, 0], torch.inf)
    last = factor = None  # the last guess on the block's coordinates, and its factor
    for k in range(steps + 1):
        if k:  # S lies on the working set: its residual through those rows of X
            alive = ~certified & torch.isfinite(S).all(1)  # a NaN row (a singular guess) stays NaN: not tried
            if not bool(alive.any()):
                break
            grad = torch.where(alive[:, None], _pdas_gradient(batch, block, S, grad, alive), torch.nan)
            v = kkt_violation(grad, S, lam) / lam
            new_ok = (v < tol) & ~certified  # NaN compares False
            found[new_ok], violation[new_ok], certified = S[new_ok], v[new_ok], certified | new_ok
        if k == steps or bool(certified.all()):
            break
        u = S - batch.newton_step * grad
        guess = torch.sign(u) * (u.abs() > batch.newton_step * lam)
        fits = torch.isfinite(u).all(1) & ((guess != 0).sum(1) <= rank) & ~certified  # else singular: not tried
        guess = torch.where(fits[:, None], guess, torch.zeros_like(guess))
        inside = torch.zeros_like(guess, dtype=torch.int32).scatter_add_(1, block.idx, block.valid.to(torch.int32))
        missing = (guess != 0) & (inside == 0)
        if bool(missing.any()):
            new = torch.argsort((~missing).to(torch.int8), dim=1, stable=True)[:, :int(missing.sum(1).max())]
            block.grow(X, batch.b, new, torch.gather(missing, 1, new))
        g = guess.gather(1, block.idx) * block.valid
        x, factor, g = _sign_consistent_step(block, S.gather(1, block.idx) * block.valid, grad.gather(1, block.idx),
                                             g, last, factor, fits & ~certified, lam, rank)
        S = torch.zeros_like(S).scatter_add_(1, block.idx, torch.where(block.valid, x, torch.zeros_like(x)))
        S = torch.where((fits & factor.fine)[:, None], S, torch.full_like(S, torch.nan))
        last = g
    return found, certified, violation


def _pdas_gradient(batch: _Batch, block: _Block, S: torch.Tensor, grad: torch.Tensor, rows: torch.Tensor
                   ) -> torch.Tensor:
    """S's gradient through X on the sets ``rows`` (a mask; S lies on the working set), ``grad`` kept on the
    others (sets already certified: a batched product would stream their X for nothing)."""
    X, x = batch.X, S.gather(1, block.idx) * block.valid
    if bool(rows.all()):
        return _through_X(X, torch.bmm(x[:, None, :], block.XW)[:, 0] - batch.y)
    grad = grad.clone()
    for r in rows.nonzero()[:, 0].tolist():
        one = slice(r, r + 1)
        grad[r] = _through_X(X[one], torch.bmm(x[one, None, :], block.XW[one])[:, 0] - batch.y[one])[0]
    return grad


def _sign_consistent_step(block: _Block, x: torch.Tensor, grad: torch.Tensor, guess: torch.Tensor,
                          last: torch.Tensor | None, factor: _Factor | None, active: torch.Tensor, lam: float,
                          rank: int) -> tuple[torch.Tensor, _Factor, torch.Tensor]:
    """``_active_set_step``, then once more without the coordinates whose solution took the sign opposite to
    their guess (on the ``active`` rows that have any): they cannot be non-zero at a lasso solution with those
    signs, and leaving them out here spares a step through X that would only find them. Returns x, the factor
    and the guess that x solves."""
    out, factor = _active_set_step(block, x, grad, guess, last, factor, active, lam, rank)
    flipped = (torch.sign(out) != guess) & (guess != 0) & active[:, None]
    if not bool(flipped.any()):
        return out, factor, guess
    guess = torch.where(flipped, torch.zeros_like(guess), guess)
    again, factor = _active_set_step(block, x, grad, guess, None, factor, active, lam, rank)  # afresh: a new guess
    return torch.where(flipped.any(1, keepdim=True), again, out), factor, guess


def _active_set_step(block: _Block, x: torch.Tensor, grad: torch.Tensor, guess: torch.Tensor,
                     last: torch.Tensor | None, factor: _Factor | None, active: torch.Tensor, lam: float, rank: int
                     ) -> tuple[torch.Tensor, _Factor]:
    """One Newton step on the block towards the lasso solution with the support and signs of ``guess`` (R, K),
    from x with gradient ``grad`` (both on the block's coordinates, problem dtype). A row whose guess repeats
    ``last`` (x then lies on that support) is refined: x - Q_AA^-1 (grad_A + lam s_A), its residual taken
    from ``grad`` in the problem's dtype, and ``factor`` reused unless an ``active`` row's guess changed; then
    a support close to the factored one is bordered (``_bordered``), any other factored afresh. A new guess is
    solved afresh, Q_AA x_A = c_A - lam s_A, accurate to the iteration dtype. Returns x and the factor."""
    same = torch.zeros_like(active) if last is None else active & (
        torch.nn.functional.pad(last, (0, guess.shape[1] - last.shape[1])) == guess).all(1)
    if factor is None:
        factor = _factor(block, guess, rank)
    elif not bool(same[active].all()):
        factor = _bordered(block, factor, guess, active, rank) or _factor(block, guess, rank)
    sign = torch.sign(guess)
    return factor.solve(torch.where(same[:, None], -(grad + lam * sign), block.c - lam * sign),
                        torch.where(same[:, None], x, torch.zeros_like(x))), factor


def _new_coordinates(S: torch.Tensor, grad: torch.Tensor, lam: float, block: _Block,
                     min_add: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per set, what joins its working set: the support of S outside it, and the worst KKT violators outside
    it, as many as the support holds, at least ``min_add`` (the set roughly doubles while it grows); as
    indices (R, k) padded with 0 and a validity mask."""
    inside = torch.zeros_like(S, dtype=torch.int32).scatter_add_(1, block.idx, block.valid.to(torch.int32)) > 0
    stray = (S != 0) & ~inside
    violation = torch.where(inside, torch.zeros_like(S), _coordinate_violation(grad, S, lam))
    score = torch.where(stray, torch.full_like(S, torch.inf), violation)
    n_new = stray.sum(1) + torch.minimum(((violation > 0) & ~stray).sum(1), (S != 0).sum(1).clamp_min(min_add))
    k = max(1, int(n_new.max()))
    idx = score.topk(k, dim=1).indices
    valid = torch.arange(k, device=S.device) < n_new[:, None]
    return torch.where(valid, idx, torch.zeros_like(idx)), valid


def solve_ridge(X: torch.Tensor, teacher: torch.Tensor, lam: torch.Tensor) -> torch.Tensor:
    """The limit of ridge gradient descent from S0 = 0, (Sigma + lam)^-1 Sigma T, through the N x N system
    X (X^T X / N + lam)^-1 X^T T / N; ``lam`` (R,) per set. Returns S (R, D)."""
    if bool((lam < 0).any()) or not bool(torch.isfinite(lam).all()):
        NON_NEGATIVE.validate("lam", float(lam.min()))
    n = X.shape[2]
    system = gram(X) + lam.reshape(-1, 1, 1).to(X.dtype) * torch.eye(n, dtype=X.dtype, device=X.device)
    rhs = (X.transpose(1, 2) @ teacher[:, :, None]) / n
    return (X @ spd_solve(system, rhs))[:, :, 0]
