"""The L1 proximal step as a composable piece for any torch optimizer.

``prox_lasso(x, l1reg, scaling)`` is the proximal operator of
``l1reg * scaling * ||.||_1`` (jaxopt.prox's signature): the soft threshold
that ``theory.prox`` derives, sign(x) max(|x| - t, 0). It is the one soft
threshold of every simulation (linear, networks, baseline, L1Prox), evaluated
in at most two passes and optionally into ``out``: torch's softshrink for a
scalar threshold, x - clamp(x, -t, t) for a tensor of thresholds; both give
the derived expression's numbers exactly (the tests compare them with
torch.equal), since x - t and -(|x| - t) round alike. ``L1Prox`` is a
``torch.optim.Optimizer`` that wraps another one and applies the operator after
each of its steps (optax-style chaining): it shares the inner optimizer's
``param_groups`` and ``state``, so LR schedulers, ``add_param_group``,
``state_dict`` round trips and ``torch.compile`` see one optimizer.

Which threshold makes the fixed points lasso solutions (the derivation)
-----------------------------------------------------------------------
Let the inner step be ``w <- w - u`` and the prox threshold ``t`` (per
coordinate). A fixed point ``w = prox_t(w - u)`` means ``-u in t * d|w|``
(subdifferential of the absolute value). The lasso's optimality condition is
``-g in l1reg * d|w|`` with ``g`` the gradient. At a fixed point the gradient
and the optimizer's state are stationary, so ``u = s * g`` with ``s`` a
positive step per unit gradient (a scalar or a diagonal); then both conditions
coincide exactly when ``t = l1reg * s``. So the threshold must be the inner
optimizer's *stationary* step per unit gradient:

* plain SGD: ``u = lr g``, ``s = lr`` (rule ``"lr"``).
* SGD with momentum ``mu`` and dampening ``d``: the buffer ``b = mu b + (1 - d) g``
  is stationary at ``(1 - d) g / (1 - mu)``, ``s = lr (1 - d) / (1 - mu)``
  (rule ``"momentum"``; ``mu = 0`` gives ``lr``). Nesterov (which torch allows
  only with ``d = 0``) steps along ``g + mu b = g / (1 - mu)``: the same ``s``.
* Adam: ``m_hat -> g``, ``u = lr m_hat / (sqrt(v_hat) + eps)``, so
  ``s = lr / (sqrt(v_hat) + eps)`` per coordinate (rule ``"adam"``); with
  ``amsgrad`` the denominator uses the running maximum ``max_exp_avg_sq``,
  which the rule then reads instead. Any positive diagonal works, so this is
  exact at a fixed point, not an approximation.
* ``maximize=True`` flips ``u`` to ``-s g``: the fixed point then maximizes
  ``f - l1reg ||w||_1`` (the lasso of ``-f``), for every rule.

Not covered, refused with :class:`UncoveredOptionError` (``strict=True``):
``weight_decay != 0`` (SGD, Adam: ``g + wd w``; AdamW: a decoupled
``lr wd w``) adds a term proportional to ``w``, not to ``g``, so no threshold
rescaling helps: the fixed point is an elastic net, not the lasso.
``dampening >= 1`` with momentum makes the buffer stop following the gradient.
Rule ``"lr"`` with momentum, and any optimizer class other than SGD, Adam and
AdamW (RMSprop, Adagrad, ...), are refused as well; ``scaling="auto"`` picks
the covered rule from the optimizer. ``strict=False`` applies the named rule
anyway (to measure the mismatch, as the ``prox_any_optimizer`` claim does).
"""
from __future__ import annotations

import torch

from gentoys.sim.core.device import DivergedError
from gentoys.theory.core.domain import MOMENTUM, NON_NEGATIVE, Domain, ParameterTypeError, shown
from gentoys.theory.prox import soft_threshold

SCALINGS = ("lr", "momentum", "adam", "auto")


