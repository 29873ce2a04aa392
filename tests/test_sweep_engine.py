"""The sweep engine on a LocalCluster of 2 processes: order independence, resume, recorded failures,
memory refusal, a worker killed mid-sweep, and the command line on the same cluster."""
from __future__ import annotations

import json
import os
import signal
import time

import pandas as pd
import pytest
from click.testing import CliRunner

from gentoys.checks.cli import main
from gentoys.checks.sweeps.engine import connect, load_rows, run_sweep
from gentoys.checks.sweeps.grid import expand, point_key, point_seed
from gentoys.checks.sweeps.registry import get

SWEEP = get("ridge_correction")
GRID = {"q": (0.5, 0.7, 0.9), "D": (40, 60)}
NUMBERS = ["c_teacher_mean", "c_teacher_se", "c_trace_mean", "c_trace_se", "theory"]


@pytest.fixture(scope="module")
def client():
    with connect(workers=2) as c:
        yield c


def _numbers(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("point").sort_index()[NUMBERS]


@pytest.fixture(scope="module")
def reference(client, tmp_path_factory):
    """The undisturbed run every other run must reproduce."""
    return run_sweep(SWEEP, GRID, tmp_path_factory.mktemp("ref"), client, seed=3, progress=False).table


def test_a_clean_run_writes_one_ok_row_per_point_and_the_figure(reference, tmp_path, client):
    assert len(reference) == len(expand(GRID)) and (reference["status"] == "ok").all()
    result = run_sweep(SWEEP, {"q": (0.6, 0.8), "D": (30,)}, tmp_path, client, progress=False)
    names = {p.name for p in result.files}
    assert {"table.parquet", "summary.json", "ridge_correction.png", "ridge_correction.csv"} <= names
    assert len(pd.read_parquet(tmp_path / "table.parquet")) == 2


def test_rows_do_not_depend_on_order_or_on_the_other_points(reference, client, tmp_path):
    reversed_grid = {"D": GRID["D"][::-1], "q": GRID["q"][::-1]}
    again = run_sweep(SWEEP, reversed_grid, tmp_path / "rev", client, seed=3, progress=False).table
    alone = run_sweep(SWEEP, {"q": (0.7,), "D": (60,)}, tmp_path / "one", client, seed=3, progress=False).table
    pd.testing.assert_frame_equal(_numbers(again), _numbers(reference))
    pd.testing.assert_frame_equal(_numbers(alone), _numbers(reference).loc[[alone["point"][0]]])


def test_the_seed_changes_the_rows(reference, client, tmp_path):
    other = run_sweep(SWEEP, GRID, tmp_path, client, seed=4, progress=False).table
    assert not _numbers(other).equals(_numbers(reference))


def test_point_seeds_come_from_the_coordinates_alone():
    a, b = {"q": 0.5, "D": 40}, {"D": 40, "q": 0.5}
    assert point_seed(0, a) == point_seed(0, b) and point_key(a) == point_key(b)
    assert point_seed(0, a) != point_seed(1, a) and point_seed(0, a) != point_seed(0, {"q": 0.5, "D": 41})


def test_an_interrupted_sweep_resumes_and_ends_with_the_same_table(reference, client, tmp_path):
    class Interrupt(Exception):
        pass

    def stop_after_two(row, seen=[]):  # noqa: B006  (a counter local to this test)
        seen.append(row)
        if len(seen) == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        run_sweep(SWEEP, GRID, tmp_path, client, seed=3, progress=False, on_row=stop_after_two)
    done = len(load_rows(tmp_path))
    assert 2 <= done < len(expand(GRID))
    resumed = run_sweep(SWEEP, GRID, tmp_path, client, seed=3, progress=False)
    assert resumed.skipped == done and resumed.ran == len(expand(GRID)) - done
    pd.testing.assert_frame_equal(_numbers(resumed.table), _numbers(reference))


def test_a_failing_point_is_recorded_and_the_others_go_on(client, tmp_path):
    result = run_sweep(SWEEP, {"q": (0.5, 1.5), "D": (40,)}, tmp_path, client, progress=False)
    bad = result.table[result.table["status"] != "ok"]
    assert result.failed == 1 and len(bad) == 1 and bad["q"].iloc[0] == 1.5
    assert "q" in bad["error"].iloc[0] and "1.5" in bad["error"].iloc[0]
    assert result.table.loc[result.table["q"] == 0.5, "status"].iloc[0] == "ok"


def test_a_point_too_large_for_a_worker_is_refused_up_front(client, tmp_path):
    result = run_sweep(SWEEP, {"q": (0.5,), "D": (40, 10**6)}, tmp_path, client, progress=False)
    refused = result.table[result.table["status"] == "refused"]
    assert result.ran == 1 and len(refused) == 1
    assert "D=1000000" in refused["error"].iloc[0] and "GiB" in refused["error"].iloc[0]


#: points that take about a second each, so that a worker still holds one when the first row arrives
#: (at D = 40 to 400 every point can finish before the client sees the first row)
SLOW_GRID = {"q": (0.5, 0.7, 0.9), "D": (800,)}


def test_a_worker_killed_mid_sweep_is_replaced_and_the_table_is_identical(client, tmp_path):
    # the undisturbed rows, computed in this process (a second cluster run of the same points would find their
    # results still held under the same task keys, and nothing would be in flight to kill)
    undisturbed = pd.DataFrame([{"point": point_key(p), **SWEEP.run_point(p, point_seed(3, p), "cpu")}
                                for p in expand(SLOW_GRID)])
    killed = []

    def kill_one_worker(row):
        busy = [w for w, keys in client.processing().items() if keys]  # a worker with a point in hand
        if not killed and busy:
            os.kill(client.run(os.getpid, workers=[busy[0]])[busy[0]], signal.SIGKILL)
            killed.append((busy[0], len(load_rows(tmp_path / "run"))))

    result = run_sweep(SWEEP, SLOW_GRID, tmp_path / "run", client, seed=3, progress=False, on_row=kill_one_worker)
    assert result.ran == len(expand(SLOW_GRID))
    assert killed and killed[0][1] < len(expand(SLOW_GRID))  # mid-sweep, a point in hand
    assert (result.table["status"] == "ok").all()
    pd.testing.assert_frame_equal(_numbers(result.table), _numbers(undisturbed))
    client.wait_for_workers(2, timeout=60)  # the nanny has restarted it


def test_the_command_runs_on_a_given_scheduler_and_exits_1_when_a_point_failed(client, tmp_path):
    """Exit codes as for every command: 1 when any point failed (here q = 0.001 and 0.01 at D = 40 draw no sample: a
    valid grid value whose point raises; two such points still exit 1, not 2), 0 when all are ok; the count
    is in the summary line and summary.json."""
    args = ["sweep", "ridge_correction", "--grid", "q=0.001,0.01,0.5", "--grid", "D=40", "--out", str(tmp_path),
            "--scheduler", client.scheduler.address, "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "2 failed" in result.output and (tmp_path / "table.parquet").exists()
    assert json.loads((tmp_path / "summary.json").read_text())["failed"] == 2
    ok = CliRunner().invoke(main, args[:3] + ["q=0.5:0.7:3"] + args[4:])
    assert ok.exit_code == 0, ok.output


def test_an_unreachable_scheduler_is_one_error_line_within_the_connect_timeout(tmp_path):
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["sweep", "ridge_correction", "--scheduler", "tcp://127.0.0.1:1",
                                       "--connect-timeout", "1", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.startswith("error: --scheduler no scheduler answered at tcp://127.0.0.1:1 within 1 s")
    assert time.perf_counter() - start < 10 and not (tmp_path / "out").exists()


def test_the_command_rejects_an_unknown_sweep_or_axis():
    assert "lasso_phase" in CliRunner().invoke(main, ["sweep", "--list"]).output
    bad = CliRunner().invoke(main, ["sweep", "nope"])
    assert bad.exit_code == 2 and "ridge_correction" in bad.output
    bad_axis = CliRunner().invoke(main, ["sweep", "finite_size", "--grid", "q=0.5"])
    assert bad_axis.exit_code == 2 and "axes: D, method" in bad_axis.output
