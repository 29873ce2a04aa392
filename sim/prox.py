"""The L1 proximal step as a composable piece for any torch optimizer.

``prox_lasso(x, l1reg, scaling)`` is the proximal operator of
``l1reg * scaling * ||.||_1`` (jaxopt.prox's signature): the soft threshold
that ``theory.prox`` derives, sign(x) max(|x| - t, 0). It is the one soft
threshold of every simulation (linear, networks, baseline, L1Prox), evaluated
in at most two passes and optionally into ``out``: torch's softshrink for a
scalar threshold, x - clamp(x, -t, t) for a tensor of thresholds; both give
the derived expression's numbers exactly (the tests compare them with
torch.equal), since x - t and -(|x| - t) round alike. ``L1Prox`` wraps any
``torch.optim.Optimizer`` and applies the operator after each of its steps,
in the manner of optax's chained transformations.

How much to threshold is the ``scaling`` rule:

* ``"lr"`` - threshold lr * l1reg after the step, the plain proximal-gradient
  rule. With plain SGD its fixed points are exactly the lasso solutions.
* ``"momentum"`` - lr * l1reg / (1 - momentum): heavy ball's fixed point has
  velocity grad / (1 - momentum), so the plain rule would solve the lasso with
  l1reg * (1 - momentum) instead.
* ``"adam"`` - per coordinate lr * l1reg / (sqrt(v_hat) + eps), Adam's own
  step size for that coordinate, which makes the fixed points lasso solutions.
"""
from __future__ import annotations

import torch

from gentoys.sim.core.device import DivergedError
from gentoys.theory.core.domain import NON_NEGATIVE
from gentoys.theory.prox import soft_threshold

SCALINGS = ("lr", "momentum", "adam")


def prox_lasso(x: torch.Tensor, l1reg: float | torch.Tensor, scaling: float | torch.Tensor = 1.0, *,
               out: torch.Tensor | None = None) -> torch.Tensor:
    """prox of ``l1reg * scaling * ||.||_1`` at ``x``: sign(x) max(|x| - l1reg scaling, 0), into ``out`` if
    given (``out`` may be ``x`` itself only for a scalar threshold)."""
    t = l1reg * scaling
    if isinstance(t, torch.Tensor) and t.numel() > 1:
        clamped = torch.clamp(x, min=-t, max=t)
        return torch.sub(x, clamped, out=out) if out is not None else x - clamped
    t = float(t)
    if out is None:
        return torch.nn.functional.softshrink(x, t) if t > 0 else x.clone()
    return torch.ops.aten.softshrink.out(x, t, out=out) if t > 0 else out.copy_(x)


def soft_threshold_reference(x: torch.Tensor, threshold: float | torch.Tensor) -> torch.Tensor:
    """The derived expression itself (``theory.prox.soft_threshold``), lambdified: what ``prox_lasso`` equals."""
    return soft_threshold.torch(x, threshold)


class L1Prox:
    """Wrap ``optimizer`` so that every step ends with the L1 proximal step.

    >>> opt = L1Prox(torch.optim.SGD(params, lr=0.1, momentum=0.9), l1reg=1e-3, scaling="momentum")
    >>> loss.backward(); opt.step(); opt.zero_grad()

    ``l1reg`` can also be set per parameter group (key ``"l1reg"``).
    """

    def __init__(self, optimizer: torch.optim.Optimizer, l1reg: float, scaling: str = "lr"):
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise ValueError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
        NON_NEGATIVE.validate("l1reg", l1reg)
        if scaling not in SCALINGS:
            raise ValueError(f"scaling={scaling!r} is not one of {SCALINGS}")
        if scaling == "adam" and not isinstance(optimizer, (torch.optim.Adam, torch.optim.AdamW)):
            raise ValueError("scaling='adam' needs a torch.optim.Adam or AdamW optimizer")
        self.optimizer = optimizer
        self.scaling = scaling
        self.steps_taken = 0
        for group in optimizer.param_groups:
            group.setdefault("l1reg", float(l1reg))

    @property
    def param_groups(self) -> list[dict]:
        return self.optimizer.param_groups

    @property
    def state(self):
        return self.optimizer.state

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none=set_to_none)

    def state_dict(self) -> dict:
        return self.optimizer.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.optimizer.load_state_dict(state)

    @torch.no_grad()
    def step(self, closure=None):
        loss = self.optimizer.step(closure)
        self.steps_taken += 1
        finite = []
        for group in self.param_groups:
            for p in group["params"]:
                p.copy_(prox_lasso(p, group["l1reg"], self._scale(group, p)))
                finite.append(torch.isfinite(p).all())
        if finite and not bool(torch.stack(finite).all()):  # one sync per step, not one per parameter
            lrs = sorted({float(g["lr"]) for g in self.param_groups})
            raise DivergedError(f"method {type(self.optimizer).__name__} + L1 prox diverged at epoch "
                                f"{self.steps_taken} (step size lr={', '.join(f'{v:g}' for v in lrs)})")
        return loss

    def _scale(self, group: dict, p: torch.Tensor) -> float | torch.Tensor:
        lr = group["lr"]
        if self.scaling == "lr":
            return lr
        if self.scaling == "momentum":
            return lr / (1.0 - group.get("momentum", 0.0))
        state = self.optimizer.state[p]
        step = float(state["step"])
        beta2 = group["betas"][1]
        v_hat = state["exp_avg_sq"] / (1 - beta2**step)
        return lr / (v_hat.sqrt() + group["eps"])


def with_l1_prox(optimizer: torch.optim.Optimizer, l1reg: float, scaling: str = "lr") -> L1Prox:
    """Functional spelling of :class:`L1Prox`."""
    return L1Prox(optimizer, l1reg, scaling)
