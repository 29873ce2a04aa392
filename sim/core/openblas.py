"""Thin products on fixed CPU tensors through NumPy's and SciPy's OpenBLAS, planned once, run in place.

Why: the two-layer trainer's products are thin (matrix times vector, a rank-one update, 3 rows times a
400 x 200 matrix) and bound by reading their operands. torch's CPU build sends them to MKL, which on this
project's CPU (an AMD EPYC) runs such shapes well below OpenBLAS: one thread, alone, the 400 x 600
matrix-vector products read M at 48 to 50 GB/s against 74 to 82, the rank-one update beta C + x y^T took 34
against 20 us per matrix, the products with X 16 against 6 to 7 us (docs/performance.md, issue #21 §2).

A plan takes NumPy views of the tensors' storage once and returns a call that redoes the product: the
tensors must keep their storage (updated in place, never rebound) while the plan is used. Python work per
call is kept to one BLAS call per matrix, because building the views each time cost 12 us per call, half
of what the faster kernel saves. Off the CPU, for a tensor that needs autograd, or for a dtype other than
float32 and float64, a plan runs the torch counterpart. Results equal torch's to float rounding, not
bitwise. OpenBLAS's thread count is the process's (``sim.core.device.set_cpu_threads``).
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np
import torch

_GEMM = {torch.float32: "sgemm", torch.float64: "dgemm"}


def _on_blas(*tensors: torch.Tensor) -> bool:
    """Whether NumPy can read and write these tensors in place: CPU, no autograd, one float dtype."""
    first = tensors[0]
    return first.dtype in _GEMM and all(t.device.type == "cpu" and not t.requires_grad and t.dtype == first.dtype
                                        for t in tensors)


def product(A: torch.Tensor, B: torch.Tensor, out: torch.Tensor) -> Callable[[], torch.Tensor]:
    """A call that writes A[b] B[b] into ``out`` for stacks A (..., m, k), B (..., k, n), out (..., m, n), any
    strides. A matrix-vector product is the case n = 1 or m = 1 (NumPy then calls ``?gemv``)."""
    if tuple(out.shape) != tuple(torch.broadcast_shapes(A.shape[:-2], B.shape[:-2])) + (A.shape[-2], B.shape[-1]):
        raise ValueError(f"out has shape {tuple(out.shape)}, not that of A {tuple(A.shape)} times B {tuple(B.shape)}")
    if _on_blas(A, B, out):
        return partial(np.matmul, A.numpy(), B.numpy(), out=out.numpy())
    return lambda: out.copy_(torch.matmul(A, B))


def rank_one_update(C: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> Callable[[float], None]:
    """A call ``update(beta)`` that sets C[b] <- beta C[b] + x[b] y[b]^T in place, for C (B, m, n), x (B, m),
    y (B, n): one ``?gemm`` (k = 1) per matrix on C's column-major view, where torch's ``baddbmm_`` calls MKL."""
    if C.dim() != 3 or tuple(x.shape) != tuple(C.shape[:2]) or tuple(y.shape) != (C.shape[0], C.shape[2]):
        raise ValueError(f"need C (B, m, n), x (B, m), y (B, n); got {tuple(C.shape)}, {tuple(x.shape)}, "
                         f"{tuple(y.shape)}")
    if not (_on_blas(C, x, y) and C.stride(-1) == 1 and C.stride(-2) == C.shape[-1]):
        return lambda beta: C.baddbmm_(x[:, :, None], y[:, None, :], beta=beta)
    from scipy.linalg import blas

    gemm = getattr(blas, _GEMM[C.dtype])
    cs, xs, ys = C.numpy(), x.numpy(), y.numpy()
    # C[b]^T = beta C[b]^T + y[b] x[b]^T, C[b]^T being C[b]'s rows read as a Fortran-ordered matrix, which BLAS
    # overwrites in place (overwrite_c with a Fortran-contiguous c of the right dtype is never copied)
    calls = [(ys[b, :, None], xs[b, None, :], cs[b].T) for b in range(cs.shape[0])]
    if not all(c.flags.f_contiguous and c.flags.aligned for _, _, c in calls):
        return lambda beta: C.baddbmm_(x[:, :, None], y[:, None, :], beta=beta)

    def update(beta: float) -> None:
        for y_b, x_b, c_b in calls:
            gemm(1.0, y_b, x_b, beta=beta, c=c_b, overwrite_c=1)
    return update
