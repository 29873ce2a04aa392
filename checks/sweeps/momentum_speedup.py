"""``momentum_speedup``: epochs GD and heavy ball need to bring the excess loss down by a fixed factor, over q.

Measured per point: a torch simulation of GD and heavy ball, each tuned per data set from that set's extreme
non-zero eigenvalues, on sampled sets at D = 400. For each set and method, the first epoch at which
ell_gen(t) - plateau falls to ``eps`` (a grid axis) times its initial value, where the plateau is the set's own exact
t -> infinity value ||P0 (S0 - T)||^2 / 2 (Woodbury solve). The speedup is epochs(GD) / epochs(heavy ball).

Theory beside it: steps to a fixed factor scale as 1 / |log(rate)|, so the predicted speedup is
log(sqrt q) / log(R_0) with the Marchenko-Pastur rates ``rate_momentum(q)`` = sqrt q and ``rate_gd(q)`` = R_0;
also the same ratio from each set's own tuned rates (``tuning.rate_momentum``, ``tuning.rate_gd``).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from gentoys.checks.sweeps.common import pyplot, save_figure, stats
from gentoys.checks.sweeps.spec import Axis, Point, Sweep

DIM = 400
N_SETS = 16
MAX_EPOCHS = 60_000


def _first_below(excess: np.ndarray, eps: float) -> np.ndarray:
    """(R,) first epoch with excess <= eps * excess[0] per set (NaN if never)."""
    hit = excess <= eps * excess[:1]
    first = hit.argmax(0).astype(float)
    first[~hit.any(0)] = np.nan
    return first


def run_point(point: Point, seed: int, device: str) -> dict[str, float]:
    from gentoys.sim.linear import LinearSetting, draw_problem, extremes_of, gram_spectrum, train
    from gentoys.sim.spectra import GramSample
    from gentoys.theory import rate_gd, rate_momentum, tuning

    q, eps = float(point["q"]), float(point["eps"])
    dim = int(point.get("D", DIM))
    # double precision: the excess is followed down to eps (1e-6) times its start, below float32's reach
    probe = LinearSetting(dim=dim, q=q, epochs=0, n_sets=N_SETS, methods=("gd", "momentum"), seed=seed % (2**31),
                          device=device, dtype=torch.float64)
    problem = draw_problem(probe)
    ext = extremes_of(gram_spectrum(problem[2]), probe.zero_tol).double().cpu().numpy()
    r_gd = np.asarray(tuning.rate_gd(ext[:, 0], ext[:, 1]), float)
    r_mom = np.asarray(tuning.rate_momentum(ext[:, 0], ext[:, 1]), float)
    # the slowest mode alone would need log(eps) / (2 log R) epochs; twice that bounds the loss's own time
    epochs = int(min(MAX_EPOCHS, math.ceil(2 * math.log(eps) / (2 * math.log(r_gd.max()))) + 50))
    run = train(probe.with_(epochs=epochs), problem=problem)
    plateau = np.array([0.5 * float(GramSample(problem[2][i:i + 1].double())
                                    .null_projection_norm2((run.init - run.teacher).double())[0])
                        for i in range(N_SETS)])
    loss = run.gen_loss.double().cpu().numpy()  # (E + 1, R, 2)
    n_gd = _first_below(loss[:, :, 0] - plateau, eps)
    n_mom = _first_below(loss[:, :, 1] - plateau, eps)
    if np.isnan(n_gd).any() or np.isnan(n_mom).any():
        raise RuntimeError(f"q={q:g}: {int(np.isnan(n_gd).sum() + np.isnan(n_mom).sum())} runs did not reach "
                           f"{eps:g} of their initial excess within {epochs} epochs")
    return {"epochs_run": epochs, **stats("epochs_gd", n_gd), **stats("epochs_momentum", n_mom),
            **stats("speedup", n_gd / n_mom),
            "theory_mp": math.log(float(rate_momentum(q))) / math.log(float(rate_gd(q))),
            **stats("theory_per_set", np.log(r_mom) / np.log(r_gd))}


def peak_bytes(point: Point) -> int:
    dim = int(point.get("D", DIM))
    n = round(float(point["q"]) * dim)
    return 8 * N_SETS * dim * n + 8 * 2 * dim * dim + 8 * MAX_EPOCHS * N_SETS * 2 * 2 + 8 * (2 * dim * n + 5 * n * n)


def summarize(table: pd.DataFrame) -> dict:
    out = {"D": DIM, "n_sets": N_SETS, "measured_over_mp_theory": {}, "measured_over_per_set_theory": {}}
    for eps, rows in table.sort_values("q").groupby("eps"):
        key = f"eps={eps:g}"
        out["measured_over_mp_theory"][key] = {f"q={q:g}": float(r) for q, r in
                                               zip(rows["q"], rows["speedup_mean"] / rows["theory_mp"])}
        out["measured_over_per_set_theory"][key] = {f"q={q:g}": float(r) for q, r in
                                                    zip(rows["q"], rows["speedup_mean"] / rows["theory_per_set_mean"])}
    return out


def figure(table: pd.DataFrame, summary: dict, out: Path) -> list[Path]:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for eps, part in table.sort_values("q").groupby("eps"):
        ax.errorbar(part["q"], part["speedup_mean"], yerr=part["speedup_se"], marker="o", ms=3, capsize=2,
                    label=f"measured (D = {DIM}, excess to {eps:g} of its start)")
    rows = part
    ax.plot(rows["q"], rows["theory_mp"], "k-", label=r"$\log\sqrt{q}\,/\,\log R_0$ (MP)")
    ax.plot(rows["q"], rows["theory_per_set_mean"], "k--", label="same, per-set tuned rates")
    ax.set(xlabel="q", ylabel="epochs GD / epochs heavy ball", yscale="log", title="Momentum speedup")
    ax.legend(fontsize=7)
    return save_figure(fig, table, out, "momentum_speedup")


SWEEP = Sweep(
    name="momentum_speedup",
    description="epochs to a fixed excess, GD vs heavy ball, over q",
    grid={"q": tuple(round(v, 2) for v in np.linspace(0.1, 0.9, 9)), "eps": (1e-3, 1e-6)},
    run_point=run_point, peak_bytes=peak_bytes, summarize=summarize, figure=figure,
    measured=f"torch simulation, {N_SETS} sampled sets at D = {DIM}, per-set tuned GD and heavy ball: the first "
             "epoch at which ell_gen - (the set's exact plateau, Woodbury) <= eps x its initial value; "
             "speedup = epochs GD / epochs heavy ball, mean +- s.e. over sets",
    theory="log(rate_momentum(q)) / log(rate_gd(q)) = log sqrt(q) / log R_0 (Marchenko-Pastur), and the same "
           "ratio from each set's own tuned rates",
    fixed={"D": DIM, "n_sets": N_SETS, "dtype": "float64"},
    axes={"q": Axis("real", 0, 1, low_open=True, high_open=True),
          "eps": Axis("real", 0, 1, low_open=True, high_open=True)},
)