class UncoveredOptionError(ValueError):
    """An inner-optimizer option whose fixed point the threshold rule does not make a lasso solution."""

    def __init__(self, optimizer: str, option: str, value, scaling: str, reason: str):
        self.optimizer, self.option, self.value, self.scaling = optimizer, option, value, scaling
        super().__init__(f"{option}={value!r} of {optimizer} is not covered by scaling={scaling!r}: {reason} "
                         "(strict=False applies the rule anyway)")


def prox_lasso(x: torch.Tensor, l1reg: float | torch.Tensor, scaling: float | torch.Tensor = 1.0, *,
               out: torch.Tensor | None = None, check: bool = True) -> torch.Tensor:
    """prox of ``l1reg * scaling * ||.||_1`` at ``x``: sign(x) max(|x| - l1reg scaling, 0), into ``out`` if
    given (``out`` may be ``x`` itself only for a scalar threshold).

    ``x`` is a real floating-point tensor; the threshold ``l1reg * scaling`` (numbers or tensors) must be
    non-negative, NaN-free and real: otherwise a ValueError / TypeError names the parameter. ``check=False``
    skips the threshold's checks (one device sync for a tensor threshold) in loops that validated it once.
    A threshold above the largest finite value of ``x``'s dtype acts as that value (the answer is the same:
    every finite entry goes to 0)."""
    if not isinstance(x, torch.Tensor) or not x.dtype.is_floating_point:
        what = f"a tensor of {x.dtype}" if isinstance(x, torch.Tensor) else shown(x)
        raise ParameterTypeError(f"x must be a real floating-point torch tensor, got {what}")
    if check:
        l1reg = _check_threshold(l1reg, "l1reg")
        scaling = _check_threshold(scaling, "scaling")
    t = l1reg * scaling
    if isinstance(t, torch.Tensor) and t.numel() > 1:
        if check:
            _check_threshold(t, "l1reg * scaling")
        clamped = torch.clamp(x, min=-t, max=t)
        return torch.sub(x, clamped, out=out) if out is not None else x - clamped
    t = float(t)
    if check and not t >= 0:
        raise ValueError(f"l1reg * scaling = {t:g} is outside its domain [0, inf)")
    t = min(t, torch.finfo(x.dtype).max)
    if out is None:
        return torch.nn.functional.softshrink(x, t) if t > 0 else x.clone()
    return torch.ops.aten.softshrink.out(x, t, out=out) if t > 0 else out.copy_(x)


def _check_threshold(value, name: str) -> float | torch.Tensor:
    """A threshold factor: a non-negative real number or real tensor without NaN (ValueError / TypeError naming
    it); a number comes back as a float."""
    if isinstance(value, torch.Tensor):
        if value.is_complex() or value.dtype == torch.bool:
            raise ParameterTypeError(f"{name} must be a real number or real tensor, got a tensor of {value.dtype}")
        bad = torch.isnan(value) | (value < 0)
        if bool(bad.any()):
            first = float(value[bad].flatten()[0]) if value.dim() else float(value)
            raise ValueError(f"{name}={first:g} is outside its domain [0, inf)")
        return value
    return NON_NEGATIVE.scalar(name, value)


def soft_threshold_reference(x: torch.Tensor, threshold: float | torch.Tensor) -> torch.Tensor:
    """The derived expression itself (``theory.prox.soft_threshold``), lambdified: what ``prox_lasso`` equals."""
    return soft_threshold.torch(x, threshold)


def _resolve(optimizer: torch.optim.Optimizer, scaling: str) -> str:
    if scaling not in SCALINGS:
        raise ValueError(f"scaling={scaling!r} is not one of {SCALINGS}")
    is_adam = isinstance(optimizer, (torch.optim.Adam, torch.optim.AdamW))
    if scaling == "adam" and not is_adam:
        raise ValueError(f"scaling='adam' needs a torch.optim.Adam or AdamW optimizer, got {type(optimizer).__name__}")
    if scaling == "auto":
        return "adam" if is_adam else "momentum"
    return scaling


