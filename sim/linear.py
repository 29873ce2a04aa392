"""Batched training of the linear teacher-student: data sets x methods at once.

The student S has shape (R, M, D): R independent data sets, M methods, and
every update is one batched tensor expression, never a Python loop over sets
or methods. Per-set hyperparameters (eta, beta, ridge lam, L1 lam) are
tensors of shape (R, M, 1), computed from each data set's extreme non-zero
eigenvalues through ``theory.tuning`` (or from the Marchenko-Pastur limits).

Methods: ``gd``, ``ridge`` (weight decay), ``momentum`` (heavy ball),
``momentum_ridge`` and ``lasso`` (a gradient step followed by the soft
threshold of ``sim.prox``).

The epochs run in D, through Sigma_tr or through X, or, when no method has an L1 term, in the N-dimensional
span of X through the N x N Gram matrix (``LinearSetting.gradient``, ``gradient_route``).
"""
from __future__ import annotations

import math
from dataclasses import astuple, dataclass, field, replace
from typing import Callable

import numpy as np
import torch

from gentoys.sim.core.batching import CACHE_BYTES, L2_BYTES, element_size, sets_per_chunk
from gentoys.sim.core.device import DivergedError, generator, resolve_device  # noqa: F401  (DivergedError: sim.linear's API)
from gentoys.sim.core.device import validate_dtype, validate_real_tensor
from gentoys.sim.core.lanczos import gram_extremes
from gentoys.sim.core.tridiagonal import LAPACK_LOWER, Tridiagonal, tridiagonalize
from gentoys.sim.prox import prox_lasso
from gentoys.theory import tuning
from gentoys.theory.core.domain import (
    MOMENTUM,
    NON_NEGATIVE,
    POSITIVE,
    RATIO,
    ParameterTypeError,
    choice_error,
    shown,
    validate_int,
    validate_seed,
)
from gentoys.theory.curves import METHODS as CURVE_METHODS
from gentoys.theory.curves import mp_hyperparameters

METHODS = ("gd", "ridge", "momentum", "momentum_ridge", "lasso")
GRADIENT_ROUTES = ("auto", "X", "sigma", "rowspace", "tridiagonal")
#: the ``extremes`` settings under which the tridiagonal route takes its extremes from its own reduction
TRIDIAGONAL_EXTREMES = ("auto", "tridiagonal")
#: the routes that train in the span of X (no L1 term)
SPAN_ROUTES = ("rowspace", "tridiagonal")
EXTREMES = ("auto", "eigvalsh", "tridiagonal", "lanczos")


