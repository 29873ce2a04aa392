"""Eigenvalues of a batch of symmetric matrices through LAPACK's tridiagonal reduction, kept for later.

``torch.linalg.eigvalsh`` reduces each matrix to tridiagonal form and then finds all N eigenvalues. The linear
trainer's tuning needs only the two extremes; the full spectrum is read by some claims, later or never. So the
reduction (``?sytrd``, blocked, through scipy's LAPACK) runs once, the extremes come from bisection on the
tridiagonal matrix (``?stebz``, two eigenvalues, O(N) each), and the full spectrum is computed from the kept
tridiagonal only when asked for (``?sterf``). On the 2-core machine of docs/performance.md, one thread, N = 700
float32: reduction 10.5 ms and both extremes 0.2 ms against 21 ms for ``torch.linalg.eigvalsh``.

With ``keep_basis`` the reduction runs in the matrices' own memory and keeps its Householder vectors, so that
vectors can be carried to and from the basis in which each matrix is tridiagonal (``to_basis``,
``from_basis``: LAPACK's ``?ormqr``, as ``?ormtr`` applies them): there, a product with the matrix costs O(N).

The tridiagonal's eigenvalues are found in float64 whatever the matrix's dtype (bisection to full accuracy, and
``dsterf``), so a float32 run's extremes and spectrum carry only the reduction's rounding, and agree with each
other. The reduction runs on the CPU (scipy's LAPACK works on NumPy arrays); the results return to G's device.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

#: bisection's absolute tolerance: LAPACK's "most accurate" setting (twice the smallest normal float64)
_TIGHT = 2 * np.finfo(np.float64).tiny

#: the triangle ``?sytrd`` reduces, per dtype (LAPACK's ``lower`` flag, of the column-major view): measured on the
#: machine of docs/performance.md, one thread, N = 700, OpenBLAS's float32 reduction takes 8.9 ms from the upper
#: triangle against 10.5 ms from the lower (its ``ssymv`` kernels differ), its float64 one 14.9 ms from the lower
#: against 15.8 ms from the upper
LAPACK_LOWER = {torch.float32: False, torch.float64: True}


@dataclass
class Tridiagonal:
    """The tridiagonal forms of a batch of symmetric matrices: same eigenvalues, O(N) numbers per matrix."""

    diagonal: np.ndarray  # (R, N) float64
    off_diagonal: np.ndarray  # (R, N - 1) float64
    dtype: torch.dtype  # of the matrices reduced: the eigenvalues are returned in it
    device: torch.device  # and on their device
    #: with ``keep_basis``: (R, N, N) the reduced matrices' memory, holding LAPACK's Householder vectors (lower
    #: triangle of each matrix's column-major view), and (R, N - 1) their scalars: G = Q T Q^T
    reflectors: np.ndarray | None = None
    tau: np.ndarray | None = None
    #: the forms are those of the matrices with their coordinates in reverse order, P G P = Q T Q^T (an upper
    #: triangle's reduction, stored as the lower one's: ``_as_lower``); the basis maps account for P
    reversed: bool = False

    def part(self, index: slice) -> "Tridiagonal":
        """The same for the matrices ``index`` selects."""
        pick = lambda a: None if a is None else a[index]  # noqa: E731
        return Tridiagonal(self.diagonal[index], self.off_diagonal[index], self.dtype, self.device,
                           pick(self.reflectors), pick(self.tau), self.reversed)

    def to_basis(self, v: torch.Tensor) -> torch.Tensor:
        """Q^T v (Q^T P v when ``reversed``) for the rows of ``v`` (R, k, N): their coordinates in the basis where
        G is tridiagonal."""
        return self._apply(v.flip(-1) if self.reversed else v, "T")

    def from_basis(self, v: torch.Tensor) -> torch.Tensor:
        """Q v (P Q v when ``reversed``) for the rows of ``v`` (R, k, N): back from the tridiagonal basis."""
        out = self._apply(v, "N")
        return out.flip(-1) if self.reversed else out

    def _apply(self, v: torch.Tensor, trans: str) -> torch.Tensor:
        from scipy.linalg import lapack

        if self.reflectors is None:
            raise ValueError("this reduction did not keep its basis: use tridiagonalize(G, keep_basis=True)")
        prefix = "s" if self.reflectors.dtype == np.float32 else "d"
        out = v.detach().to("cpu", _TORCH[prefix]).contiguous().numpy().copy()  # (R, k, N)
        n, k = out.shape[-1], out.shape[-2]
        if n > 1:  # H(i) acts on coordinates i + 1.. (LAPACK's ?ormtr, lower: ?ormqr one row down)
            ormqr = getattr(lapack, f"{prefix}ormqr")
            lwork = _ormqr_lwork(prefix, n, k, trans)
            for i in range(len(out)):
                c = out[i].T  # (N, k), column-major: LAPACK's layout
                cq, _, info = ormqr("L", trans, self.reflectors[i].T[1:, :-1], self.tau[i], c[1:], lwork)
                _check(info, f"{prefix}ormqr")
                c[1:] = cq
        return torch.from_numpy(out).to(v.device, v.dtype)

    def extreme(self, which: str) -> torch.Tensor:
        """(R,) the smallest (``which="min"``) or largest (``"max"``) eigenvalue, by bisection."""
        from scipy.linalg import lapack

        n = self.diagonal.shape[1]
        index = {"min": 1, "max": n}[which]
        if n == 1:  # LAPACK's wrappers want an off-diagonal of length n - 1 >= 1
            return self._as_tensor(self.diagonal[:, 0])
        out = np.empty(len(self.diagonal))
        for i, (d, e) in enumerate(zip(self.diagonal, self.off_diagonal)):
            m, w, _, _, info = lapack.dstebz(d, e, 3, 0.0, 0.0, index, index, _TIGHT, "E")
            _check(info, "dstebz")
            out[i] = w[0]
        return self._as_tensor(out)

    def eigenvalues(self) -> torch.Tensor:
        """(R, N) every eigenvalue, ascending."""
        from scipy.linalg import lapack

        if self.diagonal.shape[1] == 1:
            return self._as_tensor(self.diagonal)
        out = np.empty_like(self.diagonal)
        for i, (d, e) in enumerate(zip(self.diagonal, self.off_diagonal)):
            out[i], info = lapack.dsterf(d, e)
            _check(info, "dsterf")
        return self._as_tensor(out)

    def _as_tensor(self, values: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(values)).to(self.device, self.dtype)


def tridiagonalize(G: torch.Tensor, keep_basis: bool = False) -> Tridiagonal:
    """The tridiagonal forms of the symmetric (R, N, N) ``G`` (float32 or float64).

    Each matrix is reduced on the CPU by LAPACK's blocked ``?sytrd`` (Householder) with its optimal workspace,
    from the triangle ``LAPACK_LOWER`` names for the dtype (the only one read: ``gram_triangle`` fills it);
    G[i]'s transpose is handed over, which is G[i] itself and already in LAPACK's column order. ``G`` is not
    changed, unless ``keep_basis``: then a contiguous CPU ``G`` is reduced in place (a copy otherwise) and holds
    the Householder vectors afterwards (``Tridiagonal.reflectors``)."""
    from scipy.linalg import lapack

    if G.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"tridiagonalize runs LAPACK in float32 or float64, got a tensor of {G.dtype}")
    r, n = G.shape[0], G.shape[-1]
    prefix = "s" if G.dtype == torch.float32 else "d"
    lower = LAPACK_LOWER[G.dtype]
    sytrd = getattr(lapack, f"{prefix}sytrd")
    lwork = _sytrd_lwork(prefix, n)
    diagonal, off = np.empty((r, n)), np.empty((r, max(n - 1, 0)))
    matrices = G.detach().cpu()
    if keep_basis and not matrices.is_contiguous():
        matrices = matrices.contiguous()
    matrices = matrices.numpy()
    tau = np.empty((r, max(n - 1, 0)), dtype=matrices.dtype) if keep_basis else None
    for i, g in enumerate(matrices):
        reduced, d, e, t, info = sytrd(g.T, lower=int(lower), lwork=lwork, overwrite_a=int(keep_basis))
        _check(info, f"{prefix}sytrd")
        diagonal[i], off[i] = (d, e) if lower else (d[::-1], e[::-1])
        if keep_basis:
            if not np.shares_memory(reduced, g):  # f2py worked on a copy: keep its result
                g.T[...] = reduced
            tau[i] = t if lower else _as_lower(g.T, t)
    return Tridiagonal(diagonal, off, G.dtype, G.device, matrices if keep_basis else None, tau, not lower)


def _as_lower(a: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """Rewrite an upper reduction's reflectors (column-major ``a``) as the lower reduction's of the reversed
    matrix, in place; return that reduction's scalars.

    The upper reduction stores H(i) (v(i) = 1, zeros below, v(1:i-1) in a(1:i-1, i+1)) with Q = H(n-1)..H(1),
    which is ``?ormql``'s layout in a(1:n-1, 2:n). Reversing that block's rows and columns gives ``?ormqr``'s
    layout (ones on the diagonal, vectors below) of P Q P, P the reversal: so P G P = (P Q P) (P T P) (P Q P)^T
    is the lower reduction of the reversed matrix, whose reflectors ``?ormqr`` applies as before.

    In a's memory (column-major, n x n) the reversal is one of the flat array: position 1 + q of the lower block
    takes position n^2 - 2 - q of the upper one. Positions outside the blocks
    get stale numbers that no reader looks at; one 1-D flip copies at plain-copy speed (0.05 ms at N = 700,
    against 0.8 ms for a 2-D reversed copy)."""
    n = a.shape[0]
    if n > 1:
        flat = torch.from_numpy(a.T.reshape(-1))  # a is the transposed view of a C-order matrix: no copy
        flat[1:].copy_(flat[:-1].flip(0))
    return tau[::-1]


@lru_cache(maxsize=None)
def _sytrd_lwork(prefix: str, n: int) -> int:
    """LAPACK's optimal workspace for ``?sytrd`` at size n (the blocked reduction needs n x block size)."""
    from scipy.linalg import lapack

    work, info = getattr(lapack, f"{prefix}sytrd_lwork")(n, lower=1)
    _check(info, f"{prefix}sytrd_lwork")
    return max(1, int(work))


