"""``gentoys bench``: the batched trainer against the straightforward baseline, same run."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from sim.baseline import train_baseline
from sim.linear import LinearSetting, draw_problem, train


@dataclass
class BenchResult:
    workload: str
    baseline_s: float
    ours_s: float
    max_rel_gap_of_averaged_losses: float

    @property
    def ratio(self) -> float:
        return self.baseline_s / self.ours_s

    def to_json(self) -> dict:
        return {"baseline_s": round(self.baseline_s, 3), "ours_s": round(self.ours_s, 3), "ratio": round(self.ratio, 2),
                "max_rel_gap_of_averaged_losses": self.max_rel_gap_of_averaged_losses}


def bench_gen_linear(setting: LinearSetting | None = None, rtol: float = 1e-3) -> BenchResult:
    """gen_linear: 100 data sets x 200 epochs x 4 methods at D = 1000, q = 0.7 (the seed's figure).

    Both sides start from the same draw and get the same per-set hyperparameters; the baseline's time
    includes finding those hyperparameters (a D x D eigensolve per set), ours the batched N x N one.
    """
    setting = setting or LinearSetting()
    problem = draw_problem(setting)
    t0 = time.perf_counter()
    run = train(setting, problem=problem)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(setting.n_sets):  # the baseline's own way to the extreme eigenvalues, one set at a time
        ev = torch.linalg.eigvalsh(problem[2][i] @ problem[2][i].T / setting.n_samples)
        _ = ev[ev > setting.zero_tol].min(), ev.max()
    hyper = run.hyper  # the same numbers, so that both sides must produce the same curves
    base_hist = train_baseline(setting, problem, hyper)
    baseline = time.perf_counter() - t0
    a, b = run.gen_loss.double().mean(1).cpu().numpy(), base_hist.mean(1).numpy()
    gap = float(np.max(np.abs(a - b) / np.abs(b)))
    if not gap <= rtol:
        raise AssertionError(f"batched and baseline averaged losses differ by {gap:.2e} (> {rtol:g})")
    return BenchResult("gen_linear", baseline, ours, gap)
