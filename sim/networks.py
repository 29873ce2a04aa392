"""Batched training of over-parametrized students: data sets x methods at once.

Two models, both ``x -> phi(x M) V`` with a hidden layer of width ``hidden``:

* ``"two_layer"``: phi = identity, so the student is the vector S = M V in
  R^D, the teacher a unit vector T; training loss 1/2 ||X (T - M V)||^2,
  generalization loss 1/2 ||T - M V||^2 (exact: the rows of X are isotropic).
* ``"relu"``: phi = ReLU for the student and for a ReLU teacher of width
  ``teacher_hidden``; training and validation losses are 1/2 sum of squared
  errors over ``n_train`` and ``n_val`` samples, the test loss the same sum
  estimated from ``n_test`` fresh samples and rescaled to ``n_val`` of them.

Rows of X are N(0, I / n_train), so E[X^T X] = I in both models, as in the
linear teacher-student. Every data set draws its own teacher, data and
initial weights; the methods of one data set share them (paired comparisons).

Each method is full-batch SGD with heavy-ball momentum and coupled weight
decay (``torch.optim.SGD``'s rule), optionally followed by the L1 proximal
step ``w <- S_{lr l1}(w)`` and the shrink ``w <- w / (1 + lr shrink)``, on M
and V alike. The gradients are written out by hand (checked against
autograd in the tests) so that updates run in place, one fused pass each.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import torch

from gentoys.sim.core.batching import element_size, sets_per_chunk
from gentoys.sim.core.device import generator, resolve_device
from gentoys.sim.core.device import validate_dtype
from gentoys.sim.linear import DivergedError
from gentoys.sim.network_grads import ReluGrads, TwoLayerGrads, rowvec
from gentoys.sim.prox import prox_lasso
from gentoys.theory.core.domain import (
    MOMENTUM,
    NON_NEGATIVE,
    POSITIVE,
    ParameterTypeError,
    choice_error,
    shown,
    validate_int,
    validate_seed,
)

MODELS = ("two_layer", "relu")


@dataclass(frozen=True)
class Method:
    """One optimizer configuration; the names follow torch.optim.SGD."""

    name: str
    lr: float
    momentum: float = 0.0
    weight_decay: float = 0.0  # coupled: added to the gradient
    l1: float = 0.0  # soft threshold at lr * l1 after the step
    shrink: float = 0.0  # then w <- w / (1 + lr * shrink)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ParameterTypeError(f"name must be a string, got {shown(self.name)}")
        POSITIVE.scalar(f"{self.name}.lr", self.lr)
        MOMENTUM.scalar(f"{self.name}.momentum", self.momentum)
        for key in ("weight_decay", "l1", "shrink"):
            NON_NEGATIVE.scalar(f"{self.name}.{key}", getattr(self, key))


@dataclass(frozen=True)
class NetworkSetting:
    model: str
    dim: int
    hidden: int
    n_train: int
    epochs: int
    methods: tuple[Method, ...]
    n_sets: int = 20
    teacher_hidden: int = 0  # relu only
    n_val: int = 0  # relu only
    n_test: int = 2000  # relu only: fresh samples for the test-loss estimate
    record_every: int = 10  # losses are recorded at epochs 0, k, 2k, ... and the last
    seed: int = 0
    device: str = "cpu"
    dtype: torch.dtype = torch.float32
    chunk_sets: int | None = None  # data sets trained together; None: sized for the CPU's cache, all on CUDA

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or self.model not in MODELS:
            raise choice_error(self.model, f"model={self.model!r} is not one of {MODELS}")
        for name in ("dim", "hidden", "n_train", "n_sets", "record_every"):
            validate_int(name, getattr(self, name))
        validate_int("epochs", self.epochs, minimum=0)
        if self.model == "relu":
            for name in ("teacher_hidden", "n_val", "n_test"):
                validate_int(name, getattr(self, name))
        validate_seed(self.seed)
        validate_dtype(self.dtype)
        if not isinstance(self.device, str) or not (self.device in ("cpu", "cuda", "auto")
                                                    or self.device.startswith("cuda:")):
            raise choice_error(self.device, f"device={shown(self.device)} is not one of 'cpu', 'cuda', 'auto'")
        if self.chunk_sets is not None:
            validate_int("chunk_sets", self.chunk_sets)
        if not isinstance(self.methods, (tuple, list)) or not all(isinstance(m, Method) for m in self.methods):
            raise ParameterTypeError(f"methods must be a tuple of Method, got {shown(self.methods)}")
        if not self.methods or len({m.name for m in self.methods}) != len(self.methods):
            raise ValueError(f"methods={[m.name for m in self.methods]}: need at least one, with distinct names")

    @property
    def q(self) -> float:
        return self.n_train / self.dim

    def method_index(self, name: str) -> int:
        return [m.name for m in self.methods].index(name)

    def with_(self, **changes) -> "NetworkSetting":
        return replace(self, **changes)


#: The over-parametrized linear example: S = M V, D = 400, width 600, q = 0.5, 5000 epochs.
TWO_LAYER = NetworkSetting(
    "two_layer", dim=400, hidden=600, n_train=200, epochs=5000,
    methods=(Method("none", 0.05, 0.9), Method("ridge", 0.05, 0.9, weight_decay=0.04),
             Method("lasso", 0.055, 0.9, l1=3.5e-4, shrink=0.1)))
#: The ReLU teacher-student: D = 100, widths 10 (teacher) and 100 (student), 60 + 60 samples, 10000 epochs.
RELU = NetworkSetting(
    "relu", dim=100, hidden=100, n_train=60, epochs=10000, teacher_hidden=10, n_val=60,
    methods=(Method("none", 0.02, 0.5), Method("ridge", 0.02, 0.5, weight_decay=0.05),
             Method("lasso", 0.01, 0.5, l1=1e-3, shrink=0.05)))


@dataclass
class Problem:
    """One draw of everything random, per data set (leading dimension R)."""

    X: torch.Tensor  # (R, N, D) training inputs
    M0: torch.Tensor  # (R, D, h) initial hidden-layer weights
    V0: torch.Tensor  # (R, h) initial output weights
    teacher: tuple[torch.Tensor, ...]  # two_layer: (T (R, D),); relu: (M_T (R, D, k), V_T (R, k))
    X_val: torch.Tensor | None = None  # relu: (R, n_val, D)
    X_test: torch.Tensor | None = None  # relu: (R, n_test, D)


@dataclass
class NetworkRun:
    setting: NetworkSetting
    problem: Problem
    epochs: torch.Tensor  # (E,) the recorded epochs
    train_loss: torch.Tensor  # (E, R, K)
    val_loss: torch.Tensor  # (E, R, K): two_layer: 1/2 ||T - M V||^2; relu: on the validation samples
    test_loss: torch.Tensor | None  # (R, K) relu only, final weights
    M: torch.Tensor  # (K, R, D, h) final
    V: torch.Tensor  # (K, R, h) final
    seconds: dict[str, float] = field(default_factory=dict)

    def method(self, name: str) -> int:
        return self.setting.method_index(name)


def draw_problem(setting: NetworkSetting) -> Problem:
    """Teacher, data and initial weights of every data set from ``setting.seed``.

    Inputs have entries N(0, 1/n_train); the student's M is N(0, 2/D) for ReLU (He) and N(0, 1/D) for the
    linear model, V is N(0, 1/h); the ReLU teacher is drawn like the student at width ``teacher_hidden``.
    """
    s = setting
    dev = resolve_device(s.device)
    gen = generator(s.seed, dev)
    r, d, h, dt = s.n_sets, s.dim, s.hidden, s.dtype

    def normal(*shape, var):
        return torch.randn(*shape, generator=gen, device=dev, dtype=dt) * math.sqrt(var)

    gain = 2.0 if s.model == "relu" else 1.0
    if s.model == "two_layer":
        T = normal(r, d, var=1.0)
        teacher = (T / T.norm(dim=1, keepdim=True),)
    else:
        teacher = (normal(r, d, s.teacher_hidden, var=2.0 / d), normal(r, s.teacher_hidden, var=1.0 / s.teacher_hidden))
    M0, V0 = normal(r, d, h, var=gain / d), normal(r, h, var=1.0 / h)
    X = normal(r, s.n_train, d, var=1.0 / s.n_train)
    if s.model == "two_layer":
        return Problem(X, M0, V0, teacher)
    X_val = normal(r, s.n_val, d, var=1.0 / s.n_train)
    X_test = normal(r, s.n_test, d, var=1.0 / s.n_train)
    return Problem(X, M0, V0, teacher, X_val, X_test)


def relu_net(X: torch.Tensor, M: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """ReLU(X M) V, batched over leading dimensions: X (..., N, D), M (..., D, h), V (..., h) -> (..., N)."""
    return rowvec(V, torch.relu(X @ M))


def targets(setting: NetworkSetting, problem: Problem, X: torch.Tensor) -> torch.Tensor:
    """The teacher's outputs on inputs X of shape (R, n, D): (R, n)."""
    if setting.model == "two_layer":
        return rowvec(problem.teacher[0], X)
    return relu_net(X, *problem.teacher)


