"""Grid parsing, the statistics the summaries rest on (each shown able to say no), and one tiny point of
every built-in sweep run in this process."""
from __future__ import annotations

import math

import numpy as np
import pytest

from gentoys.checks.sweeps import finite_size, lasso_phase, momentum_speedup
from gentoys.checks.sweeps.common import crossing, power_fit
from gentoys.checks.sweeps.engine import refusal
from gentoys.checks.sweeps.grid import expand, merge_grid, parse_axis
from gentoys.checks.sweeps.registry import SWEEPS, get
from gentoys.checks.sweeps.spec import Axis


def test_axes_parse_lists_and_ranges():
    assert parse_axis("q=0.1,0.5") == ("q", (0.1, 0.5))
    assert parse_axis("D=100:400:4") == ("D", (100, 200, 300, 400))
    assert parse_axis("q=0.5:0.7:3") == ("q", (0.5, 0.6, 0.7))
    assert parse_axis("method=gd,ridge") == ("method", ("gd", "ridge"))
    for bad in ("q", "q=", "q=0:1", "q=0:1:x"):
        with pytest.raises(ValueError, match="grid axis"):
            parse_axis(bad)


def test_merge_replaces_known_axes_only():
    grid = merge_grid({"q": (0.5,), "D": (10,)}, ["D=20,30"])
    assert expand(grid) == [{"q": 0.5, "D": 20}, {"q": 0.5, "D": 30}]
    with pytest.raises(ValueError, match="axes: q, D"):
        merge_grid({"q": (0.5,), "D": (10,)}, ["lam=1"])


def test_every_axis_of_every_sweep_has_a_domain_holding_its_default_values():
    for sweep in SWEEPS.values():
        assert set(sweep.axes) == set(sweep.grid), sweep.name
        for key, values in sweep.grid.items():
            assert all(sweep.axes[key].check(v) == v for v in values), (sweep.name, key)


@pytest.mark.parametrize("axis,good,bad", [
    (Axis("real", 0, 1, low_open=True, high_open=True), [0.5, 1e-9], [0, 1, 1.5, -0.1, math.nan, "abc", True]),
    (Axis("real", 0, 1, low_open=True), [1, 0.2], [0, 1.01]),
    (Axis("int", 2), [2, 40, 40.0], [1, 0, 40.5, "x", math.inf]),
    (Axis("choice", choices=("a", "b")), ["a"], ["c", 1]),
])
def test_an_axis_accepts_its_domain_and_names_what_is_outside(axis, good, bad):
    for v in good:
        assert axis.check(v) == v
    for v in bad:
        with pytest.raises(ValueError, match="is not"):
            axis.check(v)


def test_merge_checks_each_value_against_its_axis_naming_the_axis():
    axes = {"q": Axis("real", 0, 1, low_open=True, high_open=True), "D": Axis("int", 2)}
    assert merge_grid({"q": (0.5,), "D": (10,)}, ["D=1e3"], axes)["D"] == (1000,)
    with pytest.raises(ValueError, match=r"^q = 1.5 is not a real number in \(0, 1\)$"):
        merge_grid({"q": (0.5,), "D": (10,)}, ["q=0.5,1.5"], axes)
    with pytest.raises(ValueError, match=r"^D = 'x' is not a number"):
        merge_grid({"q": (0.5,), "D": (10,)}, ["D=x"], axes)


def test_crossing_finds_the_level_and_moves_with_the_curve():
    x = np.linspace(0, 1, 11)
    assert crossing(x, x, 0.35) == pytest.approx(0.35)
    assert crossing(x, x - 0.1, 0.35) == pytest.approx(0.45)  # a shifted measurement is told apart
    assert math.isnan(crossing(x, 0 * x, 0.35))


def test_power_fit_recovers_the_exponent_and_tells_1_over_d_from_1_over_sqrt_d():
    d = np.array([100, 200, 400, 800, 1600.0])
    rng = np.random.default_rng(0)
    noisy = (3 / d) * (1 + 0.02 * rng.standard_normal(5))
    fit = power_fit(d, noisy, 0.02 * 3 / d)
    assert abs(fit["exponent"] + 1) < 4 * fit["exponent_se"] + 0.02
    assert abs(power_fit(d, 1 / np.sqrt(d))["exponent"] + 0.5) < 1e-9
    unresolved = power_fit(d, 1e-4 * np.ones(5), 1e-3 * np.ones(5))  # every point within 2 s.e. of zero
    assert unresolved["points_used"] == 0 and math.isnan(unresolved["exponent"])


