"""``gentoys bench --workload sweep``: one small sweep on 1 and on 2 local workers, same run.

Each side gets a fresh ``LocalCluster`` whose start-up is timed separately, and every worker computes one tiny
point first (imports, SymPy derivations); the ratio compares the sweeps alone (submitting, computing and
writing the rows; the summary and figure, drawn once in the client either way, are left out).
``compute_s_in_points`` (the seconds spent inside the points, summed) tells contention for the cores apart
from the engine's own cost. The per-task overhead is the wall time of a sweep of no-op points on one worker
divided by their number: scheduling, serialization and the Parquet row each point writes.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from gentoys.checks.outputs.bench import BenchResult
from gentoys.checks.sweeps.engine import connect, run_sweep
from gentoys.checks.sweeps.registry import get

#: a small sweep whose points each take ~0.3-1 s on one core
GRID = {"q": (0.5, 0.6, 0.7, 0.8, 0.9, 0.95), "D": (400, 600)}


def _warm() -> None:
    """Import and derive what a point needs (once per worker process), so that it is not timed."""
    get("ridge_correction").run_point({"q": 0.5, "D": 20}, 0, "cpu")


def _noop_point(point: dict, seed: int, device: str) -> dict:
    return {"x": float(point["i"])}


def bench_sweep(grid: dict | None = None, noop_points: int = 40) -> BenchResult:
    """Time the same sweep on 1 and on 2 workers; the tables must agree exactly."""
    from dataclasses import replace

    # the summary and the figure run once in the client whatever the cluster size: left out of the timing
    sweep = replace(get("ridge_correction"), summarize=lambda t: {}, figure=lambda t, s, o: [])
    grid = grid or GRID
    seconds, tables, startup = {}, {}, {}
    overhead = float("nan")
    for n in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            with connect(workers=n) as client:
                client.run(_warm)
                startup[n] = time.perf_counter() - t0
                t0 = time.perf_counter()
                result = run_sweep(sweep, grid, Path(tmp) / "run", client, progress=False)
                seconds[n] = time.perf_counter() - t0
                tables[n] = result.table
                if n == 1:
                    noop = replace(sweep, name="noop", run_point=_noop_point, peak_bytes=lambda p: 0)
                    t0 = time.perf_counter()
                    run_sweep(noop, {"i": tuple(range(noop_points))}, Path(tmp) / "noop", client, progress=False)
                    overhead = (time.perf_counter() - t0) / noop_points
    cols = [c for c in tables[1] if c.endswith("_mean") or c.endswith("_se")]
    gap = float(np.max(np.abs(tables[1][cols].to_numpy() - tables[2][cols].to_numpy())))
    if gap != 0.0:
        raise AssertionError(f"the 1-worker and 2-worker tables differ by {gap:.2e}")
    compute = {str(n): round(float(t["seconds"].sum()), 2) for n, t in tables.items()}
    return BenchResult("sweep", seconds[1], seconds[2], gap, {
        "points": len(tables[1]), "per_task_overhead_s": round(overhead, 4),
        # seconds spent inside the points, summed over workers: equal on an idle machine; larger with 2
        # workers when the cores are shared with other work (or memory bandwidth is the limit)
        "compute_s_in_points": compute,
        "load_average_1min": round(__import__("os").getloadavg()[0], 2),
        # a projection, not a measurement: the ratio had each point on 2 workers run as fast as on 1
        "ratio_projected_for_free_cores": round(seconds[1] / seconds[2] * compute["2"] / compute["1"], 2),
        "startup_s": {str(k): round(v, 2) for k, v in startup.items()},
        "ideal_ratio": 2.0},
        floor_note="no floor: the workload times scheduling one sweep on 1 and 2 Dask workers, not arithmetic")
