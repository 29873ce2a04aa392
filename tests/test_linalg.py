"""The shared SPD solve, and the guard that keeps batched LU (and mid-run thread changes) out of library code."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gentoys.sim.core.linalg import spd_solve

ROOT = Path(__file__).resolve().parents[1]


def test_spd_solve_matches_the_definition_batched():
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(3, 20, 8, generator=gen, dtype=torch.float64)
    A = X.transpose(1, 2) @ X + 0.1 * torch.eye(8, dtype=torch.float64)
    B = torch.randn(3, 8, 2, generator=gen, dtype=torch.float64)
    assert torch.allclose(A @ spd_solve(A, B), B, atol=1e-12)


def test_spd_solve_refuses_an_indefinite_system_by_batch_element():
    A = torch.stack([torch.eye(2), -torch.eye(2)]).double()
    with pytest.raises(ValueError, match="batch element 1 is not positive definite"):
        spd_solve(A, torch.ones(2, 2, 1, dtype=torch.float64))


def test_spd_solve_works_after_the_thread_count_changed():
    """In a fresh process: two threads set, then a batched float64 solve (batched LU fails there in torch 2.13)."""
    code = ("import torch; from gentoys.sim.core.linalg import spd_solve\n"
            "torch.set_num_threads(1); torch.set_num_threads(2)\n"
            "X = torch.randn(8, 300, 200, dtype=torch.float64); A = X.mT @ X / 300 + 0.1 * torch.eye(200)\n"
            "B = torch.randn(8, 200, 1, dtype=torch.float64)\n"
            "print(float((A @ spd_solve(A, B) - B).abs().max()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert float(out.stdout.split()[-1]) < 1e-10


def test_library_code_neither_resizes_thread_pools_nor_uses_batched_lu():
    """Only the command line sets the thread count (once); SPD systems go through spd_solve."""
    forbidden = re.compile(r"torch\.set_num_threads|torch\.linalg\.(solve|inv)\b|\.inverse\(\)")
    offenders = [f"{path.relative_to(ROOT)}:{n}" for folder in ("theory", "sim", "checks")
                 for path in sorted((ROOT / folder).rglob("*.py")) if path.name != "device.py"
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if forbidden.search(line) and not line.lstrip().startswith("#")]
    assert offenders == [], offenders


def test_set_cpu_threads_sets_only_a_change(monkeypatch):
    from gentoys.sim.core import device

    calls = []
    monkeypatch.setattr(device.torch, "set_num_threads", calls.append)
    now = torch.get_num_threads()
    device.set_cpu_threads(None)
    device.set_cpu_threads(now)
    assert calls == []
    device.set_cpu_threads(now + 1)
    assert calls == [now + 1]
    with pytest.raises(ValueError, match="threads"):
        device.set_cpu_threads(0)


def test_set_cpu_threads_limits_numpy_and_scipy_blas_too():
    """--threads N reaches the BLAS libraries numpy and scipy load, not torch alone."""
    from threadpoolctl import threadpool_info

    from gentoys.sim.core import device

    before = {i["prefix"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}
    try:
        device.set_cpu_threads(1)
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)
    finally:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=before)
