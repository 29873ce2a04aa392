"""``gentoys bench``: the batched trainer against the straightforward baseline, same run."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from gentoys.checks.outputs.floor_model import Phase, floor_seconds, linear_phases, network_phases, phase_table
from gentoys.checks.outputs.floors import MachineFloors
from gentoys.sim import networks
from gentoys.sim.baseline import train_baseline, train_network_baseline
from gentoys.sim.core.memory import peak_rss
from gentoys.sim.linear import LinearSetting, draw_problem, train


@dataclass
class BenchResult:
    """One workload's times: ours, the baseline's, and (once ``set_floor`` has run) this machine's floor for
    the work ours did (``checks.outputs.floor_model``: its phases' flops and bytes at the measured rates)."""

    workload: str
    baseline_s: float
    ours_s: float
    max_rel_gap_of_averaged_losses: float
    notes: dict = field(default_factory=dict)
    #: the work ours did, phase by phase; None where no honest count exists (``floor_note`` says why)
    phases: list[Phase] | None = None
    floor_note: str | None = None
    floor_seconds: float | None = None
    floor_phases: list[dict] | None = None

    @property
    def ratio(self) -> float:
        return self.baseline_s / self.ours_s

    @property
    def ours_over_floor(self) -> float | None:
        return None if self.floor_seconds is None else self.ours_s / self.floor_seconds

    def set_floor(self, floors: MachineFloors) -> None:
        """The floor of ``phases`` at ``floors``' rates (nothing when the workload has no count)."""
        if self.phases is not None:
            self.floor_seconds = floor_seconds(self.phases, floors)
            self.floor_phases = phase_table(self.phases, floors)

    def to_json(self) -> dict:
        out = {"baseline_s": round(self.baseline_s, 3), "ours_s": round(self.ours_s, 3), "ratio": round(self.ratio, 2),
               "floor_seconds": None if self.floor_seconds is None else float(f"{self.floor_seconds:.4g}"),
               "ours_over_floor": None if self.floor_seconds is None else round(self.ours_over_floor, 2),
               "max_rel_gap_of_averaged_losses": self.max_rel_gap_of_averaged_losses, **self.notes}
        if self.floor_note:
            out["floor_note"] = self.floor_note
        if self.floor_phases is not None:
            out["floor_phases"] = self.floor_phases
        return out


def _mib(peak: dict) -> float | None:
    return None if peak["bytes"] is None else round(peak["bytes"] / 2**20, 1)


def bench_gen_linear(setting: LinearSetting | None = None, rtol: float = 1e-3) -> BenchResult:
    """gen_linear: 100 data sets x 200 epochs x 4 methods at D = 1000, q = 0.7 (the seed's figure).

    Both sides start from the same draw and get the same per-set hyperparameters; the baseline's time
    includes finding those hyperparameters (a D x D eigensolve per set), ours the batched N x N one. Both
    run in this process's CPU threads, so the ratio compares code, not thread pools; the
    peak resident memory of each side is reported in MiB. Both sides run once at a tiny size first, so that
    one-time costs (compiling formulas, workspace queries) stay out of the steady-state timings.
    """
    setting = setting or LinearSetting()
    problem = draw_problem(setting)
    tiny = setting.with_(n_sets=1, epochs=2)  # one-time costs (lambdified formulas, LAPACK workspace queries)
    tiny_problem = draw_problem(tiny)
    _linear_baseline(tiny, tiny_problem, train(tiny, problem=tiny_problem))  # warms both sides
    with peak_rss() as ours_peak:
        t0 = time.perf_counter()
        run = train(setting, problem=problem)
        ours = time.perf_counter() - t0
    with peak_rss() as base_peak:
        base_hist, baseline = _linear_baseline(setting, problem, run)
    a, b = run.gen_loss.double().mean(1).cpu().numpy(), base_hist.mean(1).numpy()
    gap = float(np.max(np.abs(a - b) / np.abs(b)))
    if not gap <= rtol:
        raise AssertionError(f"batched and baseline averaged losses differ by {gap:.2e} (> {rtol:g})")
    return BenchResult("gen_linear", baseline, ours, gap,
                       {"n_sets": setting.n_sets, "threads": torch.get_num_threads(),
                        "setup_s": round(run.seconds["setup"], 3), "train_s": round(run.seconds["train"], 3),
                        "peak_rss_mib": _mib(ours_peak), "baseline_peak_rss_mib": _mib(base_peak)},
                       phases=linear_phases(setting))


def _linear_baseline(setting: LinearSetting, problem, run) -> tuple[torch.Tensor, float]:
    t0 = time.perf_counter()
    for i in range(setting.n_sets):  # the baseline's own way to the extreme eigenvalues, one set at a time
        ev = torch.linalg.eigvalsh(problem[2][i] @ problem[2][i].T / setting.n_samples)
        _ = ev[ev > setting.zero_tol].min(), ev.max()
    hyper = run.hyper  # the same numbers, so that both sides must produce the same curves
    base_hist = train_baseline(setting, problem, hyper)
    return base_hist, time.perf_counter() - t0


def bench_network(setting: networks.NetworkSetting, baseline_sets: int = 2, rtol: float = 1e-2) -> BenchResult:
    """An over-parametrized example: all data sets batched against the per-set baseline.

    The baseline is strictly one data set after another, so it is timed on ``baseline_sets`` of them and
    scaled to ``setting.n_sets`` (its time per set is reported too). Both sides run in this process's CPU
    threads, so the ratio compares code, not thread pools. Both start from the same draw; their
    averaged losses over those sets must agree to ``rtol`` at every recorded epoch (float32 rounding
    differs between the two orders of operations). Both sides are warmed by a tiny run first.
    """
    tiny = setting.with_(n_sets=1, epochs=2)  # one-time costs out of the timings: warm both sides
    networks.train(tiny, networks.draw_problem(tiny))
    train_network_baseline(tiny, networks.draw_problem(tiny), 0)
    problem = networks.draw_problem(setting)
    with peak_rss() as ours_peak:
        t0 = time.perf_counter()
        run = networks.train(setting, problem)
        ours = time.perf_counter() - t0
    b = min(baseline_sets, setting.n_sets)
    with peak_rss() as base_peak:
        t0 = time.perf_counter()
        hists = [train_network_baseline(setting, problem, i) for i in range(b)]
        per_set = (time.perf_counter() - t0) / b
    idx = run.epochs
    gap = 0.0
    for which, ours_hist in ((0, run.train_loss), (1, run.val_loss)):
        base = torch.stack([h[which][idx] for h in hists], dim=1).mean(1)  # (E, K)
        mine = ours_hist[:, :b].double().mean(1).cpu()
        scale = base if which else base[:1]  # training losses reach ~0: measure them against their start
        gap = max(gap, float(((mine - base).abs() / scale.abs()).max()))
    if not gap <= rtol:
        raise AssertionError(f"batched and baseline averaged losses differ by {gap:.2e} (> {rtol:g})")
    return BenchResult(setting.model, per_set * setting.n_sets, ours, gap,
                       {"n_sets": setting.n_sets, "baseline_sets_timed": b, "baseline_s_per_set": float(f"{per_set:.4g}"),
                        "threads": torch.get_num_threads(), "peak_rss_mib": _mib(ours_peak),
                        "baseline_peak_rss_mib": _mib(base_peak)}, phases=network_phases(setting))


#: why the lasso workload has no floor
LASSO_FLOOR_NOTE = ("no floor: the solver's work (working-set sizes, FISTA iterations, Newton steps) is decided "
                    "by the data as it runs and is not reported per phase, so its flops and bytes cannot be "
                    "stated from the setting")

#: the lasso workload's cases: (teacher share d / D, lam); the seed's sparse example and a dense teacher, both
#: seed penalties
LASSO_CASES = ((0.4, 5e-3), (1.0, 5e-3), (0.4, 1.2e-3), (1.0, 1.2e-3))


def bench_lasso(dim: int = 1000, q: float = 0.7, n_sets: int = 8, repeats: int = 3, tol: float = 1e-4,
                sklearn_tol: float = 1e-8, cases: tuple[tuple[float, float], ...] = LASSO_CASES,
                rtol: float = 1e-4, seed: int = 0) -> BenchResult:
    """lasso: the batched torch solver against scikit-learn's coordinate descent on the same instances.

    Per case (teacher, lam), ``n_sets`` independent (teacher, design) pairs; each repeat times ours (all sets
    in one batch) and then scikit-learn (one set after another), interleaved so that both see the same load.
    Times are per instance; the ratio ours / scikit-learn is the median over repeats. Both run on one BLAS
    thread (threadpoolctl for numpy's; torch's threads are the command's --threads). Accuracy: both
    solutions under our KKT certificate (largest violation / lam) and the relative gap of their l_gen, which
    must be below ``rtol``.
    """
    from sklearn.linear_model import Lasso
    from threadpoolctl import threadpool_limits

    from gentoys.sim.lasso import kkt_violation, solve_lasso
    from gentoys.sim.linear import gram_spectrum

    out, ours_total, base_total, worst_gap = [], 0.0, 0.0, 0.0
    for share, lam in cases:
        setting = LinearSetting(dim=dim, q=q, n_sets=n_sets, teacher="random" if share >= 1 else "sparse",
                                sparse_dim=max(1, round(share * dim)), teacher_per_set=True, seed=seed + dim,
                                dtype=torch.float64)
        teacher, _, X = draw_problem(setting)
        lam_max = gram_spectrum(X)[:, -1]
        ratios, ours_s, base_s = [], [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            sol = solve_lasso(X, teacher, lam, lam_max, tol=tol)
            ours_s.append((time.perf_counter() - t0) / n_sets)
            coefs, sk_iters = [], []
            with threadpool_limits(limits=1):
                t0 = time.perf_counter()
                for i in range(n_sets):
                    features = X[i].T.numpy()
                    model = Lasso(alpha=lam, fit_intercept=False, tol=sklearn_tol, max_iter=100_000)
                    model.fit(features, features @ teacher[i].numpy())
                    coefs.append(model.coef_.copy())
                    sk_iters.append(int(model.n_iter_))
                base_s.append((time.perf_counter() - t0) / n_sets)
            ratios.append(ours_s[-1] / base_s[-1])
        sk = torch.as_tensor(np.array(coefs), dtype=X.dtype)
        sk_grad = torch.einsum("rdn,rn->rd", X, torch.einsum("rdn,rd->rn", X, sk - teacher)) / X.shape[2]
        sk_kkt = kkt_violation(sk_grad, sk, lam) / lam
        sk_gen = 0.5 * ((sk - teacher) ** 2).sum(-1)
        gap = float(((sol.gen_loss - sk_gen).abs() / sk_gen).max())
        worst_gap = max(worst_gap, gap)
        ours_total, base_total = ours_total + float(np.median(ours_s)), base_total + float(np.median(base_s))
        out.append({"teacher_share": share, "lam": lam, "ours_s_per_instance": round(float(np.median(ours_s)), 4),
                    "sklearn_s_per_instance": round(float(np.median(base_s)), 4),
                    "ours_over_sklearn": [round(r, 3) for r in ratios],
                    "median_ours_over_sklearn": round(float(np.median(ratios)), 3),
                    "ours_iterations_mean": float(sol.iterations.double().mean()),
                    "ours_iterations_max": int(sol.iterations.max()),
                    "sklearn_epochs_mean": float(np.mean(sk_iters)), "max_rel_gen_gap": float(f"{gap:.3g}"),
                    "ours_max_kkt": float(f"{float(sol.kkt.max()):.3g}"),
                    "sklearn_max_kkt": float(f"{float(sk_kkt.max()):.3g}")})
        if not gap <= rtol:
            raise AssertionError(f"lasso (d/D={share:g}, lam={lam:g}): ours and scikit-learn's l_gen differ by "
                                 f"{gap:.2e} (> {rtol:g})")
    return BenchResult("lasso", base_total, ours_total, worst_gap,
                       {"dim": dim, "q": q, "n_sets": n_sets, "repeats": repeats, "tol": tol,
                        "sklearn_tol": sklearn_tol, "threads": torch.get_num_threads(), "cases": out},
                       floor_note=LASSO_FLOOR_NOTE)
