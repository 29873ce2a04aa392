"""``gentoys bench``: the batched trainer against the straightforward baseline, same run."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from gentoys.sim import networks
from gentoys.sim.baseline import train_baseline, train_network_baseline
from gentoys.sim.core.memory import peak_rss
from gentoys.sim.linear import LinearSetting, draw_problem, train


@dataclass
class BenchResult:
    workload: str
    baseline_s: float
    ours_s: float
    max_rel_gap_of_averaged_losses: float
    notes: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.baseline_s / self.ours_s

    def to_json(self) -> dict:
        return {"baseline_s": round(self.baseline_s, 3), "ours_s": round(self.ours_s, 3), "ratio": round(self.ratio, 2),
                "max_rel_gap_of_averaged_losses": self.max_rel_gap_of_averaged_losses, **self.notes}


def _mib(peak: dict) -> float | None:
    return None if peak["bytes"] is None else round(peak["bytes"] / 2**20, 1)


def bench_gen_linear(setting: LinearSetting | None = None, rtol: float = 1e-3) -> BenchResult:
    """gen_linear: 100 data sets x 200 epochs x 4 methods at D = 1000, q = 0.7 (the seed's figure).

    Both sides start from the same draw and get the same per-set hyperparameters; the baseline's time
    includes finding those hyperparameters (a D x D eigensolve per set), ours the batched N x N one. Both
    run in this process's CPU threads, so the ratio compares code, not thread pools; the
    peak resident memory of each side is reported in MiB.
    """
    setting = setting or LinearSetting()
    problem = draw_problem(setting)
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
                        "peak_rss_mib": _mib(ours_peak), "baseline_peak_rss_mib": _mib(base_peak)})


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
    differs between the two orders of operations).
    """
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
                        "baseline_peak_rss_mib": _mib(base_peak)})
