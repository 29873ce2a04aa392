"""``lasso_phase``: where lasso beats ridge, over q x sparsity (x the L1 strength lam).

Measured per point: N_SETS independent (teacher, design) pairs at D = 200, each teacher a sparse unit vector
(``round(sparsity D)`` Gaussian coordinates, the rest zero; drawn anew per pair, so that the mean is the
prior's, not one teacher's); on each the converged lasso (``sim.lasso.solve_lasso``, certified by its KKT
violation below ``TOL`` lam) and the ridge limit at the pair's lambda_R. ell_gen of each, mean +- s.e., and the
paired difference ridge - lasso. The measured boundary, per sparsity and lam, is the q at which that difference
turns positive (lasso lower).

Theory beside it: the lasso's state evolution (``theory.lasso_risk`` at lam sqrt(D)) and ridge's MP limit at
lambda_R; their difference on a fine q grid, and its sign change, the predicted boundary.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from gentoys.checks.sweeps.common import crossing, pyplot, save_figure, stats
from gentoys.checks.sweeps.spec import Axis, Point, Sweep

DIM = 200
N_SETS = 16
MAX_ITER = 400_000  # FISTA iterations before a point fails (NotConvergedError); a set whose support reaches N
# (D = 200, q = 0.3: N = 60) is the slowest, ~3e4 (tests/test_sweep_parts.py runs the grid point that has one)
TOL = 1e-4  # the lasso stops when its KKT violation is below TOL * lam on every set (the verify profiles' lasso_tol)


def sparse_dim(sparsity: float) -> int:
    return min(DIM, max(1, round(sparsity * DIM)))


def theory_difference(q: float, sparsity: float, lam: float) -> tuple[float, float]:
    """Predicted (ell_gen of the lasso, of ridge): the state evolution at the sparsity the simulation realizes
    and lam sqrt(D), ridge's MP limit at lambda_R(q)."""
    from gentoys.theory import lambda_R, lasso_risk, ridge_plateau

    eps = sparse_dim(sparsity) / DIM
    return float(lasso_risk(q, eps, lam, DIM).gen_loss), float(ridge_plateau(q, lambda_R(q)))


def run_point(point: Point, seed: int, device: str) -> dict[str, float]:
    import torch

    from gentoys.sim.lasso import solve_lasso, solve_ridge
    from gentoys.sim.linear import LinearSetting, draw_problem, extremes_of, gram_spectrum
    from gentoys.theory import tuning

    q, sparsity, lam = float(point["q"]), float(point["sparsity"]), float(point["lam"])
    k = sparse_dim(sparsity)
    setting = LinearSetting(dim=DIM, q=q, n_sets=N_SETS, teacher="sparse" if k < DIM else "random", sparse_dim=k,
                            teacher_per_set=True, seed=seed % (2**31), device=device, dtype=torch.float64)
    teacher, _, X = draw_problem(setting)
    spectrum = gram_spectrum(X)
    lasso = solve_lasso(X, teacher, lam, spectrum[:, -1], tol=TOL, max_iter=MAX_ITER)
    lo, hi = extremes_of(spectrum, setting.zero_tol).T.cpu().numpy()
    S = solve_ridge(X, teacher, torch.as_tensor(tuning.lambda_R(lo, hi), dtype=X.dtype, device=X.device))
    ridge = (0.5 * ((S - teacher) ** 2).sum(-1)).cpu().numpy()
    lasso_gen = lasso.gen_loss.cpu().numpy()
    theory_lasso, theory_ridge = theory_difference(q, sparsity, lam)
    return {"sparse_dim": k, "lasso_iterations_max": int(lasso.iterations.max()),
            "lasso_kkt_max": float(lasso.kkt.max()),
            **stats("ridge", ridge), **stats("lasso", lasso_gen), **stats("ridge_minus_lasso", ridge - lasso_gen),
            "theory_lasso": theory_lasso, "theory_ridge": theory_ridge}


def peak_bytes(point: Point) -> int:
    n = round(float(point["q"]) * DIM)
    # float64: the designs, Sigma (or X twice), the FISTA iterates and the ridge system
    return 8 * N_SETS * (3 * DIM * n + DIM * DIM + 6 * DIM + 2 * n * n)


def _fine_q(table: pd.DataFrame) -> np.ndarray:
    return np.linspace(float(table["q"].min()), float(table["q"].max()), 41)


def predicted_curve(qs: np.ndarray, sparsity: float, lam: float) -> np.ndarray:
    """Predicted ell_gen(ridge) - ell_gen(lasso) along ``qs``."""
    pairs = np.array([theory_difference(float(q), sparsity, lam) for q in qs])
    return pairs[:, 1] - pairs[:, 0]


