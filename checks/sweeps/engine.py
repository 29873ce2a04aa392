"""Run a sweep on a ``dask.distributed`` cluster: one task per grid point, rows streamed to Parquet.

* Each point's seed comes from the sweep's seed and the point's coordinates (:func:`grid.point_seed`), so a
  row does not depend on the order, the worker or the cluster size.
* Each finished point is written at once to ``OUT/points/<id>.parquet`` (written to a temporary name, then
  renamed); a rerun with the same ``OUT`` skips the points already done and retries the failed ones. The
  finished table is ``OUT/table.parquet`` (grid order), with ``summary.json`` and the sweep's figure.
* A point that raises is recorded with its error and the others go on. A worker that dies is replaced by
  Dask (the nanny restarts it) and its tasks rerun elsewhere.
* A point whose estimated peak memory exceeds a worker's memory limit is refused before it is sent.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from gentoys.checks.sweeps.grid import expand, point_key, point_seed
from gentoys.checks.sweeps.spec import Point, Sweep

#: columns every row has besides the coordinates and the record
META = ("point", "seed", "status", "error", "seconds")


class PointTooLarge(ValueError):
    """A point needs more memory than a worker may use."""


@dataclass
class SweepResult:
    table: pd.DataFrame
    summary: dict
    files: list[Path]
    ran: int  # points computed in this run
    skipped: int  # points found done in OUT

    @property
    def failed(self) -> int:
        return int((self.table["status"] != "ok").sum())


class SchedulerUnreachable(OSError):
    """No scheduler answered at the address within the connect timeout."""


def check_address(address: str) -> str:
    """``address`` if it is a Dask scheduler address this installation can connect to (a known scheme, a
    host and a port); a ValueError naming what is wrong otherwise. Nothing is contacted."""
    from distributed.comm.addressing import parse_address
    from distributed.comm.registry import get_backend

    if not address.strip():
        raise ValueError("an empty address: give one such as tcp://HOST:8786, or leave --scheduler out for a "
                         "LocalCluster")
    try:
        scheme, _ = parse_address(address)
        backend = get_backend(scheme)
    except ValueError as exc:
        raise ValueError(f"{address!r}: {exc}") from None
    try:
        backend.get_address_host_port(address)
    except NotImplementedError:  # inproc:// and the like have no host:port
        pass
    except ValueError as exc:
        raise ValueError(f"{address!r} is not SCHEME://HOST:PORT ({exc})") from None
    return address


@contextlib.contextmanager
def connect(scheduler: str | None = None, workers: int | None = None,
            memory_limit: str | int = "auto", timeout: float = 10.0) -> Iterator["distributed.Client"]:  # noqa: F821
    """A client of the cluster at ``scheduler`` (SchedulerUnreachable when none answers within ``timeout``
    seconds), or of a new ``LocalCluster`` of ``workers`` processes (default: one per core), one thread each."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise SchedulerUnreachable(f"no scheduler answered at {scheduler} within {timeout:g} s "
                                       f"({type(exc).__name__}: {exc})") from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, memory_limit=memory_limit,
                      dashboard_address=":0", silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        yield client


def execute_point(run_point: Callable, point: Point, seed: int, device: str) -> dict:
    """The task run on a worker: one point, its error caught and recorded instead of raised."""
    from gentoys.sim.core.device import set_cpu_threads

    set_cpu_threads(1)  # one task per worker process, each on one core
    t0 = time.perf_counter()
    try:
        record = {k: float(v) for k, v in run_point(point, seed, device).items()}
        row = {"status": "ok", "error": "", **record}
    except Exception as exc:  # recorded, and the sweep goes on
        row = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    row["seconds"] = time.perf_counter() - t0
    return row


def worker_memory_limit(client) -> int | None:
    """The smallest memory limit of the cluster's workers in bytes (None: no limit set)."""
    limits = [w.get("memory_limit") or 0 for w in client.scheduler_info()["workers"].values()]
    limits = [x for x in limits if x > 0]
    return min(limits) if limits else None


def refusal(sweep: Sweep, point: Point, limit: int | None) -> str | None:
    """Why a point is refused (its estimate exceeds the worker limit), or None."""
    if limit is None:
        return None
    need = int(sweep.peak_bytes(point))
    if need <= limit:
        return None
    size = f"D={point['D']}" if "D" in point else f"point {point_key(point)}"
    return (f"{size} needs about {need / 2**30:.2f} GiB at its peak (estimate), more than a worker's memory "
            f"limit of {limit / 2**30:.2f} GiB: give the workers more memory or use a smaller D")