@dataclass(frozen=True)
class LinearSetting:
    """The linear teacher-student experiment; defaults are the seed's figure."""

    dim: int = 1000
    q: float = 0.7
    epochs: int = 200
    n_sets: int = 100
    methods: tuple[str, ...] = ("gd", "ridge", "momentum", "momentum_ridge")
    teacher: str = "random"  # "random" unit vector, or "sparse": unit on the first `sparse_dim` coordinates
    sparse_dim: int = 400
    #: one teacher per data set (shape (R, D)), so that statistics over sets also average over teachers;
    #: False: one teacher for every set, as the seed's notebooks
    teacher_per_set: bool = False
    init_variance: float | None = None  # entries of S0; None: 1/(q D), as the seed's notebook
    tuning: str = "per_set"  # "per_set": from each set's extreme eigenvalues; "mp": Marchenko-Pastur limits
    zero_tol: float = 1e-5  # eigenvalues below this count as zero
    lasso_eta: float = 0.4
    lasso_lam: float = 5e-3
    seed: int = 0
    device: str = "cpu"
    dtype: torch.dtype = torch.float32
    #: data sets trained together; None: all on CUDA, else as many as keep their gradient matrix in ~8 MB of cache
    #: (the rowspace route's Gram matrices in one core's 2 MB L2)
    chunk_sets: int | None = None
    #: "X": the gradient as (S - T) X X^T / N, two thin products per epoch; "sigma": form Sigma_tr once and
    #: multiply by it; "rowspace": train the student's coordinates in X's column span, S = gamma S0 + X a,
    #: through the N x N Gram matrix (no L1 method: the lasso's prox is coordinate-wise in D); "tridiagonal": the
    #: same coordinates in the basis where the Gram matrix is tridiagonal (``sim.core.tridiagonal``: its reduction
    #: gives the tuning's extremes too), each epoch's product O(N); "auto": the cheapest of those that apply, by a
    #: streamed-bytes cost model (``gradient_route``)
    gradient: str = "auto"
    #: "eigvalsh": the full spectrum, extremes from it; "tridiagonal": one tridiagonal reduction per set, the
    #: extremes by bisection on it (``sim.core.tridiagonal``, CPU); "lanczos": only the extremes
    #: (``sim.core.lanczos``); with either of the last two the full spectrum is computed when first asked for;
    #: "auto": tridiagonal on a CPU, lanczos on CUDA
    extremes: str = "auto"

    def __post_init__(self) -> None:
        validate_int("dim", self.dim)
        validate_int("epochs", self.epochs, minimum=0)
        validate_int("n_sets", self.n_sets)
        RATIO.scalar("q", self.q)
        if self.n_samples < 1:
            raise ValueError(f"q={self.q:g} leaves no training sample at dim={self.dim}")
        if self.n_samples >= self.dim:
            raise ValueError(f"q={self.q:g} rounds to n_samples={self.n_samples} at dim={self.dim}: "
                             f"the model needs n_samples < dim, i.e. q below {(self.dim - 0.5) / self.dim:g}")
        if not isinstance(self.methods, (tuple, list)):
            raise ParameterTypeError(f"methods must be a tuple of method names from {METHODS}, "
                                     f"got {shown(self.methods)}")
        unknown = [m for m in self.methods if not isinstance(m, str) or m not in METHODS]
        if unknown or not self.methods:
            raise ValueError(f"methods={self.methods!r}: each must be one of {METHODS}")
        if not isinstance(self.teacher, str) or self.teacher not in ("random", "sparse"):
            raise choice_error(self.teacher, f"teacher={self.teacher!r} is not 'random' or 'sparse'")
        if not isinstance(self.teacher_per_set, (bool, np.bool_)):
            raise ParameterTypeError(f"teacher_per_set must be True or False, got {shown(self.teacher_per_set)}")
        validate_int("sparse_dim", self.sparse_dim)
        if self.teacher == "sparse":
            if self.sparse_dim > self.dim:
                raise ValueError(f"sparse_dim={self.sparse_dim} exceeds dim={self.dim}")
        if not isinstance(self.tuning, str) or self.tuning not in ("per_set", "mp"):
            raise choice_error(self.tuning, f"tuning={self.tuning!r} is not 'per_set' or 'mp'")
        if self.tuning == "per_set" and self.n_samples < 2:
            raise ValueError(f"q={self.q:g} gives n_samples={self.n_samples} at dim={self.dim}: tuning='per_set' "
                             f"needs n_samples >= 2 (two distinct non-zero eigenvalues)")
        if self.init_variance is not None:
            POSITIVE.scalar("init_variance", self.init_variance)
        POSITIVE.scalar("lasso_eta", self.lasso_eta)
        POSITIVE.scalar("lasso_lam", self.lasso_lam)
        POSITIVE.scalar("zero_tol", self.zero_tol)
        validate_seed(self.seed)
        if self.chunk_sets is not None:
            validate_int("chunk_sets", self.chunk_sets)
        if not isinstance(self.gradient, str) or self.gradient not in GRADIENT_ROUTES:
            raise choice_error(self.gradient,
                               f"gradient={self.gradient!r} is not one of 'auto', 'X', 'sigma', 'rowspace', "
                               f"'tridiagonal'")
        if self.gradient in SPAN_ROUTES and "lasso" in self.methods:
            raise ValueError(f"gradient={self.gradient!r} cannot train methods={self.methods!r}: the lasso's "
                             f"proximal step is coordinate-wise in D, outside the span of X that the route trains "
                             f"in; use 'auto', 'X' or 'sigma'")
        if not isinstance(self.extremes, str) or self.extremes not in EXTREMES:
            raise choice_error(self.extremes,
                               f"extremes={self.extremes!r} is not one of 'auto', 'eigvalsh', 'tridiagonal', 'lanczos'")
        if not isinstance(self.device, str) or not (self.device in ("cpu", "cuda", "auto")
                                                    or self.device.startswith("cuda:")):
            raise choice_error(self.device, f"device={self.device!r} is not one of 'cpu', 'cuda', 'auto'")
        validate_dtype(self.dtype)

    @property
    def n_samples(self) -> int:
        return round(self.q * self.dim)

    def with_(self, **changes) -> "LinearSetting":
        return replace(self, **changes)


@dataclass
class Hyperparameters:
    """Per (set, method) tensors of shape (R, M, 1)."""

    eta: torch.Tensor
    beta: torch.Tensor
    lam: torch.Tensor
    l1: torch.Tensor


@dataclass
class LinearRun:
    setting: LinearSetting
    gen_loss: torch.Tensor  # (epochs + 1, R, M)
    train_loss: torch.Tensor  # (epochs + 1, R, M)
    hyper: Hyperparameters
    student: torch.Tensor  # (R, M, D), final
    teacher: torch.Tensor  # (D,), or (R, D) with ``teacher_per_set``
    init: torch.Tensor  # (D,)
    X: torch.Tensor  # (R, D, N)
    #: (R, N) eigenvalues of Sigma_tr that are not forced to zero, ascending; None until first asked for
    #: (read ``spectrum``) when the run found only the extremes
    full_spectrum: torch.Tensor | None
    extremes: torch.Tensor  # (R, 2): smallest eigenvalue above the zero tolerance, and the largest
    seconds: dict[str, float] = field(default_factory=dict)
    stable: torch.Tensor | None = None  # (R, M): hyperparameters that contract the set's spectrum (stable_pairs)
    #: computes ``full_spectrum`` from what training already found (the tridiagonal forms); None: from X
    spectrum_later: Callable[[], torch.Tensor] | None = None

    def method_index(self, method: str) -> int:
        return self.setting.methods.index(method)

    @property
    def spectrum(self) -> torch.Tensor:
        """(R, N): the full non-zero spectrum, computed on first use if training needed only its extremes."""
        if self.full_spectrum is None:
            self.full_spectrum = self.spectrum_later() if self.spectrum_later is not None else gram_spectrum(self.X)
        return self.full_spectrum


