"""The floor model of `gentoys bench`: its counts against hand counts, the floor arithmetic, the floors measurement's
bookkeeping, and the fields in the table and the JSON. No timed assertion: the speed itself is the bench's."""
from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner

import gentoys.checks.outputs.bench as bench_module
from gentoys.checks.cli import main
from gentoys.checks.outputs import floor_model, floors
from gentoys.checks.outputs.floor_model import Phase, floor_seconds, linear_phases, network_phases
from gentoys.checks.outputs.floors import MachineFloors
from gentoys.sim.linear import LinearSetting
from gentoys.sim.networks import RELU, TWO_LAYER, Method

#: round rates, so that every expected floor below is a hand computation
FAKE = MachineFloors(threads=1, gemm_gflops={"float32": 100.0, "float64": 50.0},
                     bandwidth_gbs={"L2": 200.0, "L3": 100.0, "DRAM": 20.0}, cache_bytes={"L2": 1000, "L3": 100_000},
                     cache_source={"L2": "fallback", "L3": "fallback"},
                     buffer_bytes={"L2": 500, "L3": 50_000, "DRAM": 800_000}, slowest={}, seconds=0.0)


def _phase(phases, prefix):
    found = [p for p in phases if p.name.startswith(prefix)]
    assert found, f"no phase {prefix!r} in {[p.name for p in phases]}"
    return found


# --- hand counts -----------------------------------------------------------------------------------------------

def check_linear_counts(phases_of) -> None:
    """A tiny linear setting counted by hand: each entry of a product is a dot product, one multiply and one add
    per term (2 flops); a float32 element is 4 bytes."""
    s = LinearSetting(dim=10, q=0.6, epochs=3, n_sets=2, methods=("gd", "momentum_ridge"), gradient="rowspace")
    R, D, N, M, E = 2, 10, 6, 2, 3
    phases = phases_of(s)
    gram_entries = [(i, j) for i in range(N) for j in range(N)]  # X^T X: N x N entries, D terms each
    assert _phase(phases, "gram X^T X")[0].flops == R * sum(2 * D for _ in gram_entries)
    # the epoch product A (M x N) times G (N x N): M N entries of N terms, once per epoch 0..E, per set
    product = _phase(phases, "epochs: (M x N) by G")[0]
    assert product.flops == R * (E + 1) * sum(2 * N for _ in range(M * N))
    assert product.bytes == R * (E + 1) * (N * N + M * N) * 4  # G and A read, once each
    # two passes over every design matrix X (D x N floats): the projections, and the final students
    assert _phase(phases, "projections")[0].bytes == R * D * N * 4
    assert _phase(phases, "final students")[0].flops == R * sum(2 * N for _ in range(M * D))
    # the symmetric eigensolve reduces G to tridiagonal form: about 4/3 N^3 flops per set (Golub & Van Loan)
    for route in ("rowspace", "tridiagonal"):
        big = phases_of(LinearSetting(dim=1000, q=0.3, epochs=1, n_sets=1, gradient=route))
        eig = sum(p.flops for p in _phase(big, "tridiagonal reduction"))
        assert eig == pytest.approx(4 / 3 * 300**3, rel=1e-2)
    # the tridiagonal route: no product with G; the reflectors (lengths N - 1 .. 1) carry u, w and the M final
    # rows, a dot product and an update of each reflector's length per vector (4 flops an element), in two passes
    # that each read every reflector once
    tri = phases_of(s.with_(gradient="tridiagonal"))
    assert not [p for p in tri if p.name.startswith("epochs: (M x N) by G")]
    basis = _phase(tri, "basis")[0]
    assert basis.flops == R * (2 + M) * sum(4 * k for k in range(1, N))
    assert basis.bytes == R * 2 * sum(range(1, N)) * 4
    # per epoch, (M, N) vectors read or written: gamma u - w (3), c + d a (3) and the two off-diagonals (3 each),
    # rho.rho (1), rho + c (3), a.(rho + c) (2); then, but for the last epoch, beta b + rho (3), + lam a (3),
    # a - eta b (3)
    vectors = (E + 1) * (3 + 3 + 3 + 3 + 1 + 3 + 2) + E * (3 + 3 + 3)
    assert _phase(tri, "epochs: vector updates")[0].bytes == R * vectors * M * N * 4


