"""The floor of a workload: the time its own flops and bytes need at this machine's measured rates.

**The model.** A workload is a list of phases. Each phase is a set of torch operations of one kind (products,
or elementwise passes) that run one after another; its ``flops`` are the arithmetic those operations issue and
its ``bytes`` the elements they read plus the elements they write, times the element size. Its ``resident``
bytes are its working set: what the operations cycle through before touching the same data again (a chunk's
matrices over one epoch; the whole array for a phase that walks once through every data set), and they fix
the level its bytes come from: one core's L2, the L3, or DRAM (``MachineFloors.level_of``). Then

    floor = sum over phases of max(flops / GEMM rate of its dtype, bytes / bandwidth of its level)

(within one phase, arithmetic and traffic may overlap; separate phases do not). The rates are those of
``checks.outputs.floors`` at the run's thread count. Writes are counted once at the read bandwidth, which
is optimistic (a written cache line is usually read first), so a floor errs low, never high, except for the
tiny per-epoch vectors of the linear trainer, which live in L1 and are charged at the L2 rate (a few per cent
of its epoch floor). Not in any phase: Python and per-operation overhead, random draws made before the timed
part, the SymPy tuning formulas, scalar recursions, and one-off copies of the weights at the start and end.

The counts are derived from the setting that is actually run (``--epochs-scale`` changes ``epochs`` and so
the counts), following the trainers' own code in ``sim.linear`` (the span routes) and ``sim.networks``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from gentoys.checks.outputs.floors import MachineFloors
from gentoys.sim import networks
from gentoys.sim.core.batching import L2_BYTES, element_size, sets_per_chunk
from gentoys.sim.core.device import resolve_device
from gentoys.sim.linear import (
    GRAM_BLOCKS,
    SPAN_ROUTES,
    SYMMETRIC_GRAM_MIN_N,
    TRIDIAGONAL_EXTREMES,
    LinearSetting,
    chunk_bytes_per_set,
    gradient_route,
)


#: slices of the tridiagonal reduction's matrix-vector half (each charged at the level of its smallest trailing
#: triangle)
EIGVALSH_SLICES = 8


@dataclass(frozen=True)
class Phase:
    """Operations of one kind: flops issued, bytes read and written, the working set they cycle through."""

    name: str
    flops: float
    bytes: float
    resident: float
    dtype: str = "float32"

    def seconds(self, floors: MachineFloors) -> tuple[float, str, str]:
        """(floor seconds, level, bound: "flops" or "bytes") at the measured rates."""
        level = floors.level_of(self.resident)
        compute = self.flops / (floors.gemm_gflops[self.dtype] * 1e9)
        traffic = self.bytes / (floors.bandwidth_gbs[level] * 1e9)
        return max(compute, traffic), level, "flops" if compute >= traffic else "bytes"


def floor_seconds(phases: list[Phase], floors: MachineFloors) -> float:
    """Sum over phases of max(flops / GEMM rate, bytes / bandwidth of the phase's level)."""
    return sum(p.seconds(floors)[0] for p in phases)


def phase_table(phases: list[Phase], floors: MachineFloors) -> list[dict]:
    """Each phase's counts, level, bound and floor seconds (for the JSON)."""
    rows = []
    for p in phases:
        seconds, level, bound = p.seconds(floors)
        rows.append({"phase": p.name, "flops": float(f"{p.flops:.4g}"), "bytes": float(f"{p.bytes:.4g}"),
                     "resident_bytes": float(f"{p.resident:.4g}"), "level": level, "bound": bound,
                     "dtype": p.dtype, "floor_s": float(f"{seconds:.4g}")})
    return rows


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def linear_phases(s: LinearSetting) -> list[Phase]:
    """``sim.linear.train`` on a span route (every method without an L1 term; the bench's gen_linear): rowspace,
    or tridiagonal (the CPU's choice).

    R sets, D dimensions, N samples, M methods, E epochs, element size e:
    Gram X^T X: 2 R N^2 D flops, reads X and writes G; from ``SYMMETRIC_GRAM_MIN_N`` samples on (CPU) only the
    block rows on and above the diagonal, 2 D per entry computed, written once by the product and once into
    G, and the entries below mirrored (read, write); its scaling by 1/N one pass over G.
    eigvalsh (LAPACK's tridiagonal reduction; the eigenvalues of the tridiagonal matrix are O(N^2), left out):
    it copies G (read, write), then 4/3 N^3 flops per set, half in rank-2k updates (GEMM-like), half in
    symmetric matrix-vector products: for each trailing size k = N .. 1, one triangle of k^2 / 2 elements read
    and 4 flops per element read (2 k^2), sum ~ N^3 / 6 elements and 2/3 N^3 flops.
    Projections u, w: one product (2 x D) by X, 4 D N flops, reads X. Epochs (E + 1 per set): one product
    (M x N) by G, 2 M N^2 flops, reads G; and 18 M N (17 M N on the last epoch, fewer without momentum or
    decay) elements of vector traffic. The final students: (M x N) by X^T, 2 M N D flops, reads X.

    The tridiagonal route (with its own extremes, on a CPU) forms only one triangle of G (BLAS syrk:
    N (N + 1) / 2 entries of 2 D flops, the 1/N inside), reduces it in place (no copy, the same flops), the
    extremes' bisection is O(N) (left out), and it carries u, w and the final a through the reflectors: 2 N^2
    flops per vector (4 k for a reflector of length k; lengths N - 1 .. 1), the reflectors (N (N - 1) / 2
    elements) read once per pass, two passes. Its epochs have no product with G: the tridiagonal one is vector
    traffic, 27 M N elements per epoch (18 on the last: gamma u - w 3, c + T a 9, the dot products 6; then the
    updates 9, fewer without momentum or decay).
    """
    route = gradient_route(s)
    if route not in SPAN_ROUTES:
        raise ValueError(f"the floor model covers the span routes only ({', '.join(SPAN_ROUTES)}); this setting's "
                         f"methods={s.methods!r} "
                         f"with gradient={s.gradient!r} train on the {route!r} route")
    tridiagonal = route == "tridiagonal"
    r, d, n, m, epochs = s.n_sets, s.dim, s.n_samples, len(s.methods), s.epochs
    e, dt = element_size(s.dtype), _dtype_name(s.dtype)
    x_all = r * d * n * e  # every design matrix: what the one-pass phases walk through
    gram_all = r * n * n * e
    per_set = chunk_bytes_per_set(route, s) // e  # elements; the trainer's own chunks
    chunk = sets_per_chunk(r, per_set * e, resolve_device(s.device), s.chunk_sets, L2_BYTES)
    betas = any(name.startswith("momentum") for name in s.methods)
    decays = any(name.endswith("ridge") for name in s.methods)
    # vector traffic per epoch, in (M, N) vectors read or written: c = gamma u - w (3), the product's c and rho
    # (2), rho.rho (1), rho + c (3), A.(rho + c) (2); then B = beta B + rho (3, or a copy: 2), B += lam A (3),
    # A -= eta B (3)
    vectors = (epochs + 1) * (3 + 2 + 1 + 3 + 2) + epochs * ((3 if betas else 2) + (3 if decays else 0) + 3)
    if tridiagonal:  # the product's c and rho (2) become c + d a, then two off-diagonal passes on rho (3 each)
        vectors += (epochs + 1) * (3 + 3 + 3 - 2)
    triangle = tridiagonal and s.extremes in TRIDIAGONAL_EXTREMES and resolve_device(s.device).type == "cpu"
    if triangle:  # ?syrk: one triangle, N (N + 1) / 2 entries of D terms, written once; scaled by 1/N inside
        entries = n * (n + 1) // 2
        gram_phase = Phase("gram X^T X (one triangle, syrk)", 2 * r * entries * d, x_all + r * entries * e,
                           x_all + gram_all, dt)
    elif resolve_device(s.device).type == "cpu" and n >= SYMMETRIC_GRAM_MIN_N:  # the blocked symmetric product
        edges = [round(n * i / GRAM_BLOCKS) for i in range(GRAM_BLOCKS + 1)]
        upper = sum((b - a) * (n - a) for a, b in zip(edges, edges[1:]))  # entries the block rows compute
        lower = sum((b - a) * (n - b) for a, b in zip(edges, edges[1:]))  # entries mirrored from them
        gram_phase = Phase("gram X^T X (block rows on and above the diagonal)", 2 * r * upper * d,
                           x_all + r * (3 * upper + 2 * lower) * e, x_all + gram_all, dt)  # product, copy in, mirror
    else:
        gram_phase = Phase("gram X^T X", 2 * r * n * n * d, x_all + gram_all, x_all + gram_all, dt)
    phases = [gram_phase] + ([] if triangle else [Phase("gram / N", r * n * n, 2 * gram_all, gram_all, dt)])
    phases += [
        Phase("tridiagonal reduction in place, rank-2k half", r * 2 / 3 * n**3, gram_all, gram_all, dt)
        if tridiagonal else
        Phase("tridiagonal reduction: copy of G, rank-2k half", r * 2 / 3 * n**3, 3 * gram_all, gram_all, dt),
    ]
    # the matrix-vector half, in slices of trailing sizes k; a slice's working set is its smallest triangle
    # (so a floor errs low): the level then follows from the caches measured
    edges = sorted({round(n * i / EIGVALSH_SLICES) for i in range(EIGVALSH_SLICES + 1)})
    for lo, hi in zip(edges, edges[1:]):
        elements = sum(k * k / 2 for k in range(lo + 1, hi + 1))
        phases.append(Phase(f"tridiagonal reduction, matrix-vector half, trailing {lo + 1}..{hi}", r * 4 * elements,
                            r * elements * e, (lo + 1) ** 2 / 2 * e, dt))
    phases.append(Phase("projections X^T S0, X^T T", 4 * r * d * n, x_all, x_all, dt))
    if tridiagonal:
        phases.append(Phase("basis: Q^T (u, w), Q a", r * 2 * (2 + m) * n * (n - 1), r * n * (n - 1) * e,
                            n * (n - 1) / 2 * e, dt))
    else:
        phases.append(Phase("epochs: (M x N) by G", r * (epochs + 1) * 2 * m * n * n,
                            r * (epochs + 1) * (n * n + m * n) * e, chunk * per_set * e, dt))
    phases += [
        Phase("epochs: vector updates", r * vectors * m * n, r * vectors * m * n * e, chunk * 5 * m * n * e, dt),
        Phase("final students (M x N) by X^T", 2 * r * m * n * d, x_all + 2 * r * m * d * e, x_all, dt),
    ]
    return phases


def _update_traffic(method: networks.Method) -> tuple[int, int]:
    """(elements read + written, flops) per weight element of one ``sim.networks`` SGD step after the momentum
    buffer holds beta buf + grad: coupled decay buf += wd w (3, 2), w -= lr buf (3, 2), then the soft threshold
    (2, 3) and the shrink (2, 1), each in place, or the shrink alone (2, 1)."""
    traffic, flops = 3, 2
    if method.weight_decay:
        traffic, flops = traffic + 3, flops + 2
    if method.l1:
        traffic, flops = traffic + 4, flops + 4
    elif method.shrink:
        traffic, flops = traffic + 2, flops + 1
    return traffic, flops


def network_phases(s: networks.NetworkSetting) -> list[Phase]:
    """``sim.networks.train`` of ``s`` (both models). R sets, K methods, D inputs, h hidden, N samples,
    E epochs (E + 1 gradient evaluations, E updates), P = D h weights of M per (set, method), e bytes.

    Per (set, method) and update, M's momentum buffer beta buf + g (3 flops, 2 P elements: read, write) and the
    SGD step (``_update_traffic``); V's buffer in two passes (2 flops, 5 h elements) and the same step on h.
    two_layer per set and evaluation: S = V M^T (2 K P flops, reads K P), X S^T and X^T resid (4 K D N flops,
    reads X twice), g_V = M^T g (2 K P, reads K P); a recorded epoch's validation loss reuses that S
    (``sim.network_grads``). relu per (set, method) and evaluation: Z = X M (2 N P flops), ReLU
    (N h: read, write), V H^T and H^T resid (4 N h flops, read H twice), the outer product resid V^T
    (writes N h), its mask by Z (reads 2 N h, writes N h); per update buf += X^T dZ (2 N P flops); each recorded
    epoch the same forward on n_val samples; at the end the test loss on n_test samples (teacher and
    student). Working set: the chunk's X (and X^T), M, buffers and, for relu, Z, H, dZ.
    """
    r, k, d, h, n, epochs = s.n_sets, len(s.methods), s.dim, s.hidden, s.n_train, s.epochs
    e, dt = element_size(s.dtype), _dtype_name(s.dtype)
    p = d * h
    recorded = len(set(range(0, epochs + 1, s.record_every)) | {epochs})
    chunk = networks._chunk_size(s, resolve_device(s.device))
    update_flops = sum(3 + _update_traffic(mt)[1] for mt in s.methods)
    update_traffic = sum(2 + _update_traffic(mt)[0] for mt in s.methods)
    # V's buffer: buf.mul_(beta) (2 elements, 1 flop) then add_(g_V) (3, 1)
    v_flops = sum(2 + _update_traffic(mt)[1] for mt in s.methods)
    v_traffic = sum(5 + _update_traffic(mt)[0] for mt in s.methods)
    if s.model == "two_layer":
        resident = chunk * (2 * k * p + n * d) * e  # M, buffers, X
        phases = [
            Phase("products V M^T, M^T g", r * (epochs + 1) * 4 * k * p, r * (epochs + 1) * 2 * k * p * e, resident,
                  dt),
            Phase("products with X and X^T", r * (epochs + 1) * 4 * k * d * n, r * (epochs + 1) * 2 * n * d * e,
                  resident, dt),
        ]
    else:
        nv, nt, kt = s.n_val, s.n_test, s.teacher_hidden
        acts = chunk * 4 * k * n * h  # Z, H, the outer product, dZ
        resident = (chunk * (2 * k * p + 2 * n * d) + acts) * e  # M, buffers, X, X^T, activations
        evals, steps = r * (epochs + 1) * k, r * epochs * k
        phases = [
            Phase("products X M", evals * 2 * n * p, evals * (n * d + p + n * h) * e, resident, dt),
            Phase("products X^T dZ", steps * 2 * n * p, steps * (n * d + n * h) * e, resident, dt),
            Phase("products with V and H", evals * 4 * n * h, evals * 2 * n * h * e, resident, dt),
            Phase("ReLU, outer product, mask", evals * 3 * n * h, evals * 6 * n * h * e, resident, dt),
            Phase("recorded epochs: validation forward", r * recorded * k * (2 * nv * p + 3 * nv * h),
                  r * recorded * k * (nv * d + p + 4 * nv * h) * e, resident, dt),
            Phase("test loss", r * (k * (2 * nt * p + 3 * nt * h) + 2 * nt * d * kt),
                  r * (nt * d + k * (p + 4 * nt * h)) * e, r * (nt * d + k * nt * h) * e, dt),
        ]
    phases += [
        Phase("momentum buffers and SGD steps (M)", r * epochs * update_flops * p, r * epochs * update_traffic * p * e,
              resident, dt),
        Phase("momentum buffers and SGD steps (V)", r * epochs * v_flops * h, r * epochs * v_traffic * h * e,
              resident, dt),
    ]
    return phases
