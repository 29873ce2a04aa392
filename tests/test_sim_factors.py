"""sim.factors: the closed-form objectives and gradients the factor trainers step with, against autograd."""
from __future__ import annotations

import pytest
import torch

from gentoys.sim.factors import factor_loss_and_grad, pair_loss_and_grad
from strategies import one_torch_thread  # noqa: F401  (module-wide single torch thread)


def _draw(*shape, seed):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("lam", [0.0, 0.3])
def test_factor_gradient_is_autograd_s(lam):
    """1/2 ||A B^T - Y||^2 + lam/2 (||A||^2 + ||B||^2): value per seed and gradient as autograd finds them."""
    A, B, Y = _draw(3, 5, 4, seed=1), _draw(3, 5, 4, seed=2), _draw(3, 5, 5, seed=3)
    loss, (gA, gB) = factor_loss_and_grad(A, B, Y, lam)
    a, b = A.clone().requires_grad_(), B.clone().requires_grad_()
    R = a @ b.transpose(1, 2) - Y
    per_seed = 0.5 * (R**2).sum((1, 2)) + lam / 2 * ((a**2).sum((1, 2)) + (b**2).sum((1, 2)))
    per_seed.sum().backward()
    torch.testing.assert_close(loss, per_seed.detach(), rtol=1e-13, atol=1e-13)
    torch.testing.assert_close(gA, a.grad, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gB, b.grad, rtol=1e-12, atol=1e-12)


def test_pair_gradient_is_autograd_s():
    """||Y - v1 u1^T - v2 u2^T||^2 + lam/2 ||P||^2: value per seed and gradient as autograd finds them, for each
    of the four vectors (a swapped u/v or a missing factor 2 would differ by O(1))."""
    P, lam = _draw(4, 4, 6, seed=4), 0.2
    Y = torch.outer(_draw(6, seed=5), _draw(6, seed=6))
    loss, (grad,) = pair_loss_and_grad(P, Y, lam)
    p = P.clone().requires_grad_()
    v1, u1, v2, u2 = p.unbind(1)
    M = v1[:, :, None] * u1[:, None, :] + v2[:, :, None] * u2[:, None, :]
    per_seed = ((Y - M) ** 2).sum((1, 2)) + lam / 2 * (p**2).sum((1, 2))
    per_seed.sum().backward()
    torch.testing.assert_close(loss, per_seed.detach(), rtol=1e-13, atol=1e-13)
    torch.testing.assert_close(grad, p.grad, rtol=1e-12, atol=1e-12)
