"""Batched training of factorized matrices with weight decay.

Fits A B^T to targets Y (a batch of them, one per seed) by minimizing
1/2 ||A B^T - Y||_F^2 + (lam/2)(||A||_F^2 + ||B||_F^2) with plain GD or
Adam (coupled weight decay, added to the gradient), all seeds in one tensor.
Also the seed's two-pair model: ||V U^T - v1 u1^T - v2 u2^T||_F^2 plus
(lam/2) times the four squared norms.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from gentoys.sim.core.device import DivergedError, generator, resolve_device
from gentoys.theory.core.domain import POSITIVE, REAL, validate_int

METHODS = ("gd", "adam")
#: steps between two finiteness checks of the objective (each check is a device sync)
CHECK_EVERY = 50


@dataclass
class FactorRun:
    product: torch.Tensor  # (B, D, D): A B^T at the end
    loss: torch.Tensor  # (steps + 1, B): the objective per seed
    factors: tuple[torch.Tensor, ...]


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"method={method!r} is not 'gd' or 'adam'")
    return method


def _optimizer(params, method: str, lr: float):
    if _check_method(method) == "gd":
        return torch.optim.SGD(params, lr=lr)
    return torch.optim.Adam(params, lr=lr)


def _check_common(method: str, lam: float, lr: float, steps: int, seed: int, init_scale: float) -> int:
    _check_method(method)
    POSITIVE.validate("lam", lam)
    POSITIVE.validate("lr", lr)
    validate_int("seed", seed, minimum=0)
    POSITIVE.validate("init_scale", init_scale)
    return validate_int("steps", steps)


def _finite_tensor(name: str, value, ndim: int) -> torch.Tensor:
    """A real tensor with ``ndim`` dimensions and finite entries, or ValueError naming ``name``."""
    if not torch.is_tensor(value) or value.ndim != ndim or value.is_complex():
        shape = tuple(value.shape) if torch.is_tensor(value) else type(value).__name__
        raise ValueError(f"{name} must be a real {ndim}-d tensor, got {shape}")
    REAL.validate(name, value.detach().cpu().double().numpy())
    return value


def _diverged(history: list[torch.Tensor], method: str, lr: float) -> DivergedError:
    step = int((~torch.isfinite(torch.stack(history))).any(dim=1).nonzero()[0])
    return DivergedError(f"method {method!r} diverged at epoch {step} (step size lr={lr:g})")


def _fit(loss_and_grad, params, method: str, lr: float, steps: int) -> torch.Tensor:
    """``steps`` optimizer steps on ``params``; ``loss_and_grad()`` gives the per-seed objective and its gradient
    in each parameter (closed form: the models are small, so an autograd graph per step would cost more than
    the arithmetic). Returns the objective per step and seed, (steps + 1, B)."""
    opt = _optimizer(params, method, lr)
    history = []
    for step in range(steps):
        per_seed, grads = loss_and_grad()
        history.append(per_seed)
        if (step + 1) % CHECK_EVERY == 0 and not torch.isfinite(per_seed).all():
            raise _diverged(history, method, lr)
        for p, g in zip(params, grads):  # seeds are independent: each seed's gradient is its own objective's
            p.grad = g
        opt.step()
    history.append(loss_and_grad()[0])
    loss = torch.stack(history)
    if not torch.isfinite(loss).all():
        raise _diverged(history, method, lr)
    return loss


def factor_loss_and_grad(A: torch.Tensor, B: torch.Tensor, Y: torch.Tensor, lam: float):
    """Per seed 1/2 ||A B^T - Y||_F^2 + (lam/2)(||A||_F^2 + ||B||_F^2), and its gradient (R B + lam A,
    R^T A + lam B with R = A B^T - Y)."""
    R = A @ B.transpose(1, 2) - Y
    loss = 0.5 * (R**2).sum((1, 2)) + lam / 2 * ((A**2).sum((1, 2)) + (B**2).sum((1, 2)))
    return loss, (torch.baddbmm(A, R, B, beta=lam), torch.baddbmm(B, R.transpose(1, 2), A, beta=lam))


def pair_loss_and_grad(P: torch.Tensor, Y: torch.Tensor, lam: float):
    """Per seed ||Y - v1 u1^T - v2 u2^T||_F^2 + (lam/2)||P||^2 (P = (v1, u1, v2, u2) stacked, (B, 4, D)), and
    its gradient: with E = v1 u1^T + v2 u2^T - Y, 2 E u_i + lam v_i for v_i and 2 E^T v_i + lam u_i for u_i."""
    v1, u1, v2, u2 = P.unbind(1)
    E = v1[:, :, None] * u1[:, None, :] + v2[:, :, None] * u2[:, None, :] - Y
    loss = (E**2).sum((1, 2)) + lam / 2 * (P**2).sum((1, 2))
    Eu = E @ torch.stack([u1, u2], 2)  # (B, D, 2): E u1, E u2
    Etv = E.transpose(1, 2) @ torch.stack([v1, v2], 2)  # (B, D, 2): E^T v1, E^T v2
    grad = torch.stack([Eu[..., 0], Etv[..., 0], Eu[..., 1], Etv[..., 1]], 1)
    return loss, (2 * grad + lam * P,)


def train_factors(targets: torch.Tensor, dk: int, lam: float, method: str = "gd", lr: float = 0.05,
                  steps: int = 4000, seed: int = 0, init_scale: float = 0.1, device: str = "cpu") -> FactorRun:
    """Fit A B^T (A, B of shape (B, D, dk)) to ``targets`` of shape (B, D, D)."""
    validate_int("dk", dk)
    _check_common(method, lam, lr, steps, seed, init_scale)
    _finite_tensor("targets", targets, 3)
    if targets.shape[1] != targets.shape[2]:
        raise ValueError(f"targets must be a batch of square matrices (B, D, D), got {tuple(targets.shape)}")
    dev = resolve_device(device)
    Y = targets.to(dev, torch.float64)
    gen = generator(seed, dev)
    b, d, _ = Y.shape
    A = init_scale * torch.randn(b, d, dk, generator=gen, device=dev, dtype=torch.float64)
    B = init_scale * torch.randn(b, d, dk, generator=gen, device=dev, dtype=torch.float64)
    loss = _fit(lambda: factor_loss_and_grad(A, B, Y, lam), [A, B], method, lr, steps)
    return FactorRun(A @ B.transpose(1, 2), loss, (A, B))


def train_two_pairs(V: torch.Tensor, U: torch.Tensor, n_seeds: int, lam: float, method: str = "gd",
                    lr: float = 0.02, steps: int = 6000, seed: int = 0, init_scale: float = 0.5) -> FactorRun:
    """The seed's model: fit V U^T (vectors in R^D) with v1 u1^T + v2 u2^T from ``n_seeds`` random starts."""
    validate_int("n_seeds", n_seeds)
    _check_common(method, lam, lr, steps, seed, init_scale)
    _finite_tensor("V", V, 1)
    _finite_tensor("U", U, 1)
    if V.shape != U.shape:
        raise ValueError(f"V and U must have the same length, got {V.shape[0]} and {U.shape[0]}")
    gen = generator(seed, torch.device("cpu"))
    d = V.shape[0]
    P = init_scale * torch.randn(n_seeds, 4, d, generator=gen, dtype=torch.float64)
    Y = torch.outer(V, U).to(torch.float64)
    loss = _fit(lambda: pair_loss_and_grad(P, Y, lam), [P], method, lr, steps)
    v1, u1, v2, u2 = P.unbind(1)
    product = v1[:, :, None] * u1[:, None, :] + v2[:, :, None] * u2[:, None, :]
    return FactorRun(product, loss, (v1, u1, v2, u2))
