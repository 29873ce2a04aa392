"""``finite_size``: how the plateaus of Eq. 1 (no ridge) and Eq. 2 (ridge at lambda_R) approach their
Marchenko-Pastur values as D grows, D x method.

Measured per point, over data sets sampled at q = 0.7:

* ``sim``: the simulated plateau, heavy ball (``momentum``, Eq. 1) or heavy ball with ridge lambda_R(q)
  (``momentum_ridge``, Eq. 2), tuned per set from its extreme eigenvalues (ridge: the MP lambda_R for all),
  until converged, ell_gen at the last
  epoch per unit ||S0 - T||^2 (Eq. 1) or ||T||^2 (Eq. 2);
* ``exact``: the same set's exact t -> infinity plateau (Woodbury solves: ||P0 (S0 - T)||^2 / 2, or
  ||lam (Sigma + lam)^-1 T||^2 / 2), so ``sim - exact`` is the simulation's own convergence error;
* ``trace``: the exact plateau averaged over teacher directions, from the set's eigenvalues
  ((1 - N/D)/2, or sum over the spectrum of lam^2/(lam + x)^2 / (2 D) plus (1 - N/D)/2).

Each is reported as its deviation from the MP value (``unregularized_plateau(q)``, ``ridge_plateau(q,
lambda_R)``), mean +- s.e. over sets, with the per-set root-mean-square deviation. The expected scaling is
O(1/D) for the mean; the summary fits the exponent wherever the deviation is resolved (> 2 s.e.).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from gentoys.checks.sweeps.common import power_fit, pyplot, save_figure, stats
from gentoys.checks.sweeps.spec import Axis, Point, Sweep

Q = 0.7
EPOCHS = 300  # heavy ball contracts by sqrt(q) = 0.84 per epoch at the MP edges: 1e-23 after 300
EQUATION = {"momentum": "Eq. 1", "momentum_ridge": "Eq. 2"}


def n_sets(dim: int) -> int:
    """More sets at small D, where each is cheap and fluctuates more (16 .. 256)."""
    return int(min(256, max(16, 25_600 // dim)))


def _hyper(setting, X, lam: float):
    """Step size and momentum tuned per set from its extreme eigenvalues (MP-edge values can diverge at finite D);
    the ridge strength is the MP lambda_R(q) for every set, so that Eq. 2 is compared at one lambda."""
    from gentoys.sim.linear import Hyperparameters, extremes_of, gram_spectrum, hyperparameters
    from gentoys.theory import tuning

    ext = extremes_of(gram_spectrum(X), setting.zero_tol)
    hyper = hyperparameters(setting, ext)
    if setting.methods != ("momentum_ridge",):
        return hyper
    hi = ext[:, 1].double().cpu().numpy()
    as_t = lambda v: torch.as_tensor(np.broadcast_to(np.asarray(v, float), hi.shape).copy(),  # noqa: E731
                                     dtype=setting.dtype, device=X.device).reshape(-1, 1, 1)
    return Hyperparameters(as_t(tuning.eta_momentum_ridge(hi, lam)), as_t(tuning.beta_momentum_ridge(hi, lam)),
                           as_t(lam), hyper.l1)


def run_point(point: Point, seed: int, device: str) -> dict[str, float]:
    from gentoys.sim.linear import LinearSetting, draw_problem, train
    from gentoys.sim.spectra import GramSample
    from gentoys.theory import lambda_R, ridge_plateau, unregularized_plateau

    dim, method = int(point["D"]), str(point["method"])
    if method not in EQUATION:
        raise ValueError(f"method={method!r} is not one of {tuple(EQUATION)}")
    setting = LinearSetting(dim=dim, q=Q, epochs=EPOCHS, n_sets=n_sets(dim), methods=(method,), seed=seed % (2**31),
                            device=device)
    lam = float(lambda_R(Q))
    problem = draw_problem(setting)
    run = train(setting, hyper=_hyper(setting, problem[2], lam), problem=problem)
    final = run.gen_loss[-1, :, 0].double().cpu().numpy()
    x = run.spectrum.double()
    exact = []
    for i in range(setting.n_sets):  # one set at a time, in double precision
        gram = GramSample(run.X[i:i + 1].double())
        if method == "momentum":
            exact.append(0.5 * float(gram.null_projection_norm2((run.init - run.teacher).double())[0]))
        else:
            exact.append(0.5 * float(gram.ridge_residual_norm2(run.teacher.double(), lam)[0]))
    exact = np.array(exact)
    n = setting.n_samples
    if method == "momentum":
        norm = float(((run.init - run.teacher).double() ** 2).sum())
        mp = float(unregularized_plateau(Q))
        trace = np.full(setting.n_sets, 0.5 * (1 - n / dim))
    else:
        norm = float((run.teacher.double() ** 2).sum())
        mp = float(ridge_plateau(Q, lam))
        trace = (0.5 * ((lam**2 / (lam + x) ** 2).sum(1) / dim + (1 - n / dim))).cpu().numpy()
    sim, exact = final / norm, exact / norm
    return {"N": n, "n_sets": setting.n_sets, "mp": mp,
            **stats("sim_dev", sim - mp), **stats("exact_dev", exact - mp), **stats("trace_dev", trace - mp),
            "sim_rms_dev": float(np.sqrt(np.mean((sim - mp) ** 2))),
            "convergence_gap_max": float(np.max(np.abs(sim - exact)))}


def peak_bytes(point: Point) -> int:
    dim = int(point["D"])
    n, r = round(Q * dim), n_sets(dim)
    return 4 * r * dim * n + 4 * 2 * dim * dim + 8 * r * n * n + 8 * (2 * dim * n + 5 * n * n)


def summarize(table: pd.DataFrame) -> dict:
    fits = {}
    for method, rows in table.groupby("method"):
        rows = rows.sort_values("D")
        fits[str(method)] = {
            "equation": EQUATION.get(str(method), "?"),
            "mean_sim_dev_fit": power_fit(rows["D"], rows["sim_dev_mean"], rows["sim_dev_se"]),
            "mean_trace_dev_fit": power_fit(rows["D"], rows["trace_dev_mean"], rows["trace_dev_se"]),
            "rms_sim_dev_fit": power_fit(rows["D"], rows["sim_rms_dev"]),
            "max_convergence_gap": float(rows["convergence_gap_max"].max()),
        }
    return {"q": Q, "epochs": EPOCHS, "fits": fits}


def figure(table: pd.DataFrame, summary: dict, out: Path) -> list[Path]:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
    for method, rows in table.groupby("method"):
        rows = rows.sort_values("D")
        eq = EQUATION.get(str(method), method)
        axes[0].errorbar(rows["D"], rows["sim_dev_mean"], yerr=rows["sim_dev_se"], marker="o", ms=3, capsize=2,
                         label=f"{eq}: simulated")
        axes[0].errorbar(rows["D"], rows["trace_dev_mean"], yerr=rows["trace_dev_se"], marker="s", ms=3,
                         capsize=2, label=f"{eq}: exact, teacher-averaged")
        axes[1].loglog(rows["D"], rows["sim_rms_dev"], marker="o", label=f"{eq}: per-set rms")
        axes[1].loglog(rows["D"], rows["trace_dev_mean"].abs(), marker="s", label=f"{eq}: |mean|, teacher-averaged")
    axes[0].axhline(0, color="k", lw=0.8)
    axes[0].set_xscale("log")
    axes[0].set(xlabel="D", ylabel="plateau - MP value (mean ± s.e.)", title=f"q = {Q}")
    dims = np.array(sorted(table["D"].unique()), float)
    axes[1].loglog(dims, 1 / dims, "k:", label="1/D")
    axes[1].loglog(dims, 1 / np.sqrt(dims), "k--", label=r"1/$\sqrt{D}$")
    axes[1].set(xlabel="D", ylabel="|deviation|")
    for ax in axes:
        ax.legend(fontsize=6)
    return save_figure(fig, table, out, "finite_size")


SWEEP = Sweep(
    name="finite_size",
    description="deviation of the simulated plateaus (Eq. 1, Eq. 2) from their MP values, D x method, q = 0.7",
    grid={"D": (100, 200, 400, 800, 1600), "method": ("momentum", "momentum_ridge")},
    run_point=run_point, peak_bytes=peak_bytes, summarize=summarize, figure=figure,
    measured="torch simulation (heavy ball tuned per set, ridge at the MP lambda_R(q), 300 epochs) over 16-256 "
             "sampled sets per "
             "point: the final ell_gen per unit ||S0-T||^2 (Eq. 1) or ||T||^2 (Eq. 2); beside it each set's exact "
             "plateau (Woodbury solves) and its teacher-averaged value from the set's spectrum",
    theory="unregularized_plateau(q) = (1-q)/2 and ridge_plateau(q, lambda_R(q)) (Marchenko-Pastur); "
           "expected deviation O(1/D), exponent fitted",
    fixed={"q": Q, "epochs": EPOCHS, "n_sets": "min(256, max(16, 25600 // D))"},
    axes={"D": Axis("int", 4), "method": Axis("choice", choices=tuple(EQUATION))},
)