def train(setting: NetworkSetting, problem: Problem | None = None) -> NetworkRun:
    """Train every (data set, method) pair for ``setting.epochs`` full-batch epochs."""
    t0 = time.perf_counter()
    problem = problem or draw_problem(setting)
    s = setting
    k, r = len(s.methods), s.n_sets
    recorded = sorted(set(range(0, s.epochs + 1, s.record_every)) | {s.epochs})
    dev, dt = problem.X.device, s.dtype
    train_hist = torch.empty(len(recorded), r, k, dtype=dt, device=dev)
    val_hist = torch.empty_like(train_hist)
    M = torch.empty(k, r, s.dim, s.hidden, dtype=dt, device=dev)
    V = torch.empty(k, r, s.hidden, dtype=dt, device=dev)
    chunk = _chunk_size(s, dev)
    flush = torch.set_flush_denormal(True)  # decaying weights must not fall into slow denormals
    try:
        for lo in range(0, r, chunk):
            part = slice(lo, min(lo + chunk, r))
            _train_chunk(s, _slice(problem, part), recorded, M[:, part], V[:, part], train_hist[:, part],
                         val_hist[:, part])
    finally:
        if flush:
            torch.set_flush_denormal(False)
    t1 = time.perf_counter()
    test = None
    if s.model == "relu":
        y = targets(s, problem, problem.X_test)
        err = relu_net(problem.X_test, M, V) - y
        test = (0.5 * (err * err).sum(-1) * (s.n_val / s.n_test)).T.contiguous()
    return NetworkRun(s, problem, torch.tensor(recorded), train_hist, val_hist, test, M, V,
                      {"train": t1 - t0})


