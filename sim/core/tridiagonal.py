"""Eigenvalues of a batch of symmetric matrices through LAPACK's tridiagonal reduction, kept for later.

``torch.linalg.eigvalsh`` reduces each matrix to tridiagonal form and then finds all N eigenvalues. The linear
trainer's tuning needs only the two extremes; the full spectrum is read by some claims, later or never. So the
reduction (``?sytrd``, blocked, through scipy's LAPACK) runs once, the extremes come from bisection on the
tridiagonal matrix (``?stebz``, two eigenvalues, O(N) each), and the full spectrum is computed from the kept
tridiagonal only when asked for (``?sterf``). On the 2-core machine of docs/performance.md, one thread, N = 700
float32: reduction 10.5 ms and both extremes 0.2 ms against 21 ms for ``torch.linalg.eigvalsh``.

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


@dataclass
class Tridiagonal:
    """The tridiagonal forms of a batch of symmetric matrices: same eigenvalues, O(N) numbers per matrix."""

    diagonal: np.ndarray  # (R, N) float64
    off_diagonal: np.ndarray  # (R, N - 1) float64
    dtype: torch.dtype  # of the matrices reduced: the eigenvalues are returned in it
    device: torch.device  # and on their device

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


def tridiagonalize(G: torch.Tensor) -> Tridiagonal:
    """The tridiagonal forms of the symmetric (R, N, N) ``G`` (float32 or float64); ``G`` is not changed.

    Each matrix is reduced on the CPU by LAPACK's blocked ``?sytrd`` (Householder, on a copy) with its optimal
    workspace; G[i]'s transpose is handed over, which is G[i] itself and already in LAPACK's column order."""
    from scipy.linalg import lapack

    if G.dtype not in (torch.float32, torch.float64):
        raise ValueError(f"tridiagonalize runs LAPACK in float32 or float64, got a tensor of {G.dtype}")
    r, n = G.shape[0], G.shape[-1]
    prefix = "s" if G.dtype == torch.float32 else "d"
    sytrd = getattr(lapack, f"{prefix}sytrd")
    lwork = _sytrd_lwork(prefix, n)
    diagonal, off = np.empty((r, n)), np.empty((r, max(n - 1, 0)))
    for i, g in enumerate(G.detach().cpu().numpy()):
        _, d, e, _, info = sytrd(g.T, lower=1, lwork=lwork)
        _check(info, f"{prefix}sytrd")
        diagonal[i], off[i] = d, e
    return Tridiagonal(diagonal, off, G.dtype, G.device)


@lru_cache(maxsize=None)
def _sytrd_lwork(prefix: str, n: int) -> int:
    """LAPACK's optimal workspace for ``?sytrd`` at size n (the blocked reduction needs n x block size)."""
    from scipy.linalg import lapack

    work, info = getattr(lapack, f"{prefix}sytrd_lwork")(n, lower=1)
    _check(info, f"{prefix}sytrd_lwork")
    return max(1, int(work))


def _check(info: int, routine: str) -> None:
    if info != 0:
        raise ValueError(f"LAPACK {routine} failed (info={info}): the matrix is not finite or the routine did not "
                         f"converge")
