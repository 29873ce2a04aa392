"""The command line's conventions: -q/--quiet and -v/--verbose on verify, figures and bench, and exit codes
0 (ok), 1 (a check failed: routes disagree, --strict and a claim refuted), 2 (bad input, or a run that could
not complete)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import gentoys.checks.framework.profile
import gentoys.checks.outputs.bench as bench_module
import gentoys.checks.outputs.figures as figures_module
import gentoys.checks.outputs.floors as floors_module
from gentoys.checks.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, main, verify_exit_code
from gentoys.checks.framework.profile import tiny as tiny_profile
from gentoys.checks.outputs.floors import MachineFloors
from strategies import one_torch_thread  # noqa: F401  (module-wide single torch thread)

CHEAP = ["--only", "mp_lambda_R", "--only", "soft_threshold_is_prox"]


@pytest.fixture(autouse=True)
def _small_quick_profile(monkeypatch):
    monkeypatch.setitem(gentoys.checks.framework.profile.PROFILES, "quick", tiny_profile("quick"))


@pytest.fixture
def runner():
    return CliRunner()


def invoke(runner, *args):
    return runner.invoke(main, list(args), catch_exceptions=False)


# --- exit codes ------------------------------------------------------------------------------

def _result(verdict: str, agreement: bool):
    return SimpleNamespace(outcome=SimpleNamespace(verdict=verdict, agreement=agreement))


@pytest.mark.parametrize("results,strict,code", [
    ([_result("confirmed", True), _result("refuted", True)], False, EXIT_OK),
    ([_result("confirmed", True), _result("refuted", True)], True, EXIT_FAILED),
    ([_result("confirmed", True), _result("inconclusive", True)], True, EXIT_FAILED),  # strict: confirmed only
    ([_result("confirmed", True), _result("erratum", True)], True, EXIT_FAILED),
    ([_result("confirmed", True), _result("erratum", True), _result("inconclusive", None)], False, EXIT_OK),
    ([_result("confirmed", False)], False, EXIT_FAILED),
    ([_result("refuted", False)], True, EXIT_FAILED),
])
def test_verify_exit_code_convention(results, strict, code):
    assert verify_exit_code(results, strict) == code
    assert (EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT) == (0, 1, 2)


@pytest.mark.parametrize("args", [
    ["verify", "--only", "no_such_claim"],
    ["verify", "--profile", "huge"],
    ["verify", "-q", "-v", *CHEAP],
    ["figures", "--quiet", "--verbose"],
    ["bench", "--sets", "0"],
    ["bench", "-q", "-v"],
])
def test_bad_input_exits_2(runner, args):
    assert invoke(runner, *args).exit_code == EXIT_BAD_INPUT


def test_a_crash_inside_a_command_exits_2_not_1(runner, monkeypatch, tmp_path):
    """An unexpected exception is a run that could not complete (2), never 'a check failed' (1)."""
    def broken(ctx, out):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(figures_module, "FIGURES", {"broken": broken})
    result = runner.invoke(main, ["figures", "--out", str(tmp_path)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "error: the run could not complete: RuntimeError: disk on fire" in result.output


def test_a_bad_value_inside_figures_exits_2_naming_the_figure(runner, monkeypatch, tmp_path):
    def bad(ctx, out):
        raise ValueError("q=2 is outside its domain (0, 1]")

    monkeypatch.setattr(figures_module, "FIGURES", {"spectrum": bad})
    result = invoke(runner, "figures", "--out", str(tmp_path))
    assert result.exit_code == EXIT_BAD_INPUT and "error: figure spectrum: q=2" in result.output


# --- verbosity -------------------------------------------------------------------------------

def test_verify_quiet_prints_only_the_summary(runner, tmp_path):
    path = tmp_path / "r.json"
    result = invoke(runner, "verify", "-q", *CHEAP, "--json", str(path))
    assert result.exit_code == EXIT_OK
    assert result.output.strip().splitlines() == [
        "2 seed claims: confirmed 2, erratum 0, refuted 0, inconclusive 0; agreement failures: none"]
    assert path.exists()


def test_verify_default_and_verbose(runner):
    default = invoke(runner, "verify", *CHEAP)
    verbose = invoke(runner, "verify", "--verbose", *CHEAP)
    assert default.exit_code == verbose.exit_code == EXIT_OK
    assert "Evidence" not in default.output and "routes agree" not in default.output
    assert "mp_lambda_R: confirmed (routes agree" in verbose.output
    assert "Evidence" in verbose.output and "[agrees]" in verbose.output
    assert len(verbose.output) > len(default.output)


@pytest.fixture
def fake_figures(monkeypatch):
    def make(ctx, out):
        out.mkdir(parents=True, exist_ok=True)
        path = out / "fake.csv"
        path.write_text("x\n1\n")
        return [path]

    monkeypatch.setattr(figures_module, "FIGURES", {"fake": make})


@pytest.mark.parametrize("flag,expect", [("-q", []), (None, ["wrote"]), ("-v", ["fake: 1 files in", "wrote"])])
def test_figures_verbosity(runner, tmp_path, fake_figures, flag, expect):
    result = invoke(runner, "figures", "--out", str(tmp_path), *([flag] if flag else []))
    assert result.exit_code == EXIT_OK
    lines = result.output.strip().splitlines()
    assert [line.split(" ")[0] if line.startswith("wrote") else line[:len("fake: 1 files in")] for line in lines] \
        == expect


@pytest.fixture
def fake_bench(monkeypatch):
    result = bench_module.BenchResult(workload="gen_linear", baseline_s=2.0, ours_s=0.5, max_rel_gap_of_averaged_losses=1e-9,
                                      notes={"sets": 3})
    monkeypatch.setattr(bench_module, "bench_gen_linear", lambda setting: result)
    fake = MachineFloors(threads=1, gemm_gflops={"float32": 1.0, "float64": 1.0},
                         bandwidth_gbs={"L2": 1.0, "L3": 1.0, "DRAM": 1.0}, cache_bytes={"L2": 1, "L3": 2},
                         cache_source={"L2": "fallback", "L3": "fallback"}, buffer_bytes={}, slowest={}, seconds=0.0)
    monkeypatch.setattr(floors_module, "measure", lambda: fake)
    monkeypatch.setattr(floors_module, "other_thread_count", lambda threads: None)


# floors at the start (1 line; a second one for the other thread count, left out here), the workload's line, the
# floors at the end, the table (header and one row); with -v also the workload's name and its fields: baseline_s,
# ours_s, ratio, floor_seconds, ours_over_floor, max_rel_gap, sets
@pytest.mark.parametrize("flag,lines", [("-q", 0), (None, 5), ("-v", 13)])
def test_bench_verbosity(runner, tmp_path, fake_bench, flag, lines):
    path = tmp_path / "b.json"
    result = invoke(runner, "bench", "--workload", "gen_linear", "--json", str(path), *([flag] if flag else []))
    assert result.exit_code == EXIT_OK
    assert len(result.output.strip().splitlines()) == lines, result.output
    assert '"ratio": 4.0' in path.read_text()