def draw_problem(setting: LinearSetting) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Teacher (D,) or (R, D), initial student (D,) and designs X (R, D, N), all from ``setting.seed``."""
    dev = resolve_device(setting.device)
    gen = generator(setting.seed, dev)
    d, dt = setting.dim, setting.dtype
    shape = (setting.n_sets, d) if setting.teacher_per_set else (d,)
    teacher = torch.randn(shape, generator=gen, device=dev, dtype=dt)
    if setting.teacher == "sparse":
        teacher[..., setting.sparse_dim:] = 0
    teacher = teacher / teacher.norm(dim=-1, keepdim=True)
    var = setting.init_variance if setting.init_variance is not None else 1 / (setting.q * d)
    init = torch.randn(d, generator=gen, device=dev, dtype=dt) * math.sqrt(var)
    X = torch.randn(setting.n_sets, d, setting.n_samples, generator=gen, device=dev, dtype=dt)
    return teacher, init, X


#: the symmetric Gram product on a CPU: N's columns in this many blocks, only the block rows on and above the
#: diagonal computed (2/3 of the flops for 3 blocks), the rest mirrored. Measured one thread, alternating with
#: the plain bmm in one process: 1.45x (float32) and 1.48x (float64) faster at N = 700, D = 1000; 1.05 to 1.4x at
#: N = 350 to 490; no gain at N = 210 and 0.8x at N = 84 (docs/performance.md), hence the plain bmm below
#: ``SYMMETRIC_GRAM_MIN_N`` samples and on CUDA
GRAM_BLOCKS = 3
SYMMETRIC_GRAM_MIN_N = 300


def gram(X: torch.Tensor) -> torch.Tensor:
    """(R, N, N) Gram matrices X^T X / N, whose eigenvalues are Sigma_tr's without its forced zeros.

    On a CPU from ``SYMMETRIC_GRAM_MIN_N`` samples on, block row i (columns a_i..b_i of X) is one product
    X_i^T X[:, a_i:] and the blocks left of the diagonal block are copied from the transposed block rows above."""
    n = X.shape[2]
    if X.device.type != "cpu" or n < SYMMETRIC_GRAM_MIN_N:
        return X.transpose(1, 2) @ X / n
    edges = [round(n * i / GRAM_BLOCKS) for i in range(GRAM_BLOCKS + 1)]
    G = torch.empty(X.shape[0], n, n, dtype=X.dtype, device=X.device)
    for a, b in zip(edges, edges[1:]):
        G[:, a:b, a:] = torch.bmm(X[:, :, a:b].transpose(1, 2), X[:, :, a:])
        G[:, b:, a:b] = G[:, a:b, b:].transpose(1, 2)
    return G.div_(n)


def gram_triangle(X: torch.Tensor) -> torch.Tensor:
    """(R, N, N) holding X^T X / N in one triangle only, the one LAPACK's reduction reads
    (``sim.core.tridiagonal.tridiagonalize``, ``LAPACK_LOWER``), the other left unset. BLAS ``?syrk`` computes
    N (N + 1) / 2 entries, against 2/3 of N^2 for ``gram``'s blocks; measured one thread, N = 700, D = 1000
    float32: 5.6 to 6.4 ms per set against 7.9 to 8.8 ms. CPU, float32 or float64."""
    from scipy.linalg import blas

    r, d, n = X.shape
    syrk = getattr(blas, "ssyrk" if X.dtype == torch.float32 else "dsyrk")
    lower = int(LAPACK_LOWER[X.dtype])
    G = torch.empty(r, n, n, dtype=X.dtype)
    out, designs = G.numpy(), X.detach().contiguous().numpy()
    for i in range(r):
        c = syrk(1.0 / n, designs[i].T, beta=0.0, c=out[i].T, lower=lower, overwrite_c=1)
        if not np.shares_memory(c, out[i]):  # BLAS worked on a copy: keep its result
            out[i].T[...] = c
    return G


def gram_spectrum(X: torch.Tensor, G: torch.Tensor | None = None) -> torch.Tensor:
    """(R, N) eigenvalues of X^T X / N (``G``, when already formed): Sigma_tr's spectrum without its forced zeros."""
    return torch.linalg.eigvalsh(gram(X) if G is None else G)


def extremes_of(ev: torch.Tensor, zero_tol: float) -> torch.Tensor:
    """(R, 2): smallest eigenvalue above ``zero_tol`` and the largest."""
    masked = torch.where(ev > zero_tol, ev, torch.full_like(ev, math.inf))
    return torch.stack([masked.min(dim=1).values, ev.max(dim=1).values], dim=1)


#: a set whose largest eigenvalue makes the given lasso step unstable gets this fraction of 2 / lam_max instead
LASSO_STABLE_FRACTION = 0.95