def test_the_symmetric_gram_is_counted_by_its_blocks():
    """N = 600 in 3 column blocks of 200: block rows of 200 x 600, 200 x 400 and 200 x 200 entries, D terms each;
    the tridiagonal route's one triangle: sum over columns j of the N - j entries on and below the diagonal."""
    s = LinearSetting(dim=1000, q=0.6, epochs=1, n_sets=2, gradient="rowspace")
    gram = _phase(linear_phases(s), "gram X^T X")[0]
    assert gram.flops == 2 * sum(2 * 1000 * 200 * width for width in (600, 400, 200))
    phases = linear_phases(s.with_(gradient="tridiagonal"))
    triangle = _phase(phases, "gram X^T X (one triangle")[0]
    assert triangle.flops == 2 * sum(2 * 1000 * (600 - j) for j in range(600))
    assert not [p for p in phases if p.name == "gram / N"]  # the 1/N is syrk's alpha


def test_linear_counts_match_a_hand_count():
    check_linear_counts(linear_phases)


def test_a_linear_count_that_forgets_the_factor_2_is_caught():
    def forgetful(s):
        return [Phase(p.name, p.flops / 2, p.bytes, p.resident, p.dtype) if p.name == "gram X^T X" else p
                for p in linear_phases(s)]

    with pytest.raises(AssertionError):
        check_linear_counts(forgetful)


def check_network_counts(phases_of) -> None:
    """two_layer and relu, tiny, counted by hand from the update rule of torch.optim.SGD with the L1 step."""
    s = TWO_LAYER.with_(dim=6, hidden=5, n_train=4, epochs=7, n_sets=2, record_every=3)
    R, K, D, h, N, E = 2, 3, 6, 5, 4, 7
    P = D * h
    phases = phases_of(s)
    # per update and weight of M, elements read + written:
    #   every method: buf = 0.9 buf + g v^T (read buf, write buf: 2); w -= lr buf (read w, buf; write w: 3)
    #   ridge also: buf += wd w (read buf, w; write buf: 3)
    #   lasso also: soft threshold of w into scratch (read, write: 2), shrink scratch back into w (2)
    per_method = {"none": 2 + 3, "ridge": 2 + 3 + 3, "lasso": 2 + 3 + 2 + 2}
    assert [m.name for m in s.methods] == list(per_method)
    steps = _phase(phases, "momentum buffers and SGD steps (M)")[0]
    assert steps.bytes == R * E * sum(per_method.values()) * P * 4
    # S = V M^T and g_V = M^T g: K D and K h entries of h and D terms; X S^T and X^T resid: K N and K D entries
    # of D and N terms; at every evaluation 0..E
    assert _phase(phases, "products V M^T")[0].flops == R * (E + 1) * (2 * h * K * D + 2 * D * K * h)
    assert _phase(phases, "products with X")[0].flops == R * (E + 1) * (2 * D * K * N + 2 * N * K * D)
    # the recorded epochs' validation loss reuses that evaluation's S: no product of its own
    assert not [p for p in phases if p.name.startswith("recorded epochs")]

    r = RELU.with_(dim=6, hidden=5, n_train=4, n_val=3, teacher_hidden=2, n_test=9, epochs=7, n_sets=2)
    relu = phases_of(r)
    # Z = X M: N h entries of D terms, per method and evaluation; buf += X^T dZ: D h entries of N terms, per update
    assert _phase(relu, "products X M")[0].flops == R * K * (E + 1) * 2 * D * N * h
    assert _phase(relu, "products X^T dZ")[0].flops == R * K * E * 2 * N * D * h


def test_network_counts_match_a_hand_count():
    check_network_counts(network_phases)


def test_a_network_count_that_forgets_the_weight_decay_pass_is_caught(monkeypatch):
    real = floor_model._update_traffic
    monkeypatch.setattr(floor_model, "_update_traffic",
                        lambda m: real(Method(m.name, m.lr, m.momentum, 0.0, m.l1, m.shrink)))
    with pytest.raises(AssertionError):
        check_network_counts(network_phases)


