"""Figures are written with their numbers; the benchmark insists both sides agree."""
import csv
import dataclasses

import pytest

from gentoys.checks.framework.profile import PROFILES, Context
from gentoys.checks.outputs import bench as bench_mod
from gentoys.checks.outputs.figures import FIGURES
from gentoys.sim.linear import LinearSetting
from gentoys.sim.networks import RELU

TINY = Context(dataclasses.replace(PROFILES["quick"], name="tiny-fig", dim=120, n_sets=4, sim_dim=120, sim_sets=6,
                                   sim_epochs=60, sparse_sets=4, sparse_epochs=60, net_sets=3, net_scale=0.1,
                                   net_epochs=0.02, lasso_dims=(40, 60), lasso_sets=4, boundary_dim=60))
SMALL_BENCH = LinearSetting(dim=120, n_sets=3, epochs=30)
SMALL_NET = RELU.with_(n_sets=3, epochs=40, hidden=20, record_every=5)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_each_figure_writes_png_and_csv(tmp_path, name):
    paths = FIGURES[name](TINY, tmp_path)
    png, table = sorted(paths, key=lambda p: p.suffix, reverse=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader(table.open()))
    assert rows and all(v not in ("", "nan") for v in rows[0].values())


def test_bench_reports_both_times_and_their_ratio():
    result = bench_mod.bench_gen_linear(SMALL_BENCH)
    assert result.baseline_s > 0 and result.ours_s > 0
    assert result.to_json()["ratio"] == pytest.approx(result.baseline_s / result.ours_s, rel=1e-2)


def test_bench_fails_when_the_baseline_disagrees(monkeypatch):
    real = bench_mod.train_baseline
    monkeypatch.setattr(bench_mod, "train_baseline", lambda *a: real(*a) * 1.01)
    with pytest.raises(AssertionError, match="differ"):
        bench_mod.bench_gen_linear(SMALL_BENCH)


def test_network_bench_times_the_baseline_per_set_and_checks_agreement(monkeypatch):
    result = bench_mod.bench_network(SMALL_NET, baseline_sets=2)
    assert result.notes["baseline_sets_timed"] == 2 and result.ratio > 0
    assert result.baseline_s == pytest.approx(result.notes["baseline_s_per_set"] * 3, rel=1e-2)
    real = bench_mod.train_network_baseline
    monkeypatch.setattr(bench_mod, "train_network_baseline", lambda *a: tuple(h * 1.05 for h in real(*a)))
    with pytest.raises(AssertionError, match="differ"):
        bench_mod.bench_network(SMALL_NET, baseline_sets=2)