#: up to this many vectors, ``?ormqr`` gets the smallest workspace, which makes it apply the reflectors one at a
#: time: measured one thread, N = 700 float32, 0.19 against 0.36 ms for 2 vectors and 0.23 against 0.38 ms for 4
#: (the blocked way first forms a triangular factor per block of reflectors, more work than the few vectors)
UNBLOCKED_MAX_VECTORS = 8


@lru_cache(maxsize=None)
def _ormqr_lwork(prefix: str, n: int, k: int, trans: str) -> int:
    """The workspace for ``?ormqr`` applying n - 1 reflectors of length n - 1 to k columns: LAPACK's optimal one
    (blocked), or for at most ``UNBLOCKED_MAX_VECTORS`` columns the smallest (one reflector at a time)."""
    from scipy.linalg import lapack

    if k <= UNBLOCKED_MAX_VECTORS:
        return max(1, k)

    dt = np.float32 if prefix == "s" else np.float64
    a, tau, c = np.zeros((n - 1, n - 1), dt, order="F"), np.zeros(n - 1, dt), np.zeros((n - 1, k), dt, order="F")
    _, work, info = getattr(lapack, f"{prefix}ormqr")("L", trans, a, tau, c, -1)
    _check(info, f"{prefix}ormqr (workspace query)")
    return max(1, int(work[0]))


_TORCH = {"s": torch.float32, "d": torch.float64}


def _check(info: int, routine: str) -> None:
    if info != 0:
        raise ValueError(f"LAPACK {routine} failed (info={info}): the matrix is not finite or the routine did not "
                         f"converge")
