"""``ridge_correction``: the finite-D relative correction to Eq. 3 at lambda_R(q), over q x D.

Measured, per sampled data set (exact finite-D spectral computation, no training):

* ``c_teacher``: ||lam (Sigma + lam)^-1 T||^2 / ||P_0 T||^2 - 1 for a random unit teacher T of that set, i.e.
  the set's exact ridge plateau (Eq. 2) over its own flat-direction plateau, minus one;
* ``c_trace``: the same with T averaged over directions, sum_i lam^2/(lam + x_i)^2 / (D - N) - 1 from the
  set's non-zero eigenvalues x_i (the flat directions contribute D - N to both traces).

Theory beside it: ``ridge_correction(q)`` (Marchenko-Pastur, SymPy-derived) and ``ridge_correction_crossing``.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from gentoys.checks.sweeps.common import crossing, pyplot, save_figure, stats, sub_seed
from gentoys.checks.sweeps.spec import Axis, Point, Sweep

LEVEL = 0.03  # the size the source document gives the correction at most
N_SETS = 24


def run_point(point: Point, seed: int, device: str) -> dict[str, float]:
    from gentoys.sim.core.device import generator, resolve_device
    from gentoys.sim.spectra import sample_gram
    from gentoys.theory import lambda_R, ridge_correction

    q, dim = float(point["q"]), int(point["D"])
    n_sets = int(point.get("n_sets", N_SETS))  # a claim computes the same point with fewer sets
    n = round(q * dim)
    lam = float(lambda_R(q))
    c_teacher, c_trace = [], []
    for i in range(n_sets):  # one set at a time: memory stays one design matrix
        s = sub_seed(seed, i)
        gram = sample_gram(1, dim, n, seed=s, device=device)
        teacher = torch.randn(dim, generator=generator(s + 1, resolve_device(device)), device=device,
                              dtype=torch.float64)
        teacher = teacher / teacher.norm()
        ridge = gram.ridge_residual_norm2(teacher, lam)
        flat = gram.null_projection_norm2(teacher)
        c_teacher.append(float(ridge[0] / flat[0]) - 1)
        x = gram.nonzero_eigenvalues[0]
        c_trace.append(float((lam**2 / (lam + x) ** 2).sum()) / (dim - n))  # (D - n + sum) / (D - n) - 1
    return {"N": n, "lambda_R": lam, **stats("c_teacher", c_teacher), **stats("c_trace", c_trace),
            "theory": float(ridge_correction(q))}


def peak_bytes(point: Point) -> int:
    dim, n = int(point["D"]), round(float(point["q"]) * int(point["D"]))
    return 8 * (2 * dim * n + 5 * n * n)


def summarize(table: pd.DataFrame) -> dict:
    from gentoys.theory import ridge_correction_crossing

    by_d = {}
    for dim, rows in table.groupby("D"):
        by_d[int(dim)] = {"q_cross_trace": crossing(rows["q"], rows["c_trace_mean"], LEVEL),
                          "q_cross_teacher": crossing(rows["q"], rows["c_teacher_mean"], LEVEL),
                          "max_c_trace": float(rows["c_trace_mean"].max()),
                          "max_gap_to_theory_in_se": float(((rows["c_trace_mean"] - rows["theory"]).abs()
                                                            / rows["c_trace_se"]).max())}
    theory_q = ridge_correction_crossing(LEVEL)
    return {"level": LEVEL, "theory_q_cross": theory_q, "by_D": by_d,
            "finding": "; ".join(f"D={d}: measured correction reaches {LEVEL:.0%} at q={v['q_cross_trace']:.3f}"
                                 if math.isfinite(v["q_cross_trace"]) else
                                 f"D={d}: stays below {LEVEL:.0%} on the grid (max {v['max_c_trace']:.4f})"
                                 for d, v in by_d.items()) + f"; theory (D -> infinity): q={theory_q:.3f}"}


def figure(table: pd.DataFrame, summary: dict, out: Path) -> list[Path]:
    from gentoys.theory import ridge_correction

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for dim, rows in table.groupby("D"):
        ax.errorbar(rows["q"], rows["c_trace_mean"], yerr=rows["c_trace_se"], marker="o", ms=3, capsize=2,
                    label=f"D = {dim} (exact per set)")
    qs = np.linspace(0.02, 0.98, 200)
    ax.plot(qs, ridge_correction(qs), "k-", label="Marchenko-Pastur")
    ax.axhline(LEVEL, color="grey", ls="--", lw=1, label=f"{LEVEL:.0%}")
    ax.set(xlabel="q = N/D", ylabel=r"relative correction at $\lambda_R$", title="Ridge correction to Eq. 3")
    ax.legend(fontsize=7)
    return save_figure(fig, table, out, "ridge_correction")


SWEEP = Sweep(
    name="ridge_correction",
    description="finite-D relative correction to the ridge plateau (Eq. 3) at lambda_R, q x D",
    grid={"q": tuple(round(v, 3) for v in np.linspace(0.5, 0.95, 10)), "D": (250, 500, 1000)},
    run_point=run_point, peak_bytes=peak_bytes, summarize=summarize, figure=figure,
    measured=f"exact per-data-set spectral computation over {N_SETS} sampled sets per point (no training): "
             "c_teacher = ||lam(Sigma+lam)^-1 T||^2/||P0 T||^2 - 1 for a random unit teacher (Woodbury solves), "
             "c_trace = the teacher-averaged value from the set's eigenvalues; mean +- s.e. over sets",
    theory="ridge_correction(q) at lam = lambda_R(q) (Marchenko-Pastur) and its 3 % crossing "
           "ridge_correction_crossing(0.03)",
    fixed={"n_sets": N_SETS, "lam": "lambda_R(q)", "level": LEVEL},
    axes={"q": Axis("real", 0, 1, low_open=True, high_open=True), "D": Axis("int", 2)},
)
