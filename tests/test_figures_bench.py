"""Figures are written with their numbers; the benchmark insists both sides agree."""
import csv
import dataclasses

import pytest

from checks import bench as bench_mod
from checks.figures import FIGURES
from checks.profile import PROFILES, Context
from sim.linear import LinearSetting

TINY = Context(dataclasses.replace(PROFILES["quick"], name="tiny-fig", dim=120, n_sets=4, sim_dim=120, sim_sets=6,
                                   sim_epochs=60, sparse_sets=4, sparse_epochs=60))
SMALL_BENCH = LinearSetting(dim=120, n_sets=3, epochs=30)


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
