"""``lasso_phase``: where lasso beats ridge, over q x sparsity (x the L1 strength lam).

Measured per point: a torch simulation on sampled sets at D = 200 with a sparse unit teacher (the first
``round(sparsity D)`` coordinates), ridge at the per-set lambda_R and lasso (proximal gradient, step 1 / the MP
upper edge,
L1 strength ``lam``), both trained for ``STEP_LENGTH / step`` epochs (about 630 at q = 0.9, 2600 at q = 0.1);
ell_gen at the last epoch, mean +- s.e. over sets,
and the paired difference ridge - lasso. The measured boundary, per sparsity and lam, is the q at which that
difference turns positive (lasso lower).

Theory beside it: ``gentoys.theory.lasso_risk`` when this installation has it (the lasso's asymptotic
ell_gen); otherwise the measured boundary stands alone and ``theory_lasso`` is absent from the table.
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
STEP_LENGTH = 150.0  # step x epochs: the same training "time" at every q (small q has small steps)


def lasso_theory():
    """``lasso_risk(q, sparsity, lam, dim, noise=0.0)`` if the theory package provides it, else None."""
    try:
        from gentoys.theory import lasso_risk
    except (ImportError, AttributeError):
        return None
    return lasso_risk


def lasso_step(q: float) -> float:
    """One over the MP upper edge of Sigma's spectrum, (1 + sqrt q)^2 / q: a stable proximal-gradient step at
    every q (a fixed step diverges once the edge passes 2 / step)."""
    return q / (1 + math.sqrt(q)) ** 2


def epochs(q: float) -> int:
    return int(math.ceil(STEP_LENGTH / lasso_step(q)))


def run_point(point: Point, seed: int, device: str) -> dict[str, float]:
    from gentoys.sim.linear import LinearSetting, train

    q, sparsity, lam = float(point["q"]), float(point["sparsity"]), float(point["lam"])
    k = max(1, round(sparsity * DIM))
    setting = LinearSetting(dim=DIM, q=q, epochs=epochs(q), n_sets=N_SETS, methods=("ridge", "lasso"),
                            teacher="sparse", sparse_dim=k, lasso_eta=lasso_step(q), lasso_lam=lam,
                            seed=seed % (2**31), device=device)
    run = train(setting)
    hist = run.gen_loss.double().cpu().numpy()  # (E + 1, R, 2); ||T|| = 1
    final, earlier = hist[-1], hist[int(0.9 * setting.epochs)]
    record = {"sparse_dim": k, "epochs": setting.epochs,
              # how far from converged: relative change of the mean over the last tenth of the epochs
              "lasso_last_tenth_change": float(abs(final[:, 1].mean() - earlier[:, 1].mean()) / final[:, 1].mean()),
              **stats("ridge", final[:, 0]), **stats("lasso", final[:, 1]),
              **stats("ridge_minus_lasso", final[:, 0] - final[:, 1])}
    theory = lasso_theory()
    if theory is not None:
        record["theory_lasso"] = float(theory(q, sparsity, lam, DIM, noise=0.0).gen_loss)
    return record


def peak_bytes(point: Point) -> int:
    n = round(float(point["q"]) * DIM)
    return 4 * N_SETS * DIM * n + 4 * 2 * DIM * DIM * N_SETS + 8 * (epochs(float(point["q"])) + 1) * N_SETS * 2 * 2


def summarize(table: pd.DataFrame) -> dict:
    boundary, everywhere = {}, []
    for (sparsity, lam), rows in table.groupby(["sparsity", "lam"]):
        rows = rows.sort_values("q")
        key = f"sparsity={sparsity:g}, lam={lam:g}"
        boundary[key] = crossing(rows["q"], rows["ridge_minus_lasso_mean"], 0.0)
        if (rows["ridge_minus_lasso_mean"] > 0).all():
            everywhere.append(key)
    return {"D": DIM, "n_sets": N_SETS, "step_times_epochs": STEP_LENGTH,
            "max_lasso_last_tenth_change": float(table["lasso_last_tenth_change"].max()),
            "theory": lasso_theory() is not None,
            "boundary_q": boundary, "lasso_lower_on_the_whole_grid": everywhere,
            "note": "boundary_q: the q at which ridge - lasso turns positive (lasso lower); NaN: no sign change on "
                    "the grid (lasso lower everywhere if the difference is positive at the smallest q)"}


def figure(table: pd.DataFrame, summary: dict, out: Path) -> list[Path]:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for (sparsity, lam), rows in table.groupby(["sparsity", "lam"]):
        rows = rows.sort_values("q")
        ax.errorbar(rows["q"], rows["ridge_minus_lasso_mean"], yerr=rows["ridge_minus_lasso_se"], marker="o", ms=3,
                    capsize=2, label=f"sparsity {sparsity:g}, lam {lam:g}")
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xlabel="q", ylabel=r"$\ell_{gen}$ ridge $-$ lasso (> 0: lasso wins)", title=f"Lasso vs ridge, D = {DIM}")
    ax.legend(fontsize=7)
    return save_figure(fig, table, out, "lasso_phase")


SWEEP = Sweep(
    name="lasso_phase",
    description="lasso vs ridge ell_gen over q x sparsity (x lam); the measured boundary",
    grid={"q": tuple(round(v, 2) for v in np.linspace(0.1, 0.9, 9)), "sparsity": (0.05, 0.1, 0.2, 0.4),
          "lam": (5e-3,)},
    run_point=run_point, peak_bytes=peak_bytes, summarize=summarize, figure=figure,
    measured=f"torch simulation, {N_SETS} sampled sets at D = {DIM}, sparse unit teacher, {STEP_LENGTH:g} / step "
             "epochs: final "
             "ell_gen of ridge (per-set lambda_R) and lasso (proximal gradient), mean +- s.e., and their paired "
             "difference; boundary = where the difference changes sign",
    theory="lasso_risk(q, sparsity, lam, D) from gentoys.theory when present; otherwise none (measured boundary only)",
    fixed={"D": DIM, "n_sets": N_SETS, "step_times_epochs": STEP_LENGTH},
    axes={"q": Axis("real", 0, 1, low_open=True, high_open=True), "sparsity": Axis("real", 0, 1, low_open=True),
          "lam": Axis("real", 0, low_open=True)},
)