def _part_path(out: Path, key: str, seed: int) -> Path:
    return out / "points" / (hashlib.sha256(f"{key}|{seed}".encode()).hexdigest()[:20] + ".parquet")


def _write_row(path: Path, row: dict) -> None:
    tmp = path.with_suffix(".tmp")
    pd.DataFrame([row]).to_parquet(tmp, index=False)
    os.replace(tmp, path)


def load_rows(out: Path) -> list[dict]:
    """Every row already written under ``out/points`` (a half-written part is never there: rename is atomic)."""
    return [pd.read_parquet(p).iloc[0].to_dict() for p in sorted((out / "points").glob("*.parquet"))]


def _check_manifest(out: Path, sweep: Sweep, grid: dict, seed: int) -> None:
    manifest = out / "sweep.json"
    if manifest.exists():
        old = json.loads(manifest.read_text())
        if old.get("sweep") != sweep.name:
            raise ValueError(f"--out {out} holds sweep {old.get('sweep')!r}, not {sweep.name!r}: use another folder")
    manifest.write_text(json.dumps({"sweep": sweep.name, "seed": seed, "grid": {k: list(v) for k, v in grid.items()},
                                    "fixed": dict(sweep.fixed)}, indent=2) + "\n")


def run_sweep(sweep: Sweep, grid: dict[str, tuple], out: str | Path, client, seed: int = 0, device: str = "cpu",
              progress: bool = True, on_row: Callable[[dict], None] | None = None) -> SweepResult:
    """Run every point of ``grid`` not already done in ``out`` on ``client``'s cluster; write the table."""
    from distributed import as_completed

    out = Path(out)
    (out / "points").mkdir(parents=True, exist_ok=True)
    _check_manifest(out, sweep, grid, seed)
    points = expand(grid)
    done = {r["point"] for r in load_rows(out) if r.get("status") == "ok" and int(r.get("seed", -1)) == seed}
    todo = [p for p in points if point_key(p) not in done]
    limit = worker_memory_limit(client)
    futures = {}
    for p in todo:
        key, s = point_key(p), point_seed(seed, p)
        meta = {**p, "point": key, "seed": seed}
        why = refusal(sweep, p, limit)
        if why is not None:
            _write_row(_part_path(out, key, seed), {**meta, "status": "refused", "error": why, "seconds": 0.0})
            continue
        task = f"{sweep.name}-{hashlib.sha256(f'{key}|{seed}|{device}'.encode()).hexdigest()[:16]}"
        futures[client.submit(execute_point, sweep.run_point, p, s, device, key=task, pure=False, retries=0)] = meta
    with _progress(progress, sweep.name, len(points), len(points) - len(todo)) as advance:
        for fut in as_completed(list(futures)):
            meta = futures[fut]
            try:
                row = {**meta, **fut.result()}
            except Exception as exc:  # the cluster gave up on the task (e.g. it killed every worker it ran on)
                row = {**meta, "status": "failed", "error": f"{type(exc).__name__}: {exc}", "seconds": math.nan}
            _write_row(_part_path(out, meta["point"], seed), row)
            advance()
            if on_row is not None:
                on_row(row)
    table = finished_table(out, points, seed)
    table.to_parquet(out / "table.parquet", index=False)
    ok = table[table["status"] == "ok"]
    summary = {"sweep": sweep.name, "seed": seed, "points": len(table), "failed": int((table["status"] != "ok").sum()),
               "measured": sweep.measured, "theory": sweep.theory, "fixed": dict(sweep.fixed),
               **(sweep.summarize(ok) if len(ok) else {})}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float) + "\n")
    files = [out / "table.parquet", out / "summary.json"]
    if len(ok):
        files += sweep.figure(ok, summary, out)
    return SweepResult(table, summary, files, ran=len(futures), skipped=len(points) - len(todo))


def finished_table(out: Path, points: list[Point], seed: int) -> pd.DataFrame:
    """The rows of this grid and seed, one per point, in grid order."""
    rows = {r["point"]: r for r in load_rows(out) if int(r.get("seed", -1)) == seed}
    keys = [point_key(p) for p in points]
    table = pd.DataFrame([rows[k] for k in keys if k in rows])
    front = list(points[0]) + list(META) if points else list(META)
    return table[[c for c in front if c in table] + [c for c in table if c not in front]].reset_index(drop=True)


@contextlib.contextmanager
def _progress(show: bool, name: str, total: int, already: int):
    """A rich bar (points done / total, ETA); a no-op when ``show`` is false."""
    if not show:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.progress import TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("ETA"), TimeRemainingColumn()) as bar:
        task = bar.add_task(name, total=total, completed=already)
        yield lambda: bar.advance(task)