def _uncovered(optimizer: torch.optim.Optimizer, scaling: str, group: dict) -> UncoveredOptionError | None:
    """The first option of ``group`` the rule does not cover, as an error; None when all are covered."""
    name = type(optimizer).__name__

    def refuse(option, value, reason):
        return UncoveredOptionError(name, option, value, scaling, reason)

    if scaling in ("lr", "momentum") and not isinstance(optimizer, torch.optim.SGD):
        return refuse("optimizer", name, "only SGD (rules 'lr', 'momentum') and Adam/AdamW (rule 'adam') have a "
                      "derived stationary step")
    if group.get("weight_decay", 0) != 0:
        return refuse("weight_decay", group["weight_decay"], "weight decay adds a term proportional to w, so the "
                      "fixed point is an elastic net, not the lasso; pass weight_decay=0")
    if scaling == "lr" and group.get("momentum", 0) != 0:
        return refuse("momentum", group["momentum"], "the stationary step is lr (1 - dampening) / (1 - momentum), "
                      "use scaling='momentum' or 'auto'")
    if scaling == "momentum" and group.get("momentum", 0) != 0 and group.get("dampening", 0) >= 1:
        return refuse("dampening", group["dampening"], "the momentum buffer no longer follows the gradient")
    return None


class L1Prox(torch.optim.Optimizer):
    """Wrap ``optimizer`` so that every step ends with the L1 proximal step.

    >>> opt = L1Prox(torch.optim.SGD(params, lr=0.1, momentum=0.9), l1reg=1e-3, scaling="momentum")
    >>> loss.backward(); opt.step(); opt.zero_grad()

    ``l1reg`` is the default of a per-group key ``"l1reg"`` (groups added later
    with ``add_param_group`` get it too). ``scaling`` is the threshold rule
    (module docstring: "lr", "momentum", "adam", or "auto" to pick the covered
    one); ``strict`` refuses inner options the rule does not cover.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, l1reg: float, scaling: str = "lr", strict: bool = True):
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise ValueError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
        if isinstance(optimizer, L1Prox):
            raise ValueError("optimizer is already an L1Prox: wrap the inner optimizer once")
        l1reg = NON_NEGATIVE.scalar("l1reg", l1reg)
        self.optimizer = optimizer
        self.scaling = _resolve(optimizer, scaling)
        self.strict = bool(strict)
        self.steps_taken = 0
        self._sharing = False
        self._checked: dict[int, tuple] = {}  # id(group) -> the options last found valid (see _check_cached)
        # Optimizer.__init__ sets up hooks and runs add_param_group on each group (our override falls back
        # to the base one until _sharing): it fills "l1reg" into the inner optimizer's own group dicts.
        super().__init__(optimizer.param_groups, {"l1reg": l1reg})
        self._share()
        for group in self.param_groups:
            self._check(group)

    def _share(self) -> None:
        """Make param_groups and state the inner optimizer's objects (not copies)."""
        self.param_groups = self.optimizer.param_groups
        self.state = self.optimizer.state
        self._sharing = True

    def _check(self, group: dict) -> None:
        """The group's options that enter the threshold, in their domains (checked at construction, when a group
        is added or loaded, and before every step: a param_groups entry may be changed at any time)."""
        NON_NEGATIVE.scalar("l1reg", group["l1reg"])
        for p in group["params"]:
            if not p.dtype.is_floating_point:
                raise ParameterTypeError(f"params must be real floating-point tensors (the soft threshold has no "
                                         f"complex form here), got a parameter of {p.dtype}")
        if not isinstance(group["lr"], torch.Tensor):
            NON_NEGATIVE.scalar("lr", group["lr"])
        if self.scaling == "momentum":
            # the stationary step lr (1 - dampening) / (1 - momentum) needs momentum < 1 and dampening <= 1
            MOMENTUM.scalar("momentum", group.get("momentum", 0.0))
            Domain(0.0, 1.0, low_open=False, high_open=False).scalar("dampening", group.get("dampening", 0.0))
        error = _uncovered(self.optimizer, self.scaling, group) if self.strict else None
        if error is not None:
            raise error

    def _check_cached(self, group: dict) -> None:
        """:meth:`_check`, skipped when none of the options it reads changed since the group last passed it
        (a step's validation then costs one tuple comparison). Tensor-valued options are never cached: they
        can change in place."""
        key = _options_key(group)
        if key is None or self._checked.get(id(group)) != key:
            self._check(group)
            if key is not None:
                self._checked[id(group)] = key

    def __repr__(self) -> str:
        return f"L1Prox({self.optimizer!r}, scaling={self.scaling!r})"

    def __getstate__(self) -> dict:
        return {**super().__getstate__(), "optimizer": self.optimizer, "scaling": self.scaling,
                "strict": self.strict, "steps_taken": self.steps_taken, "_sharing": False, "_checked": {}}

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self.__dict__.setdefault("_checked", {})
        self._share()

    def add_param_group(self, param_group: dict) -> None:
        """Add a group to the inner optimizer, with the default ``l1reg`` unless the group sets its own."""
        if not self._sharing:
            super().add_param_group(param_group)
            return
        param_group.setdefault("l1reg", self.defaults["l1reg"])
        self.optimizer.add_param_group(param_group)
        try:
            self._check(self.param_groups[-1])
        except ValueError:
            self.param_groups.pop()
            raise

    def load_state_dict(self, state_dict: dict) -> None:
        """The inner optimizer loads (its own rules for state), then the groups are shared again and checked."""
        self.optimizer.load_state_dict(state_dict)
        self._share()
        for group in self.param_groups:
            group.setdefault("l1reg", self.defaults["l1reg"])
            self._check(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none=set_to_none)

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            group.setdefault("l1reg", self.defaults["l1reg"])  # a group the inner optimizer got directly
            self._check_cached(group)
        loss = self.optimizer.step(closure)
        self.steps_taken += 1
        finite = []
        for group in self.param_groups:
            l1reg = group["l1reg"]
            for p in group["params"]:
                if p.grad is None:
                    continue  # the inner optimizer did not step it: neither does the prox
                if l1reg == 0:  # the prox of the zero function is the identity (whatever the step's scale)
                    finite.append(torch.isfinite(p).all())
                    continue
                p.copy_(prox_lasso(p, l1reg, self._scale(group, p), check=False))
                finite.append(torch.isfinite(p).all())
        if finite and not bool(finite[0] if len(finite) == 1 else torch.stack(finite).all()):  # one sync per step
            lrs = sorted({float(g["lr"]) for g in self.param_groups})
            raise DivergedError(f"method {type(self.optimizer).__name__} + L1 prox diverged at epoch "
                                f"{self.steps_taken} (step size lr={', '.join(f'{v:g}' for v in lrs)})")
        return loss

    def _scale(self, group: dict, p: torch.Tensor) -> float | torch.Tensor:
        """The inner optimizer's stationary step per unit gradient for ``p`` (module docstring)."""
        lr = group["lr"]
        if self.scaling == "lr":
            return lr
        if self.scaling == "momentum":
            mu = group.get("momentum", 0.0)
            return lr * (1.0 - group.get("dampening", 0.0)) / (1.0 - mu) if mu else lr
        state = self.optimizer.state[p]
        step = state["step"]
        beta2 = group["betas"][1]
        second = state["max_exp_avg_sq"] if group.get("amsgrad", False) else state["exp_avg_sq"]
        v_hat = second / (1 - beta2**step)
        return lr / (v_hat.sqrt() + group["eps"])


#: the group options :meth:`L1Prox._check` reads, besides the parameters' dtypes
_CHECKED_OPTIONS = ("l1reg", "lr", "momentum", "dampening", "weight_decay")


def _options_key(group: dict) -> tuple | None:
    """What :meth:`L1Prox._check` depends on in ``group`` (the options' values and the parameters' dtypes),
    or None when an option is not a plain number (a tensor can change in place: check it every time)."""
    values = tuple(group.get(k) for k in _CHECKED_OPTIONS)
    if not all(v is None or type(v) in (int, float) for v in values):
        return None
    return values + tuple(p.dtype for p in group["params"])


def with_l1_prox(optimizer: torch.optim.Optimizer, l1reg: float, scaling: str = "lr", strict: bool = True) -> L1Prox:
    """Functional spelling of :class:`L1Prox`."""
    return L1Prox(optimizer, l1reg, scaling, strict)