def _chunk_size(setting: NetworkSetting, device: torch.device) -> int:
    """Data sets per chunk (``sim.core.batching``): on a CPU, as many as keep M and its momentum, for every
    method, in cache: one set (5.8 MB) for the two-layer example, where two sets per chunk ran as fast (360 us
    per set-epoch, one thread; 1.4x slower before its products moved to OpenBLAS) and four twice as slow."""
    per_set = 2 * len(setting.methods) * setting.dim * setting.hidden * element_size(setting.dtype)
    return sets_per_chunk(setting.n_sets, per_set, device, setting.chunk_sets)


def _slice(problem: Problem, part: slice) -> Problem:
    pick = lambda t: None if t is None else t[part]  # noqa: E731
    return Problem(problem.X[part], problem.M0[part], problem.V0[part], tuple(t[part] for t in problem.teacher),
                   pick(problem.X_val), pick(problem.X_test))


def _train_chunk(s: NetworkSetting, p: Problem, recorded: list[int], M_out: torch.Tensor, V_out: torch.Tensor,
                 train_hist: torch.Tensor, val_hist: torch.Tensor) -> None:
    k, r = len(s.methods), p.X.shape[0]
    M = p.M0.expand(k, *p.M0.shape).clone()  # (K, r, D, h)
    V = p.V0.expand(k, *p.V0.shape).clone()  # (K, r, h)
    buf_M, buf_V = torch.zeros_like(M), torch.zeros_like(V)
    y = targets(s, p, p.X)  # (r, N)
    grads = (TwoLayerGrads if s.model == "two_layer" else ReluGrads)(p.X, y, M, V, buf_M)  # sim.network_grads
    y_val = None if s.model == "two_layer" else targets(s, p, p.X_val)
    # per-method views, taken once
    steps = list(zip(s.methods, M.unbind(0), buf_M.unbind(0), V.unbind(0), buf_V.unbind(0)))
    # one momentum for every method: V's buffers are updated for all methods at once (M's are not: a batched
    # rank-one baddbmm_ measured 1.3 % slower for two_layer, and relu's would copy X^T per method)
    betas = {m.momentum for m in s.methods}
    shared_beta = betas.pop() if len(betas) == 1 else None
    slot = 0
    for epoch in range(s.epochs + 1):
        record = epoch == recorded[slot]
        g_V, train_loss = grads(record)
        if record:
            train_hist[slot] = train_loss.T
            val_hist[slot] = _val_loss(s, p, y_val, M, V, grads).T
            _check_finite(val_hist[slot] + train_hist[slot], s, epoch)
            slot += 1
        if epoch == s.epochs:
            break
        if shared_beta is not None:
            buf_V.mul_(shared_beta).add_(g_V)
        for j, (method, M_j, buf_Mj, V_j, buf_Vj) in enumerate(steps):
            grads.momentum(j, method.momentum)  # buf_Mj <- beta buf + grad
            _sgd_step(M_j, buf_Mj, method)
            if shared_beta is None:
                buf_Vj.mul_(method.momentum).add_(g_V[j])
            _sgd_step(V_j, buf_Vj, method)
    M_out.copy_(M)
    V_out.copy_(V)


