"""This machine's floors, measured in the run that uses them: GEMM rate and streaming bandwidth per cache level.

``gentoys bench`` compares each workload with the time its flops and bytes need at these rates
(``checks.outputs.floor_model``), instead of with a baseline loop whose own time moves with the load.

* **GEMM**: ``torch.mm`` of two square ``GEMM_SIZE`` matrices (compute-bound: 2 n^3 flops on 3 n^2 elements),
  float32 (SGEMM) and float64 (DGEMM), counted as 2 n^3 flops per product.
* **Bandwidth**: a read-only reduction, ``x.expand(r, n).sum()``: one torch operation that reads the same
  n-element buffer r times (the expanded view has stride 0 along r, nothing is copied), so a buffer that fits
  a cache is read from that cache without a Python call per pass. The bytes counted are the bytes read,
  r n x 4 (float32); nothing is written. Buffers: half of one core's L2, half of the L3, eight times the L3
  (DRAM), sizes read from ``/sys/devices/system/cpu/cpu0/cache/index*/size`` (``FALLBACK_CACHE_BYTES``
  otherwise; ``MachineFloors.cache_source`` says which). Each repeat reads at least ``READ_BYTES``
  (~50 ms at these rates).
* **Statistic**: the best of ``REPEATS`` (the highest rate). On a shared machine another process can only
  slow a repeat down, so the fastest one is the closest to what the hardware does, and a floor must not be
  raised by someone else's load. The spread (slowest repeat's rate) is kept beside it. ``gentoys bench``
  measures at the start and the end of its run and keeps the better of the two per rate (``best_of``).

The measurement runs in the calling process's torch thread count, which only the command line sets; the
other count (one thread, or all cores) is measured by ``measure_in_subprocess``: a fresh ``gentoys floors
--threads N`` process, because library code never resizes a thread pool (docs/performance.md, "A fault to
know about"). CPU only.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

#: square GEMM size: large enough to run at the BLAS peak on this class of CPU (1024 ran ~6 % slower)
GEMM_SIZE = 1536
REPEATS = 3
#: bytes each bandwidth repeat reads (at least one pass over the buffer)
READ_BYTES = 4 << 30
#: cache sizes used when sysfs does not say (this project's 2-core machine: 1 MiB L2 per core, 32 MiB L3)
FALLBACK_CACHE_BYTES = {"L2": 1 << 20, "L3": 32 << 20}
LEVELS = ("L2", "L3", "DRAM")
SYSFS_CACHE = Path("/sys/devices/system/cpu/cpu0/cache")


@dataclass(frozen=True)
class MachineFloors:
    """Measured rates at one torch thread count; ``gemm_gflops`` by dtype name, ``bandwidth_gbs`` by level."""

    threads: int
    gemm_gflops: dict[str, float]
    bandwidth_gbs: dict[str, float]
    cache_bytes: dict[str, int]
    cache_source: dict[str, str]
    buffer_bytes: dict[str, int]
    #: the slowest repeat's rate, same keys: how much the load moved the repeats
    slowest: dict[str, float]
    seconds: float

    def level_of(self, resident_bytes: float) -> str:
        """The level a working set of ``resident_bytes`` lives in: one core's L2, the L3, or DRAM."""
        if resident_bytes <= self.cache_bytes["L2"]:
            return "L2"
        return "L3" if resident_bytes <= self.cache_bytes["L3"] else "DRAM"

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "MachineFloors":
        return cls(**data)


def _parse_size(text: str) -> int:
    """A sysfs cache size ("1024K", "32M", "512"), in bytes."""
    text = text.strip().upper()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    return int(text.rstrip("KMG")) * scale


def cache_sizes(root: Path = SYSFS_CACHE) -> tuple[dict[str, int], dict[str, str]]:
    """L2 (one core's) and L3 sizes in bytes, and where each came from (the sysfs file, or "fallback")."""
    sizes, source = dict(FALLBACK_CACHE_BYTES), {k: "fallback" for k in FALLBACK_CACHE_BYTES}
    for index in sorted(root.glob("index*")):
        try:
            level = int((index / "level").read_text())
            kind = (index / "type").read_text().strip()
            size = _parse_size((index / "size").read_text())
        except (OSError, ValueError):
            continue
        name = f"L{level}"
        if name in sizes and kind in ("Unified", "Data") and size > 0:
            sizes[name], source[name] = size, str(index / "size")
    return sizes, source


def _best_and_slowest(work, repeats: int) -> tuple[float, float]:
    work()  # warm: page faults, BLAS's buffers, the cache filled
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return min(times), max(times)


def gemm_rate(dtype: torch.dtype, n: int = GEMM_SIZE, repeats: int = REPEATS) -> tuple[float, float]:
    """(best, slowest) GFLOP/s of an n x n by n x n ``torch.mm`` in ``dtype``, 2 n^3 flops each."""
    gen = torch.Generator().manual_seed(0)
    a, b = (torch.randn(n, n, generator=gen, dtype=dtype) for _ in range(2))
    c = torch.empty(n, n, dtype=dtype)
    best, slowest = _best_and_slowest(lambda: torch.mm(a, b, out=c), repeats)
    return 2 * n**3 / best / 1e9, 2 * n**3 / slowest / 1e9