def stable_lasso_step(eta: float, lam_max: np.ndarray) -> np.ndarray:
    """The proximal-gradient step per set: ``eta`` where it is stable (eta lam_max < 2, the gradient step's
    contraction on the top mode), else 0.95 x 2 / lam_max. The seed's step 0.4 sits near 2 / lam_max at its own
    size (lam_max -> (1 + q^-1/2)^2 = 4.82 at q = 0.7): stable there, but a small D's fluctuations of the top
    eigenvalue push some sets over the edge, where the run would diverge."""
    return np.where(eta * lam_max < 2.0, eta, LASSO_STABLE_FRACTION * 2.0 / lam_max)


def hyperparameters(setting: LinearSetting, extremes: torch.Tensor) -> Hyperparameters:
    """Step size, momentum, ridge and L1 strength per (set, method), from theory's formulas."""
    r = extremes.shape[0]
    if setting.tuning == "per_set":
        lo, hi = extremes[:, 0].cpu().numpy(), extremes[:, 1].cpu().numpy()
        lam_r = tuning.lambda_R(lo, hi)
        table = {
            "gd": (tuning.eta_gd(lo, hi), 0.0, 0.0),
            "ridge": (tuning.eta_gd_ridge(hi, lam_r), 0.0, lam_r),
            "momentum": (tuning.eta_momentum(lo, hi), tuning.beta_momentum(lo, hi), 0.0),
            "momentum_ridge": (tuning.eta_momentum_ridge(hi, lam_r), tuning.beta_momentum_ridge(hi, lam_r), lam_r),
        }
    else:
        table = {m: astuple(mp_hyperparameters(setting.q, m)) for m in CURVE_METHODS}
    table["lasso"] = (stable_lasso_step(setting.lasso_eta, extremes[:, 1].cpu().numpy()), 0.0, 0.0)
    cols = [[np.broadcast_to(np.asarray(table[m][k], dtype=float), (r,)) for m in setting.methods] for k in range(3)]
    as_t = lambda c: torch.tensor(np.stack(c, axis=1), dtype=setting.dtype, device=extremes.device)[..., None]  # noqa: E731
    l1 = torch.tensor([setting.lasso_lam if m == "lasso" else 0.0 for m in setting.methods], dtype=setting.dtype,
                      device=extremes.device).expand(r, -1)[..., None]
    return Hyperparameters(as_t(cols[0]), as_t(cols[1]), as_t(cols[2]), l1)


def stable_pairs(hyper: Hyperparameters, extremes: torch.Tensor) -> torch.Tensor:
    """(R, M): whether heavy ball (GD at beta = 0) with these hyperparameters contracts every mode of the set's
    spectrum: eta (h + lam) < 2 (1 + beta) at the largest eigenvalue h (the linear model's exact condition;
    the other modes, down to h = 0 with lam >= 0, lie inside it)."""
    top = extremes[:, 1].to(hyper.eta.dtype)[:, None]
    return (hyper.eta[..., 0] * (top + hyper.lam[..., 0]) < 2 * (1 + hyper.beta[..., 0]))


def train(
    setting: LinearSetting,
    hyper: Hyperparameters | None = None,
    problem: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    *,
    allow_unstable: bool = False,
) -> LinearRun:
    """Full-batch training of every (set, method) pair for ``setting.epochs`` epochs.

    A pair that diverges raises DivergedError, unless ``allow_unstable`` and its hyperparameters were unstable
    on its spectrum to begin with (``stable_pairs``): then its losses are kept as they ran, and
    ``LinearRun.stable`` says which pairs to leave out (the MP-tuned step of a set whose top eigenvalue lies past
    the Marchenko-Pastur edge)."""
    import time

    t0 = time.perf_counter()
    teacher, init, X = _validate_problem(problem, setting) if problem is not None else draw_problem(setting)
    if hyper is not None:
        _validate_hyper(hyper, setting)
    route = gradient_route(setting, hyper)  # without hyper: from the methods (only a lasso method has an L1 term)
    dt = setting.dtype
    basis = G = None
    if route == "tridiagonal" and setting.extremes in TRIDIAGONAL_EXTREMES and X.dtype == dt \
            and X.device.type == "cpu":  # one triangle of G, one reduction: the extremes and the basis
        basis = tridiagonalize(gram_triangle(X), keep_basis=True)
        spectrum, extremes, later = _from_tridiagonal(basis, setting)
    else:
        G = gram(X)  # formed once: the spectrum (or its extremes) and the span routes all use it
        spectrum, extremes, later = spectrum_and_extremes(X, setting, G)
        if route == "tridiagonal":
            basis = tridiagonalize(G if G.dtype == dt else gram(X.to(dt)), keep_basis=True)
    if hyper is None:
        hyper = hyperparameters(setting, extremes)
        _validate_hyper(hyper, setting)
    if route != "rowspace":
        G = None
    elif G.dtype != dt:  # a problem drawn in another dtype: train on the Gram of X in the training dtype
        G = gram(X.to(dt))
    gammas = _init_coefficients(hyper, setting.epochs) if route in SPAN_ROUTES else None
    t1 = time.perf_counter()
    r, m, d = setting.n_sets, len(setting.methods), setting.dim
    gen_hist = torch.empty(setting.epochs + 1, r, m, dtype=dt, device=X.device)
    tr_hist = torch.empty_like(gen_hist)
    students = torch.empty(r, m, d, dtype=dt, device=X.device)
    # the span routes' chunks are sized for one core's L2 (at D = 1000: one set, 1.4x faster per epoch than four
    # in L3)
    budget = L2_BYTES if route in SPAN_ROUTES else CACHE_BYTES
    chunk = sets_per_chunk(r, chunk_bytes_per_set(route, setting), X.device, setting.chunk_sets, budget)
    for lo in range(0, r, chunk):
        part = slice(lo, min(lo + chunk, r))
        chunk_teacher = teacher[part, None, :] if teacher.dim() == 2 else teacher
        if route in SPAN_ROUTES:
            students[part] = _train_chunk_rowspace(setting, X[part], None if G is None else G[part], chunk_teacher,
                                                   init, _slice(hyper, part), gammas[:, part],
                                                   gen_hist[:, part], tr_hist[:, part],
                                                   None if basis is None else basis.part(part))
        else:
            students[part] = _train_chunk(setting, route, X[part], chunk_teacher, init, _slice(hyper, part),
                                          gen_hist[:, part], tr_hist[:, part])
    t2 = time.perf_counter()
    stable = stable_pairs(hyper, extremes)
    _check_finite(gen_hist, setting, hyper, stable if allow_unstable else None)
    return LinearRun(setting, gen_hist, tr_hist, hyper, students, teacher, init, X, spectrum, extremes,
                     {"setup": t1 - t0, "train": t2 - t1}, stable, later)