def _val_loss(s: NetworkSetting, p: Problem, y_val, M, V, grads) -> torch.Tensor:
    if s.model == "two_layer":  # S = M V of this epoch, which the gradients just formed
        delta = grads.S - p.teacher[0]
        return 0.5 * (delta * delta).sum(-1)
    err = relu_net(p.X_val, M, V) - y_val
    return 0.5 * (err * err).sum(-1)


def _sgd_step(w: torch.Tensor, buf: torch.Tensor, m: Method) -> None:
    """The rest of torch.optim.SGD's step once ``buf`` holds momentum * buf + grad: coupled weight decay,
    the update, then the optional soft threshold (``sim.prox.prox_lasso``) and shrink, all in place: the same
    bits as through a scratch tensor, and one matrix fewer in cache (threshold and shrink of a 400 x 600 M took
    50 against 61 us)."""
    if m.weight_decay:
        buf.add_(w, alpha=m.weight_decay)
    w.add_(buf, alpha=-m.lr)
    if m.l1:
        prox_lasso(w, m.l1, m.lr, out=w, check=False)  # Method validated both; a scalar threshold, so out=w
    if m.shrink:
        w.mul_(1.0 / (1.0 + m.lr * m.shrink))


def _check_finite(losses: torch.Tensor, s: NetworkSetting, epoch: int) -> None:
    bad = ~torch.isfinite(losses)
    if bad.any():
        i, j = (int(v) for v in bad.nonzero()[0])
        m = s.methods[j]
        raise DivergedError(f"method {m.name!r} diverged at epoch {epoch} (data set {i}, step size {m.lr:g})")


@dataclass
class HiddenUnits:
    """How each (method, data set) uses its hidden layer; arrays of shape (K, R).

    A unit j is alive when its incoming column M[:, j] and its outgoing weight V[j] are both non-zero.
    Exact zeros are meaningful here: the soft threshold writes them, and a unit with M[:, j] = 0 and
    V[j] = 0 gets zero gradient, so it stays dead. The participation ratio (sum w)^2 / sum w^2 of the
    unit weights w_j = ||M[:, j]|| |V[j]| counts units without a threshold (k equal units give k), and
    ``active`` counts units with w_j >= 1e-3 max w: weaker units move the output by less than 0.1 % of the
    strongest one's share, which is how decayed (not exactly zero) units show up under weight decay.
    """

    alive: torch.Tensor
    active: torch.Tensor
    participation: torch.Tensor
    zero_fraction: torch.Tensor
    rank_ratio: torch.Tensor  # second singular value of M over the first


def hidden_units(run: NetworkRun) -> HiddenUnits:
    M, V = run.M.double(), run.V.double()
    alive = ((M != 0).any(dim=-2) & (V != 0)).sum(-1)
    w = M.norm(dim=-2) * V.abs()
    participation = w.sum(-1) ** 2 / (w * w).sum(-1)
    sv = torch.linalg.svdvals(M)
    active = (w >= 1e-3 * w.amax(-1, keepdim=True)).sum(-1)
    return HiddenUnits(alive, active, participation, (M == 0).double().mean((-2, -1)), sv[..., 1] / sv[..., 0])
