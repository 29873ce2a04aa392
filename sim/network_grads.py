"""The hand-written gradients of ``sim.networks``' two models, for one chunk of data sets.

Each object holds a chunk's fixed tensors (inputs, targets, the weights M (K, r, D, h) and V (K, r, h) and M's
momentum buffers, all updated in place by the trainer) and the outputs it writes every epoch, so that no epoch
allocates. A call gives V's gradient (K, r, h) and, when asked, the training loss (K, r); M's gradient is never
formed: ``momentum(j, beta)`` adds it to method j's buffer, buf <- beta buf + grad, as one product.
"""
from __future__ import annotations

import torch

from gentoys.sim.core import openblas


def rowvec(v: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """A v for A (..., n, m) and v (..., m), computed as the row v^T A^T: batched BLAS is several times faster
    with the vector as a row than as a column."""
    return (v[..., None, :] @ A.transpose(-1, -2))[..., 0, :]


class TwoLayerGrads:
    """1/2 ||X M V - y||^2, M's gradient the rank-one g V^T with g = X^T (X M V - y).

    The products are thin and bound by reading M, so they run through ``sim.core.openblas`` (faster than MKL's
    kernels for these shapes on a CPU), planned once: S = M V, the residuals X S - y, g, g_V = M^T g, and per
    method the momentum update. S stays in ``self.S`` (K, r, D) for the recorded epochs' validation loss."""

    def __init__(self, X: torch.Tensor, y: torch.Tensor, M: torch.Tensor, V: torch.Tensor, buf_M: torch.Tensor):
        k, r, d, h = M.shape
        self.y = y
        self.S = M.new_empty(k, r, d)
        self.resid = M.new_empty(r, k, X.shape[1])  # each set's K residuals as rows: one product per set with X
        self.g = M.new_empty(r, k, d)
        self.g_V = M.new_empty(k, r, h)
        g_K = self.g.transpose(0, 1)  # (K, r, D)
        self._products = (
            openblas.product(M, V[..., :, None], self.S[..., :, None]),  # S = M V
            openblas.product(self.S.transpose(0, 1), X.transpose(1, 2), self.resid),  # X S (the target comes next)
        )
        self._backward = (
            openblas.product(self.resid, X, self.g),  # X^T resid, as rows
            openblas.product(g_K[..., None, :], M, self.g_V[..., None, :]),  # M^T g
        )
        self._momentum = [openblas.rank_one_update(buf_M[j], g_K[j], V[j]) for j in range(k)]

    def __call__(self, loss: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        for run in self._products:
            run()
        resid = self.resid.sub_(self.y[:, None, :])
        for run in self._backward:
            run()
        return self.g_V, 0.5 * (resid * resid).sum(-1).T if loss else None

    def momentum(self, j: int, beta: float) -> None:
        """Method j's M buffer <- beta buf + g V^T."""
        self._momentum[j](beta)


class ReluGrads:
    """1/2 ||ReLU(X M) V - y||^2, M's gradient the product X^T dZ. Z = X M, H = ReLU(Z) and dZ (K, r, N, h) are
    written in place every epoch (fresh tensors of this size cost page faults each time); Z is one batched
    product per method (broadcasting X over methods would copy it). These products are not thin: torch's."""

    def __init__(self, X: torch.Tensor, y: torch.Tensor, M: torch.Tensor, V: torch.Tensor, buf_M: torch.Tensor):
        k, r, _, h = M.shape
        self.X, self.y, self.M, self.V, self.buf_M = X, y, M, V, buf_M
        self.Xt = X.transpose(1, 2).contiguous()  # X^T once, not one expanded copy per epoch
        self.Z, self.H, self.dZ = (M.new_empty(k, r, X.shape[1], h) for _ in range(3))

    def __call__(self, loss: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        Z, H, dZ, V = self.Z, self.H, self.dZ, self.V
        for j in range(self.M.shape[0]):
            torch.bmm(self.X, self.M[j], out=Z[j])
        torch.clamp_min(Z, 0.0, out=H)  # ReLU
        resid = rowvec(V, H) - self.y  # (K, r, N)
        g_V = (resid[..., None, :] @ H)[..., 0, :]
        torch.mul(resid[..., :, None], V[..., None, :], out=dZ)
        torch.ops.aten.threshold_backward.grad_input(dZ, Z, 0.0, grad_input=dZ)  # zero where Z <= 0
        return g_V, 0.5 * (resid * resid).sum(-1) if loss else None

    def momentum(self, j: int, beta: float) -> None:
        """Method j's M buffer <- beta buf + X^T dZ_j."""
        self.buf_M[j].baddbmm_(self.Xt, self.dZ[j], beta=beta)