def test_refusal_names_d_and_the_estimate():
    sweep = get("finite_size")
    assert refusal(sweep, {"D": 100, "method": "momentum"}, 2**30) is None
    message = refusal(sweep, {"D": 10_000, "method": "momentum"}, 2**30)
    assert "D=10000" in message and "GiB" in message


def test_every_sweep_declares_a_grid_a_point_function_and_what_it_measures():
    assert set(SWEEPS) == {"ridge_correction", "finite_size", "momentum_speedup", "lasso_phase"}
    for sweep in SWEEPS.values():
        assert sweep.grid and sweep.measured and sweep.theory
        assert all(sweep.peak_bytes(p) > 0 for p in expand(sweep.grid)[:2])


def test_tiny_points_of_the_simulated_sweeps(monkeypatch, tmp_path):
    import pandas as pd

    fs = finite_size.run_point({"D": 60, "method": "momentum_ridge"}, 1, "cpu")
    # converged: simulation and the set's exact plateau agree; the spectral average is near MP
    assert fs["convergence_gap_max"] < 1e-4 and abs(fs["trace_dev_mean"]) < 0.02
    monkeypatch.setattr(momentum_speedup, "N_SETS", 4)
    ms = momentum_speedup.run_point({"q": 0.5, "D": 60, "eps": 1e-3}, 1, "cpu")
    kappa = ((1 + math.sqrt(0.5)) / (1 - math.sqrt(0.5))) ** 2  # the MP edges' condition number
    assert ms["speedup_mean"] > 1
    assert ms["theory_mp"] == pytest.approx(math.log(math.sqrt(0.5)) / math.log((kappa - 1) / (kappa + 1)), rel=1e-9)
    monkeypatch.setattr(lasso_phase, "N_SETS", 4)
    monkeypatch.setattr(lasso_phase, "DIM", 60)
    lp = lasso_phase.run_point({"q": 0.5, "sparsity": 0.1, "lam": 5e-3}, 1, "cpu")
    assert lp["ridge_mean"] > 0 and lp["lasso_mean"] > 0
    # the converged, certified lasso; the state evolution beside it, within a few standard errors at D = 60
    assert lp["lasso_kkt_max"] < lasso_phase.TOL
    assert abs(lp["lasso_mean"] - lp["theory_lasso"]) < 4 * lp["lasso_se"] + lp["theory_lasso"] / math.sqrt(60)
    table = pd.DataFrame([{"q": q, "sparsity": 0.1, "lam": 5e-3, **lp} for q in (0.5, 0.7)])
    summary = lasso_phase.summarize(table)
    key = "sparsity=0.1, lam=0.005"
    z = summary["lasso_vs_state_evolution_max_z"][key]
    # a measurement ten times off the state evolution shows as a much larger gap
    wrong = table.assign(lasso_mean=table["lasso_mean"] * 10)
    assert lasso_phase.summarize(wrong)["lasso_vs_state_evolution_max_z"][key] > max(3 * z, 5)
    # the predicted boundary is where the predicted difference changes sign: lasso wins above it
    qb = summary["predicted_boundary_q"][key]
    curve = lasso_phase.predicted_curve(np.array([0.5, 0.7]), 0.1, 5e-3)
    if math.isnan(qb):  # no sign change on [0.5, 0.7]
        assert np.sign(curve[0]) == np.sign(curve[1])
    else:
        assert curve[0] < 0 < curve[1]
    assert len(lasso_phase.figure(table, summary, tmp_path)) == 2


def test_lasso_phase_point_with_a_support_of_n_converges():
    """At q = 0.3, sparsity 0.4 (default seed) one set's lasso support is N = 60 itself: the slowest case of
    the default grid (3e4 FISTA iterations, 2e5 before the solver tried Newton steps more patiently), which
    must finish within the sweep's iteration budget with its certificate."""
    from gentoys.checks.sweeps import lasso_phase
    from gentoys.checks.sweeps.grid import point_seed

    point = {"lam": 0.005, "q": 0.3, "sparsity": 0.4}
    row = lasso_phase.run_point(point, point_seed(0, point), "cpu")
    assert row["lasso_iterations_max"] <= lasso_phase.MAX_ITER
    assert row["lasso_kkt_max"] < lasso_phase.TOL
