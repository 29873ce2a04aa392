"""Extreme eigenvalues of many Gram matrices G = X^T X / N at once, without a full eigensolve.

The tuning of the linear experiment needs only the smallest and the largest non-zero eigenvalue of each
data set's Sigma_tr = X X^T / N, which are those of the N x N matrix G when N < D. A full batched
eigensolve (``eigvalsh``: a Householder tridiagonalization, half of it matrix-vector work) is the slowest
step of the setup. Here the largest eigenvalue comes from Lanczos on G and the smallest from Lanczos on
G^{-1} (through one Cholesky factorization, a third of the flops of the tridiagonalization and all of them
matrix-matrix), where it is the largest and well separated. Each Lanczos run is fully re-orthogonalized
and stops once every set's top Ritz value has a residual norm below ``rtol`` times its size; for a
symmetric matrix that residual bounds the Ritz value's distance to an eigenvalue, so ``rtol`` is a stated
relative accuracy (the tests hold the result against ``torch.linalg.eigvalsh``). The arithmetic is float64
whatever X's dtype and the start vector is fixed: deterministic, and no random numbers are consumed.
"""
from __future__ import annotations

from typing import Callable

import torch

from gentoys.theory.core.domain import POSITIVE, validate_int


class NotConverged(RuntimeError):
    """Lanczos reached its iteration cap before the requested accuracy."""


def gram_extremes(X: torch.Tensor, rtol: float = 1e-10, max_iter: int = 300,
                  G: torch.Tensor | None = None) -> torch.Tensor | None:
    """(R, 2) smallest and largest eigenvalue of X^T X / N for X of shape (R, D, N), in float64; ``G``: that
    Gram matrix when the caller has already formed it (in X's precision).

    Returns None when some G is not positive definite to working precision (its Cholesky factorization
    fails): then the smallest non-zero eigenvalue needs the full spectrum.
    """
    if X.ndim != 3:
        raise ValueError(f"X has shape {tuple(X.shape)}, expected (R, D, N)")
    if G is None:
        G = X.transpose(1, 2) @ X / X.shape[2]
    elif tuple(G.shape) != (X.shape[0], X.shape[2], X.shape[2]):
        raise ValueError(f"G has shape {tuple(G.shape)}, expected (R, N, N) = {(X.shape[0], X.shape[2], X.shape[2])}")
    G = G.to(torch.float64)  # X's precision, like eigvalsh of G would use
    L, info = torch.linalg.cholesky_ex(G)
    if bool((info != 0).any()):
        return None
    hi = top_eigenvalue(lambda v: _rowmat(v, G), G.shape[0], G.shape[1], G.dtype, G.device, rtol, max_iter)
    inv = top_eigenvalue(lambda v: torch.cholesky_solve(v[..., None], L)[..., 0], G.shape[0], G.shape[1], G.dtype,
                         G.device, rtol, max_iter)
    return torch.stack([1.0 / inv, hi], dim=1)


def _rowmat(v: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """v^T A for rows v (R, n) and symmetric A (R, n, n), which is A v."""
    return torch.bmm(v[:, None, :], A)[:, 0, :]


def top_eigenvalue(apply: Callable[[torch.Tensor], torch.Tensor], r: int, n: int, dtype: torch.dtype,
                   device: torch.device, rtol: float = 1e-10, max_iter: int = 300, check_every: int = 4) -> torch.Tensor:
    """(R,) largest eigenvalue of R symmetric positive operators ``apply`` ((R, n) -> (R, n)), by Lanczos."""
    POSITIVE.validate("rtol", rtol)
    cap = min(validate_int("max_iter", max_iter), n)
    basis = torch.zeros(r, cap + 1, n, dtype=dtype, device=device)
    basis[:, 0] = 1.0 / n**0.5  # a fixed start: the matrices are random, so it meets every eigenvector
    alpha = torch.zeros(r, cap, dtype=dtype, device=device)
    beta = torch.zeros(r, cap, dtype=dtype, device=device)
    for j in range(cap):
        v = basis[:, j]
        w = apply(v)
        alpha[:, j] = (w * v).sum(-1)
        q = basis[:, : j + 1]
        for _ in range(2):  # classical Gram-Schmidt, twice: full re-orthogonalization
            w = w - torch.bmm(torch.bmm(w[:, None, :], q.transpose(1, 2)), q)[:, 0, :]
        beta[:, j] = w.norm(dim=-1)
        last = j + 1 == cap
        if last or (j + 1) % check_every == 0:
            theta, resid = _top_ritz(alpha[:, : j + 1], beta[:, : j + 1])
            if bool((resid <= rtol * theta).all()):
                return theta
            if last:
                raise NotConverged(f"Lanczos stopped at max_iter={cap} with relative residual "
                                   f"{float((resid / theta).max()):.2e} > rtol={rtol:g}")
        basis[:, j + 1] = w / beta[:, j, None]
    raise AssertionError("unreachable")


def _top_ritz(alpha: torch.Tensor, beta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Largest Ritz value (R,) of the tridiagonal (alpha, beta[:-1]) and its residual norm."""
    T = torch.diag_embed(alpha)
    if alpha.shape[1] > 1:
        off = torch.diag_embed(beta[:, :-1], offset=1)
        T = T + off + off.transpose(1, 2)
    theta, vecs = torch.linalg.eigh(T)
    return theta[:, -1], beta[:, -1].abs() * vecs[:, -1, -1].abs()