def summarize(table: pd.DataFrame) -> dict:
    measured, predicted, everywhere, gap = {}, {}, [], {}
    qs = _fine_q(table)
    for (sparsity, lam), rows in table.groupby(["sparsity", "lam"]):
        rows = rows.sort_values("q")
        key = f"sparsity={sparsity:g}, lam={lam:g}"
        measured[key] = crossing(rows["q"], rows["ridge_minus_lasso_mean"], 0.0)
        predicted[key] = crossing(qs, predicted_curve(qs, sparsity, lam), 0.0)
        if (rows["ridge_minus_lasso_mean"] > 0).all():
            everywhere.append(key)
        # how far the converged lasso is from its state evolution, in units of its standard error
        gap[key] = float(((rows["lasso_mean"] - rows["theory_lasso"]) / rows["lasso_se"]).abs().max())
    return {"D": DIM, "n_sets": N_SETS, "lasso_tol": TOL,
            "max_lasso_kkt": float(table["lasso_kkt_max"].max()),
            "max_lasso_iterations": int(table["lasso_iterations_max"].max()),
            "boundary_q": measured, "predicted_boundary_q": predicted, "lasso_lower_on_the_whole_grid": everywhere,
            "lasso_vs_state_evolution_max_z": gap,
            "note": "boundary_q: the q at which ridge - lasso turns positive (lasso lower); NaN: no sign change on "
                    "the grid (lasso lower everywhere if the difference is positive at the smallest q); "
                    "predicted_boundary_q: the same for the state evolution and ridge's MP limit on a fine q grid"}


def figure(table: pd.DataFrame, summary: dict, out: Path) -> list[Path]:
    plt = pyplot()
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.2))
    qs = _fine_q(table)
    groups = list(table.groupby(["sparsity", "lam"]))
    for (sparsity, lam), rows in groups:
        rows = rows.sort_values("q")
        bar = ax.errorbar(rows["q"], rows["ridge_minus_lasso_mean"], yerr=rows["ridge_minus_lasso_se"], marker="o",
                          ms=3, capsize=2, ls="", label=f"sparsity {sparsity:g}, lam {lam:g}")
        ax.plot(qs, predicted_curve(qs, sparsity, lam), color=bar[0].get_color(), lw=1)
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xlabel="q", ylabel=r"$\ell_{gen}$ ridge $-$ lasso (> 0: lasso wins)",
           title=f"converged lasso vs ridge, D = {DIM}, {N_SETS} pairs\n(points: measured; lines: state evolution)")
    ax.legend(fontsize=7)
    for lam, rows in table.groupby("lam"):
        keys = [(s, f"sparsity={s:g}, lam={lam:g}") for s in sorted(rows["sparsity"].unique())]
        line, = bx.plot([summary["predicted_boundary_q"][k] for _, k in keys], [s for s, _ in keys], "-",
                        label=f"predicted, lam {lam:g}")
        bx.plot([summary["boundary_q"][k] for _, k in keys], [s for s, _ in keys], "o", color=line.get_color(),
                label=f"measured, lam {lam:g}")
    bx.set(xlabel="q", ylabel="sparsity", xlim=(float(table["q"].min()), float(table["q"].max())),
           title="boundary: lasso wins to the right\n(missing: no sign change on the grid)")
    bx.legend(fontsize=7)
    return save_figure(fig, table, out, "lasso_phase")


SWEEP = Sweep(
    name="lasso_phase",
    description="lasso vs ridge ell_gen over q x sparsity (x lam); the measured boundary",
    # below q = 0.3 (and at sparsity 0.8 near q = 0.3) the lasso at lam = 0.005 does not reach its certificate
    # within MAX_ITER iterations on this D
    grid={"q": tuple(round(v, 2) for v in np.linspace(0.3, 0.9, 7)), "sparsity": (0.1, 0.2, 0.4, 0.6),
          "lam": (5e-3,)},
    run_point=run_point, peak_bytes=peak_bytes, summarize=summarize, figure=figure,
    measured=f"torch, {N_SETS} independent (sparse unit teacher, design) pairs at D = {DIM}: ell_gen of the "
             f"converged lasso (FISTA to KKT violation < {TOL:g} lam) and of ridge at each pair's lambda_R, mean +- "
             "s.e., and their paired difference; boundary = where the difference changes sign",
    theory="the lasso's state evolution lasso_risk(q, sparsity, lam, D) and ridge's MP limit at lambda_R(q); the "
           "predicted boundary = where their difference changes sign",
    fixed={"D": DIM, "n_sets": N_SETS, "lasso_tol": TOL},
    axes={"q": Axis("real", 0, 1, low_open=True, high_open=True), "sparsity": Axis("real", 0, 1, low_open=True),
          "lam": Axis("real", 0, low_open=True)},
)