def spectrum_and_extremes(
    X: torch.Tensor, setting: LinearSetting, G: torch.Tensor | None = None
) -> tuple[torch.Tensor | None, torch.Tensor, Callable[[], torch.Tensor] | None]:
    """The full non-zero spectrum (or None), the (R, 2) extremes, and (when the spectrum is None) a function that
    computes it from what was found here, by ``setting.extremes``, from the Gram matrices ``G`` = ``gram(X)`` when
    the caller has them (formed here otherwise).

    Lanczos gives the extremes to a relative 1e-10 (in float64); bisection on the tridiagonal form to the
    reduction's rounding. Both fall back to the full spectrum when some set's smallest eigenvalue is under
    ``zero_tol`` (Lanczos also when a Gram matrix is not positive definite): then the smallest non-zero
    eigenvalue is another one, which only the full spectrum shows.
    """
    way = setting.extremes
    if way == "auto":
        way = "lanczos" if X.device.type == "cuda" else "tridiagonal"
    if G is None:
        G = gram(X)
    if way == "lanczos":
        ex = gram_extremes(X, G=G)
        if ex is not None and bool((ex[:, 0] > setting.zero_tol).all()):
            return None, ex.to(setting.dtype), None
    if way == "tridiagonal":
        return _from_tridiagonal(tridiagonalize(G), setting)
    spectrum = gram_spectrum(X, G)
    return spectrum, extremes_of(spectrum, setting.zero_tol), None


def _from_tridiagonal(tri: Tridiagonal, setting: LinearSetting):
    """``spectrum_and_extremes``'s answer from the tridiagonal forms: the extremes by bisection, the spectrum
    later; or both from the full spectrum when some smallest eigenvalue is under the zero tolerance."""
    lo = tri.extreme("min")
    if bool((lo > setting.zero_tol).all()):
        # the spectrum later from the O(N) forms alone: a run that keeps this must not keep the (R, N, N) basis
        forms = Tridiagonal(tri.diagonal, tri.off_diagonal, tri.dtype, tri.device)
        return None, torch.stack([lo, tri.extreme("max")], dim=1), forms.eigenvalues
    spectrum = tri.eigenvalues()
    return spectrum, extremes_of(spectrum, setting.zero_tol), None


def chunk_bytes_per_set(route: str, setting: LinearSetting) -> int:
    """One data set's working set on ``route``, the unit of its chunks: the matrix each epoch streams (X, Sigma_tr
    or G), with the span routes' five (M, N) vectors (the tridiagonal route: and T's two diagonals instead of G)."""
    m, d, n = len(setting.methods), setting.dim, setting.n_samples
    elements = {"X": d * n, "sigma": d * d, "rowspace": n * n + 5 * m * n,
                "tridiagonal": TRIDIAGONAL_CHUNK_VECTORS * m * n + 2 * n}[route]
    return elements * element_size(setting.dtype)


#: the tridiagonal route's vector traffic per epoch, in (M, N) vectors read or written (``_train_chunk_rowspace``
#: with a basis: gamma u - w 3, the tridiagonal product 9, the dot products 6, the momentum, decay and step 9)
TRIDIAGONAL_EPOCH_VECTORS = 27
#: (M, N) vectors of the tridiagonal route's working set per set (a, b, c, rho and rho + c), for its chunks
TRIDIAGONAL_CHUNK_VECTORS = 5

#: GEMM flops that take as long as streaming one matrix element through a thin (M-row) product: ~60 on the
#: 2-core machine of docs/performance.md (forming 10 Sigma_tr at D = 1000 vs one epoch over them)
FLOPS_PER_STREAMED_ELEMENT = 60