def read_bandwidth(n_bytes: int, repeats: int = REPEATS, read_bytes: int = READ_BYTES) -> tuple[float, float]:
    """(best, slowest) GB/s of reading an ``n_bytes`` float32 buffer, ``read_bytes`` (or one pass) per repeat."""
    n = max(1, n_bytes // 4)
    x = torch.ones(n, dtype=torch.float32)
    passes = max(1, read_bytes // (4 * n))
    view = x.expand(passes, n)  # stride 0 along the passes: the same buffer read again, nothing copied
    best, slowest = _best_and_slowest(view.sum, repeats)
    return passes * n * 4 / best / 1e9, passes * n * 4 / slowest / 1e9


def measure(gemm_size: int = GEMM_SIZE, repeats: int = REPEATS, read_bytes: int = READ_BYTES,
            cache_root: Path = SYSFS_CACHE) -> MachineFloors:
    """The floors at this process's torch thread count (a couple of seconds)."""
    t0 = time.perf_counter()
    sizes, source = cache_sizes(cache_root)
    buffers = {"L2": sizes["L2"] // 2, "L3": sizes["L3"] // 2, "DRAM": 8 * sizes["L3"]}
    gemm, bandwidth, slowest = {}, {}, {}
    for dtype in (torch.float32, torch.float64):
        name = str(dtype).removeprefix("torch.")
        gemm[name], slowest[name] = (round(v, 2) for v in gemm_rate(dtype, gemm_size, repeats))
    for level in LEVELS:
        # DRAM: one pass of a buffer 8x the L3 is already ~10 ms; read it at least 4 times per repeat
        bandwidth[level], slowest[level] = (round(v, 2) for v in read_bandwidth(
            buffers[level], repeats, max(read_bytes // 16, 4 * buffers[level]) if level == "DRAM" else read_bytes))
    return MachineFloors(torch.get_num_threads(), gemm, bandwidth, sizes, source, buffers, slowest,
                         round(time.perf_counter() - t0, 3))


def best_of(a: MachineFloors, b: MachineFloors) -> MachineFloors:
    """Each rate the higher of two measurements at the same thread count (the start and the end of a run): the
    load that slowed one of them is someone else's, not the machine's."""
    if a.threads != b.threads or a.cache_bytes != b.cache_bytes:
        raise ValueError(f"best_of needs two measurements of one setup, got {a.threads} and {b.threads} threads")
    gemm = {k: max(a.gemm_gflops[k], b.gemm_gflops[k]) for k in a.gemm_gflops}
    bandwidth = {k: max(a.bandwidth_gbs[k], b.bandwidth_gbs[k]) for k in a.bandwidth_gbs}
    slowest = {k: min(a.slowest[k], b.slowest[k]) for k in a.slowest}
    return MachineFloors(a.threads, gemm, bandwidth, a.cache_bytes, a.cache_source, a.buffer_bytes, slowest,
                         round(a.seconds + b.seconds, 3))


def measure_in_subprocess(threads: int, timeout: float = 120.0) -> MachineFloors:
    """The floors at ``threads`` torch threads, measured by a fresh ``gentoys floors --threads N`` process: the
    command line sets its thread count once, before any work, as in every other run."""
    with tempfile.TemporaryDirectory(prefix="gentoys-floors-") as tmp:
        path = Path(tmp) / "floors.json"
        cmd = [sys.executable, "-m", "gentoys.checks.cli", "floors", "--threads", str(threads), "--json",
               str(path), "-q"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ})
        if done.returncode != 0:
            raise RuntimeError(f"`gentoys floors --threads {threads}` failed (exit {done.returncode}): "
                               f"{done.stderr.strip()[-500:]}")
        return MachineFloors.from_json(json.loads(path.read_text()))


def other_thread_count(threads: int, cores: int | None = None) -> int | None:
    """The thread count to measure besides the run's: all cores for a one-thread run, else one (None: one core)."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores <= 1:
        return None
    return cores if threads == 1 else 1


def describe(floors: MachineFloors) -> str:
    """One line: the rates, and where the cache sizes came from."""
    mib = lambda b: f"{b / 2**20:g} MiB"  # noqa: E731
    caches = ", ".join(f"{k} {mib(v)} ({'sysfs' if floors.cache_source[k] != 'fallback' else 'fallback'})"
                       for k, v in floors.cache_bytes.items())
    return (f"{floors.threads} thread{'s' if floors.threads > 1 else ''}: SGEMM {floors.gemm_gflops['float32']:.0f}, "
            f"DGEMM {floors.gemm_gflops['float64']:.0f} GFLOP/s; read L2 {floors.bandwidth_gbs['L2']:.0f}, "
            f"L3 {floors.bandwidth_gbs['L3']:.0f}, DRAM {floors.bandwidth_gbs['DRAM']:.0f} GB/s [{caches}]")