def test_counts_follow_the_epochs_actually_run():
    """--epochs-scale hands the workloads a setting with fewer epochs: the per-epoch phases shrink with it."""
    for short, long in ((LinearSetting(dim=40, n_sets=2, epochs=10, gradient="rowspace"),
                         LinearSetting(dim=40, n_sets=2, epochs=20, gradient="rowspace")),
                        (TWO_LAYER.with_(epochs=10, n_sets=1), TWO_LAYER.with_(epochs=20, n_sets=1))):
        make = linear_phases if isinstance(short, LinearSetting) else network_phases
        a = {p.name: p.flops for p in make(short)}
        b = {p.name: p.flops for p in make(long)}
        name = "epochs: (M x N) by G" if make is linear_phases else "products with X and X^T"
        assert b[name] / a[name] == pytest.approx(21 / 11)


def test_the_model_refuses_a_route_it_does_not_count():
    with pytest.raises(ValueError, match="rowspace"):
        linear_phases(LinearSetting(dim=40, n_sets=2, methods=("gd", "lasso")))


# --- the floor arithmetic --------------------------------------------------------------------------------------

def test_a_phase_takes_the_larger_of_its_flop_time_and_its_byte_time():
    compute = Phase("gemm", flops=2e9, bytes=1e6, resident=10)  # in L2: 1e6 / 200e9 = 5 us; 2e9 / 100e9 = 20 ms
    stream = Phase("stream", flops=1e6, bytes=4e9, resident=10**7)  # DRAM: 4e9 / 20e9 = 0.2 s
    assert compute.seconds(FAKE) == (pytest.approx(0.02), "L2", "flops")
    assert stream.seconds(FAKE) == (pytest.approx(0.2), "DRAM", "bytes")
    assert floor_seconds([compute, stream], FAKE) == pytest.approx(0.22)  # summed, not overlapped
    assert Phase("dgemm", 1e9, 0, 0, "float64").seconds(FAKE)[0] == pytest.approx(0.02)


@pytest.mark.parametrize("resident,level", [(0, "L2"), (1000, "L2"), (1001, "L3"), (100_000, "L3"),
                                            (100_001, "DRAM")])
def test_a_working_set_lives_in_the_smallest_cache_that_holds_it(resident, level):
    assert FAKE.level_of(resident) == level


# --- the measurement's bookkeeping -----------------------------------------------------------------------------

def _sysfs(root, entries):
    for i, (level, kind, size) in enumerate(entries):
        d = root / f"index{i}"
        d.mkdir(parents=True)
        (d / "level").write_text(f"{level}\n")
        (d / "type").write_text(f"{kind}\n")
        (d / "size").write_text(f"{size}\n")


def test_cache_sizes_come_from_sysfs_and_say_so(tmp_path):
    _sysfs(tmp_path, [(1, "Data", "32K"), (1, "Instruction", "32K"), (2, "Unified", "1024K"), (3, "Unified", "32M")])
    sizes, source = floors.cache_sizes(tmp_path)
    assert sizes == {"L2": 2**20, "L3": 32 * 2**20}
    assert source["L2"].endswith("index2/size") and source["L3"].endswith("index3/size")


def test_missing_cache_sizes_fall_back_and_say_so(tmp_path):
    _sysfs(tmp_path, [(2, "Unified", "512K")])
    sizes, source = floors.cache_sizes(tmp_path)
    assert sizes == {"L2": 512 * 1024, "L3": floors.FALLBACK_CACHE_BYTES["L3"]}
    assert source["L3"] == "fallback" and source["L2"] != "fallback"
    assert floors.cache_sizes(tmp_path / "absent")[1] == {"L2": "fallback", "L3": "fallback"}


def test_measure_reports_every_rate_and_the_buffers_it_read(tmp_path):
    _sysfs(tmp_path, [(2, "Unified", "64K"), (3, "Unified", "256K")])
    m = floors.measure(gemm_size=64, repeats=1, read_bytes=1 << 20, cache_root=tmp_path)
    assert m.buffer_bytes == {"L2": 32 * 1024, "L3": 128 * 1024, "DRAM": 8 * 256 * 1024}
    assert set(m.gemm_gflops) == {"float32", "float64"} and set(m.bandwidth_gbs) == {"L2", "L3", "DRAM"}
    assert all(v > 0 and math.isfinite(v) for v in [*m.gemm_gflops.values(), *m.bandwidth_gbs.values()])
    assert MachineFloors.from_json(json.loads(json.dumps(m.to_json()))) == m