def gradient_route(setting: LinearSetting, hyper: Hyperparameters | None = None) -> str:
    """"X", "sigma" or "rowspace": the cheapest way to train, by a cost model in streamed matrix elements.

    With M = ``len(methods)`` rows per set, each epoch's products are thin, so they are bound by streaming
    the matrix: D^2 elements of Sigma_tr, 2 D N of X and X^T, or N^2 of the Gram matrix X^T X / N for the
    rowspace route (the flops follow the same ratios). Sigma_tr must first be formed, 2 D^2 N flops at GEMM
    speed, which counts as 2 D^2 N / ``FLOPS_PER_STREAMED_ELEMENT`` streamed elements; the Gram matrix costs
    nothing extra (the spectrum that tunes the hyperparameters needs it anyway), and the rowspace route streams
    X twice more (X^T S0 and X^T T together, then the final student). So rowspace wins whenever it applies
    (N < D, at least one epoch). It does not apply when some method has an L1 term (``hyper.l1 > 0``;
    with ``hyper`` None, a ``lasso`` method): the soft threshold acts coordinate by coordinate in D and leaves
    the span of X. Then, at the seed's sizes (D = 1000, N = 700, 200 epochs), Sigma_tr wins over X (2.2e8
    against 2.8e8 element-equivalents per set; measured 1.4-1.7x faster); X wins once N < D / 2 or for short runs.
    On a CPU the tridiagonal route applies where rowspace does: its reduction replaces the spectrum's (the same
    LAPACK reduction, kept in place), carrying u, w and the final a through the reflectors reads them about
    (M + 2) / 2 times, and each epoch is ``TRIDIAGONAL_EPOCH_VECTORS`` (M, N) vectors of traffic instead of N^2:
    it wins from a few epochs on (at the seed's sizes 3e6 against 1e8 element-equivalents per set).
    """
    any_l1 = "lasso" in setting.methods if hyper is None else bool((hyper.l1 > 0).any())
    if setting.gradient in SPAN_ROUTES and any_l1:
        largest = setting.lasso_lam if hyper is None else float(hyper.l1.max())
        raise ValueError(f"gradient={setting.gradient!r} cannot train a method with an L1 term (hyper.l1 up to "
                         f"{largest:g}): its proximal step is coordinate-wise in D, outside the span of X; use "
                         f"'auto', 'X' or 'sigma'")
    if setting.gradient != "auto":
        return setting.gradient
    d, n, e, m = setting.dim, setting.n_samples, setting.epochs + 1, len(setting.methods)
    cost = {"X": 2 * d * n * e, "sigma": d * d * e + 2 * d * d * n / FLOPS_PER_STREAMED_ELEMENT}
    if not any_l1:
        cost["rowspace"] = n * n * e + 2 * d * n
        if resolve_device(setting.device).type == "cpu":  # the reduction runs in the CPU's LAPACK
            cost["tridiagonal"] = (m + 2) * n * n / 2 + TRIDIAGONAL_EPOCH_VECTORS * m * n * e + 2 * d * n
    return min(cost, key=cost.get)


def _validate_problem(problem, setting: LinearSetting) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A (teacher, init, X) triple given by hand: real tensors of the setting's shapes."""
    if not isinstance(problem, (tuple, list)) or len(problem) != 3:
        raise ParameterTypeError(f"problem must be a (teacher, init, X) triple of tensors, got {shown(problem)}")
    d, r, n = setting.dim, setting.n_sets, setting.n_samples
    shapes = {"problem.teacher": ((d,), (r, d)), "problem.init": ((d,),), "problem.X": ((r, d, n),)}
    for (name, allowed), value in zip(shapes.items(), problem):
        validate_real_tensor(name, value)
        if tuple(value.shape) not in allowed:
            raise ValueError(f"{name} has shape {tuple(value.shape)}, expected one of {list(allowed)}")
    return tuple(problem)


def _validate_hyper(hyper: Hyperparameters, setting: LinearSetting) -> None:
    """Hyperparameters given by hand obey the same domains as the tuned ones, shape (n_sets, methods, 1)."""
    shape = (setting.n_sets, len(setting.methods), 1)
    for name, domain in (("eta", POSITIVE), ("beta", MOMENTUM), ("lam", NON_NEGATIVE), ("l1", NON_NEGATIVE)):
        value = getattr(hyper, name)
        if tuple(value.shape) != shape:
            raise ValueError(f"hyper.{name} has shape {tuple(value.shape)}, expected (n_sets, methods, 1) = {shape}")
        validate_real_tensor(f"hyper.{name}", value)
        domain.validate(f"hyper.{name}", value.detach().cpu().double().numpy())


def _slice(hyper: Hyperparameters, part: slice) -> Hyperparameters:
    return Hyperparameters(hyper.eta[part], hyper.beta[part], hyper.lam[part], hyper.l1[part])