def test_best_of_two_measurements_takes_each_higher_rate():
    slow = MachineFloors(**{**FAKE.to_json(), "gemm_gflops": {"float32": 60.0, "float64": 70.0},
                            "bandwidth_gbs": {"L2": 300.0, "L3": 50.0, "DRAM": 10.0}})
    both = floors.best_of(FAKE, slow)
    assert both.gemm_gflops == {"float32": 100.0, "float64": 70.0}
    assert both.bandwidth_gbs == {"L2": 300.0, "L3": 100.0, "DRAM": 20.0}
    with pytest.raises(ValueError, match="threads"):
        floors.best_of(FAKE, MachineFloors(**{**FAKE.to_json(), "threads": 2}))


def test_the_other_thread_count_is_all_cores_or_one():
    assert floors.other_thread_count(1, cores=2) == 2
    assert floors.other_thread_count(2, cores=2) == 1
    assert floors.other_thread_count(1, cores=1) is None


# --- table and JSON --------------------------------------------------------------------------------------------

@pytest.fixture
def fake_run(monkeypatch):
    """A bench whose floors are FAKE (measured 'here' and in the 'other' process) and whose gen_linear did a known
    amount of work: 4e9 flops in L2 (40 ms at 100 GFLOP/s), while ours took 0.1 s."""
    calls = []
    monkeypatch.setattr(floors, "measure", lambda: calls.append("here") or FAKE)
    monkeypatch.setattr(floors, "measure_in_subprocess",
                        lambda n: calls.append(n) or MachineFloors(**{**FAKE.to_json(), "threads": n}))
    result = lambda setting: bench_module.BenchResult(  # noqa: E731
        "gen_linear", 1.0, 0.1, 1e-9, {"n_sets": 3}, phases=[Phase("p", 4e9, 0.0, 10)])
    monkeypatch.setattr(bench_module, "bench_gen_linear", result)
    return calls


def test_bench_reports_floor_and_ours_over_floor_in_table_and_json(tmp_path, fake_run):
    path = tmp_path / "b.json"
    out = CliRunner().invoke(main, ["bench", "--workload", "gen_linear", "--json", str(path)], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    row = next(line.split() for line in out.output.splitlines() if line.startswith("gen_linear "))
    assert row == ["gen_linear", "1.00", "0.10", "10.0x", "0.04", "2.50x"]
    assert "floors, 1 thread: SGEMM 100" in out.output and "used: the better of start and end" in out.output
    assert fake_run[0] == fake_run[-1] == "here"  # measured before and after the work
    data = json.loads(path.read_text())
    assert data["gen_linear"]["floor_seconds"] == pytest.approx(0.04)
    assert data["gen_linear"]["ours_over_floor"] == pytest.approx(2.5)
    assert data["gen_linear"]["ratio"] == 10.0
    assert data["floors"]["threads_used_for_floor_seconds"] == 1
    other = floors.other_thread_count(1)
    assert set(data["floors"]["start"]) == {"1"} | ({str(other)} if other else set())
    assert data["floors"]["used"]["gemm_gflops"] == FAKE.gemm_gflops
    assert data["gen_linear"]["floor_phases"][0]["bound"] == "flops"


def test_bench_without_floors_measures_none_and_leaves_the_fields_empty(tmp_path, fake_run):
    path = tmp_path / "b.json"
    out = CliRunner().invoke(main, ["bench", "--workload", "gen_linear", "--no-floors", "--json", str(path)],
                             catch_exceptions=False)
    assert out.exit_code == 0 and fake_run == []
    data = json.loads(path.read_text())
    assert "floors" not in data and data["gen_linear"]["floor_seconds"] is None
    assert "ours/floor" not in out.output


def test_a_workload_without_a_count_says_why():
    result = bench_module.BenchResult("lasso", 1.0, 2.0, 0.0, floor_note=bench_module.LASSO_FLOOR_NOTE)
    result.set_floor(FAKE)
    row = result.to_json()
    assert row["floor_seconds"] is None and row["ours_over_floor"] is None and "no floor" in row["floor_note"]


def test_the_floors_command_writes_what_it_measured(tmp_path, monkeypatch):
    monkeypatch.setattr(floors, "measure", lambda: FAKE)
    path = tmp_path / "f.json"
    out = CliRunner().invoke(main, ["floors", "--json", str(path)], catch_exceptions=False)
    assert out.exit_code == 0 and "SGEMM 100, DGEMM 50 GFLOP/s" in out.output
    assert MachineFloors.from_json(json.loads(path.read_text())) == FAKE