def _train_chunk(setting: LinearSetting, route: str, X: torch.Tensor, teacher: torch.Tensor, init: torch.Tensor,
                 hyper: Hyperparameters, gen_hist: torch.Tensor, tr_hist: torch.Tensor) -> torch.Tensor:
    """Train a chunk of sets x all methods in place of the history views; return the final students."""
    dt = setting.dtype
    X = X.to(dt)
    if route == "sigma":
        sigma = X @ X.transpose(1, 2) / setting.n_samples  # (r, D, D), symmetric: rows of delta @ Sigma
        gradient = lambda delta: torch.bmm(delta, sigma)  # noqa: E731
    else:
        Xt = X.transpose(1, 2)
        gradient = lambda delta: torch.bmm(torch.bmm(delta, X), Xt).div_(setting.n_samples)  # noqa: E731
    T = teacher.to(dt)
    S = init.to(dt).expand(X.shape[0], len(setting.methods), setting.dim).clone()
    velocity = torch.zeros_like(S)
    delta = torch.empty_like(S)
    thresholds = hyper.eta * hyper.l1
    any_l1 = bool((hyper.l1 > 0).any())
    any_beta, any_lam = bool((hyper.beta != 0).any()), bool((hyper.lam != 0).any())
    neg_eta = -hyper.eta
    for epoch in range(setting.epochs + 1):
        torch.sub(S, T, out=delta)
        grad_tr = gradient(delta)
        gen_hist[epoch] = 0.5 * (delta * delta).sum(-1)
        tr_hist[epoch] = 0.5 * (delta * grad_tr).sum(-1)
        if epoch == setting.epochs:
            break
        # velocity = beta velocity + grad + lam S, then S -= eta velocity, in place
        if any_beta:
            velocity.mul_(hyper.beta).add_(grad_tr)
        else:
            velocity.copy_(grad_tr)
        if any_lam:
            velocity.addcmul_(hyper.lam, S)
        S.addcmul_(neg_eta, velocity)
        if any_l1:
            S = prox_lasso(S, thresholds, check=False)  # validated once (_validate_hyper)
    return S


def _init_coefficients(hyper: Hyperparameters, epochs: int) -> torch.Tensor:
    """(epochs + 1, R, M, 1) float64: gamma_t, the coefficient of S0 in S_t = gamma_t S0 + X a_t.

    Its velocity part nu_t (v_t = nu_t S0 + X b_t) starts at 0 and follows nu_{t+1} = beta nu_t + lam gamma_t,
    gamma_{t+1} = gamma_t - eta nu_{t+1}: the weight decay shrinks S0, the data term never touches it.
    A scalar recursion per (set, method), shared by every chunk.
    """
    eta, beta, lam = (h.to(torch.float64) for h in (hyper.eta, hyper.beta, hyper.lam))
    out = torch.empty(epochs + 1, *eta.shape, dtype=torch.float64, device=eta.device)
    out[0] = 1.0
    if not bool((lam != 0).any()):
        out[1:] = 1.0
        return out
    nu = torch.zeros_like(eta)
    for t in range(epochs):
        nu = beta * nu + lam * out[t]
        out[t + 1] = out[t] - eta * nu
    return out


def _train_chunk_rowspace(setting: LinearSetting, X: torch.Tensor, G: torch.Tensor | None, teacher: torch.Tensor,
                          init: torch.Tensor, hyper: Hyperparameters, gammas: torch.Tensor,
                          gen_hist: torch.Tensor, tr_hist: torch.Tensor,
                          basis: Tridiagonal | None = None) -> torch.Tensor:
    """The rowspace route: the same iterates as ``_train_chunk``, with each streamed matrix N x N; with ``basis``
    (the tridiagonal route) in the coordinates where G = Q T Q^T is tridiagonal, G unused.

    GD, weight decay and heavy ball move S only along S0 and the columns of X, so S_t = gamma_t S0 + X a_t and
    v_t = nu_t S0 + X b_t with a_t, b_t in R^N (gamma_0 = 1, a_0 = b_0 = 0, nu_0 = 0). With G = X^T X / N,
    u = X^T S0 / N and w = X^T T / N, Sigma_tr (S - T) = X rho with rho = gamma u - w + G a (= X^T (S - T) / N),
    and lam S = lam gamma S0 + X lam a, so v_{t+1} = beta v_t + Sigma_tr (S_t - T) + lam S_t becomes
    b_{t+1} = beta b_t + rho_t + lam a_t (nu and gamma: ``_init_coefficients``), and a_{t+1} = a_t - eta b_{t+1}.
    The losses come from the same product G a: train_loss = N ||rho||^2 / 2 and
    gen_loss = ||gamma S0 - T + X a||^2 / 2 = (gamma^2 S0.S0 - 2 gamma S0.T + T.T + N a.(rho + gamma u - w)) / 2.
    The final student is gamma S0 + X a.

    In the tridiagonal basis, a' = Q^T a (likewise b, u, w, rho): G a = Q T a', so rho' = gamma u' - w' + T a',
    an O(N) product, and the updates and both dot products keep their form (Q is orthogonal); a = Q a' at the end.
    """
    dt = setting.dtype
    n, epochs = setting.n_samples, setting.epochs
    X = X.to(dt)
    r, m, d = X.shape[0], len(setting.methods), setting.dim
    S0 = init.to(dt)
    T = teacher.to(dt).expand(r, 1, d)
    proj = torch.bmm(torch.cat([S0.expand(r, 1, d), T], dim=1), X).div_(n)  # (r, 2, N): one pass over X
    if basis is None:
        G = G.to(dt)
        product = lambda c_, a_, out: torch.baddbmm(c_, a_, G, out=out)  # noqa: E731  (the epoch's N x N product)
    else:
        proj = basis.to_basis(proj)
        diag = torch.as_tensor(basis.diagonal, dtype=dt, device=X.device)[:, None, :]  # (r, 1, N)
        off = torch.as_tensor(basis.off_diagonal, dtype=dt, device=X.device)[:, None, :]  # (r, 1, N - 1)

        def product(c_, a_, out):  # c + T a, T tridiagonal
            torch.addcmul(c_, diag, a_, out=out)
            if n > 1:
                out[..., 1:].addcmul_(off, a_[..., :-1])
                out[..., :-1].addcmul_(off, a_[..., 1:])
    u, neg_w = proj[:, :1].contiguous(), proj[:, 1:].neg()
    S0d, Td = S0.to(torch.float64), T.to(torch.float64)[:, 0]
    s0s0, s0t, tt = S0d @ S0d, (Td @ S0d)[:, None], (Td * Td).sum(-1, keepdim=True)  # (), (r, 1), (r, 1)
    gamma_t = gammas.to(dt)
    rho_rho = torch.empty(epochs + 1, r, m, dtype=dt, device=X.device)
    a_rho_c = torch.empty_like(rho_rho)
    # a block of epochs at a time: c_t = gamma_t u - w for the block at once, and its rho_t, a_t kept, so that the
    # losses' dot products run once per block, not as three small operations per epoch; a_t's row 0 is the
    # block's start, row k + 1 the iterate after its k-th epoch. The block's three buffers stay within
    # EPOCH_BLOCK_BYTES, so that the dot products read them from cache
    k_max = min(EPOCH_BLOCK, epochs + 1, max(1, EPOCH_BLOCK_BYTES // (3 * r * m * n * element_size(dt))))
    C = torch.empty(k_max, r, m, n, dtype=dt, device=X.device)
    RHO = torch.empty_like(C)
    AS = torch.zeros(k_max + 1, r, m, n, dtype=dt, device=X.device)
    B = torch.zeros(r, m, n, dtype=dt, device=X.device)
    cs, rhos, As = C.unbind(0), RHO.unbind(0), AS.unbind(0)
    any_beta, any_lam = bool((hyper.beta != 0).any()), bool((hyper.lam != 0).any())
    neg_eta = -hyper.eta
    for start in range(0, epochs + 1, k_max):
        k = min(k_max, epochs + 1 - start)
        if start:
            AS[0].copy_(AS[k_max])
        torch.addcmul(neg_w, gamma_t[start:start + k], u, out=C[:k])  # gamma u - w
        for i in range(k):
            product(cs[i], As[i], rhos[i])
            if start + i == epochs:
                break
            if any_beta:
                torch.addcmul(rhos[i], hyper.beta, B, out=B)
            else:
                B.copy_(rhos[i])
            if any_lam:
                B.addcmul_(hyper.lam, As[i])
            torch.addcmul(As[i], neg_eta, B, out=As[i + 1])
        torch.linalg.vecdot(RHO[:k], RHO[:k], out=rho_rho[start:start + k])
        torch.linalg.vecdot(AS[:k], RHO[:k].add_(C[:k]), out=a_rho_c[start:start + k])  # a.(rho + c); rho is done
    A = AS[k - 1]  # the last epoch's iterate (it had no update)
    if basis is not None:
        A = basis.from_basis(A)
    g = gammas[..., 0]  # float64, like the loss constants: the combination below cancels O(1) terms
    gen_hist.copy_(0.5 * (g * g * s0s0 - 2 * g * s0t + tt + n * a_rho_c.to(torch.float64)))
    tr_hist.copy_((0.5 * n) * rho_rho)
    return torch.baddbmm(gamma_t[-1] * S0, A, X.transpose(1, 2))


#: epochs of the rowspace route whose losses' dot products are taken together (``_train_chunk_rowspace``); its
#: buffers hold 3 x this many (sets, methods, N) blocks
EPOCH_BLOCK = 32
#: the byte budget of those buffers: measured one thread, 100 sets x 200 epochs x 4 methods at N = 700 in chunks
#: of 34 sets (1.1 MB per epoch), train 0.25 s with 4 MiB (3 epochs) against 0.38 s with 32 epochs (37 MB, past
#: the L3 cache)
EPOCH_BLOCK_BYTES = 4 << 20

#: a loss this many times its start has left any stable run's range (a stable step contracts every mode)
DIVERGED_GROWTH = 1e6


def _check_finite(hist: torch.Tensor, setting: LinearSetting, hyper: Hyperparameters,
                  checked: torch.Tensor | None = None) -> None:
    """DivergedError naming the method, epoch, data set and step size where a loss turned NaN/inf or grew
    beyond ``DIVERGED_GROWTH`` times its first value (a geometric blow-up that has not overflowed yet); only
    the (set, method) pairs ``checked`` (R, M) when given."""
    bad = ~torch.isfinite(hist) | (hist.abs() > DIVERGED_GROWTH * hist[:1].abs().clamp_min(1e-300))
    if checked is not None:
        bad &= checked[None]
    if bad.any():
        epoch, s, m = (int(i) for i in bad.nonzero()[0])
        raise DivergedError(f"method {setting.methods[m]!r} diverged at epoch {epoch} (data set {s}, "
                            f"step size {float(hyper.eta[s, m, 0]):.4g})")
